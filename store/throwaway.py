"""A throwaway PostgreSQL + PostGIS cluster built from the system binaries, for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the cluster is created and run as the
``postgres`` system user. The cluster lives in a temporary folder, listens on 127.0.0.1 only, and is
removed when stopped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


class ClusterError(RuntimeError):
    """The throwaway cluster could not be started."""


def find_pg_bin() -> Path | None:
    """Return the folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    env = os.environ.get("VOISINAGE_PG_BIN")
    for candidate in ([env] if env else []) + list(PG_BIN_CANDIDATES):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def postgis_available(pg_bin: Path) -> bool:
    """Whether the PostGIS extension is installed for this PostgreSQL."""
    sharedir = subprocess.run(
        [str(pg_bin / "pg_config"), "--sharedir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(sharedir) and (Path(sharedir) / "extension" / "postgis.control").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ThrowawayCluster:
    """Start with :meth:`start`, read :attr:`url`, stop with :meth:`stop` (or use as a context manager)."""

    dbname: str = "voisinage_test"
    port: int = field(default_factory=_free_port)
    workdir: Path | None = None
    _pg_bin: Path | None = None

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=False)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def start(self) -> ThrowawayCluster:
        self._pg_bin = find_pg_bin()
        if self._pg_bin is None:
            raise ClusterError("PostgreSQL is not installed (initdb not found).")
        if not postgis_available(self._pg_bin):
            raise ClusterError("PostGIS is not installed (apt-get install postgresql-15-postgis-3).")
        self.workdir = Path(tempfile.mkdtemp(prefix="voisinage-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        datadir = self.workdir / "data"
        steps = [
            [
                str(self._pg_bin / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            [
                str(self._pg_bin / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                str(self.workdir / "log"),
                "-w",
                "start",
                "-o",
                f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=256MB -c work_mem=64MB",
            ],
        ]
        for step in steps:
            done = self._run(step)
            if done.returncode != 0:
                raise ClusterError(f"{step[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
        psql = str(self._pg_bin / "psql")
        for sql in (f"CREATE DATABASE {self.dbname}",):
            self._psql(psql, "postgres", sql)
        self._psql(psql, self.dbname, "CREATE EXTENSION IF NOT EXISTS postgis")
        return self

    def _psql(self, psql: str, db: str, sql: str) -> None:
        for _ in range(50):
            done = self._run(
                [
                    psql,
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-d",
                    db,
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    sql,
                ]
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise ClusterError(f"psql failed: {done.stderr.strip()}")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: open transactions are rolled back, connections cut, committed work kept;
        returns once the server accepts connections again (same port and options)."""
        if self.workdir is None or self._pg_bin is None:
            raise ClusterError("the cluster is not running")
        done = self._run([str(self._pg_bin / "pg_ctl"), "-D", str(self.workdir / "data"), "-m", "fast", "-w",
                          "-l", str(self.workdir / "log"), "restart"])  # fmt: skip
        if done.returncode != 0:
            raise ClusterError(f"pg_ctl restart failed: {done.stderr.strip() or done.stdout.strip()}")

    def stop(self) -> None:
        if self.workdir is None or self._pg_bin is None:
            return
        self._run([str(self._pg_bin / "pg_ctl"), "-D", str(self.workdir / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None

    def __enter__(self) -> ThrowawayCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

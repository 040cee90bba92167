"""Starting ``voisinage serve`` as a subprocess on a free port (browser tests and ``make bench``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
STARTUP_WAIT_S = 240.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_database(folder: Path) -> str:
    """A fresh demo database (synthetic commune cut in 9 sectors, one account per role, alerts); its URL."""
    from data.demo import build

    path = folder / "app.sqlite3"
    build(path, shared=False)
    return f"sqlite:///{path}"


@contextmanager
def running_server(db_url: str, log: Path, **env: str) -> Iterator[str]:
    """``voisinage serve`` on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    port = free_port()
    environment = {**os.environ, "VOISINAGE_MAP_TILES": "none", "VOISINAGE_DEMO_MODE": "false", **env}
    command = [sys.executable, "-c", "from cli import main; main()", "--db", db_url, "serve", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_WAIT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"voisinage serve stopped: {log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"voisinage serve did not answer: {log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def chromium_path() -> str | None:
    """Debian's chromium (installed by ``make test``), never a downloaded browser."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def browser_sign_in(
    page: Any, base: str, email: str, password: str, *, totp: str = "", timeout_ms: float = 120_000
) -> None:
    """Sign in through the sign-in form in a Playwright ``page`` (``totp``: the staff's code), and wait for the
    app's home page."""
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    if totp:
        page.fill("#totp", totp)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/", timeout=timeout_ms)

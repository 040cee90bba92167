"""What every benchmark shares: timing, percentiles, the report lines, the PostGIS database.

A benchmark module is ``bench/bench_<topic>.py`` with ``def run(ctx: BenchContext) -> None``. It measures
Voisinage and a baseline in the same process and reports both with :meth:`BenchContext.report`, so the
ratio printed is meaningful on whatever machine runs it. Timings are never asserted; they are printed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from store.throwaway import ThrowawayCluster


def timed(func: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls, in seconds (the best is the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def latencies(func: Callable[[int], object], n: int) -> list[float]:
    """Wall time of each of ``n`` calls ``func(i)``, in seconds."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        func(i)
        out.append(time.perf_counter() - start)
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q`` percentile (0–100) of ``values``."""
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1] if len(values) > 1 else values[0]


@dataclass
class BenchContext:
    quick: bool = False
    postgis_url: str | None = None
    lines: list[str] = field(default_factory=list)

    def report(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        baseline: float | None = None,
        baseline_name: str = "",
        higher_is_better: bool = True,
        target: str = "",
    ) -> None:
        """Print one figure, with its ratio to the baseline measured in the same run."""
        line = f"{name:<58} {value:>14,.3f} {unit}"
        if baseline:
            ratio = value / baseline if higher_is_better else baseline / value
            line += f"   x{ratio:.2f} vs {baseline_name}"
        if target:
            line += f"   (cible : {target})"
        print(line, flush=True)
        self.lines.append(line)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)
        self.lines.append(f"== {title}")


@contextmanager
def postgis(url: str | None) -> Iterator[str]:
    """A PostGIS database URL: the given one, or a throwaway cluster for the run."""
    if url:
        yield url
        return
    with ThrowawayCluster(dbname="voisinage_bench") as cluster:
        yield cluster.url


def own_postgis_database(url: str, name: str) -> str:
    """A fresh PostGIS database ``name`` in the bench cluster at ``url`` (other benchmarks reset theirs); its URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store import make_engine

    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(own)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return own

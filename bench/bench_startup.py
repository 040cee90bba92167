"""Start-up of the ``voisinage`` command: ``--help`` and a one-point ``sectors locate``, as a user runs them.

Each is a fresh process (``subprocess``), repeated, and the median wall time is reported beside the median of
``python -c pass`` measured in the same run (the interpreter's own start). Targets (issue 9): ``--help``
<= 0.5 s, one-point locate <= 1.0 s. Bytecode is compiled first (what ``make deps`` does), so that a machine
where ``PYTHONDONTWRITEBYTECODE`` is set measures what its users get.
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from bench._harness import BenchContext

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("alerts", "cli", "community", "gis", "layers", "notify", "sectors", "server", "services", "settings",
            "stats", "store")  # fmt: skip
BOURAY = "91095"


def _wall(command: list[str], repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``repeat`` runs of ``command``, in seconds.

    The CPU time is what the command costs on a quiet machine; the wall time is what the user waits here.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _database(folder: Path) -> str:
    """A SQLite database with Bouray-sur-Juine cut into a 4 x 4 grid of sectors, active (built in-process)."""
    from data.synthetic import grid_sectors
    from sectors import import_sector_set, load_boundary, register_commune
    from store import make_engine, transaction, upgrade

    url = f"sqlite:///{folder / 'startup.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    shared = ROOT.parent / "shared" / "data" / "boundaries" / "bouray-sur-juine_91095_osm-relation-396777.geojson"
    if shared.exists():
        boundary = load_boundary(shared, BOURAY, max_mb=50)
    else:
        import shapely

        boundary = shapely.MultiPolygon([shapely.box(2.28, 48.50, 2.32, 48.53)])
    with transaction(engine) as session:
        commune = register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
        import_sector_set(session, commune, grid_sectors(boundary, commune.crs_epsg, 4, 4), activate=True)
    engine.dispose()
    return url


def run(ctx: BenchContext) -> None:
    """Measure the interpreter, ``voisinage --help`` and a one-point locate in fresh processes."""
    for package in PACKAGES:
        compileall.compile_dir(str(ROOT / package), quiet=1, force=False)
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1, force=False)  # as UV_COMPILE_BYTECODE=1 does
    repeat = 3 if ctx.quick else 7
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # as on this machine: only compiled bytecode helps
    script = [sys.executable, "-c", "from cli import main; main()"]
    with tempfile.TemporaryDirectory() as folder:
        url = _database(Path(folder))
        baseline, baseline_cpu = _wall([sys.executable, "-c", "pass"], repeat, env)
        ctx.report("python -c pass (médiane, mur)", baseline, "s", higher_is_better=False)
        ctx.report("python -c pass (médiane, CPU)", baseline_cpu, "s", higher_is_better=False)
        runs = {
            "voisinage --help": ([*script, "--help"], "<= 0,5 s"),
            "voisinage sectors locate, un point": (
                [*script, "--db", url, "sectors", "locate", "--commune", BOURAY, "2.2995", "48.5207"],
                "<= 1,0 s",
            ),
        }
        for name, (command, target) in runs.items():
            wall, cpu = _wall(command, repeat, env)
            ctx.report(f"{name} (médiane, mur)", wall, "s", baseline=baseline, baseline_name="python -c pass",
                       higher_is_better=False, target=target)  # fmt: skip
            ctx.report(f"{name} (médiane, CPU)", cpu, "s", baseline=baseline_cpu, baseline_name="python -c pass",
                       higher_is_better=False)  # fmt: skip

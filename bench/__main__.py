"""Run the benchmarks: ``python -m bench [--quick] [--only TOPIC ...]`` (``make bench``).

Each ``bench/bench_<topic>.py`` measures Voisinage against a baseline in the same process and prints
both with the ratio. Nothing here is asserted: the figures go into the issue notes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import time
from pathlib import Path

from bench._harness import BenchContext, postgis


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Mesures de performance de Voisinage.")
    parser.add_argument("--quick", action="store_true", help="jeux de données réduits (vérification rapide)")
    parser.add_argument("--only", nargs="*", default=None, help="sujets à lancer (ex. lookup)")
    args = parser.parse_args()
    topics = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    chosen = [t for t in topics if not args.only or t in args.only]
    print(
        f"Voisinage bench — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cœurs, {time.strftime('%Y-%m-%d %H:%M')}; sujets : {', '.join(chosen)}"
    )
    with postgis(os.environ.get("VOISINAGE_TEST_DATABASE_URL")) as url:
        ctx = BenchContext(quick=args.quick, postgis_url=url)
        for topic in chosen:
            module = importlib.import_module(f"bench.bench_{topic}")
            ctx.section(topic)
            module.run(ctx)


if __name__ == "__main__":
    main()

"""``make demo``: build a demo database (embedded SQLite) and show sectors and look-ups from the CLI.

Uses the real Bouray-sur-Juine boundary from ``../shared/data`` when it is there, else a synthetic commune.
The demo database is ``data/demo.sqlite3`` (rebuilt each time); your own database is never touched.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

import click
import geopandas as gpd
import shapely

from cli import app
from data.synthetic import grid_sectors
from gis import metric_crs, write_vector_file
from settings import PROJECT_ROOT

DEMO_DB = PROJECT_ROOT / "data" / "demo.sqlite3"
SHARED_BOUNDARY = (
    PROJECT_ROOT.parent / "shared" / "data" / "boundaries" / "bouray-sur-juine_91095_osm-relation-396777.geojson"
)


def voisinage(*args: str) -> int:
    """Run one ``voisinage`` command as a user would, echoing it first."""
    argv = ["--db", f"sqlite:///{DEMO_DB}", *args]
    print(f"\n$ voisinage {shlex.join(args)}", flush=True)
    try:
        app(argv, standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    return 0


def main() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if SHARED_BOUNDARY.exists():
            insee, name, boundary_file = "91095", "Bouray-sur-Juine", SHARED_BOUNDARY
            boundary = gpd.read_file(boundary_file).geometry.iloc[0]
        else:
            print("(../shared/data absent : commune synthétique)")
            insee, name = "91999", "Commune de démonstration"
            boundary = shapely.box(2.28, 48.50, 2.32, 48.53)
            boundary_file = Path(tmp) / "commune.geojson"
            write_vector_file(gpd.GeoDataFrame({"insee": [insee]}, geometry=[boundary], crs=4326), boundary_file)
        sectors_file = Path(tmp) / "secteurs.geojson"
        write_vector_file(grid_sectors(boundary, metric_crs(insee), 3, 3), sectors_file)
        centre = boundary.representative_point()
        points = Path(tmp) / "points.csv"
        points.write_text(
            "lon,lat\n"
            + "\n".join(
                f"{p.x:.5f},{p.y:.5f}"
                for p in shapely.get_parts(
                    shapely.points(shapely.get_coordinates(boundary.buffer(-0.002).exterior)[::25])
                )
            )
            + "\n2.0,48.0\n"
        )
        steps = [
            ("db", "init"),
            ("commune", "add", "--insee", insee, "--name", name, "--boundary", str(boundary_file)),
            (
                "sectors",
                "import",
                "--commune",
                insee,
                str(sectors_file),
                "--label",
                "Découpage de démonstration",
                "--activate",
            ),
            ("sectors", "list", "--commune", insee),
            ("sectors", "locate", "--commune", insee, f"{centre.x:.5f}", f"{centre.y:.5f}"),
            ("sectors", "locate", "--commune", insee, "--csv", str(points)),
        ]
        for step in steps:
            if voisinage(*step) not in (0,):
                sys.exit(1)
    print(f"\nBase de démonstration : {DEMO_DB}")
    print(f"Essayez : uv run voisinage --db sqlite:///{DEMO_DB} sectors locate --commune {insee} LON LAT")


if __name__ == "__main__":
    main()

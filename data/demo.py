"""``make demo``: build a demo database (embedded SQLite) with an account per role, then serve the app on it.

With ``../shared/data`` present, the demo registers Orsay (IGN boundary), lets Voisinage propose 12 sectors cut
along its real OpenStreetMap streets, activates them, and locates points. Without it, a synthetic commune is
cut into a grid. The demo database is ``data/demo.sqlite3`` (rebuilt each time); your own database is never
touched.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

import click
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from cli import app
from data.demo_accounts import create_demo_accounts, create_demo_alerts
from data.synthetic import grid_sectors
from data.synthetic_ban import address_rows, grid_streets, named_streets, write_ban
from gis import metric_crs, read_vector_file, write_vector_file
from sectors import pick_commune
from settings import PROJECT_ROOT

DEMO_DB = PROJECT_ROOT / "data" / "demo.sqlite3"
SHARED = PROJECT_ROOT.parent / "shared" / "data"
COMMUNES = SHARED / "boundaries" / "communes-91-essonne_france-geojson_ign-2018.geojson"
STREETS = SHARED / "osm" / "orsay_91471_highways_subset_2021-03-11.geojson"


def voisinage(*args: str, db_path: Path = DEMO_DB) -> int:
    """Run one ``voisinage`` command on the database ``db_path`` as a user would, echoing it first."""
    print(f"\n$ voisinage {shlex.join(args)}", flush=True)
    try:
        app(["--db", f"sqlite:///{db_path}", *args], standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    return 0


def _points_file(boundary: BaseGeometry, folder: Path) -> Path:
    """A few points inside the commune, and one far outside it."""
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = shapely.bounds(boundary)
    xs, ys = rng.uniform(minx, maxx, 200), rng.uniform(miny, maxy, 200)
    inside = shapely.contains_xy(boundary, xs, ys)
    rows = [f"{x:.5f},{y:.5f}" for x, y in zip(xs[inside][:8], ys[inside][:8], strict=True)]
    path = folder / "points.csv"
    path.write_text("lon,lat\n" + "\n".join([*rows, "2.0,48.0"]) + "\n")
    return path


DEMO_CHARTER = """Charte de la participation citoyenne (démonstration)

1. J'informe mes voisins de faits de sécurité ou de solidarité, je décris des faits, jamais des personnes.
2. Ici pas de shérif, pas de milice : je n'interviens pas moi-même, je ne patrouille pas, je ne menace personne.
3. En cas d'urgence ou de délit en cours, j'appelle le 17 (ou le 112) avant tout.
4. Je ne publie ni nom, ni plaque d'immatriculation, ni numéro de téléphone, ni origine supposée.
5. Je respecte la vie privée de chacun : ce que je lis ici reste entre voisins.
6. Voisinage n'est pas « allô mairie » : voirie, éclairage, déchets se signalent à la mairie.
"""


def _addresses_and_charter(
    folder: Path, insee: str, streets: dict[str, BaseGeometry], postcode: str, city: str
) -> list[tuple[str, ...]]:
    """The steps importing synthetic BAN addresses along ``streets`` and publishing the demo charter."""
    rows = address_rows(streets, insee=insee, postcode=postcode, city=city, epsg=metric_crs(insee))
    ban = write_ban(rows, folder / "adresses.csv")
    charter = folder / "charte.txt"
    charter.write_text(DEMO_CHARTER, encoding="utf-8")
    return [("addresses", "import", str(ban)), ("charter", "publish", str(charter), "--commune", insee)]


def _steps(folder: Path, *, shared: bool = True) -> list[tuple[str, ...]]:
    if shared and COMMUNES.exists() and STREETS.exists():
        insee = "91471"
        boundary = pick_commune(read_vector_file(COMMUNES, max_mb=50), insee, COMMUNES.name)
        streets = named_streets(read_vector_file(STREETS, max_mb=50), boundary)
        return [
            ("commune", "add", "--insee", insee, "--name", "Orsay", "--boundary", str(COMMUNES)),
            (
                "sectors",
                "generate",
                "--commune",
                insee,
                "--streets",
                str(STREETS),
                "--sectors",
                "12",
                "--save",
                "--label",
                "Proposition le long des rues",
            ),
            ("sectors", "activate", "--commune", insee, "--version", "1"),
            ("sectors", "list", "--commune", insee),
            (
                "sectors",
                "locate",
                "--commune",
                insee,
                *(f"{c:.5f}" for c in shapely.get_coordinates(shapely.point_on_surface(boundary))[0]),
            ),
            ("sectors", "locate", "--commune", insee, "--csv", str(_points_file(boundary, folder))),
            *_addresses_and_charter(folder, insee, streets, "91400", "Orsay"),
        ]
    if shared:
        print(f"({SHARED} absent : commune synthétique découpée en grille)")
    else:  # tests and benchmarks ask for the synthetic commune on purpose (known sectors, quick to build)
        print("(commune synthétique découpée en grille, choisie à dessein pour les tests et les mesures)")
    insee, boundary = "91999", shapely.box(2.28, 48.50, 2.32, 48.53)
    boundary_file = write_vector_file(
        gpd.GeoDataFrame({"insee": [insee]}, geometry=[boundary], crs=4326), folder / "commune.geojson"
    )
    sectors_file = write_vector_file(grid_sectors(boundary, metric_crs(insee), 3, 3), folder / "secteurs.geojson")
    return [
        ("commune", "add", "--insee", insee, "--name", "Commune de démonstration", "--boundary", str(boundary_file)),
        ("sectors", "import", "--commune", insee, str(sectors_file), "--activate"),
        ("sectors", "list", "--commune", insee),
        ("sectors", "locate", "--commune", insee, "--csv", str(_points_file(boundary, folder))),
        *_addresses_and_charter(folder, insee, grid_streets(boundary, metric_crs(insee)), "91999", "Démonstration"),
    ]


def build(db_path: Path = DEMO_DB, *, shared: bool = True) -> str:
    """Build the demo database at ``db_path`` (rebuilt each time) with its accounts; return its INSEE code."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        steps = _steps(Path(tmp), shared=shared)
        for step in [("db", "init"), *steps]:
            if voisinage(*step, db_path=db_path) != 0:
                sys.exit(1)
    insee = steps[0][steps[0].index("--insee") + 1]
    create_demo_accounts(f"sqlite:///{db_path}", insee)
    create_demo_alerts(f"sqlite:///{db_path}")
    return insee


def main() -> None:
    """``make demo``: build the demo database, then serve the app on it (no internet needed)."""
    port = int(os.environ.get("DEMO_PORT", "8501"))
    os.environ["VOISINAGE_DEMO_MODE"] = "true"
    os.environ.setdefault("VOISINAGE_MAP_TILES", "none")
    if STREETS.exists():
        os.environ.setdefault("VOISINAGE_MAP_STREETS_FILE", str(STREETS))
    build()
    print(f"\nBase de démonstration : {DEMO_DB}")
    print(f"Application : http://127.0.0.1:{port}/  (comptes de démonstration sur la page de connexion ; Ctrl+C)")
    sys.stdout.flush()
    voisinage("serve", "--port", str(port))


if __name__ == "__main__":
    main()

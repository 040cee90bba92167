"""``voisinage sectors``: import, list, activate, export sector sets, and locate points."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from cli._context import out, reports_errors, state
from cli._sectors_generate import generate
from gis import InputError, check_file, read_vector_file, write_vector_file
from sectors import (
    SectorRules,
    activate_set,
    get_commune,
    get_set,
    import_sector_set,
    locator,
    sets_of,
    to_geodataframe,
)
from settings import get_settings
from store import transaction

app = typer.Typer(
    help="Secteurs : découpages versionnés d'une commune, recherche du secteur d'un point.", no_args_is_help=True
)

STATUS_FR = {"draft": "brouillon", "active": "actif", "retired": "retiré"}
COMMUNE_OPTION = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")


def _rules() -> SectorRules:
    s = get_settings()
    return SectorRules(s.within_tolerance_m, s.overlap_tolerance_m2, s.repair_min_area_ratio)


@app.command("import")
@reports_errors
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FICHIER", help="Secteurs : GeoJSON, GeoPackage ou Shapefile."),
    commune: str = COMMUNE_OPTION,
    name_field: str | None = typer.Option(
        None, "--name-field", metavar="CHAMP", help="Champ portant le nom des secteurs (sinon nom/name/secteur…)."
    ),
    label: str = typer.Option("", "--label", help="Libellé de cette version du découpage."),
    activate: bool = typer.Option(False, "--activate", help="Active le découpage importé (l'actuel est retiré)."),
) -> None:
    """Importe un découpage en secteurs (nouvelle version, en brouillon sauf --activate)."""
    settings = get_settings()
    gdf = read_vector_file(file, max_mb=settings.max_upload_mb, keep_missing=True)
    with transaction(state(ctx).engine()) as session:
        outcome = import_sector_set(
            session,
            get_commune(session, commune),
            gdf,
            name_field=name_field,
            label=label,
            source=file.name,
            activate=activate,
            rules=_rules(),
        )
        sset = outcome.sector_set
        typer.echo(
            f"Version {sset.version} importée ({STATUS_FR[sset.status.value]}) : {len(sset.sectors)} secteurs.",
            err=True,
        )
        if outcome.repaired:
            typer.echo(f"Géométries réparées : {', '.join(outcome.repaired)}.", err=True)
        typer.echo(outcome.report.summary(), err=True)
        if not activate:
            typer.echo(
                f"Pour l'activer : voisinage sectors activate --commune {commune} --version {sset.version}", err=True
            )


@app.command("activate")
@reports_errors
def activate(
    ctx: typer.Context,
    commune: str = COMMUNE_OPTION,
    version: int = typer.Option(..., "--version", help="Version du découpage à activer."),
) -> None:
    """Active une version du découpage ; la version active jusque-là est retirée."""
    with transaction(state(ctx).engine()) as session:
        sset = activate_set(session, get_set(session, get_commune(session, commune), version), rules=_rules())
        typer.echo(f"Version {sset.version} active ({len(sset.sectors)} secteurs).", err=True)


@app.command("list")
@reports_errors
def list_(
    ctx: typer.Context,
    commune: str = COMMUNE_OPTION,
    version: int | None = typer.Option(None, "--version", help="Version à détailler (défaut : l'active)."),
) -> None:
    """Liste les versions du découpage et les secteurs de l'une d'elles (nom, surface)."""
    with transaction(state(ctx).engine()) as session:
        com = get_commune(session, commune)
        for sset in sets_of(session, com):
            out(
                f"Version {sset.version}\t{STATUS_FR[sset.status.value]}\t{len(sset.sectors)} secteurs\t"
                f"{sset.label}\t{sset.created_at:%Y-%m-%d %H:%M}"
            )
        shown = get_set(session, com, version)
        out(f"\nSecteurs de la version {shown.version} ({STATUS_FR[shown.status.value]}) :")
        for sector in shown.sectors:
            out(f"{sector.code}\t{sector.name}\t{sector.area_m2 / 10_000:.2f} ha\t{sector.referent_places} référents")


@app.command("export")
@reports_errors
def export(
    ctx: typer.Context,
    commune: str = COMMUNE_OPTION,
    out_file: Path = typer.Option(..., "--out", metavar="FICHIER", help="Fichier de sortie : .geojson, .gpkg ou .shp."),
    version: int | None = typer.Option(None, "--version", help="Version à exporter (défaut : l'active)."),
) -> None:
    """Exporte un découpage (format choisi par l'extension)."""
    with transaction(state(ctx).engine()) as session:
        sset = get_set(session, get_commune(session, commune), version)
        gdf = to_geodataframe(sset)
    written = write_vector_file(gdf, out_file)
    typer.echo(f"{len(gdf)} secteurs (version {sset.version}) écrits dans {written}.", err=True)


def _read_points(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    check_file(path, get_settings().max_upload_mb)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name} n'est pas un CSV lisible : {exc}") from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in ("lon", "lat") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name} : colonne(s) {', '.join(missing)} absente(s). Le fichier doit avoir les colonnes lon,lat "
            f"(trouvé : {', '.join(frame.columns) or 'aucune'})."
        )
    lons = pd.to_numeric(frame["lon"].str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)
    lats = pd.to_numeric(frame["lat"].str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(lons) | ~np.isfinite(lats) | (np.abs(lons) > 180) | (np.abs(lats) > 90))
    if len(bad):
        lines = ", ".join(str(i + 2) for i in bad[:10]) + (" …" if len(bad) > 10 else "")
        raise InputError(
            f"{path.name} : {len(bad)} ligne(s) sans longitude/latitude valide (lignes {lines}). "
            "Attendu : des degrés décimaux WGS84, ex. 2.2995,48.5207."
        )
    return frame, lons, lats


@app.command("locate", context_settings={"ignore_unknown_options": True})
@reports_errors
def locate(
    ctx: typer.Context,
    commune: str = COMMUNE_OPTION,
    lon: float | None = typer.Argument(None, help="Longitude (degrés WGS84)."),
    lat: float | None = typer.Argument(None, help="Latitude (degrés WGS84)."),
    csv_file: Path | None = typer.Option(
        None, "--csv", metavar="FICHIER", help="CSV à colonnes lon,lat : écrit lon,lat,sector sur la sortie."
    ),
) -> None:
    """Donne le secteur (découpage actif) d'un point, ou de chaque point d'un CSV.

    Code de sortie : 0 trouvé ; 1 point hors de tout secteur ; 2 entrée invalide.
    Une longitude négative s'écrit telle quelle : voisinage sectors locate --commune 29019 -4.48 48.39
    """
    settings = get_settings()
    engine = state(ctx).engine()
    with transaction(engine) as session:
        com = get_commune(session, commune)
        get_set(session, com)  # a clear error when the commune has no sector set at all
    loc = locator(
        engine,
        com.insee,
        cells_per_sector=settings.lookup_cells_per_sector,
        cache_seconds=settings.lookup_cache_seconds,
    )
    if loc.active_set_id() is None:
        raise InputError(
            f"La commune {com.insee} n'a pas de découpage actif. Activez-en un : "
            f"voisinage sectors activate --commune {com.insee} --version N"
        )
    if csv_file is not None:
        if lon is not None or lat is not None:
            raise InputError("Donnez soit LON LAT, soit --csv FICHIER, pas les deux.")
        frame, lons, lats = _read_points(csv_file)
        ids = loc.locate_many(lons, lats)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["lon", "lat", "sector"])
        for x, y, sid in zip(frame["lon"], frame["lat"], ids, strict=True):
            hit = loc.hit(sid) if sid >= 0 else None
            writer.writerow([x, y, hit.name if hit else ""])
        return
    if lon is None or lat is None:
        raise InputError("Donnez la longitude et la latitude (ex. 2.2995 48.5207), ou --csv FICHIER.")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"Coordonnées hors limites : {lon} {lat}. Attendu : longitude puis latitude, en degrés.")
    hit = loc.locate(lon, lat)
    if hit is None:
        typer.echo(f"Le point ({lon}, {lat}) n'est dans aucun secteur de la commune {com.insee}.", err=True)
        raise typer.Exit(1)
    out(hit.name)


app.command("generate")(generate)

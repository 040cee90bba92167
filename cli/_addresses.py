"""``voisinage addresses`` and ``voisinage geocode``: the BAN address base."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import out, reports_errors, state
from cli._operator import geocoder, operator
from community import locate_sector, record
from gis import InputError, check_query
from store import import_ban, transaction
from store.schema import Commune

app = typer.Typer(help="Adresses de la Base Adresse Nationale (BAN) : import.", no_args_is_help=True)
FILE = typer.Argument(..., help="Fichier CSV officiel de la BAN (23 colonnes séparées par « ; »).")


@app.command("import")
@reports_errors
def import_file(
    ctx: typer.Context,
    file: Path = FILE,
) -> None:
    """Importe (ou met à jour) les adresses d'un fichier BAN ; un fichier mal formé n'est pas importé du tout."""
    engine = state(ctx).engine()
    report = import_ban(engine, file, progress=True)
    with transaction(engine) as session:
        record(
            session,
            operator(),
            "created",
            "address_import",
            report.import_id,
            rows=report.rows,
            inserted=report.inserted,
            updated=report.updated,
            communes=list(report.communes),
        )
    typer.echo(
        f"{report.rows} adresses lues : {report.inserted} ajoutées, {report.updated} mises à jour "
        f"({len(report.communes)} commune(s) : {', '.join(report.communes[:10])}"
        f"{' …' if len(report.communes) > 10 else ''}).",
        err=True,
    )


@reports_errors
def geocode_command(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="L'adresse à chercher, ex. « 32 rue Gérard »."),
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
) -> None:
    """Cherche une adresse et affiche « libellé;lon;lat;score;secteur » (secteur vide si aucun)."""
    engine = state(ctx).engine()
    query = check_query(text)
    insee = commune.strip().upper()
    with transaction(engine) as session:
        hits = geocoder(session).search(query, insee=insee, limit=1)
        if not hits:
            raise InputError(
                f"Adresse introuvable dans la commune {insee} : « {query} ». Vérifiez le numéro et la rue."
            )
        hit = hits[0]
        registered = session.query(Commune).filter(Commune.insee == insee).one_or_none()
        sector = locate_sector(session, registered, hit.lon, hit.lat) if registered is not None else None
        record(
            session,
            operator(),
            "viewed",
            "geocode",
            insee,
            commune_id=registered.id if registered is not None else None,
        )
    out(f"{hit.label};{hit.lon:.6f};{hit.lat:.6f};{hit.score:.3f};{sector.name if sector else ''}")

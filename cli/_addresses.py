"""``voisinage addresses`` and ``voisinage geocode``: the BAN address base."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import reports_errors
from cli._operator import operator
from cli._output import note, out

app = typer.Typer(help="Adresses de la Base Adresse Nationale (BAN) : import.", no_args_is_help=True)
FILE = typer.Argument(..., help="Fichier CSV officiel de la BAN (23 colonnes séparées par « ; »).")


@app.command("import")
@reports_errors
def import_file(file: Path = FILE) -> None:
    """Importe (ou met à jour) les adresses d'un fichier BAN ; un fichier mal formé n'est pas importé du tout."""
    from services import addresses

    report = addresses.import_addresses(operator(), file, progress=True)
    note(
        f"{report.rows} adresses lues : {report.inserted} ajoutées, {report.updated} mises à jour "
        f"({len(report.communes)} commune(s) : {', '.join(report.communes[:10])}"
        f"{' …' if len(report.communes) > 10 else ''})."
    )


@reports_errors
def geocode_command(
    text: str = typer.Argument(..., help="L'adresse à chercher, ex. « 32 rue Gérard »."),
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
) -> None:
    """Cherche une adresse et affiche « libellé;lon;lat;score;secteur » (secteur vide si aucun)."""
    from services import addresses

    hit = addresses.geocode(operator(), commune, text)
    out(";".join([hit.label, f"{hit.lon:.6f}", f"{hit.lat:.6f}", f"{hit.score:.3f}", hit.sector]))

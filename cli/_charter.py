"""``voisinage charter``: the commune's charter, versioned (members accept the latest version)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import out, reports_errors_as
from cli._operator import operator
from cli._output import note

app = typer.Typer(help="Charte de la commune (versionnée : une nouvelle version est à accepter).", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
FILE = typer.Argument(..., help="Fichier texte (UTF-8) de la charte.")
OPTIONS = {"commune": "--commune", "text": "FICHIER", "email": "EMAIL", "charter": "--version"}


@app.command("publish")
@reports_errors_as(OPTIONS)
def publish(file: Path = FILE, commune: str = COMMUNE) -> None:
    """Publie une nouvelle version de la charte : chaque membre devra l'accepter à nouveau."""
    from services import ServiceError, charter

    try:
        body = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceError(f"Impossible de lire la charte {file} : enregistrez-la en texte UTF-8 ({exc}).") from exc
    published = charter.publish(operator(), commune, body)
    note(f"Charte de la commune {commune} publiée : version {published.version}.")


@app.command("show")
@reports_errors_as(OPTIONS)
def show(commune: str = COMMUNE) -> None:
    """Affiche la version en vigueur de la charte (première ligne : « version N »)."""
    from services import ServiceError, charter

    current = charter.current(operator(), commune)
    if current is None:
        raise ServiceError(
            f"La commune {commune} n'a pas encore de charte : publiez-la avec « voisinage charter publish »."
        )
    out(f"version {current.version}")
    out(current.text)


@app.command("accept")
@reports_errors_as(OPTIONS)
def accept(
    email: str = typer.Argument(..., metavar="EMAIL", help="E-mail du membre qui a signé la charte sur papier."),
    commune: str = COMMUNE,
    version: int | None = typer.Option(
        None, "--version", min=1, help="Version signée (par défaut : la version en vigueur)."
    ),
) -> None:
    """Enregistre l'acceptation de la charte signée sur papier par un membre (notée comme telle dans le journal)."""
    from services import charter

    done = charter.accept(operator(), commune, email, version=version)
    note(f"Acceptation de la charte (version {done.version}, sur papier) enregistrée pour {email}.")

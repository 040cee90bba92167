"""The ``voisinage`` command (Typer), thin over the domain packages.

Each group of commands lives in its own module (``cli/_<group>.py``) exposing a Typer ``app``; it is
registered below, once.
"""

from __future__ import annotations

import typer

from cli import (
    _addresses,
    _alerts,
    _audit,
    _charter,
    _commune,
    _db,
    _gendarmerie,
    _members,
    _referents,
    _report,
    _sectors,
    _stats,
)
from cli._context import CliState

app = typer.Typer(
    name="voisinage",
    help="Voisinage : participation citoyenne et voisinage solidaire, sur une carte.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", metavar="URL", help="URL de la base (sinon le réglage VOISINAGE_DATABASE_URL)."
    ),
) -> None:
    ctx.obj = CliState(db_url=db)


app.add_typer(_db.app, name="db")
app.add_typer(_commune.app, name="commune")
app.add_typer(_sectors.app, name="sectors")
app.add_typer(_addresses.app, name="addresses")
app.add_typer(_members.app, name="members")
app.add_typer(_charter.app, name="charter")
app.add_typer(_referents.app, name="referents")
app.add_typer(_gendarmerie.app, name="gendarmerie")
app.command("geocode")(_addresses.geocode_command)
app.add_typer(_stats.app, name="stats")
app.add_typer(_report.app, name="report")
app.add_typer(_alerts.app, name="alerts")
app.add_typer(_audit.app, name="audit")


def main() -> None:
    """Entry point of the ``voisinage`` script."""
    app()


__all__ = ["app", "main"]

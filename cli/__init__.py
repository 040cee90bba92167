"""The ``voisinage`` command (Typer), thin over the domain packages.

Each group of commands lives in its own module (``cli/_<group>.py``) exposing a Typer ``app``; it is
registered below, once.
"""

from __future__ import annotations

import sys

import typer

from cli import (
    _addresses,
    _alerts,
    _audit,
    _categories,
    _charter,
    _commune,
    _db,
    _dispatch,
    _gendarmerie,
    _members,
    _members_set,
    _referents,
    _report,
    _sectors,
    _sectors_edit,
    _serve,
    _stats,
)
from cli._context import EXIT_BAD_INPUT, CliState, fail
from cli._help_fr import help_requested

app = typer.Typer(
    name="voisinage",
    help="Voisinage : participation citoyenne et voisinage solidaire, sur une carte.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", metavar="URL", help="URL de la base (sinon le réglage VOISINAGE_DATABASE_URL)."
    ),
) -> None:
    ctx.obj = CliState(db_url=db)
    if db is not None or "services._core" in sys.modules:  # no import for nothing: `sectors --help` stays fast
        from services._core import use_database

        use_database(db)


app.add_typer(_db.app, name="db")
app.add_typer(_commune.app, name="commune")
_sectors_edit.attach(_sectors.app)
app.add_typer(_sectors.app, name="sectors")
app.add_typer(_addresses.app, name="addresses")
app.add_typer(_members.app, name="members")
app.add_typer(_charter.app, name="charter")
app.add_typer(_categories.app, name="categories")
app.add_typer(_referents.app, name="referents")
app.add_typer(_gendarmerie.app, name="gendarmerie")
app.command("geocode")(_addresses.geocode_command)
app.add_typer(_stats.app, name="stats")
app.add_typer(_report.app, name="report")
app.add_typer(_alerts.app, name="alerts")
app.command("serve")(_serve.serve_command)
_members.app.command("set")(_members_set.set_command)
app.command("dispatch")(_dispatch.dispatch_command)
app.command("dead-letters")(_dispatch.dead_letters_command)
app.add_typer(_audit.app, name="audit")


def main() -> None:
    """Entry point of the ``voisinage`` script: mistakes, bad settings and an unusable database are French
    messages and exit status 2, never a traceback."""
    from typer._click.exceptions import ClickException, UsageError

    if help_requested(sys.argv[1:], {group.name for group in app.registered_groups if group.name}):
        from cli._help_fr import install

        install()  # the help is printed: in French (rich is imported only then)
    try:
        code = app(standalone_mode=False, prog_name="voisinage")
    except UsageError as exc:
        from cli._usage import french_usage, help_hint

        fail(f"{french_usage(exc)}\n{help_hint(exc)}")
        raise SystemExit(EXIT_BAD_INPUT) from None
    except ClickException as exc:
        fail(exc.format_message())
        raise SystemExit(exc.exit_code) from None
    except Exception as exc:
        from services._errors import explain

        reason = explain(exc)
        if reason is None:
            raise
        fail(reason)
        raise SystemExit(EXIT_BAD_INPUT) from None
    raise SystemExit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]

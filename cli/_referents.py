"""``voisinage referents``: naming referents, and the sectors still without one."""

from __future__ import annotations

import typer

from cli._context import out, reports_errors, state
from cli._operator import member_in, operator
from community import assign_referent, end_referent, get_commune, record, sector_staffing
from store import transaction

app = typer.Typer(help="Référents de secteur (nommés par la mairie, 2 à 3 par secteur).", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
SECTOR = typer.Option(..., "--sector", metavar="NOM", help="Nom ou code du secteur.")


@app.command("assign")
@reports_errors
def assign(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail du membre."),
    commune: str = COMMUNE,
    sector: str = SECTOR,
) -> None:
    """Nomme un membre vérifié référent d'un secteur (dans la limite des places du secteur)."""
    with member_in(ctx, commune, email) as (session, member):
        assignment = assign_referent(session, operator(), get_commune(session, commune), sector, member)
    typer.echo(f"{email} est référent du secteur {assignment.sector_code}.", err=True)


@app.command("remove")
@reports_errors
def remove(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail du membre."),
    commune: str = COMMUNE,
    sector: str = SECTOR,
) -> None:
    """Retire un référent de son secteur."""
    with member_in(ctx, commune, email) as (session, member):
        end_referent(session, operator(), get_commune(session, commune), sector, member)
    typer.echo(f"{email} n'est plus référent de ce secteur.", err=True)


@app.command("list")
@reports_errors
def list_sectors(ctx: typer.Context, commune: str = COMMUNE) -> None:
    """Liste les secteurs : « code;nom;référents;places », puis ceux qui n'ont aucun référent."""
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        staffing = sector_staffing(session, found)
        record(session, operator(), "viewed", "referents", found.id, commune_id=found.id)
    out("code;nom;référents;places")
    for s in staffing:
        out(f"{s.code};{s.name};{s.referents};{s.places}")
    empty = [s.name for s in staffing if s.referents == 0]
    typer.echo(f"Secteurs sans référent : {', '.join(empty) if empty else 'aucun'}.", err=True)

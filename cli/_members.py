"""``voisinage members``: accounts of a commune, for operators (acting as platform admin, every action logged)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import typer

from cli._context import out, reports_errors, state
from cli._operator import geocoder, member_in, operator
from community import (
    VERIFICATION_METHODS,
    assign_referent,
    delete_account,
    display_status,
    exclude,
    export_member_data,
    get_commune,
    list_members,
    refuse_member,
    register_member,
    relocate_members,
    suspend,
    verify_member,
    warn,
)
from gis import InputError
from settings import get_settings
from store import transaction
from store.schema import Role

app = typer.Typer(help="Membres d'une commune : inscription, vérification, sanctions, RGPD.", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
EMAIL = typer.Argument(..., help="E-mail du membre.")
ROLES = {
    "resident": Role.RESIDENT,
    "referent": Role.REFERENT,
    "mairie-agent": Role.MAIRIE_AGENT,
    "mairie-admin": Role.MAIRIE_ADMIN,
    "gendarmerie": Role.GENDARMERIE,
}
PARIS = ZoneInfo("Europe/Paris")


def _role(value: str) -> Role:
    role = ROLES.get(value.strip().lower().replace("_", "-"))
    if role is None:
        raise InputError(f"Rôle inconnu : « {value} ». Choix : {', '.join(ROLES)}.")
    return role


def parse_until(value: str) -> datetime:
    """``YYYY-MM-DD`` (the suspension ends at the start of that day, Paris time) or an ISO date-time."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=PARIS).astimezone(UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"Date invalide : « {value} ». Format attendu : AAAA-MM-JJ (ex. 2026-12-31).") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)).astimezone(UTC)


@app.command("add")
@reports_errors
def add(
    ctx: typer.Context,
    commune: str = COMMUNE,
    email: str = typer.Option(..., "--email", help="E-mail du membre."),
    name: str = typer.Option(..., "--name", help="Nom affiché."),
    address: str | None = typer.Option(None, "--address", help="Adresse du domicile (texte géocodé)."),
    lon: float | None = typer.Option(None, "--lon", help="Longitude du domicile (WGS84), avec --lat."),
    lat: float | None = typer.Option(None, "--lat", help="Latitude du domicile (WGS84), avec --lon."),
    role: str = typer.Option("resident", "--role", help=f"Rôle : {', '.join(ROLES)}."),
    sector: str | None = typer.Option(None, "--sector", metavar="NOM", help="Secteur d'un référent."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lire le mot de passe sur l'entrée standard (sinon : jeton d'invitation)."
    ),
) -> None:
    """Inscrit un membre. Sans --password-stdin, affiche un jeton d'invitation pour choisir son mot de passe."""
    chosen = _role(role)
    if address is not None and (lon is not None or lat is not None):
        raise InputError("Indiquez soit --address, soit --lon et --lat, pas les deux.")
    if (lon is None) != (lat is None):
        raise InputError("Indiquez --lon et --lat ensemble.")
    if chosen == Role.REFERENT and not sector:
        raise InputError("Un référent est nommé pour un secteur : ajoutez --sector NOM.")
    if sector and chosen != Role.REFERENT:
        raise InputError("--sector ne sert qu'avec --role referent.")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise InputError("Aucun mot de passe lu sur l'entrée standard.")
    settings = get_settings()
    actor = operator()
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        registration = register_member(
            session,
            actor,
            found,
            email=email,
            name=name,
            role=chosen,
            password=password,
            address=address,
            lon=lon,
            lat=lat,
            channel="operator",
            geocoder=geocoder(session),
            invitation_days=settings.invitation_days,
        )
        member = registration.member
        if chosen == Role.REFERENT:
            assign_referent(session, actor, found, sector or "", member)
        summary = f"{member.email} ({member.role}, secteur {member.sector_code or 'aucun'}, {member.status})"
    typer.echo(f"Membre inscrit : {summary}.", err=True)
    if registration.invitation_token:
        out(registration.invitation_token)


@app.command("verify")
@reports_errors
def verify(
    ctx: typer.Context,
    email: str = EMAIL,
    commune: str = COMMUNE,
    method: str = typer.Option(
        "operator", "--method", help=f"Comment l'adresse a été vérifiée : {', '.join(VERIFICATION_METHODS)}."
    ),
    note: str = typer.Option("", "--note", help="Précision (sans donnée sensible)."),
) -> None:
    """Valide l'adresse d'un membre en attente (la preuve est vérifiée hors ligne)."""
    with member_in(ctx, commune, email) as (session, member):
        verify_member(session, operator(), member, method=method, note=note)
    typer.echo(f"Adresse de {email} vérifiée ({VERIFICATION_METHODS[method]}).", err=True)


@app.command("refuse")
@reports_errors
def refuse(
    ctx: typer.Context,
    email: str = EMAIL,
    commune: str = COMMUNE,
    reason: str = typer.Option(..., "--reason", help="Motif du refus, communiqué à la personne."),
) -> None:
    """Refuse une inscription en attente, avec un motif."""
    with member_in(ctx, commune, email) as (session, member):
        refuse_member(session, operator(), member, reason=reason)
    typer.echo(f"Inscription de {email} refusée.", err=True)


@app.command("suspend")
@reports_errors
def suspend_command(
    ctx: typer.Context,
    email: str = EMAIL,
    commune: str = COMMUNE,
    until: str = typer.Option(..., "--until", metavar="DATE", help="Fin de la suspension (AAAA-MM-JJ)."),
    reason: str = typer.Option(..., "--reason", help="Motif, communiqué au membre."),
) -> None:
    """Suspend un membre jusqu'à une date : il ne peut ni publier ni recevoir."""
    end = parse_until(until)
    with member_in(ctx, commune, email) as (session, member):
        suspend(session, operator(), member, until=end, reason=reason)
    typer.echo(f"{email} est suspendu jusqu'au {end.astimezone(PARIS):%d/%m/%Y %H:%M}.", err=True)


@app.command("warn")
@reports_errors
def warn_command(
    ctx: typer.Context,
    email: str = EMAIL,
    commune: str = COMMUNE,
    reason: str = typer.Option(..., "--reason", help="Motif, communiqué au membre."),
) -> None:
    """Adresse un avertissement à un membre (gardé dans son historique)."""
    with member_in(ctx, commune, email) as (session, member):
        warn(session, operator(), member, reason=reason)
    typer.echo(f"Avertissement enregistré pour {email}.", err=True)


@app.command("exclude")
@reports_errors
def exclude_command(
    ctx: typer.Context,
    email: str = EMAIL,
    commune: str = COMMUNE,
    reason: str = typer.Option(..., "--reason", help="Motif, communiqué au membre."),
) -> None:
    """Exclut définitivement un membre (son compte est fermé)."""
    with member_in(ctx, commune, email) as (session, member):
        exclude(session, operator(), member, reason=reason)
    typer.echo(f"{email} est exclu.", err=True)


@app.command("export")
@reports_errors
def export(ctx: typer.Context, email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Écrit en JSON sur la sortie standard tout ce que Voisinage détient sur le membre (droit d'accès RGPD)."""
    with member_in(ctx, commune, email) as (session, member):
        data = export_member_data(session, operator(), member)
    out(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("delete")
@reports_errors
def delete(ctx: typer.Context, email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Supprime le compte (droit à l'effacement) : données personnelles effacées, alertes anonymisées."""
    with member_in(ctx, commune, email) as (session, member):
        counts = delete_account(session, operator(), member)
    detail = ", ".join(f"{name} : {n} anonymisé(s)" for name, n in counts.items())
    typer.echo(f"Compte de {email} supprimé{f' ({detail})' if detail else ''}.", err=True)


@app.command("list")
@reports_errors
def list_command(ctx: typer.Context, commune: str = COMMUNE) -> None:
    """Liste les membres : « email;rôle;secteur;statut »."""
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        members = list_members(session, operator(), found)
        now = datetime.now(UTC)
        rows = [f"{m.email};{m.role};{m.sector_code or ''};{display_status(m, now)}" for m in members]
    out("email;role;sector;status")
    for row in rows:
        out(row)


@app.command("relocate")
@reports_errors
def relocate(ctx: typer.Context, commune: str = COMMUNE) -> None:
    """Replace chaque membre dans son secteur après l'activation d'un nouveau découpage."""
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        changed = relocate_members(session, operator(), found)
    typer.echo(f"{changed} membre(s) ont changé de secteur.", err=True)

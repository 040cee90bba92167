"""``voisinage members``: accounts of a commune, for operators (acting as platform admin, every action logged)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import typer

from cli._context import out, reports_errors_as
from cli._operator import acting_for, operator
from cli._output import csv_rows
from cli._output import note as say

app = typer.Typer(help="Membres d'une commune : inscription, vérification, sanctions, RGPD.", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
EMAIL = typer.Argument(..., metavar="EMAIL", help="E-mail du membre.")
REASON = typer.Option(..., "--reason", help="Motif, communiqué au membre.")
ROLE_CHOICES = "resident, referent, mairie-agent, mairie-admin, gendarmerie"
METHOD_CHOICES = "courrier, document, visite, connu, dossier, nomination, operateur"
PARIS = ZoneInfo("Europe/Paris")
# Error fields of the services -> this group's options.
OPTIONS = {
    "commune": "--commune",
    "email": "EMAIL",
    "name": "--name",
    "role": "--role",
    "sector": "--sector",
    "address": "--address",
    "lon": "--lon/--lat",
    "lat": "--lon/--lat",
    "password": "--password-stdin",
    "method": "--method",
    "reason": "--reason",
    "until": "--until",
    "status": "--status",
    "totp": "--code",
    "as": "EMAIL",
}


def parse_until(value: str) -> datetime:
    """``YYYY-MM-DD`` (the suspension ends at the start of that day, Paris time) or an ISO date-time."""
    from services import ServiceError

    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=PARIS).astimezone(UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ServiceError(
            f"Date invalide : « {value} ». Format attendu : AAAA-MM-JJ (ex. 2026-12-31).", field="until"
        ) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)).astimezone(UTC)


@app.command("add")
@reports_errors_as(OPTIONS)
def add(
    commune: str = COMMUNE,
    email: str = typer.Option(..., "--email", help="E-mail du membre."),
    name: str = typer.Option(..., "--name", help="Nom affiché."),
    address: str | None = typer.Option(None, "--address", help="Adresse du domicile (texte géocodé)."),
    lon: float | None = typer.Option(None, "--lon", help="Longitude du domicile (WGS84), avec --lat."),
    lat: float | None = typer.Option(None, "--lat", help="Latitude du domicile (WGS84), avec --lon."),
    role: str = typer.Option("resident", "--role", help=f"Rôle : {ROLE_CHOICES}."),
    sector: str | None = typer.Option(None, "--sector", metavar="NOM", help="Secteur d'un référent."),
    method: str | None = typer.Option(
        None, "--method", help=f"Adresse déjà vérifiée, et comment : {METHOD_CHOICES} (sinon : en attente)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lire le mot de passe sur l'entrée standard (sinon : jeton d'invitation)."
    ),
) -> None:
    """Inscrit un membre. Sans --password-stdin, affiche un jeton d'invitation pour choisir son mot de passe."""
    from services import ServiceError, members

    if address is not None and (lon is not None or lat is not None):
        raise ServiceError("Indiquez soit --address, soit --lon et --lat, pas les deux.")
    if (lon is None) != (lat is None):
        raise ServiceError("Indiquez --lon et --lat ensemble.")
    if role.strip().lower() == "referent" and not sector:
        raise ServiceError("Un référent est nommé pour un secteur : ajoutez --sector NOM.")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise ServiceError("Aucun mot de passe lu sur l'entrée standard.", field="password")
    done = members.register(
        operator(),
        commune,
        email=email,
        name=name,
        role=role,
        address=address,
        lon=lon,
        lat=lat,
        password=password,
        sector=sector,
        verification_method=method,
    )
    m = done.member
    say(f"Membre inscrit : {m.email} ({m.role}, secteur {m.sector_code or 'aucun'}, {m.status}).")
    if done.invitation_token:
        out(done.invitation_token)


@app.command("verify")
@reports_errors_as(OPTIONS)
def verify(
    email: str = EMAIL,
    commune: str = COMMUNE,
    method: str = typer.Option("operateur", "--method", help=f"Comment l'adresse a été vérifiée : {METHOD_CHOICES}."),
    note: str = typer.Option("", "--note", help="Précision (sans donnée sensible)."),
) -> None:
    """Valide l'adresse d'un membre en attente (la preuve est vérifiée hors ligne)."""
    from community import VERIFICATION_METHODS
    from services import members

    done = members.verify(operator(), commune, email, method=method, note=note)
    say(f"Adresse de {email} vérifiée ({VERIFICATION_METHODS[done.verification_method or '']}).")


@app.command("refuse")
@reports_errors_as(OPTIONS)
def refuse(
    email: str = EMAIL,
    commune: str = COMMUNE,
    reason: str = typer.Option(..., "--reason", help="Motif du refus, communiqué à la personne."),
) -> None:
    """Refuse une inscription en attente, avec un motif."""
    from services import members

    members.refuse(operator(), commune, email, reason=reason)
    say(f"Inscription de {email} refusée.")


@app.command("suspend")
@reports_errors_as(OPTIONS)
def suspend_command(
    email: str = EMAIL,
    commune: str = COMMUNE,
    until: str = typer.Option(..., "--until", metavar="DATE", help="Fin de la suspension (AAAA-MM-JJ)."),
    reason: str = REASON,
) -> None:
    """Suspend un membre jusqu'à une date : il ne peut ni publier ni recevoir."""
    from services import members

    done = members.suspend(operator(), commune, email, until=parse_until(until), reason=reason)
    end = done.ends_at or parse_until(until)
    say(f"{email} est suspendu jusqu'au {end.astimezone(PARIS):%d/%m/%Y %H:%M}.")


@app.command("lift")
@reports_errors_as(OPTIONS)
def lift_command(email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Lève la suspension en cours d'un membre (l'historique la garde)."""
    from services import members

    members.lift(operator(), commune, email)
    say(f"La suspension de {email} est levée.")


@app.command("warn")
@reports_errors_as(OPTIONS)
def warn_command(email: str = EMAIL, commune: str = COMMUNE, reason: str = REASON) -> None:
    """Adresse un avertissement à un membre (gardé dans son historique)."""
    from services import members

    members.warn(operator(), commune, email, reason=reason)
    say(f"Avertissement enregistré pour {email}.")


@app.command("exclude")
@reports_errors_as(OPTIONS)
def exclude_command(email: str = EMAIL, commune: str = COMMUNE, reason: str = REASON) -> None:
    """Exclut définitivement un membre (son compte est fermé)."""
    from services import members

    members.exclude(operator(), commune, email, reason=reason)
    say(f"{email} est exclu.")


@app.command("export")
@reports_errors_as(OPTIONS)
def export(email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Écrit en JSON sur la sortie standard tout ce que Voisinage détient sur le membre (droit d'accès RGPD)."""
    from services import members

    out(json.dumps(members.export(operator(), commune, email), ensure_ascii=False, indent=2))


@app.command("delete")
@reports_errors_as(OPTIONS)
def delete(email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Supprime le compte (droit à l'effacement) : données personnelles effacées, alertes anonymisées."""
    from services import members

    counts = members.delete(operator(), commune, email)
    detail = ", ".join(f"{name} : {n} anonymisé(s)" for name, n in counts.items())
    say(f"Compte de {email} supprimé{f' ({detail})' if detail else ''}.")


@app.command("list")
@reports_errors_as(OPTIONS)
def list_command(
    commune: str = COMMUNE,
    status: str | None = typer.Option(None, "--status", help="Seulement ce statut (pending, verified...)."),
) -> None:
    """Liste les membres : « email;rôle;secteur;statut »."""
    from services import members

    listed = members.list_members(operator(), commune, status=status)
    rows = [(m.email, m.role, m.sector_code or "", m.status) for m in listed]
    csv_rows([("email", "role", "sector", "status"), *rows], delimiter=";")


@app.command("relocate")
@reports_errors_as(OPTIONS)
def relocate(commune: str = COMMUNE) -> None:
    """Replace chaque membre dans son secteur après l'activation d'un nouveau découpage."""
    from services import members

    say(f"{members.relocate(operator(), commune)} membre(s) ont changé de secteur.")


@app.command("totp-enrol")
@reports_errors_as(OPTIONS)
def totp_enrol(email: str = EMAIL, commune: str = COMMUNE) -> None:
    """Crée le second facteur (TOTP) d'un membre et affiche son URI otpauth:// (à scanner dans son application).

    L'opérateur agit pour ce membre (noté comme tel dans le journal) ; le second facteur n'est actif qu'après
    « voisinage members totp-confirm » avec un premier code de l'application.
    """
    from services import members

    out(members.start_totp(acting_for(email, commune)).uri)
    say("Scannez ce lien dans l'application d'authentification, puis confirmez avec un code.")


@app.command("totp-confirm")
@reports_errors_as(OPTIONS)
def totp_confirm(
    email: str = EMAIL,
    commune: str = COMMUNE,
    code: str = typer.Option(..., "--code", help="Code à 6 chiffres donné par l'application."),
) -> None:
    """Active le second facteur d'un membre avec un premier code de son application (l'opérateur agit pour lui)."""
    from services import members

    members.confirm_totp(acting_for(email, commune), code)
    say(f"Double authentification activée pour {email}.")


@app.command("totp-reset")
@reports_errors_as(OPTIONS)
def totp_reset(
    email: str = EMAIL,
    commune: str = COMMUNE,
    reason: str = typer.Option(..., "--reason", help="Motif (téléphone perdu…), gardé dans le journal d'audit."),
) -> None:
    """Réinitialise le second facteur d'un membre (ses sessions sont fermées ; il l'active à nouveau)."""
    from services import members

    members.reset_totp(operator(), commune, email, reason=reason)
    say(f"Double authentification de {email} réinitialisée : à activer de nouveau.")

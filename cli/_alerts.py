"""``voisinage alerts``: post an alert, read one's feed, moderate, withdraw, acknowledge, close, appeal, broadcast.

Every command but ``anonymise`` is the operator acting for a member (``--as EMAIL``), with that member's rights;
the audit log names the operator.
"""

from __future__ import annotations

import json

import typer

from cli._context import fail, out, reports_errors_as
from cli._operator import AS_HELP, acting_for, operator
from cli._output import note

app = typer.Typer(help="Alertes : publier, lire son fil, modérer, retirer, diffuser.", no_args_is_help=True)

AS_OPTION = typer.Option(..., "--as", metavar="EMAIL", help=AS_HELP)
ALERT_ID = typer.Argument(..., metavar="ID", help="Numéro de l'alerte.")
# Error fields of the services -> this group's options.
OPTIONS = {
    "as": "--as",
    "actor": "--as",
    "category": "--category",
    "text": "--text",
    "address": "--address (ou --lon/--lat)",
    "lon": "--lon/--lat",
    "key": "--key",
    "confirm_new": "--nouvelle",
    "sectors": "--sector",
    "charter": "voisinage charter accept",
    "reject": "--reject",
    "edit_text": "--edit",
    "decision": "--approve, --reject, --widen ou --edit",
    "reason": "--reason",
    "feedback": "--feedback",
    "alert_id": "ID",
    "commune": "--commune",
}


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@app.command("post")
@reports_errors_as(OPTIONS)
def post(
    email: str = AS_OPTION,
    category: str = typer.Option(..., "--category", metavar="CATEGORIE", help="Code ou libellé de la catégorie."),
    text: str = typer.Option(..., "--text", metavar="TEXTE", help="Ce que vous avez vu (faits, sans nom)."),
    lon: float | None = typer.Option(None, "--lon", help="Longitude du lieu (WGS84)."),
    lat: float | None = typer.Option(None, "--lat", help="Latitude du lieu (WGS84)."),
    address: str | None = typer.Option(None, "--address", metavar="ADRESSE", help="Adresse du lieu (géocodée)."),
    key: str | None = typer.Option(
        None, "--key", metavar="CLE", help="Clé d'idempotence : renvoyer la même commande ne crée pas de doublon."
    ),
    new: bool = typer.Option(
        False, "--nouvelle", help="Publier même si une alerte semblable existe déjà (ce n'est pas le même fait)."
    ),
) -> None:
    """Publie une alerte (position ou adresse). Refusée : code 2 et explication sur la sortie d'erreur."""
    from services import alerts

    if address and (lon is not None or lat is not None):
        raise fail("donnez soit --address, soit --lon et --lat, pas les deux.")
    if address is None and (lon is None or lat is None):
        raise fail("indiquez le lieu : --address ADRESSE, ou --lon X --lat Y.")
    posted = alerts.post(
        acting_for(email),
        category=category,
        text=text,
        lon=lon,
        lat=lat,
        address=address,
        key=key,
        confirm_new=new,
    )
    out(_json({"id": posted.alert_id, "status": posted.status, "created": posted.created, "sectors": posted.sectors}))
    note(posted.message)


@app.command("broadcast")
@reports_errors_as(OPTIONS)
def broadcast(
    email: str = AS_OPTION,
    text: str = typer.Option(..., "--text", metavar="TEXTE", help="Le message."),
    sector: list[str] | None = typer.Option(
        None,
        "--sector",
        metavar="SECTEUR",
        help="Seulement ce secteur (code ou nom ; répétable, ou séparés par des virgules). Par défaut : toute la "
        "commune.",
    ),
    address: str | None = typer.Option(None, "--address", metavar="ADRESSE", help="Lieu concerné (facultatif)."),
    key: str | None = typer.Option(None, "--key", metavar="CLE", help="Clé d'idempotence."),
) -> None:
    """Diffuse un message de la mairie ou de la gendarmerie à toute la commune (ou aux secteurs choisis)."""
    from services import alerts

    sectors = [part.strip() for s in sector or [] for part in s.split(",") if part.strip()]
    posted = alerts.broadcast(acting_for(email), text=text, sectors=sectors or None, address=address, key=key)
    out(_json({"id": posted.alert_id, "status": posted.status, "created": posted.created, "sectors": posted.sectors}))
    note(posted.message)


@app.command("feed")
@reports_errors_as(OPTIONS)
def feed_(
    email: str = AS_OPTION,
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Nombre d'alertes au plus (les plus récentes)."),
) -> None:
    """Écrit en JSON, une ligne par alerte, exactement ce que ce membre peut voir (lieu affiché compris).

    Un fil vide dit pourquoi sur la sortie d'erreur (compte suspendu, accès de la gendarmerie fermé…).
    """
    from services import alerts

    page = alerts.feed(acting_for(email), limit=limit)
    for item in page.alerts:
        out(_json(item.to_json()))
    if page.why_empty:
        note(page.why_empty)


@app.command("show")
@reports_errors_as(OPTIONS)
def show(alert_id: int = ALERT_ID, email: str = AS_OPTION) -> None:
    """Écrit en JSON une alerte, telle que ce membre peut la voir."""
    from services import alerts

    out(_json(alerts.get(acting_for(email), alert_id).to_json()))


@app.command("moderate")
@reports_errors_as(OPTIONS)
def moderate_(
    alert_id: int = ALERT_ID,
    email: str = AS_OPTION,
    approve: bool = typer.Option(False, "--approve", help="Publier l'alerte."),
    reject: str | None = typer.Option(None, "--reject", metavar="MOTIF", help="Refuser, avec le motif dit à l'auteur."),
    widen: list[str] | None = typer.Option(
        None,
        "--widen",
        metavar="SECTEUR",
        help="Élargir la diffusion à ce secteur (code ou nom ; répétable, ou séparés par des virgules ; "
        "« commune » : toute la commune).",
    ),
    edit: str | None = typer.Option(None, "--edit", metavar="TEXTE", help="Remplacer le texte (l'original est gardé)."),
) -> None:
    """Décision d'un modérateur (référent du secteur, agent de la mairie) sur une alerte."""
    from services import alerts

    sectors = [part for w in widen or [] for part in w.split(",") if part.strip()]
    shown = alerts.moderate(
        acting_for(email), alert_id, approve=approve, reject=reject, widen=sectors or None, edit_text=edit
    )
    out(_json(shown.to_json()))


@app.command("withdraw")
@reports_errors_as(OPTIONS)
def withdraw(
    alert_id: int = ALERT_ID,
    email: str = AS_OPTION,
    reason: str = typer.Option(..., "--reason", metavar="MOTIF", help="Pourquoi : le motif est dit à l'auteur."),
) -> None:
    """Retire une alerte publiée (modérateur) : elle quitte tous les fils, son historique reste."""
    from services import alerts

    out(_json(alerts.withdraw(acting_for(email), alert_id, reason).to_json()))
    note(f"Alerte n°{alert_id} retirée ; son auteur en sera informé avec le motif.")


@app.command("acknowledge")
@reports_errors_as(OPTIONS)
def acknowledge(alert_id: int = ALERT_ID, email: str = AS_OPTION) -> None:
    """La mairie ou la gendarmerie indique qu'elle a pris l'alerte en compte."""
    from services import alerts

    out(_json(alerts.acknowledge(acting_for(email), alert_id).to_json()))


@app.command("appeal")
@reports_errors_as(OPTIONS)
def appeal(
    alert_id: int = ALERT_ID,
    email: str = AS_OPTION,
    text: str = typer.Option(..., "--text", metavar="TEXTE", help="Pourquoi l'alerte devrait être publiée."),
) -> None:
    """L'auteur conteste le refus de son alerte (une seule fois)."""
    from services import alerts

    out(_json(alerts.appeal(acting_for(email), alert_id, text).to_json()))


@app.command("close")
@reports_errors_as(OPTIONS)
def close_(
    alert_id: int = ALERT_ID,
    email: str = AS_OPTION,
    feedback: str = typer.Option(..., "--feedback", metavar="TEXTE", help="Le retour donné aux voisins."),
) -> None:
    """Clôt une alerte avec un retour (mairie, gendarmerie, ou son auteur)."""
    from services import alerts

    out(_json(alerts.close(acting_for(email), alert_id, feedback).to_json()))


@app.command("anonymise")
@reports_errors_as(OPTIONS)
def anonymise(
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
    months: int | None = typer.Option(
        None, "--months", min=1, help="Délai après clôture (sinon le réglage VOISINAGE_ALERT_RETENTION_MONTHS)."
    ),
) -> None:
    """Anonymise les alertes closes depuis plus que le délai de conservation (les comptages restent)."""
    from services import alerts

    n = alerts.anonymise_closed(operator(), commune, months=months)
    note(f"{n} alerte(s) anonymisée(s).")

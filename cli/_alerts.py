"""``voisinage alerts``: post an alert, read one's feed, moderate, close, anonymise old alerts."""

from __future__ import annotations

import json

import typer

from alerts import AlertConfig, anonymise_closed, close_alert, feed, moderate, post_alert
from cli._context import fail, out, reports_errors, state
from settings import get_settings

app = typer.Typer(help="Alertes : publier, lire son fil, modérer.", no_args_is_help=True)

AS_OPTION = typer.Option(..., "--as", metavar="EMAIL", help="Adresse électronique du membre qui agit.")


def _config() -> AlertConfig:
    return AlertConfig.from_settings(get_settings())


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@app.command("post")
@reports_errors
def post(
    ctx: typer.Context,
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
    if address and (lon is not None or lat is not None):
        raise fail("donnez soit --address, soit --lon et --lat, pas les deux.")
    if address is None and (lon is None or lat is None):
        raise fail("indiquez le lieu : --address ADRESSE, ou --lon X --lat Y.")
    result = post_alert(
        state(ctx).engine(),
        email,
        category=category,
        text=text,
        lon=lon,
        lat=lat,
        address=address,
        key=key,
        confirm_new=new,
        config=_config(),
    )
    out(_json({"id": result.alert_id, "status": result.status, "created": result.created, "sectors": result.sectors}))
    typer.echo(result.message, err=True)


@app.command("feed")
@reports_errors
def feed_(
    ctx: typer.Context,
    email: str = AS_OPTION,
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Nombre d'alertes au plus (les plus récentes)."),
) -> None:
    """Écrit en JSON, une ligne par alerte, exactement ce que ce membre peut voir (lieu affiché compris)."""
    for item in feed(state(ctx).engine(), email, limit=limit):
        out(_json(item))


@app.command("moderate")
@reports_errors
def moderate_(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., metavar="ID", help="Numéro de l'alerte."),
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
    sectors = [part for w in widen or [] for part in w.split(",") if part.strip()]
    shown = moderate(
        state(ctx).engine(),
        alert_id,
        email,
        approve=approve,
        reject=reject,
        widen_to=sectors or None,
        edit_text=edit,
        config=_config(),
    )
    out(_json(shown))


@app.command("close")
@reports_errors
def close_(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., metavar="ID", help="Numéro de l'alerte."),
    email: str = AS_OPTION,
    feedback: str = typer.Option(..., "--feedback", metavar="TEXTE", help="Le retour donné aux voisins."),
) -> None:
    """Clôt une alerte avec un retour (mairie, gendarmerie, ou son auteur)."""
    out(_json(close_alert(state(ctx).engine(), alert_id, email, feedback)))


@app.command("anonymise")
@reports_errors
def anonymise(
    ctx: typer.Context,
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
    months: int | None = typer.Option(
        None, "--months", min=1, help="Délai après clôture (sinon le réglage VOISINAGE_ALERT_RETENTION_MONTHS)."
    ),
) -> None:
    """Anonymise les alertes closes depuis plus que le délai de conservation (les comptages restent)."""
    n = anonymise_closed(state(ctx).engine(), commune, months=months or get_settings().alert_retention_months)
    typer.echo(f"{n} alerte(s) anonymisée(s).", err=True)

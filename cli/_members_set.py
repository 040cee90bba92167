"""``voisinage members set``: a member's notification channels (attached to the ``members`` group)."""

from __future__ import annotations

import typer

from cli._context import fail, out, reports_errors, state
from cli._operator import operator

ON_OFF = {"on": True, "oui": True, "off": False, "non": False}


def _switch(value: str | None, option: str) -> bool | None:
    if value is None:
        return None
    if value.strip().lower() not in ON_OFF:
        raise fail(f"{option} attend « on » ou « off ».")
    return ON_OFF[value.strip().lower()]


@reports_errors
def set_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail du membre."),
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
    phone: str | None = typer.Option(None, "--phone", metavar="+336…", help="Numéro pour les SMS (vide : l'effacer)."),
    email_on: str | None = typer.Option(None, "--email", metavar="on|off", help="Recevoir les courriels."),
    sms_on: str | None = typer.Option(None, "--sms", metavar="on|off", help="Recevoir les SMS (numéro requis)."),
    quiet: str | None = typer.Option(
        None, "--quiet", metavar="HH:MM-HH:MM", help="Heures calmes (les alertes de sécurité passent) ; « aucune »."
    ),
    digest: str | None = typer.Option(None, "--digest", metavar="on|off", help="Entraide : un résumé par jour."),
) -> None:
    """Choisit comment un membre est prévenu (l'application toujours ; courriel ; SMS)."""
    from services import notify

    chosen = notify.set_channels(
        operator(),
        commune,
        email,
        phone=phone,
        email_on=_switch(email_on, "--email"),
        sms_on=_switch(sms_on, "--sms"),
        quiet=quiet,
        digest=_switch(digest, "--digest"),
        url=state(ctx).db_url,
    )
    out(
        f"{chosen.email} : courriel {'oui' if chosen.email_on else 'non'}, SMS {'oui' if chosen.sms_on else 'non'}"
        f"{f' ({chosen.phone})' if chosen.phone else ''}, heures calmes {chosen.quiet or 'aucune'}, "
        f"résumé d'entraide {'oui' if chosen.digest else 'non'}."
    )

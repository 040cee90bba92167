"""``voisinage dispatch``: send what the outbox holds (long-running, or ``--once`` for cron); dead letters."""

from __future__ import annotations

import logging
import signal
import threading

import typer

from cli._context import out, reports_errors, state
from cli._operator import operator


@reports_errors
def dispatch_command(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Un seul passage (pour cron), puis s'arrête."),
) -> None:
    """Envoie les notifications en attente (courriel, SMS) ; sans --once, tourne jusqu'à Ctrl-C ou SIGTERM."""
    from services import notify

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = state(ctx).db_url
    if once:
        report = notify.dispatch(once=True, url=url)
        assert report is not None
        out(f"Envoyés : {report.total_sent} ({dict(report.sent)}), à réessayer : {report.retried}, "
            f"abandonnés : {report.dead}, non envoyés (budget) : {report.skipped}.")  # fmt: skip
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    notify.dispatch(once=False, stop=stop, url=url)


@reports_errors
def dead_letters_command(
    ctx: typer.Context,
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
) -> None:
    """Liste les messages qui n'ont pas pu être remis, avec la raison."""
    from services import notify

    letters = notify.dead_letters(operator(), commune, url=state(ctx).db_url)
    if not letters:
        out("Aucun message en échec.")
    for d in letters:
        out(f"n°{d.id}\t{d.created_at:%Y-%m-%d %H:%M}\t{d.channel}\t{d.recipient}\t{d.attempts} essai(s)\t{d.reason}")

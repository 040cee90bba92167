"""What messages say: pure functions from facts to subject and text (and the HTML twin of a text).

Residents are never given an alert's exact point: the caller passes ``exact_address`` only for recipients the
alerts domain lets see it (:meth:`alerts.Viewer.sees_exact_location`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

SMS_LENGTH = 300  # two concatenated SMS at most


@dataclass(frozen=True)
class AlertFacts:
    """What a message about an alert may mention."""

    alert_id: int
    category_label: str
    text: str
    display_label: str
    commune_name: str
    exact_address: str | None = None
    reason: str = ""


def alert_text(kind: str, facts: AlertFacts, link: str) -> tuple[str, str]:
    """Subject and plain text of a message of ``kind`` about an alert."""
    where = f"Lieu : {facts.display_label}" if facts.display_label else "Lieu : non précisé"
    if facts.exact_address:
        where += f"\nAdresse exacte (réservée à votre rôle) : {facts.exact_address}"
    subjects = {
        "publication": f"[Voisinage] {facts.category_label} — {facts.display_label or facts.commune_name}",
        "moderation": f"[Voisinage] Alerte n°{facts.alert_id} à relire ({facts.category_label})",
        "appeal": f"[Voisinage] Contestation de l'alerte n°{facts.alert_id}",
        "approved": f"[Voisinage] Votre alerte n°{facts.alert_id} est publiée",
        "rejected": f"[Voisinage] Votre alerte n°{facts.alert_id} n'a pas été publiée",
        "closed": f"[Voisinage] Votre alerte n°{facts.alert_id} est close",
        "withdrawal": f"[Voisinage] Alerte n°{facts.alert_id} retirée",
    }
    intro = {
        "publication": f"Nouvelle alerte dans votre voisinage ({facts.commune_name}).",
        "moderation": "Une alerte attend une relecture avant publication.",
        "appeal": "L'auteur d'une alerte refusée conteste la décision.",
        "approved": "Votre alerte a été relue et publiée.",
        "rejected": "Votre alerte n'a pas été publiée.",
        "closed": "Votre alerte a été close.",
        "withdrawal": "Cette alerte a été retirée : elle n'est plus d'actualité.",
    }[kind]
    lines = [intro, "", f"Catégorie : {facts.category_label}", where, "", facts.text]
    if facts.reason:
        lines += ["", f"Motif : {facts.reason}"]
    lines += ["", f"Voir dans l'application : {link}"]
    return subjects[kind], "\n".join(lines)


def sms_text(facts: AlertFacts, link: str, kind: str = "publication") -> str:
    """A short SMS about an alert (the displayed location only, whoever receives it)."""
    head = "Alerte retirée" if kind == "withdrawal" else facts.category_label
    place = f" — {facts.display_label}" if facts.display_label else ""
    tail = f" {link}"
    room = SMS_LENGTH - len(head) - len(place) - len(tail) - 4
    body = facts.text if len(facts.text) <= room else facts.text[: max(room - 1, 0)] + "…"
    return f"{head}{place} : {body}{tail}"


def html_of(subject: str, text: str, link: str, unsubscribe: str) -> str:
    """The HTML twin of a plain-text message, every piece of user text escaped."""
    paragraphs = "".join(
        f"<p>{'<br>'.join(html.escape(line) for line in block.splitlines())}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>"
        f"{paragraphs}"
        f'<p><a href="{html.escape(link, quote=True)}">Ouvrir Voisinage</a></p>'
        f'<p style="font-size:small"><a href="{html.escape(unsubscribe, quote=True)}">'
        "Choisir ce que vous recevez</a></p></body></html>"
    )

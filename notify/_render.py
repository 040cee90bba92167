"""What messages say: pure functions from facts to subject and text (and the HTML twin of a text).

Residents are never given an alert's exact point: the caller passes ``exact_address`` only for recipients the
alerts domain lets see it (:meth:`alerts.Viewer.sees_exact_location`).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

SMS_LENGTH = 300  # an SMS about an alert (sent to many, each costs): about two concatenated parts
# The longest SMS Voisinage sends (replies to an inbound SMS, which may explain a refusal): 8 concatenated parts,
# i.e. 1,224 GSM-7 characters, or 536 when one character is outside GSM-7 (« », ê, ô… in French: UCS-2).
SMS_MAX_PARTS = 8
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each


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


def sms_parts(text: str) -> int:
    """How many concatenated SMS ``text`` takes: GSM-7 (160 characters alone, 153 per part) when every
    character is in the GSM 03.38 alphabet, else UCS-2 (70 alone, 67 per part, in UTF-16 units)."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        size, single, part = sum(2 if c in _GSM7_EXTENDED else 1 for c in text), 160, 153
    else:
        size, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if size <= single else math.ceil(size / part)


def shorten(text: str, *, length: int | None = None, parts: int | None = None) -> str:
    """``text`` whole when it fits (``length`` characters, or ``parts`` SMS), else cut after the last whole word
    that fits, with "…" (never in the middle of a word)."""

    def ok(candidate: str) -> bool:
        if length is not None and len(candidate) > length:
            return False
        return parts is None or sms_parts(candidate) <= parts

    if ok(text):
        return text
    words = text.split(" ")
    while words:
        words.pop()
        candidate = " ".join(words).rstrip(" ,;:.—-") + "…"
        if ok(candidate):
            return candidate
    return "…"


def sms_text(facts: AlertFacts, link: str, kind: str = "publication") -> str:
    """A short SMS about an alert (the displayed location only, whoever receives it)."""
    head = "Alerte retirée" if kind == "withdrawal" else facts.category_label
    place = f" — {facts.display_label}" if facts.display_label else ""
    tail = f" {link}"
    room = SMS_LENGTH - len(head) - len(place) - len(tail) - 4
    return f"{head}{place} : {shorten(facts.text, length=max(room, 1))}{tail}"


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

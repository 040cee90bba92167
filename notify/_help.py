"""« Je peux aider »: a neighbour's offer of help reaches the author of a solidarity post, and nobody else.

One message (in-app, and e-mail by the author's choice) to the author only. The helper's identity is in the text
only when the helper chose to sign it (a first name); the outbox row names the author as its recipient, and its
deduplication key carries the helper's member number so that one neighbour offers once per post (it is never
shown: the mairie's pages show a message's recipient, kind and subject, not its key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify._config import NotifyConfig
from notify._outbox import Draft, Recipient, enqueue, load_prefs
from store.schema import OutboxMessage

KIND = "help_offer"
MESSAGE_MAX = 500


def help_key(alert_id: int, helper_id: int) -> str:
    """The deduplication stem of ``helper_id``'s offer on ``alert_id`` (one offer per neighbour and post)."""
    return f"a{alert_id}:help:{helper_id}"


def help_text(category_label: str, post: str, message: str, signature: str | None, link: str) -> tuple[str, str]:
    """Subject and plain text of an offer of help (pure).

    ``signature``: the first name the helper chose to share, or None (the author learns nothing of who).
    """
    excerpt = post if len(post) <= 160 else post[:157] + "…"
    who = f"{signature}, un·e voisin·e," if signature else "Un·e voisin·e"
    lines = [
        f"{who} vous propose son aide en réponse à votre publication « {category_label} ».",
        "",
        f"Votre publication : {excerpt}",
        "",
        "Son message :",
        message,
        "",
        "Voisinage ne transmet pas vos coordonnées : répondez seulement si vous le souhaitez, avec les moyens "
        "que cette personne vous a donnés.",
        "",
        f"Voir dans l'application : {link}",
    ]
    subject = "[Voisinage] Une proposition d'aide" + (f" de {signature}" if signature else "")
    return subject, "\n".join(lines)


def already_offered(session: Session, alert_id: int, author_id: int, helper_id: int) -> bool:
    """Whether ``helper_id`` already offered help on ``alert_id`` (its in-app row to ``author_id`` exists)."""
    key = f"{help_key(alert_id, helper_id)}:{author_id}:inapp"  # the outbox's key: stem, recipient, channel
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is not None


def enqueue_help_offer(
    session: Session,
    *,
    commune_id: int,
    alert_id: int,
    author_id: int,
    author_email: str | None,
    helper_id: int,
    category_label: str,
    post: str,
    message: str,
    signature: str | None,
    config: NotifyConfig,
    now: datetime,
) -> int:
    """Write the offer for the author (in the caller's transaction); returns the number of new outbox rows
    (0: this neighbour had already offered)."""
    link = f"{config.public_url}/entraide"
    subject, body = help_text(category_label, post, message, signature, link)
    draft = Draft(KIND, help_key(alert_id, helper_id), subject, body, link, alert_id=alert_id)
    prefs = load_prefs(session, [author_id])
    return enqueue(session, commune_id, draft, [Recipient(author_id, author_email, prefs[author_id])], now)

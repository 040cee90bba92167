"""Messages about a member's own account (verification, refusal, sanction, new sector, invitation, password
reset) and broadcasts of the mairie or the gendarmerie, written in the transaction of the change."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from community import recipients
from notify._config import NotifyConfig
from notify._outbox import Draft, Recipient, enqueue, load_prefs
from notify._render import SMS_LENGTH, shorten
from notify._secrets import seal
from store.schema import Member

CODE_SENT = "Un code personnel vous a été envoyé par courriel. Il n'est jamais affiché ici."


def _when(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, datetime) else ""


def member_text(event: str, details: dict[str, Any], config: NotifyConfig) -> tuple[str, str, str] | None:
    """Subject, text and link of the message for a member event (None: nothing to say)."""
    url = config.public_url
    reason = details.get("reason") or ""
    texts = {
        "verified": ("Votre adresse est vérifiée", "Votre adresse a été vérifiée : vous recevez désormais les "
                     "alertes de votre secteur.", url),
        "refused": ("Votre inscription n'a pas été acceptée", f"Votre inscription a été refusée. Motif : {reason}",
                    url),
        "warning": ("Avertissement", f"Vous avez reçu un avertissement. Motif : {reason}", url),
        "suspension": ("Compte suspendu", f"Votre compte est suspendu jusqu'au {_when(details.get('ends_at'))}. "
                       f"Motif : {reason}", url),
        "exclusion": ("Compte fermé", f"Votre compte a été fermé par la mairie. Motif : {reason}", url),
        "sector_changed": ("Votre secteur a changé", "Le découpage de la commune a changé : votre secteur est "
                           f"désormais « {details.get('after') or 'aucun'} ».", url),
        "invitation": ("Invitation à Voisinage", "Un compte Voisinage a été créé pour vous. Choisissez votre mot de "
                       f"passe sur la page ci-dessous avec ce code (valable {int(details.get('days') or 14)} jours) : "
                       f"{details.get('token', '')}", f"{url}/auth/invitation"),
        "password_reset": ("Nouveau mot de passe", "Vous avez demandé à changer de mot de passe. Choisissez-en un "
                           f"nouveau sur la page ci-dessous avec ce code : {details.get('token', '')}\nSi vous "
                           "n'avez rien demandé, ignorez ce message.", f"{url}/auth/invitation"),
        "sign_up_again": ("Demande d'inscription", "Quelqu'un vient de demander à s'inscrire à Voisinage avec "
                          "votre adresse e-mail, qui a déjà un compte : aucun nouveau compte n'a été créé. Si "
                          "c'était vous, connectez-vous (ou choisissez un nouveau mot de passe avec « Mot de passe "
                          "oublié »). Sinon, ignorez ce message.", f"{url}/auth/login"),
    }  # fmt: skip
    found = texts.get(event)
    if found is None:
        return None
    subject, body, link = found
    return f"[Voisinage] {subject}", f"{body}\n\n{link}", link


def enqueue_for_member(
    session: Session,
    member: Member,
    event: str,
    details: dict[str, Any],
    config: NotifyConfig,
    now: datetime | None = None,
) -> int:
    """Write the message a member event calls for (in-app and e-mail); returns the number of new rows."""
    found = member_text(event, details, config)
    if found is None or member.commune_id is None:
        return 0
    now = now or datetime.now(UTC)
    subject, body, link = found
    # One message per event occurrence: the key carries what distinguishes two of them (a code only hashed).
    token = str(details.get("token") or "")
    stamp = hashlib.sha256(token.encode()).hexdigest()[:24] if token else ""
    # ``window``: at most one message per window (repeated sign-up attempts with an e-mail that has an account).
    stamp = stamp or details.get("after") or details.get("window") or now.isoformat(timespec="seconds")
    key = f"m{member.id}:{event}:{stamp}"
    draft = Draft(event, key, subject, body, link)
    if token:
        # A usable code never lies in the outbox readable: the e-mail's body is sealed with the notifications'
        # key (opened by the dispatcher at send time), and the in-app copy says where the code went.
        draft = Draft(event, key, subject, CODE_SENT, link, email_body=seal(config.secret, body))
    prefs = load_prefs(session, [member.id])
    return enqueue(session, member.commune_id, draft, [Recipient(member.id, member.email, prefs[member.id])], now)


def enqueue_broadcast(
    session: Session,
    commune_id: int,
    sector_codes: Iterable[str] | None,
    *,
    key: str,
    subject: str,
    text: str,
    author: str,
    config: NotifyConfig,
    now: datetime | None = None,
) -> int:
    """A message of the mairie or the gendarmerie to the whole commune (``sector_codes`` None) or to sectors.

    Goes by SMS to those who turned it on (broadcasts are among what SMS carry). ``key`` identifies the
    broadcast: enqueuing it again sends nothing new.
    """
    now = now or datetime.now(UTC)
    codes = None if sector_codes is None else set(sector_codes)
    members = recipients(session, commune_id, codes, now=now)
    prefs = load_prefs(session, [m.id for m in members])
    link = f"{config.public_url}/"
    sms = f"{author} : {text}"
    draft = Draft(
        "broadcast",
        f"b{commune_id}:{key}",
        f"[Voisinage] {subject}",
        f"{text}\n\n— {author}\n\n{link}",
        link,
        sms=shorten(sms, length=SMS_LENGTH),
    )
    return enqueue(session, commune_id, draft, [Recipient(m.id, m.email, prefs[m.id]) for m in members], now)

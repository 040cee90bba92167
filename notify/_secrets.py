"""The notifications' secrets, from one key (``VOISINAGE_NOTIFY_SECRET``): sealed outbox bodies and signed
unsubscribe links.

- :func:`seal` / :func:`unseal`: a message carrying a usable code (invitation, password reset) is stored in the
  outbox encrypted (Fernet: AES-128-CBC and HMAC-SHA256) and opened by the dispatcher at send time, so that
  whoever reads the database (a backup, a replica, a support session) cannot use the code.
- :func:`unsubscribe_token` / :func:`read_unsubscribe_token`: the per-member token of the one-click
  unsubscribe link (RFC 8058), an HMAC of the member's commune and id; it does not expire.

Each use derives its own key from the secret (HMAC with a label), so a token never doubles as a cipher key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

SEALED = "sealed:v1:"
_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


class SealError(Exception):
    """A sealed body the key cannot open (another key, or a damaged row)."""


def _derive(secret: str, label: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), label.encode("ascii"), hashlib.sha256).digest()


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, "voisinage/outbox-seal")))


def seal(secret: str, text: str) -> str:
    """``text`` encrypted with the key derived from ``secret``, marked as sealed (for an outbox body)."""
    return SEALED + _fernet(secret).encrypt(text.encode("utf-8")).decode("ascii")


def is_sealed(value: str) -> bool:
    """Whether an outbox body is sealed."""
    return value.startswith(SEALED)


def unseal(secret: str, value: str) -> str:
    """The text of a sealed body (a body that is not sealed is returned as it is).

    Raises
    ------
    SealError
        When ``secret`` is not the key the body was sealed with.
    """
    if not is_sealed(value):
        return value
    try:
        return _fernet(secret).decrypt(value[len(SEALED) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SealError("message chiffré illisible avec la clé actuelle (VOISINAGE_NOTIFY_SECRET a changé ?)") from exc


def _signature(secret: str, commune_id: int, member_id: int) -> str:
    mac = hmac.new(_derive(secret, "voisinage/unsubscribe"), f"{commune_id}.{member_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:16]).decode("ascii").rstrip("=")


def unsubscribe_token(secret: str, commune_id: int, member_id: int) -> str:
    """The one-click unsubscribe token of a member (``commune.member.signature``)."""
    return f"{commune_id}.{member_id}.{_signature(secret, commune_id, member_id)}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, int] | None:
    """(commune id, member id) of a genuine token, else None (constant-time comparison)."""
    m = _TOKEN.match(token or "")
    if m is None:
        return None
    commune_id, member_id = int(m[1]), int(m[2])
    return (commune_id, member_id) if hmac.compare_digest(m[3], _signature(secret, commune_id, member_id)) else None

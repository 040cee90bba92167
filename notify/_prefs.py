"""Members' choices: channels and quiet hours (pure rules, and their rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gis import InputError

PARIS = ZoneInfo("Europe/Paris")
_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True)
class Prefs:
    """A member's choices (the defaults when they never chose: e-mail on, SMS off, digest on)."""

    email_on: bool = True
    sms_on: bool = False
    phone: str | None = None
    quiet_from: int | None = None  # minutes after midnight, Paris time
    quiet_to: int | None = None
    digest: bool = True

    @property
    def sms_possible(self) -> bool:
        return self.sms_on and bool(self.phone)


def normalize_phone(value: str) -> str:
    """A French or international number in E.164 (``06 12 34 56 78`` -> ``+33612345678``).

    Raises
    ------
    gis.InputError
        ``field="phone"`` when it is not a phone number.
    """
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    if not _PHONE.match(digits):
        raise InputError(
            f"Numéro de téléphone invalide : « {value} ». Exemple : +33612345678 ou 06 12 34 56 78.", field="phone"
        )
    return digits


def parse_quiet(value: str) -> tuple[int, int] | None:
    """``"22:00-07:00"`` -> (1320, 420); empty or ``"aucune"`` -> None."""
    text = (value or "").strip().lower()
    if text in {"", "aucune", "non", "off"}:
        return None
    m = re.fullmatch(r"(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})", text)
    if not m or int(m[1]) > 23 or int(m[3]) > 23 or int(m[2]) > 59 or int(m[4]) > 59:
        raise InputError(f"Heures calmes invalides : « {value} ». Exemple : 22:00-07:00.", field="quiet")
    return int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])


def quiet_until(prefs: Prefs, now: datetime) -> datetime | None:
    """When ``now`` falls in the member's quiet hours, the moment they end (UTC); else None."""
    if prefs.quiet_from is None or prefs.quiet_to is None or prefs.quiet_from == prefs.quiet_to:
        return None
    local = now.astimezone(PARIS)
    minute = local.hour * 60 + local.minute
    start, end = prefs.quiet_from, prefs.quiet_to
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = midnight + timedelta(minutes=end)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)

"""What the members, referents, gendarmerie and address commands share: operator, geocoder, member look-up."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from cli._context import state
from community import Actor, Member, find_member, get_commune
from gis import BanApiGeocoder, Geocoder
from settings import get_settings
from store import LocalGeocoder, transaction


def operator() -> Actor:
    """The person running the command, acting as platform admin (named in the audit log by their OS login)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        user = "inconnu"
    return Actor.operator(label=f"opérateur CLI ({user})")


def geocoder(session: Session) -> Geocoder:
    """The geocoder chosen by the settings: the local BAN base, or the online BAN API."""
    settings = get_settings()
    if settings.geocoder == "ban_api":
        return BanApiGeocoder(settings.ban_api_url, settings.ban_api_timeout_s)
    return LocalGeocoder(session, min_score=settings.geocode_min_score)


@contextmanager
def member_in(ctx: typer.Context, commune: str, email: str) -> Iterator[tuple[Session, Member]]:
    """One transaction, and the member of ``commune`` with that e-mail (a French error when there is none)."""
    with transaction(state(ctx).engine()) as session:
        yield session, find_member(session, get_commune(session, commune), email)

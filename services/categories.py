"""The commune's alert categories: list them (disabled ones too), add its own, rename, deactivate, reactivate.

Reading needs the commune-wide right to view alerts (the mairie, and the gendarmerie while its access is
open) or the right to change them; every change needs ``EDIT_CATEGORIES`` (the mairie's admin, the operator).
A change takes effect for posting at once (the cached commune context is dropped once the change is committed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services._community import in_commune
from services._core import Actor, ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["FAMILIES", "CategoryInfo", "add", "listing", "rename", "set_enabled"]

# The families a commune's own category may belong to (official messages are the mairie's and gendarmerie's).
FAMILIES = {"securite": "Sécurité", "solidarite": "Solidarité"}


@dataclass(frozen=True)
class CategoryInfo:
    """One alert category of the commune, as the mairie manages it."""

    code: str
    label: str
    family: str  # securite, solidarite, officiel
    enabled: bool
    own: bool  # the commune's own category (else one of the platform's defaults)
    default_label: str  # the platform's label of a default category ('' for the commune's own)


def listing(actor: Actor, commune: str | None = None) -> list[CategoryInfo]:
    """Every category of the commune, disabled ones included: the defaults first, then its own (for who reads the
    commune's alerts, or may change its categories)."""
    from community import Action, allowed, authorize

    with in_commune(actor, commune) as (session, found):
        if not allowed(session, actor, Action.EDIT_CATEGORIES, commune_id=found.id):
            authorize(session, actor, Action.VIEW_ALERTS, commune_id=found.id)
        return _infos(session, found.id)


def _infos(session: Session, commune_id: int) -> list[CategoryInfo]:
    from alerts import category_entries

    return [
        CategoryInfo(e.code, e.label, e.family.value, e.enabled, e.own, e.default_label)
        for e in category_entries(session, commune_id)
    ]


def _change(
    actor: Actor,
    commune: str | None,
    code: str,
    *,
    label: str | None = None,
    enabled: bool | None = None,
    family: str | None = None,
    must_exist: bool = True,
) -> list[CategoryInfo]:
    from alerts import Family, category_entries, change_category, forget_commune
    from community import Action, authorize, record

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.EDIT_CATEGORIES, commune_id=found.id)
        known = {e.code for e in category_entries(session, found.id)}
        if must_exist and code not in known:
            raise ServiceError(f"Catégorie inconnue : « {code} ».", field="code")
        if not must_exist and code in known:
            raise ServiceError(f"Le code « {code} » existe déjà : choisissez-en un autre.", field="code")
        change_category(
            session,
            found,
            code,
            label=label,
            enabled=enabled,
            family=Family(family) if family is not None else None,
        )
        record(
            session,
            actor,
            "changed",
            "alert_category",
            code,
            commune_id=found.id,
            label=label,
            enabled=enabled,
            family=family,
        )
        commune_id, changed = found.id, _infos(session, found.id)
    forget_commune(commune_id)
    return changed


def _label(label: str) -> str:
    cleaned = " ".join((label or "").split())
    if not cleaned or len(cleaned) > 80:
        raise ServiceError("Le libellé doit faire entre 1 et 80 caractères.", field="label")
    return cleaned


def add(actor: Actor, commune: str | None, *, code: str, label: str, family: str) -> list[CategoryInfo]:
    """Add a category of the commune's own (``family``: ``securite`` or ``solidarite``); returns the new list.

    Raises
    ------
    ServiceError
        ``field`` is ``code`` (malformed or taken), ``label``, ``family`` or ``actor`` (not allowed).
    """
    if family not in FAMILIES:
        raise ServiceError(f"Famille inconnue : « {family} ». Choix : {', '.join(FAMILIES)}.", field="family")
    code = (code or "").strip()
    if not code:
        raise ServiceError("Indiquez le code de la catégorie (ex. : nuisances-sonores).", field="code")
    return _change(actor, commune, code, label=_label(label), family=family, enabled=True, must_exist=False)


def rename(actor: Actor, commune: str | None, code: str, label: str) -> list[CategoryInfo]:
    """Give a category a new label (alerts already posted show the new one); returns the new list."""
    return _change(actor, commune, code, label=_label(label))


def set_enabled(actor: Actor, commune: str | None, code: str, enabled: bool) -> list[CategoryInfo]:
    """Deactivate a category (no new alert in it; past ones keep it) or reactivate it; returns the new list."""
    return _change(actor, commune, code, enabled=enabled)

"""Alert categories: the defaults of the scheme, and a commune's own adjustments.

A commune starts with :data:`DEFAULT_CATEGORIES` and may disable some, rename them, or add its own
(:class:`CategoryOverrides`). :func:`effective_categories` merges the two; :func:`resolve_category`
turns what a user typed (a code or a label, with or without accents) into one category.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from community._permissions import Action, roles_allowed
from gis import InputError
from store.schema import Role


class Family(enum.StrEnum):
    """The three families of alerts."""

    SECURITY = "securite"
    SOLIDARITY = "solidarite"
    OFFICIAL = "officiel"


# Who may post an alert of a family: the permission matrix's ``POST_ALERT`` for the neighbours' categories; of
# those with ``BROADCAST``, the mairie signs its messages and the gendarmerie its own.
RESIDENT_ROLES = frozenset(r.value for r in roles_allowed(Action.POST_ALERT))
_BROADCASTERS = frozenset(r.value for r in roles_allowed(Action.BROADCAST))
MAIRIE_ROLES = _BROADCASTERS & {Role.MAIRIE_AGENT.value, Role.MAIRIE_ADMIN.value}
GENDARMERIE_ROLES = _BROADCASTERS & {Role.GENDARMERIE.value}


@dataclass(frozen=True)
class Category:
    """One category of alert.

    Attributes
    ----------
    code:
        Stable identifier (lowercase ASCII slug), stored with each alert.
    label:
        French label shown to users.
    family:
        Security, solidarity or official message.
    posted_by:
        Roles allowed to post in this category.
    """

    code: str
    label: str
    family: Family
    posted_by: frozenset[str] = RESIDENT_ROLES

    def may_be_posted_by(self, role: str) -> bool:
        """Whether a member with ``role`` may post in this category."""
        return role in self.posted_by


def _c(code: str, label: str, family: Family, posted_by: frozenset[str] = RESIDENT_ROLES) -> Category:
    return Category(code, label, family, posted_by)


SEC, SOL, OFF = Family.SECURITY, Family.SOLIDARITY, Family.OFFICIAL

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    _c("cambriolage", "Cambriolage ou tentative", SEC),
    _c("comportement-suspect", "Comportement suspect", SEC),
    _c("vehicule-suspect", "Véhicule suspect", SEC),
    _c("demarchage-frauduleux", "Démarchage frauduleux", SEC),
    _c("degradation", "Dégradation", SEC),
    _c("vol", "Vol", SEC),
    _c("demande-aide", "Demande d'aide", SOL),
    _c("personne-vulnerable", "Personne vulnérable", SOL),
    _c("animal-perdu-trouve", "Animal perdu ou trouvé", SOL),
    _c("objet-perdu-trouve", "Objet perdu ou trouvé", SOL),
    _c("message-mairie", "Message de la mairie", OFF, MAIRIE_ROLES),
    _c("message-gendarmerie", "Message de la gendarmerie", OFF, GENDARMERIE_ROLES),
)

# What a category code looks like (stored with each alert).
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CategoryOverrides:
    """What a commune changed in the default list.

    Attributes
    ----------
    disabled:
        Codes of default categories the commune does not use.
    labels:
        New labels for default categories, by code.
    extra:
        The commune's own categories (codes must not clash with the defaults).
    """

    disabled: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)
    extra: tuple[Category, ...] = ()


def validate_overrides(overrides: CategoryOverrides, defaults: Sequence[Category] = DEFAULT_CATEGORIES) -> None:
    """Check a commune's adjustments; raise one :class:`gis.InputError` listing every problem."""
    known = {c.code for c in defaults}
    problems: list[str] = []
    for code in sorted(overrides.disabled - known):
        problems.append(f"« {code} » n'est pas une catégorie par défaut : rien à désactiver.")
    for code, label in sorted(overrides.labels.items()):
        if code not in known:
            problems.append(f"« {code} » n'est pas une catégorie par défaut : impossible de la renommer.")
        if not label.strip() or len(label) > 80:
            problems.append(f"Le libellé de « {code} » doit faire entre 1 et 80 caractères.")
    seen: set[str] = set()
    for cat in overrides.extra:
        if not SLUG.match(cat.code) or len(cat.code) > 40:
            problems.append(
                f"Code « {cat.code} » invalide : lettres minuscules sans accent, chiffres et tirets (40 au plus)."
            )
        if cat.code in known or cat.code in seen:
            problems.append(f"Le code « {cat.code} » existe déjà : choisissez-en un autre.")
        if not cat.label.strip() or len(cat.label) > 80:
            problems.append(f"Le libellé de « {cat.code} » doit faire entre 1 et 80 caractères.")
        seen.add(cat.code)
    if problems:
        raise InputError("Les catégories de la commune ne sont pas valables.", problems=problems)


def effective_categories(
    overrides: CategoryOverrides | None = None, defaults: Sequence[Category] = DEFAULT_CATEGORIES
) -> list[Category]:
    """The categories a commune offers: defaults minus disabled, renamed, plus its own, in a stable order."""
    if overrides is None:
        return list(defaults)
    validate_overrides(overrides, defaults)
    out = [
        replace(c, label=overrides.labels.get(c.code, c.label)) for c in defaults if c.code not in overrides.disabled
    ]
    return out + list(overrides.extra)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", letters).strip()


def resolve_category(typed: str, categories: Iterable[Category]) -> Category:
    """The category named by ``typed`` (its code or its label; case, accents and punctuation ignored).

    Raises
    ------
    gis.InputError
        When nothing matches; the message lists the categories on offer.
    """
    cats = list(categories)
    wanted = _fold(typed)
    for cat in cats:
        if wanted in {_fold(cat.code), _fold(cat.label)}:
            return cat
    raise InputError(
        f"Catégorie inconnue : « {typed} ». Choisissez parmi :",
        problems=[f"{c.code} ({c.label})" for c in cats],
        field="category",
    )

"""Which SSMSI indicators a commune's alert categories relate to, defined once for every page and export.

A neighbour's alert is not a recorded offence: setting the two side by side only shows orders of magnitude.
The platform's default categories are linked by their stable code (a commune that renames « Cambriolage ou
tentative » keeps the link); a commune's own categories by their folded label and code (case, accents and
punctuation ignored): « Vol dans une voiture » relates to « Vols dans les véhicules ». A category matching no
rule, or a default one with no counterpart (« Comportement suspect »), is *sans équivalent SSMSI*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stats._catalogue import normalise

NO_EQUIVALENT = "sans équivalent SSMSI"

_THEFTS = ("vols_sans_violence", "vols_violents_sans_arme", "vols_avec_armes")

# The platform's default categories (alerts._categories.DEFAULT_CATEGORIES), by code. Those absent here have
# no counterpart among the SSMSI indicators (suspicious behaviour, solidarity, official messages).
RELATED_BY_CODE: Mapping[str, tuple[str, ...]] = {
    "cambriolage": ("cambriolages_logement",),
    "vehicule-suspect": ("vols_de_vehicules", "vols_dans_vehicules", "vols_accessoires_vehicules"),
    "degradation": ("destructions_degradations",),
    "vol": _THEFTS,
    "demarchage-frauduleux": ("escroqueries",),
    "comportement-suspect": (),
}

_THEFT = r"\b(?:vol|vols|vole|volee|volees|voles|voleur|voleurs|voleuse|derobe\w*)\b"
_VEHICLE = r"\b(?:vehicule\w*|voiture\w*|auto|autos|automobile\w*|moto\w*|scooter\w*|camion\w*|utilitaire\w*)\b"
_VIOLENCE = r"\b(?:violen\w*|agress\w*|coups?|bagarre\w*|rixe\w*|frapp\w*)\b"

# Rules over the folded label and code, the first whose every pattern matches wins (most specific first).
_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((r"\b(?:cambriol\w*|effraction\w*)\b",), ("cambriolages_logement",)),
    ((_THEFT, r"\b(?:dans|interieur)\b", _VEHICLE), ("vols_dans_vehicules",)),
    (
        (_THEFT, r"\b(?:accessoire\w*|roues?|retroviseur\w*|catalys\w*|catalytique\w*|plaques?|jantes?)\b"),
        ("vols_accessoires_vehicules",),
    ),
    ((_THEFT, _VEHICLE), ("vols_de_vehicules",)),
    ((r"\b(?:braquage\w*|arme|armes|armee|arme blanche)\b",), ("vols_avec_armes",)),
    ((_THEFT, r"\b(?:arrache\w*|violen\w*|agress\w*)\b"), ("vols_violents_sans_arme",)),
    ((r"\barrach\w*",), ("vols_violents_sans_arme",)),
    ((_THEFT,), _THEFTS),
    ((r"\b(?:sexuel\w*|exhib\w*|attouchement\w*|viol)\b",), ("violences_sexuelles",)),
    ((r"\b(?:intrafamil\w*|conjuga\w*|famille\w*|familia\w*)\b", _VIOLENCE), ("violences_intrafamiliales",)),
    ((_VIOLENCE,), ("violences_hors_famille",)),
    (
        (r"\b(?:degrad\w*|vandal\w*|tags?|graffiti\w*|casse\w*|destruct\w*|incendi\w*|feux? de poubelle\w*)\b",),
        ("destructions_degradations",),
    ),
    (
        (r"\b(?:escroq\w*|arnaque\w*|fraud\w*|demarch\w*|faux|fausse|fausses|usurpat\w*|hameconn\w*|phishing)\b",),
        ("escroqueries",),
    ),
    ((r"\b(?:drogue\w*|stupefiant\w*|deal|dealer\w*|dealeur\w*|cannabis|point de deal)\b",), ("trafic_stupefiants",)),
)
_COMPILED = tuple((tuple(re.compile(p) for p in patterns), keys) for patterns, keys in _RULES)


def related_indicators(code: str, label: str) -> tuple[str, ...]:
    """The SSMSI indicator keys (:data:`stats.BY_KEY`) an alert category relates to; ``()`` when none.

    Parameters
    ----------
    code
        The category's stable code (a default one decides by itself, whatever the commune renamed it).
    label
        Its French label, as the commune wrote it (read folded, with the code, for the commune's own).
    """
    if code in RELATED_BY_CODE:
        return RELATED_BY_CODE[code]
    text = f"{normalise(label)} {normalise(code)}"
    for patterns, keys in _COMPILED:
        if all(p.search(text) for p in patterns):
            return keys
    return ()


@dataclass(frozen=True)
class CategoryLinks:
    """A commune's categories on the side of the SSMSI indicators.

    ``by_indicator``: indicator key -> codes of the categories related to it (in the categories' order);
    ``without_equivalent``: codes of the categories related to no indicator (*sans équivalent SSMSI*).
    """

    by_indicator: dict[str, tuple[str, ...]]
    without_equivalent: tuple[str, ...]


def link_categories(categories: Iterable[tuple[str, str]]) -> CategoryLinks:
    """Link ``(code, label)`` categories to the indicators they relate to (see :func:`related_indicators`)."""
    by_indicator: dict[str, list[str]] = {}
    without: list[str] = []
    for code, label in categories:
        keys = related_indicators(code, label)
        if not keys:
            without.append(code)
        for key in keys:
            by_indicator.setdefault(key, []).append(code)
    return CategoryLinks({k: tuple(v) for k, v in by_indicator.items()}, tuple(without))


@dataclass(frozen=True)
class AlertsBeside:
    """The alerts of the categories related to one indicator: their codes, and how many (None: withheld)."""

    categories: tuple[str, ...]
    alerts: int | None


def alerts_beside(
    indicators: Iterable[str], links: CategoryLinks, counts: Mapping[str, int], hidden: Iterable[str] = ()
) -> dict[str, AlertsBeside]:
    """For each indicator key, the alerts of its related categories.

    Parameters
    ----------
    indicators
        Indicator keys (those of the year shown).
    links
        :func:`link_categories` of the commune's categories.
    counts
        Published alerts per category code over the period.
    hidden
        Category codes whose count the reader may not see (the minimum-count masking of
        :func:`stats.hide_small`): an indicator summing any of them is withheld too, so that no hidden count
        can be worked back from a sum.

    Returns
    -------
    ``{key: AlertsBeside}``; ``alerts`` is 0 for an indicator no category relates to (with no categories).
    """
    masked = set(hidden)
    out = {}
    for key in indicators:
        codes = links.by_indicator.get(key, ())
        withheld = any(c in masked for c in codes)
        out[key] = AlertsBeside(codes, None if withheld else sum(int(counts.get(c, 0)) for c in codes))
    return out

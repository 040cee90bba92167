"""The SSMSI indicators under one canonical key each, and the French départements.

The SSMSI renamed its indicators between editions ("Coups et blessures volontaires intrafamiliaux" became
"Violences physiques intrafamiliales", "Vols de véhicules" became "Vols de véhicule"…); a canonical key joins
the years of a trend and a commune to its département whatever edition each came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

POPULATION = "population"
HOUSING = "logements"
AS_GIVEN = "donne"  # reference tables: the rate is taken as given, its base is not stated


@dataclass(frozen=True)
class Indicator:
    """One indicator: canonical key, French label, base of its rate, and the names it has had."""

    key: str
    label: str
    rate_base: str = POPULATION
    aliases: tuple[str, ...] = ()
    order: int = 100


_CATALOGUE: tuple[Indicator, ...] = (
    Indicator("total_crimes_delits", "Crimes et délits (total)", aliases=("crimes et delits total",), order=1),
    Indicator("total_violences_personnes", "Violences contre des personnes (total)", order=2),
    Indicator("total_vols_cambriolages", "Vols et cambriolages (total)", order=3),
    Indicator("total_stupefiants", "Trafic et usage de stupéfiants (total)", order=4),
    Indicator("homicides", "Homicides", order=5),
    Indicator("tentatives_homicide", "Tentatives d'homicide", aliases=("tentatives d homicides",), order=6),
    Indicator(
        "violences_intrafamiliales",
        "Violences physiques intrafamiliales",
        aliases=("coups et blessures volontaires intrafamiliaux",),
        order=10,
    ),
    Indicator(
        "violences_hors_famille",
        "Violences physiques hors cadre familial",
        aliases=("autres coups et blessures volontaires", "coups et blessures volontaires hors cadre familial"),
        order=11,
    ),
    Indicator("coups_blessures_volontaires", "Coups et blessures volontaires", order=12),
    Indicator("violences_sexuelles", "Violences sexuelles", aliases=("violences sexuelles victimes",), order=13),
    Indicator("vols_avec_armes", "Vols avec armes", order=20),
    Indicator("vols_violents_sans_arme", "Vols violents sans arme", order=21),
    Indicator("vols_sans_violence", "Vols sans violence contre des personnes", order=22),
    Indicator("cambriolages_logement", "Cambriolages de logement", HOUSING, order=23),
    Indicator("vols_de_vehicules", "Vols de véhicules", aliases=("vols de vehicule",), order=24),
    Indicator("vols_dans_vehicules", "Vols dans les véhicules", order=25),
    Indicator("vols_accessoires_vehicules", "Vols d'accessoires sur véhicules", order=26),
    Indicator("destructions_degradations", "Destructions et dégradations volontaires", order=30),
    Indicator(
        "escroqueries",
        "Escroqueries et fraudes aux moyens de paiement",
        aliases=("escroqueries et fraudes",),
        order=31,
    ),
    Indicator("usage_stupefiants", "Usage de stupéfiants", order=40),
    Indicator("usage_stupefiants_afd", "Usage de stupéfiants (AFD)", order=41),
    Indicator(
        "usage_stupefiants_hors_afd",
        "Usage de stupéfiants (hors AFD)",
        aliases=("usage de stupefiants hors afd", "usages de stupefiants hors afd"),
        order=42,
    ),
    Indicator("trafic_stupefiants", "Trafic de stupéfiants", order=43),
)


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space (the key used to recognise a name)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


_BY_NAME: dict[str, Indicator] = {}
for _ind in _CATALOGUE:
    for _name in (_ind.label, *_ind.aliases):
        _BY_NAME[normalise(_name)] = _ind
BY_KEY: dict[str, Indicator] = {i.key: i for i in _CATALOGUE}


def indicator_for(label: str) -> Indicator:
    """The canonical indicator of a name found in a file (an unknown name gets a key of its own)."""
    found = _BY_NAME.get(normalise(label))
    if found is not None:
        return found
    key = normalise(label).replace(" ", "_")[:80] or "inconnu"
    base = HOUSING if "cambriol" in key and "logement" in key else POPULATION
    return Indicator(key, label.strip(), base)


def indicator_order(key: str) -> tuple[int, str]:
    """Sort key: the catalogue's order, then the key."""
    ind = BY_KEY.get(key)
    return (ind.order if ind else 999, key)


def indicator_label(key: str, fallback: str = "") -> str:
    """The French label of a canonical key."""
    ind = BY_KEY.get(key)
    return ind.label if ind else (fallback or key)


_DEPARTEMENTS_TEXT = """
01 Ain|02 Aisne|03 Allier|04 Alpes-de-Haute-Provence|05 Hautes-Alpes|06 Alpes-Maritimes|07 Ardèche|08 Ardennes|
09 Ariège|10 Aube|11 Aude|12 Aveyron|13 Bouches-du-Rhône|14 Calvados|15 Cantal|16 Charente|17 Charente-Maritime|
18 Cher|19 Corrèze|2A Corse-du-Sud|2B Haute-Corse|21 Côte-d'Or|22 Côtes-d'Armor|23 Creuse|24 Dordogne|25 Doubs|
26 Drôme|27 Eure|28 Eure-et-Loir|29 Finistère|30 Gard|31 Haute-Garonne|32 Gers|33 Gironde|34 Hérault|
35 Ille-et-Vilaine|36 Indre|37 Indre-et-Loire|38 Isère|39 Jura|40 Landes|41 Loir-et-Cher|42 Loire|43 Haute-Loire|
44 Loire-Atlantique|45 Loiret|46 Lot|47 Lot-et-Garonne|48 Lozère|49 Maine-et-Loire|50 Manche|51 Marne|
52 Haute-Marne|53 Mayenne|54 Meurthe-et-Moselle|55 Meuse|56 Morbihan|57 Moselle|58 Nièvre|59 Nord|60 Oise|61 Orne|
62 Pas-de-Calais|63 Puy-de-Dôme|64 Pyrénées-Atlantiques|65 Hautes-Pyrénées|66 Pyrénées-Orientales|67 Bas-Rhin|
68 Haut-Rhin|69 Rhône|70 Haute-Saône|71 Saône-et-Loire|72 Sarthe|73 Savoie|74 Haute-Savoie|75 Paris|
76 Seine-Maritime|77 Seine-et-Marne|78 Yvelines|79 Deux-Sèvres|80 Somme|81 Tarn|82 Tarn-et-Garonne|83 Var|
84 Vaucluse|85 Vendée|86 Vienne|87 Haute-Vienne|88 Vosges|89 Yonne|90 Territoire de Belfort|91 Essonne|
92 Hauts-de-Seine|93 Seine-Saint-Denis|94 Val-de-Marne|95 Val-d'Oise|971 Guadeloupe|972 Martinique|973 Guyane|
974 La Réunion|976 Mayotte
"""
DEPARTEMENTS: dict[str, str] = dict(
    item.strip().split(" ", 1) for item in _DEPARTEMENTS_TEXT.replace("\n", "").split("|") if item.strip()
)
_DEP_BY_SLUG = {normalise(name).replace(" ", "_"): code for code, name in DEPARTEMENTS.items()}


def departement_of(insee: str) -> str:
    """The département code of a commune's INSEE code (``91095`` -> ``91``, ``97411`` -> ``974``)."""
    insee = insee.strip().upper()
    return insee[:3] if insee.startswith("97") else insee[:2]


def departement_by_slug(slug: str) -> str | None:
    """The département code for a name written as a slug (``essonne`` -> ``91``), or None."""
    return _DEP_BY_SLUG.get(normalise(slug).replace(" ", "_"))

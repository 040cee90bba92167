"""Text normalisation for French addresses: accents, case, punctuation, abbreviations, articles."""

from __future__ import annotations

import re
import unicodedata

# Common abbreviations of street types and titles, as people type them (and as La Poste's norm shortens them).
ABBREVIATIONS: dict[str, str] = {
    "r": "rue",
    "ru": "rue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "bvd": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "aven": "avenue",
    "ch": "chemin",
    "chem": "chemin",
    "che": "chemin",
    "chm": "chemin",
    "pl": "place",
    "imp": "impasse",
    "all": "allee",
    "rte": "route",
    "rt": "route",
    "fg": "faubourg",
    "fbg": "faubourg",
    "sq": "square",
    "crs": "cours",
    "pass": "passage",
    "pas": "passage",
    "psg": "passage",
    "qu": "quai",
    "qua": "quai",
    "res": "residence",
    "lot": "lotissement",
    "ham": "hameau",
    "sen": "sentier",
    "sent": "sentier",
    "vla": "villa",
    "prom": "promenade",
    "rpt": "rond point",
    "rdpt": "rond point",
    "cit": "cite",
    "zi": "zone industrielle",
    "za": "zone artisanale",
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "gd": "grand",
    "gde": "grande",
    "mal": "marechal",
    "mar": "marechal",
    "gal": "general",
    "gen": "general",
    "pdt": "president",
    "pres": "president",
    "prof": "professeur",
    "dr": "docteur",
    "doct": "docteur",
    "cdt": "commandant",
    "cne": "capitaine",
    "lt": "lieutenant",
    "col": "colonel",
    "mgr": "monseigneur",
    "nd": "notre dame",
    "n-d": "notre dame",
}

# Articles and prepositions people drop or add at will ("rue du Père Guérin" = "rue Père Guérin").
STOPWORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "a", "au", "aux", "en", "et", "sur", "sous"})

STREET_TYPES = frozenset(
    {
        "rue",
        "boulevard",
        "avenue",
        "chemin",
        "place",
        "impasse",
        "allee",
        "route",
        "faubourg",
        "square",
        "cours",
        "passage",
        "quai",
        "residence",
        "lotissement",
        "hameau",
        "sentier",
        "villa",
        "promenade",
        "cite",
        "voie",
        "ruelle",
        "sente",
        "esplanade",
        "parvis",
        "rond",
    }
)

_PUNCT = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into spaces and collapse blanks.

    >>> fold("  Rue du Père-Guérin, 75013 ")
    'rue du pere guerin 75013'
    """
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _PUNCT.sub(" ", stripped).strip()


def street_key(folded: str) -> str:
    """The matching key of a folded street name: abbreviations expanded, articles dropped.

    >>> street_key(fold("Bd du Gal Leclerc"))
    'boulevard general leclerc'
    """
    words: list[str] = []
    for token in folded.split():
        words.extend(ABBREVIATIONS.get(token, token).split())
    kept = [w for w in words if w not in STOPWORDS]
    return " ".join(kept or words)

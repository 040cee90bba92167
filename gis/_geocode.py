"""Forward and reverse geocoding over one commune's addresses, in memory (pure: no database here).

:class:`AddressIndex` groups a commune's BAN rows by normalised street. A query is parsed into house
number, repetition index (bis, ter, b…) and street text; the street is matched with rapidfuzz over the
commune's street keys (tolerant of accents, case, abbreviations, articles and typos), then the number is
looked up within the matched street. The same algorithm serves both storage backends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz, process

from gis._errors import InputError
from gis._normalize import STREET_TYPES, fold, street_key

REP_WORDS = {"bis": "bis", "ter": "ter", "quater": "quater", "quinquies": "quinquies", "b": "b", "t": "t", "q": "q"}
# "54 bis" and "54 b" are the same door for most people; the exact form is preferred when both exist.
REP_EQUIVALENT = {"bis": "b", "ter": "t", "quater": "q", "quinquies": "c"}
_NUMBER = re.compile(r"^(\d{1,5})([a-z]*)$")
_POSTCODE = re.compile(r"^\d{5}$")
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class GeocodeResult:
    """One geocoding answer. ``score`` is in [0, 1]; ``kind`` is ``housenumber``, ``street`` or ``locality``."""

    label: str
    lon: float
    lat: float
    score: float
    kind: str
    ban_id: str = ""
    insee: str = ""
    numero: int | None = None
    rep: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    distance_m: float | None = None


@dataclass(frozen=True)
class ParsedQuery:
    """One reading of a free-text address."""

    numero: int | None
    rep: str
    street: str  # the street's matching key


@dataclass
class _Street:
    name: str
    rows: list[int] = field(default_factory=list)
    numbers: dict[tuple[int, str], int] = field(default_factory=dict)


def distance_m(lon1: float, lat1: float, lon2: float | np.ndarray, lat2: float | np.ndarray) -> np.ndarray | float:
    """Great-circle distance in metres (haversine), vectorised over the second point."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _bare(key: str) -> str:
    """A street key without its leading street type ("rue gerard" -> "gerard")."""
    first, _, rest = key.partition(" ")
    return rest if rest and first in STREET_TYPES else key


def _strip_places(tokens: list[str], place_tokens: frozenset[str]) -> list[str]:
    """Drop trailing tokens naming the commune ("… paris 13e arrondissement")."""
    end = len(tokens)
    while end > 1 and tokens[end - 1] in place_tokens:
        end -= 1
    return tokens[:end]


def parse_query(text: str, place_tokens: frozenset[str] = frozenset()) -> list[ParsedQuery]:
    """Every plausible reading of ``text`` (number, repetition index, street key), most likely first.

    A 5-digit token is taken as the postcode and ends the street; trailing words naming the commune are
    dropped as an alternative reading. ``54 b rue …`` is read both as number 54 + "b" and as number 54
    with a street starting with "b" (``32 r gerard``: "r" is then the abbreviation of "rue").
    """
    tokens = fold(text).split()
    for i, token in enumerate(tokens):
        if _POSTCODE.match(token) and i > 0:
            tokens = tokens[:i]
            break
    readings: list[tuple[int | None, str, list[str]]] = []
    number = _NUMBER.match(tokens[0]) if tokens else None
    if number and len(tokens) > 1:
        numero, suffix = int(number.group(1)), number.group(2)
        rest = tokens[1:]
        if suffix:
            readings.append((numero, suffix, rest))
        elif rest[0] in REP_WORDS and len(rest) > 1:
            readings.append((numero, rest[0], rest[1:]))
            if len(rest[0]) == 1:
                readings.append((numero, "", rest))
        else:
            readings.append((numero, "", rest))
    else:
        readings.append((None, "", tokens))
    out: list[ParsedQuery] = []
    for numero, rep, words in readings:  # type: ignore[assignment]
        variants = [words]
        stripped = _strip_places(words, place_tokens)
        if stripped != words:
            variants.insert(0, stripped)
        for variant in variants:
            key = street_key(" ".join(variant))
            if key:
                parsed = ParsedQuery(numero, rep, key)
                if parsed not in out:
                    out.append(parsed)
    return out


class AddressIndex:
    """The addresses of one commune, ready for forward and reverse geocoding.

    Parameters
    ----------
    ban_ids, numeros, reps, streets, postcodes, cities, lons, lats
        One entry per address. ``numeros`` holds ``None`` for a street or lieu-dit point.
    insee
        The commune's INSEE code (copied into results).
    """

    def __init__(
        self,
        *,
        insee: str,
        ban_ids: Sequence[str],
        numeros: Sequence[int | None],
        reps: Sequence[str],
        streets: Sequence[str],
        postcodes: Sequence[str],
        cities: Sequence[str],
        lons: Sequence[float],
        lats: Sequence[float],
    ) -> None:
        self.insee = insee
        self.ban_ids = list(ban_ids)
        self.numeros = list(numeros)
        self.reps = [r.lower() for r in reps]
        self.street_names = list(streets)
        self.postcodes = list(postcodes)
        self.cities = list(cities)
        self.lons = np.asarray(lons, dtype=float)
        self.lats = np.asarray(lats, dtype=float)
        streets_by_key: dict[str, _Street] = {}
        folded_cache: dict[str, str] = {}
        for i, name in enumerate(self.street_names):
            key = folded_cache.get(name)
            if key is None:
                key = folded_cache[name] = street_key(fold(name))
            entry = streets_by_key.get(key)
            if entry is None:
                entry = streets_by_key[key] = _Street(name=name)
            entry.rows.append(i)
            numero = self.numeros[i]
            if numero is not None:
                entry.numbers.setdefault((numero, self.reps[i]), i)
        self._streets = streets_by_key
        self._keys = list(streets_by_key)
        # The same keys without their street type ("rue gerard" -> "gerard"), for queries that omit or
        # misspell the type: the fast first pass compares like with like.
        self._bare_keys = [_bare(k) for k in self._keys]
        places: set[str] = set()
        for city in set(self.cities):
            places.update(fold(city).split())
        self.place_tokens = frozenset(places)

    def __len__(self) -> int:
        return len(self.ban_ids)

    # ------------------------------------------------------------------ results
    def _result(self, i: int, score: float, kind: str = "housenumber") -> GeocodeResult:
        numero = self.numeros[i] if kind == "housenumber" else None
        rep = self.reps[i] if kind == "housenumber" else ""
        number = f"{numero}{rep} " if numero is not None else ""
        label = f"{number}{self.street_names[i]} {self.postcodes[i]} {self.cities[i]}".strip()
        return GeocodeResult(
            label=" ".join(label.split()),
            lon=float(self.lons[i]),
            lat=float(self.lats[i]),
            score=round(float(score), 4),
            kind=kind,
            ban_id=self.ban_ids[i] if kind == "housenumber" else "",
            insee=self.insee,
            numero=numero,
            rep=rep,
            street=self.street_names[i],
            postcode=self.postcodes[i],
            city=self.cities[i],
        )

    def _street_point(self, street: _Street) -> int:
        """The address standing for a whole street: its own point when it has one, else its middle number."""
        for i in street.rows:
            if self.numeros[i] is None:
                return i
        ordered = sorted(street.rows, key=lambda i: (self.numeros[i] or 0, self.reps[i]))
        return ordered[len(ordered) // 2]

    def _in_street(self, street: _Street, numero: int | None, rep: str) -> tuple[int, float, str]:
        """The row for ``numero``/``rep`` within ``street``, with a confidence factor and the result kind."""
        if numero is None:
            return self._street_point(street), 1.0, "street"
        exact = street.numbers.get((numero, rep))
        if exact is not None:
            return exact, 1.0, "housenumber"
        alt = REP_EQUIVALENT.get(rep)
        if alt is not None and (numero, alt) in street.numbers:
            return street.numbers[(numero, alt)], 0.99, "housenumber"
        plain = street.numbers.get((numero, ""))
        if plain is not None:
            return plain, 0.95, "housenumber"
        same = [(n, r) for (n, r) in street.numbers if n == numero]
        if same:
            return street.numbers[min(same)], 0.95, "housenumber"
        if not street.numbers:
            return self._street_point(street), 0.85, "street"
        # The number is not in the BAN: the nearest number on the same side of the street.
        candidates = sorted(street.numbers, key=lambda k: abs(k[0] - numero) + (0 if k[0] % 2 == numero % 2 else 1e6))
        return street.numbers[candidates[0]], 0.8, "housenumber"

    # ------------------------------------------------------------------ forward
    def search(self, text: str, *, min_score: float = 0.6, limit: int = 1) -> list[GeocodeResult]:
        """The best matches of ``text`` (best first), at most ``limit``; empty when nothing scores ``min_score``.

        Parameters
        ----------
        text
            A free-text address: ``"32 r. gerard"``, ``"54 bis rue Gérard 75013 Paris"``, ``"rue du pere guerin"``.
        min_score
            Lowest score (0–1) accepted.
        limit
            How many answers to return.
        """
        if not self._keys:
            return []
        best: dict[int, GeocodeResult] = {}
        cutoff = min_score * 100 * 0.8
        for parsed in parse_query(text, self.place_tokens):
            # First pass with the plain ratio (fast, C++), on full keys and on keys without street type;
            # then the few candidates are scored with WRatio, which forgives partial matches generously,
            # blended with the plain ratio, which separates near-identical names.
            candidates = {
                i
                for keys, query in ((self._keys, parsed.street), (self._bare_keys, _bare(parsed.street)))
                for _, _, i in process.extract(query, keys, scorer=fuzz.ratio, limit=8, score_cutoff=cutoff)
            }
            for i in candidates:
                key = self._keys[i]
                wscore = fuzz.WRatio(parsed.street, key)
                similarity = (0.7 * wscore + 0.3 * fuzz.ratio(parsed.street, key)) / 100
                street = self._streets[key]
                row, factor, kind = self._in_street(street, parsed.numero, parsed.rep)
                score = similarity * factor
                if score < min_score:
                    continue
                current = best.get(row)
                if current is None or current.score < score:
                    best[row] = self._result(row, score, kind)
        return sorted(best.values(), key=lambda r: -r.score)[:limit]

    # ------------------------------------------------------------------ reverse
    def nearest(self, lon: float, lat: float) -> GeocodeResult | None:
        """The address nearest to (lon, lat), with ``distance_m`` set; None when the index is empty."""
        if not len(self):
            return None
        d = distance_m(lon, lat, self.lons, self.lats)
        i = int(np.argmin(d))
        kind = "housenumber" if self.numeros[i] is not None else "street"
        found = self._result(i, 1.0, kind)
        return GeocodeResult(**{**found.__dict__, "distance_m": float(d[i])})  # type: ignore[index]


class Geocoder(Protocol):
    """What the domain needs from a geocoder (local BAN base, or the online BAN API)."""

    def search(self, text: str, *, insee: str | None = None, limit: int = 1) -> list[GeocodeResult]: ...

    def reverse(self, lon: float, lat: float, *, insee: str | None = None) -> GeocodeResult | None: ...


def check_query(text: str) -> str:
    """The stripped query text; raises :class:`InputError` when it is empty or too long."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise InputError("Adresse vide : saisissez un numéro et un nom de rue (ex. « 32 rue Gérard »).")
    if len(cleaned) > 300:
        raise InputError("Adresse trop longue (300 caractères au plus).")
    return cleaned

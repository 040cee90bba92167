"""BAN import and geocoding on the real rows of Paris 13e (Butte-aux-Cailles), on both backends."""

from __future__ import annotations

import random

import pytest
from members_support import BAN_FILE, ban_rows

from gis import InputError, distance_m, fold, parse_query, street_key
from gis._normalize import ABBREVIATIONS
from store import geocode as store_geocode
from store import import_ban, reverse_geocode, transaction

pytestmark = pytest.mark.shared_data

INSEE = "75113"


def _label(row) -> str:
    number = f"{row['numero']}{row['rep']} " if row["numero"] else ""
    return f"{number}{row['nom_voie']} {row['code_postal']} {row['nom_commune']}"


def _typo(rng: random.Random, word: str) -> str:
    """One random edit (substitution, deletion, insertion or transposition) of a letter of ``word``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(len(word))
    kind = rng.choice(["sub", "del", "ins", "swap"])
    if kind == "sub":
        return word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1 :]
    if kind == "del" and len(word) > 3:
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(letters) + word[i:]


def _abbreviate(rng: random.Random, street: str) -> str | None:
    """The street with one word replaced by a common abbreviation, if it has one."""
    reverse = {}
    for short, full in ABBREVIATIONS.items():
        if " " not in full:
            reverse.setdefault(full, []).append(short)
    words = street.split()
    options = [i for i, w in enumerate(words) if fold(w) in reverse]
    if not options:
        return None
    i = rng.choice(options)
    words[i] = rng.choice(reverse[fold(words[i])]) + rng.choice(["", "."])
    return " ".join(words)


@pytest.fixture
def imported(engine, shared_file):
    path = shared_file(BAN_FILE)
    report = import_ban(engine, path)
    return engine, path, report


def test_import_counts_and_reimport_updates(imported):
    engine, path, report = imported
    assert report.rows == 55 and report.inserted == 55 and report.updated == 0
    assert report.communes == (INSEE,)
    again = import_ban(engine, path)
    assert (again.inserted, again.updated) == (0, 55)
    with transaction(engine) as session:
        from sqlalchemy import func, select

        from store.schema import Address

        assert session.scalar(select(func.count()).select_from(Address)) == 55


def test_each_label_geocodes_back_to_its_point(imported):
    engine, path, _ = imported
    rows = ban_rows(path)
    with transaction(engine) as session:
        for _, row in rows.iterrows():
            [hit] = store_geocode(session, INSEE, _label(row))
            assert hit.ban_id == row["id"]
            assert distance_m(hit.lon, hit.lat, float(row["lon"]), float(row["lat"])) < 1.0


def test_typos_and_abbreviations_still_found(imported):
    engine, path, _ = imported
    rows = ban_rows(path)
    rng = random.Random(20260413)
    found = total = 0
    with transaction(engine) as session:
        for _, row in rows.iterrows():
            for mode in ("typo", "abbreviation"):
                street = row["nom_voie"]
                if mode == "typo":
                    words = street.split()
                    j = rng.randrange(len(words))
                    words[j] = _typo(rng, words[j])
                    perturbed = " ".join(words)
                else:
                    perturbed = _abbreviate(rng, street)
                    if perturbed is None:
                        continue
                query = f"{row['numero']}{row['rep']} {perturbed}"
                total += 1
                hits = store_geocode(session, INSEE, query)
                if hits and distance_m(hits[0].lon, hits[0].lat, float(row["lon"]), float(row["lat"])) <= 30:
                    found += 1
    assert total >= 100
    assert found / total >= 0.95, f"{found}/{total}"


@pytest.mark.parametrize(
    ("query", "expected_ban_id"),
    [
        ("32 RUE GERARD", "75113_4162_00032"),
        ("32 r. gérard", "75113_4162_00032"),
        ("32 r gerard paris", "75113_4162_00032"),
        ("54 b rue Gérard", "75113_4162_00054_b"),
        ("54bis rue gerard", "75113_4162_00054_b"),
        ("6 rue pere guerin", "75113_7251_00006"),
        ("6, Rue du Père-Guérin 75013 Paris", "75113_7251_00006"),
        ("31 B rue du pere guerin", "75113_7251_00031_b"),
    ],
)
def test_tolerant_queries(imported, query, expected_ban_id):
    engine, _, _ = imported
    with transaction(engine) as session:
        [hit] = store_geocode(session, INSEE, query)
    assert hit.ban_id == expected_ban_id


def test_missing_house_number_gives_the_street(imported):
    engine, _, _ = imported
    with transaction(engine) as session:
        [hit] = store_geocode(session, INSEE, "rue du Pere Guerin")
    assert hit.kind == "street" and hit.street == "Rue du Père Guérin" and hit.numero is None


def test_unknown_address_and_empty_query(imported):
    engine, _, _ = imported
    with transaction(engine) as session:
        assert store_geocode(session, INSEE, "12 avenue des Champs-Élysées") == []
        with pytest.raises(InputError, match="Adresse vide"):
            store_geocode(session, INSEE, "   ")
        with pytest.raises(InputError, match="Aucune adresse BAN"):
            store_geocode(session, "91471", "1 rue de Paris")


def test_reverse_geocoding_finds_nearest(imported):
    engine, path, _ = imported
    rows = ban_rows(path)
    with transaction(engine) as session:
        for _, row in rows.head(10).iterrows():
            lon, lat = float(row["lon"]), float(row["lat"])
            hit = reverse_geocode(session, INSEE, lon, lat)
            assert hit is not None and hit.ban_id == row["id"] and hit.distance_m < 0.01
            near = reverse_geocode(session, INSEE, lon + 0.0003, lat)  # about 22 m east
            assert near is not None and 0 < near.distance_m < 25
        assert reverse_geocode(session, INSEE, 2.0, 48.0) is None


def test_parse_query_readings():
    readings = parse_query("54 b rue gerard 75013 paris")
    assert readings[0].numero == 54 and readings[0].rep == "b" and readings[0].street == "rue gerard"
    assert any(r.rep == "" and r.street.startswith("b ") for r in readings)
    assert street_key(fold("Bd du Gal Leclerc")) == "boulevard general leclerc"

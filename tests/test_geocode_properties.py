"""Property tests of the pure geocoder (no database): case, accents, punctuation and spacing never matter."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from members_support import BAN_FILE, ban_rows

from gis import AddressIndex, fold

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def index_and_rows(shared_data):
    rows = ban_rows(shared_data / BAN_FILE)
    index = AddressIndex(
        insee="75113",
        ban_ids=list(rows["id"]),
        numeros=[int(n) for n in rows["numero"]],
        reps=list(rows["rep"]),
        streets=list(rows["nom_voie"]),
        postcodes=list(rows["code_postal"]),
        cities=list(rows["nom_commune"]),
        lons=rows["lon"].astype(float),
        lats=rows["lat"].astype(float),
    )
    return index, rows


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@settings(max_examples=150, deadline=None)
@given(
    i=st.integers(min_value=0, max_value=54),
    flips=st.lists(st.booleans(), min_size=60, max_size=60),
    accents=st.booleans(),
    separator=st.sampled_from([" ", "  ", ", ", " - "]),
)
def test_case_accents_and_separators_do_not_matter(index_and_rows, i, flips, accents, separator):
    index, rows = index_and_rows
    row = rows.iloc[i]
    street = _strip_accents(row["nom_voie"]) if accents else row["nom_voie"]
    street = "".join(c.upper() if f else c.lower() for c, f in zip(street, flips, strict=False)) + street[60:]
    query = f"{row['numero']}{row['rep']}{separator}{street}"
    [hit] = index.search(query)
    assert hit.ban_id == row["id"]


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_plain_ascii(text):
    once = fold(text)
    assert fold(once) == once
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in once)

"""Malformed BAN files are refused with a French message, and nothing is stored."""

from __future__ import annotations

import pytest
from members_support import BAN_FILE
from sqlalchemy import func, select

from gis import InputError, read_ban_chunks
from store import import_ban, transaction
from store.schema import Address, AddressImport

pytestmark = pytest.mark.shared_data


def _count(engine) -> tuple[int, int]:
    with transaction(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Address)),
            session.scalar(select(func.count()).select_from(AddressImport)),
        )


@pytest.fixture
def original(shared_file) -> list[str]:
    return shared_file(BAN_FILE).read_text(encoding="utf-8").splitlines()


def _write(tmp_path, lines: list[str], name: str = "ban.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda lines: [line.replace(";", ",") for line in lines], "séparées par « ; »"),
        (lambda lines: [line.replace(";", "\t") for line in lines], "tabulation"),
        (
            lambda lines: [";".join(p for i, p in enumerate(line.split(";")) if i != 13) for line in lines],
            "colonne « lat » absente",
        ),
        (lambda lines: [*lines[:10], lines[10].replace("2.352247", "deux"), *lines[11:]], "ligne 11 : coordonnées"),
        (lambda lines: [*lines[:40], lines[40].replace(";48.830", ";148.830"), *lines[41:]], "ligne 41 : coordonnées"),
        (lambda lines: [*lines[:5], lines[5].replace(";75113;", ";7511;"), *lines[6:]], "code INSEE invalide"),
        (lambda lines: [*lines[:5], lines[5] + ";x;y", *lines[6:]], "mal formé"),
        (lambda lines: lines[:1], "aucune adresse"),
        (lambda lines: [], "vide"),
    ],
)
def test_malformed_file_is_refused_and_nothing_stored(engine, tmp_path, original, mutate, message):
    path = _write(tmp_path, mutate(original))
    with pytest.raises(InputError, match=message):
        import_ban(engine, path)
    assert _count(engine) == (0, 0)


def test_bad_last_chunk_rolls_back_earlier_chunks(engine, tmp_path, original):
    lines = [*original[:-1], original[-1].replace("2.353515", "")]
    path = _write(tmp_path, lines)
    with pytest.raises(InputError, match="ligne 56"):
        import_ban(engine, path, chunk_rows=10)
    assert _count(engine) == (0, 0)


def test_certification_read_loosely(tmp_path, original):
    header, *rows = original
    lines = [header, *(r[: r.rindex(";0;")] + (";vrai;" if i % 2 else ";faux;") for i, r in enumerate(rows))]
    frame = next(read_ban_chunks(_write(tmp_path, lines)))
    assert frame["certified"].sum() == len(rows) // 2
    lines = [header, *(r.replace(";0;", ";1;") for r in rows)]
    assert next(read_ban_chunks(_write(tmp_path, lines)))["certified"].all()


def test_problems_are_capped_and_counted(tmp_path, original):
    header, *rows = original
    lines = [header, *(r.replace(";75113;", ";xx;") for r in rows)]
    with pytest.raises(InputError) as info:
        next(read_ban_chunks(_write(tmp_path, lines)))
    assert len(info.value.problems) == 11 and "autre(s) erreur(s)" in info.value.problems[-1]

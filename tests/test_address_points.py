"""The minimal BAN reader (lon/lat only) used to weight blocks by households."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gis import InputError, parse_certification, read_address_points

BAN = "ban/ban_adresses_paris13_butte-aux-cailles.csv"
HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles"
)


def _row(lon: str, lat: str, certified: str, n: int = 1) -> str:
    return (
        f"91471_0001_{n:05d};91471_0001;{n};;Rue de Paris;91400;91471;Orsay;;;640000;6844000;{lon};{lat};"
        f"entrée;;;ORSAY;RUE DE PARIS;commune;commune;{certified};"
    )


def test_real_ban_file(shared_file) -> None:
    points = read_address_points(shared_file(BAN))
    assert points.shape == (55, 2)
    assert np.allclose(points[0], [2.352659, 48.829819])
    assert (points[:, 0] > 2.3).all() and (points[:, 1] > 48.8).all()


@pytest.mark.parametrize(("yes", "no"), [("1", "0"), ("vrai", "faux"), ("VRAI", "FAUX"), ("true", "false")])
def test_both_certification_encodings(tmp_path: Path, yes: str, no: str) -> None:
    path = tmp_path / "ban.csv"
    rows = [_row("2.18", "48.70", yes, 1), _row("2.19", "48.71", no, 2), _row("2.20", "48.72", yes, 3)]
    path.write_text("\ufeff" + HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")  # with a BOM
    assert read_address_points(path).shape == (3, 2)
    certified = read_address_points(path, certified_only=True)
    assert certified.tolist() == [[2.18, 48.70], [2.20, 48.72]]
    assert parse_certification(yes) is True and parse_certification(no) is False


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="est vide"):
        read_address_points(empty)
    header_only = tmp_path / "entete.csv"
    header_only.write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="ne contient aucune adresse"):
        read_address_points(header_only)


def test_lambert_coordinates_in_lon_lat_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ban.csv"
    path.write_text(HEADER + "\n" + _row("640000.5", "6844000.2", "1") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="Lambert-93"):
        read_address_points(path)


def test_missing_columns_and_bad_values(tmp_path: Path) -> None:
    no_cols = tmp_path / "sans_lonlat.csv"
    no_cols.write_text("id;x;y\n1;640000;6844000\n", encoding="utf-8")
    with pytest.raises(InputError, match="« lon » et « lat »"):
        read_address_points(no_cols)
    bad = tmp_path / "mauvais.csv"
    bad.write_text(HEADER + "\n" + _row("abc", "48.7", "1") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="ligne 2 : coordonnées illisibles"):
        read_address_points(bad)

"""Location privacy: residents get a street segment or a cell holding at least k addresses, never the point."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis import InputError, LocationBlurrer, exact_location, transform_xy

BAN_FILE = "ban/ban_adresses_paris13_butte-aux-cailles.csv"


@pytest.fixture(scope="module")
def paris13(shared_file) -> pd.DataFrame:
    rows = pd.read_csv(shared_file(BAN_FILE), sep=";", dtype=str, keep_default_na=False)
    rows["lon"], rows["lat"] = rows["lon"].astype(float), rows["lat"].astype(float)
    rows["num"] = [int(n) if n else None for n in rows["numero"]]
    return rows


def _blurrer(rows: pd.DataFrame, k: int) -> LocationBlurrer:
    return LocationBlurrer(rows["lon"], rows["lat"], rows["nom_voie"], list(rows["num"]), 2154, k=k)


def test_real_ban_addresses_are_shown_as_street_segments_of_k(paris13: pd.DataFrame) -> None:
    blur = _blurrer(paris13, k=10)
    # Rue Gérard (29 addresses) and rue du Père Guérin (26) are each cut into 2 runs of >= 10.
    assert sorted(n for _, _, n in blur.segments) == [10, 10, 16, 19]
    for _, row in paris13.iterrows():
        shown = blur.display(row["lon"], row["lat"])
        assert shown.kind == "segment"
        assert shown.addresses >= 10
        assert shown.label.startswith(row["nom_voie"])
        # The house's own number lies in the run shown.
        lo_hi = shown.label.split("n° ")[1].rstrip(")").split(" à ")
        assert int(lo_hi[0]) <= row["num"] <= int(lo_hi[-1])
        assert not shown.geometry.equals(shapely.Point(row["lon"], row["lat"]))


def test_a_street_with_fewer_than_k_addresses_falls_back_to_a_cell(paris13: pd.DataFrame) -> None:
    blur = _blurrer(paris13, k=30)  # no street holds 30 addresses
    assert blur.segments == []
    row = paris13.iloc[0]
    shown = blur.display(row["lon"], row["lat"])
    assert shown.kind == "cell"
    assert shown.geometry.covers(shapely.Point(row["lon"], row["lat"]))
    assert shown.addresses >= 30


def _synthetic(seed: int = 7, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """Scattered houses (no street names) over ~2 km x 2 km around Bouray-sur-Juine, in Lambert-93."""
    rng = np.random.default_rng(seed)
    x = 644_000 + rng.gamma(2.0, 300.0, n)
    y = 6_825_000 + rng.gamma(2.0, 300.0, n)
    return transform_xy(x, y, 2154, 4326)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(u=st.floats(0, 1), v=st.floats(0, 1), k=st.sampled_from([1, 5, 10, 25]))
def test_every_cell_shown_holds_k_addresses_and_the_point(u: float, v: float, k: int) -> None:
    lons, lats = _synthetic()
    blur = LocationBlurrer(lons, lats, [""] * len(lons), [None] * len(lons), 2154, k=k)
    lon = lons.min() + u * (lons.max() - lons.min())
    lat = lats.min() + v * (lats.max() - lats.min())
    shown = blur.display(lon, lat)
    assert shown.kind == "cell"
    res = h3.get_resolution(shown.cell)
    target = h3.latlng_to_cell(lat, lon, res)
    assert target == shown.cell  # the cell shown is the point's own cell at that resolution
    # Count, independently, the addresses that fall in the cell shown.
    inside = sum(h3.latlng_to_cell(la, lo, res) == target for lo, la in zip(lons, lats, strict=True))
    assert inside == shown.addresses
    assert inside >= k or res == 6
    # Smallest: the finer cell around the point holds fewer than k.
    if res < 12:
        finer = h3.latlng_to_cell(lat, lon, res + 1)
        assert sum(h3.latlng_to_cell(la, lo, res + 1) == finer for lo, la in zip(lons, lats, strict=True)) < k


def test_two_points_in_the_same_cell_are_shown_identically() -> None:
    lons, lats = _synthetic()
    blur = LocationBlurrer(lons, lats, [""] * len(lons), [None] * len(lons), 2154, k=10)
    a = blur.display(float(lons[0]), float(lats[0]))
    cell = h3.latlng_to_cell(float(lats[0]), float(lons[0]), 12)
    # Another point of the same finest cell gets the very same displayed location (nothing centred on it).
    lat2, lon2 = h3.cell_to_latlng(cell)
    b = blur.display(lon2, lat2)
    assert a == b


def test_exact_location_and_bad_crs() -> None:
    assert exact_location(2.3, 48.5).geometry.equals(shapely.Point(2.3, 48.5))
    with pytest.raises(InputError, match="mètres"):
        LocationBlurrer([2.3], [48.5], [""], [None], 4326)


# ---------------------------------------------------------------- SectorBlurrer: groups fixed by public data
def _grid_index(paris13: pd.DataFrame, nx: int, ny: int):
    from shapely.geometry import box

    from gis import AreaIndex, transform_geom

    xs, ys = transform_xy(paris13["lon"].to_numpy(), paris13["lat"].to_numpy(), 4326, 2154)
    minx, miny, maxx, maxy = xs.min() - 80, ys.min() - 80, xs.max() + 80, ys.max() + 80
    gx, gy = np.linspace(minx, maxx, nx + 1), np.linspace(miny, maxy, ny + 1)
    cells = [box(gx[c], gy[r], gx[c + 1], gy[r + 1]) for r in range(ny) for c in range(nx)]
    geoms = [transform_geom(shapely.MultiPolygon([g]), 2154, 4326) for g in cells]
    ids = list(range(1, len(cells) + 1))
    return AreaIndex(ids, geoms, 2154), {i: f"Secteur {i}" for i in ids}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nx=st.integers(1, 10), ny=st.integers(1, 10), k=st.sampled_from([2, 3, 5, 10, 20]))
def test_every_address_shares_its_displayed_location_with_k_addresses(paris13, nx: int, ny: int, k: int) -> None:
    from gis import SectorBlurrer

    area, names = _grid_index(paris13, nx, ny)
    blur = SectorBlurrer(area, names, paris13["lon"], paris13["lat"], paris13["nom_voie"], list(paris13["num"]), k=k)
    shown = [blur.display(lo, la) for lo, la in zip(paris13["lon"], paris13["lat"], strict=True)]
    keys = [(s.kind, s.label, s.geometry.wkb, s.sector_ids) for s in shown]
    for i, s in enumerate(shown):
        # What a resident sees of address i is what they see of at least k addresses (the file holds 55).
        assert keys.count(keys[i]) >= min(k, len(shown)), (nx, ny, k, s.label)
        assert s.geometry.distance(shapely.Point(paris13["lon"][i], paris13["lat"][i])) < 1e-3  # true: it holds i


def test_without_addresses_a_point_is_shown_as_its_own_sector(paris13) -> None:
    from gis import SectorBlurrer

    area, names = _grid_index(paris13, 3, 3)
    blur = SectorBlurrer(area, names, [], [], [], [], k=10)
    lon, lat = float(paris13["lon"][0]), float(paris13["lat"][0])
    shown = blur.display(lon, lat)
    home = area.covering(area.to_metric(lon, lat))[0]
    assert shown.kind == "sector" and shown.sector_ids == (home,) and shown.label == names[home]
    assert shown.geometry.equals(area.geoms[home - 1])

"""Location privacy: residents get a street run or a zone of sectors holding at least k addresses, never the point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis import exact_location, transform_xy
from gis._blur import street_runs

BAN_FILE = "ban/ban_adresses_paris13_butte-aux-cailles.csv"


@pytest.fixture(scope="module")
def paris13(shared_file) -> pd.DataFrame:
    rows = pd.read_csv(shared_file(BAN_FILE), sep=";", dtype=str, keep_default_na=False)
    rows["lon"], rows["lat"] = rows["lon"].astype(float), rows["lat"].astype(float)
    rows["num"] = [int(n) if n else None for n in rows["numero"]]
    return rows


def test_real_ban_addresses_are_cut_into_street_runs_of_k(paris13: pd.DataFrame) -> None:
    streets, numbers = list(paris13["nom_voie"]), list(paris13["num"])
    runs = street_runs(range(len(paris13)), streets, numbers, 10)
    # Rue Gérard (29 addresses) and rue du Père Guérin (26) are each cut into 2 runs of >= 10.
    assert sorted(len(run) for run, _ in runs) == [10, 10, 16, 19]
    for run, label in runs:
        assert len({streets[i] for i in run}) == 1 and label.startswith(streets[run[0]])
        # Each house's own number lies in the range its run's label names.
        lo_hi = label.split("n° ")[1].rstrip(")").split(" à ")
        assert all(int(lo_hi[0]) <= numbers[i] <= int(lo_hi[-1]) for i in run)
    # No street holds 30 addresses: no run at all.
    assert street_runs(range(len(paris13)), streets, numbers, 30) == []


def test_exact_location() -> None:
    assert exact_location(2.3, 48.5).geometry.equals(shapely.Point(2.3, 48.5))


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

"""Communes and versioned sector sets, the same on SQLite and PostGIS (``engine`` runs each test on both)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from data.synthetic import grid_sectors
from gis import InputError, to_metric, transform_geom
from sectors import (
    activate_set,
    active_set,
    get_commune,
    get_set,
    import_sector_set,
    load_boundary,
    register_commune,
    sets_of,
)
from store import transaction
from store.schema import Commune, Sector, SectorSet, SetStatus
from tests.helpers import BOURAY, BOURAY_OSM, ESSONNE_IGN

pytestmark = pytest.mark.shared_data


@pytest.fixture
def bouray(engine: Engine, shared_file) -> Engine:
    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    with transaction(engine) as session:
        register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
    return engine


def _grid(engine: Engine, nx: int = 3, ny: int = 3) -> gpd.GeoDataFrame:
    with transaction(engine) as session:
        commune = get_commune(session, BOURAY)
        return grid_sectors(commune.boundary, commune.crs_epsg, nx, ny)


def _count(engine: Engine, table: type) -> int:
    """Rows of ``table`` in Bouray (bound first: on PostGIS, unbound, none would be seen at all)."""
    with transaction(engine) as session:
        get_commune(session, BOURAY)
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_register_commune_from_the_essonne_file(engine: Engine, shared_file) -> None:
    boundary = load_boundary(shared_file(ESSONNE_IGN), BOURAY, max_mb=50)
    with transaction(engine) as session:
        commune = register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
    with transaction(engine) as session:
        stored = get_commune(session, BOURAY)
        assert stored.crs_epsg == 2154
        assert stored.boundary.geom_type == "MultiPolygon"
        assert 6.5e6 < stored.area_m2 < 8e6  # 7.2 km² in the IGN file
        assert stored.boundary.equals_exact(commune.boundary, 1e-12)


def test_register_picks_the_commune_among_neighbours(engine: Engine, shared_file) -> None:
    path = shared_file("boundaries/bouray-sur-juine_and_neighbours_osm.geojson")
    geom = load_boundary(path, "91330", max_mb=50)  # Lardy, through the "insee" property
    with transaction(engine) as session:
        assert register_commune(session, "91330", "Lardy", geom).area_m2 > 5e6


def test_unknown_insee_code_in_the_file(shared_file) -> None:
    with pytest.raises(InputError, match="Code INSEE inconnu"):
        load_boundary(shared_file(ESSONNE_IGN), "91999", max_mb=50)


def test_unregistered_commune_says_how_to_register(engine: Engine) -> None:
    with transaction(engine) as session, pytest.raises(InputError, match="voisinage commune add"):
        get_commune(session, "91999")


def test_duplicate_commune_is_refused(bouray: Engine) -> None:
    with transaction(bouray) as session, pytest.raises(InputError, match="déjà enregistrée"):
        register_commune(session, BOURAY, "Bouray", shapely.box(2.28, 48.50, 2.30, 48.52))


def test_import_activate_and_versions(bouray: Engine) -> None:
    gdf = _grid(bouray)
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        first = import_sector_set(session, commune, gdf, label="Découpage 2026")
        assert first.sector_set.status == SetStatus.DRAFT and first.sector_set.version == 1
        assert first.report.uncovered_area_m2 < 10  # the grid covers the commune (slivers of projection aside)
        assert active_set(session, commune) is None
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        activate_set(session, get_set(session, commune, 1))
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        second = import_sector_set(session, commune, gdf.iloc[::-1], activate=True)
        assert second.sector_set.version == 2
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        statuses = [(s.version, s.status) for s in sets_of(session, commune)]
        assert statuses == [(1, SetStatus.RETIRED), (2, SetStatus.ACTIVE)]
        v1, v2 = get_set(session, commune, 1), get_set(session, commune, 2)
        # Stable codes: the same-named sector keeps its code from one version to the next.
        assert {s.name: s.code for s in v1.sectors} == {s.name: s.code for s in v2.sectors}
        assert v1.retired_at is not None and v2.activated_at is not None
        areas = sorted(round(s.area_m2) for s in v2.sectors)
        assert abs(sum(areas) - commune.area_m2) < 10  # a partition: areas add up to the commune's


def test_one_active_set_per_commune_is_enforced_by_the_database(bouray: Engine) -> None:
    gdf = _grid(bouray)
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        import_sector_set(session, commune, gdf, activate=True)
        commune_id = commune.id
    with pytest.raises(IntegrityError), transaction(bouray) as session:
        get_commune(session, BOURAY)  # bound: the unique index refuses it, not row-level security
        session.execute(
            insert(SectorSet).values(
                commune_id=commune_id, version=9, label="x", source="", status="active", created_at=func.now()
            )
        )


def test_retired_set_cannot_be_reactivated(bouray: Engine) -> None:
    gdf = _grid(bouray)
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        import_sector_set(session, commune, gdf, activate=True)
        import_sector_set(session, commune, gdf, activate=True)
    with transaction(bouray) as session, pytest.raises(InputError, match="retirée"):
        activate_set(session, get_set(session, get_commune(session, BOURAY), 1))


def test_overlapping_sectors_are_refused_with_each_pair_and_area(bouray: Engine) -> None:
    gdf = _grid(bouray, 2, 1)
    with transaction(bouray) as session:
        epsg = get_commune(session, BOURAY).crs_epsg
    # Push sector 1 50 m into sector 2.
    grown = transform_geom(transform_geom(gdf.geometry.iloc[0], 4326, epsg).buffer(50, join_style="mitre"), epsg, 4326)
    gdf.loc[0, "geometry"] = grown.intersection(shapely.unary_union(gdf.geometry).buffer(0))
    with pytest.raises(InputError) as info, transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gdf)
    message = str(info.value)
    assert "se chevauchent" in message and "Secteur A1" in message and "Secteur B1" in message and "m²" in message
    assert _count(bouray, SectorSet) == 0 and _count(bouray, Sector) == 0


def test_sector_outside_the_commune_is_refused(bouray: Engine) -> None:
    gdf = _grid(bouray)
    outside = gpd.GeoDataFrame({"nom": ["Ailleurs"]}, geometry=[shapely.box(2.40, 48.60, 2.41, 48.61)], crs=4326)
    with pytest.raises(InputError, match="« Ailleurs » déborde"), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gpd.pd.concat([gdf, outside]))
    assert _count(bouray, Sector) == 0


def test_sector_within_the_one_metre_tolerance_is_accepted(bouray: Engine) -> None:
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        metric = transform_geom(commune.boundary, 4326, commune.crs_epsg)
        slightly = transform_geom(metric.buffer(0.5), commune.crs_epsg, 4326)
        gdf = gpd.GeoDataFrame({"nom": ["Toute la commune"]}, geometry=[slightly], crs=4326)
        assert import_sector_set(session, commune, gdf).report.ok


def test_uncovered_parts_are_reported_with_their_area(bouray: Engine) -> None:
    gdf = _grid(bouray).iloc[1:]  # drop one sector
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        report = import_sector_set(session, commune, gdf).report
        expected = to_metric(_grid(bouray).geometry.iloc[0], commune.crs_epsg).area
    assert report.ok and abs(report.uncovered_area_m2 - expected) < 10.0
    assert "couverte par aucun secteur" in report.summary()


def test_self_intersecting_sector_is_repaired_or_refused(bouray: Engine) -> None:
    gdf = _grid(bouray, 1, 1)
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        epsg = commune.crs_epsg
        m = transform_geom(commune.boundary.geoms[0], 4326, epsg)
        # A tiny twisted loop inside: still > 99 % of the area after repair.
        cx, cy = m.representative_point().coords[0]
        loop = [(cx - 2, cy), (cx + 2, cy + 2), (cx + 2, cy), (cx - 2, cy + 2)]
        twisted = shapely.Polygon(m.exterior.coords, holes=[loop])  # the commune with a bow-tie hole
        gdf.loc[0, "geometry"] = transform_geom(twisted, epsg, 4326)
        assert not gdf.geometry.iloc[0].is_valid
        outcome = import_sector_set(session, commune, gdf)
        assert outcome.repaired == [gdf["nom"].iloc[0]]
        assert outcome.sector_set.sectors[0].geom.is_valid
    bow = shapely.Polygon([(2.28, 48.50), (2.30, 48.52), (2.30, 48.50), (2.28, 48.52)])
    bad = gpd.GeoDataFrame({"nom": ["Noeud"]}, geometry=[bow], crs=4326)
    with pytest.raises(InputError, match="réparation changerait"), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), bad)


def test_file_with_no_polygon(bouray: Engine) -> None:
    points = gpd.GeoDataFrame({"nom": ["P"]}, geometry=[shapely.Point(2.29, 48.51)], crs=4326)
    with pytest.raises(InputError, match="aucun polygone"), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), points)


def test_duplicate_names_and_unknown_name_field(bouray: Engine) -> None:
    gdf = _grid(bouray, 2, 1)
    gdf["nom"] = "Centre"
    with pytest.raises(InputError, match="« Centre » est utilisé par 2"), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gdf)
    with pytest.raises(InputError, match="Champs disponibles : nom"), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gdf, name_field="quartier")


def test_nothing_is_stored_when_activation_fails(bouray: Engine) -> None:
    gdf = _grid(bouray)
    with transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gdf, activate=True)
    with pytest.raises(RuntimeError), transaction(bouray) as session:
        import_sector_set(session, get_commune(session, BOURAY), gdf, activate=True)
        raise RuntimeError("crash after the activation, before the commit")
    with transaction(bouray) as session:
        commune = get_commune(session, BOURAY)
        assert [s.version for s in sets_of(session, commune)] == [1]
        assert active_set(session, commune).version == 1


def test_communes_table_round_trips_geometry_exactly(bouray: Engine) -> None:
    with transaction(bouray) as session:
        stored = session.scalar(select(Commune))
        assert stored.boundary.is_valid and len(stored.boundary.geoms) >= 1

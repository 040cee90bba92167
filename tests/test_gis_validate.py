"""Validation and repair: valid output or a clear refusal, never a GeometryCollection or an empty shape."""

from __future__ import annotations

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon

from gis import InputError, check_lonlat_bounds, repair_all, repair_polygonal


def test_valid_polygon_is_returned_as_is() -> None:
    square = shapely.box(0, 0, 10, 10)
    assert repair_polygonal(square) is square


def test_small_self_intersection_is_repaired() -> None:
    # A square whose top edge makes a tiny loop: the repair keeps > 99 % of the area.
    poly = Polygon([(0, 0), (100, 0), (100, 100), (51, 100), (49, 101), (49, 99.5), (51, 101), (0, 100)])
    assert not poly.is_valid
    fixed = repair_polygonal(poly)
    assert fixed.is_valid and fixed.geom_type in ("Polygon", "MultiPolygon")
    assert abs(fixed.area - 10_000) / 10_000 < 0.01


def test_bow_tie_is_refused_with_the_area_change() -> None:
    bow = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    try:
        repair_polygonal(bow, label="Le secteur « Nord »")
    except InputError as exc:
        message = str(exc)
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("a bow-tie must be refused")
    assert "Le secteur « Nord »" in message and "surface" in message and "%" in message


def test_ratio_threshold_is_a_parameter() -> None:
    # Overlapping parts of a MultiPolygon: the declared area counts the overlap twice.
    overlapping = MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(9, 0, 19, 10)])
    assert not overlapping.is_valid
    fixed = repair_polygonal(overlapping, min_area_ratio=0.90)  # 190 vs 200: 95 % kept
    assert fixed.is_valid and abs(fixed.area - 190) < 1e-9
    try:
        repair_polygonal(overlapping, min_area_ratio=0.99)
    except InputError:
        pass
    else:  # pragma: no cover
        raise AssertionError("95 % kept must be refused at 99 %")


def test_non_polygons_and_empty_are_refused() -> None:
    for geom in (shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)]), Polygon(), None):
        try:
            repair_polygonal(geom)
        except InputError:
            continue
        raise AssertionError(f"{geom} must be refused")


def test_collection_keeps_its_polygonal_part() -> None:
    mixed = shapely.GeometryCollection([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)])
    assert repair_polygonal(mixed).geom_type == "Polygon"


def test_repair_all_collects_every_problem() -> None:
    bow = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    report = repair_all([shapely.box(0, 0, 1, 1), bow, shapely.Point(0, 0)], ["A", "B", "C"])
    assert len(report.geometries) == 1
    assert len(report.problems) == 2 and "B" in report.problems[0] and "C" in report.problems[1]


coords = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=3, max_size=12), st.floats(0.5, 1.0))
def test_repair_never_returns_a_collection_or_empty(points: list[tuple[float, float]], ratio: float) -> None:
    try:
        poly = Polygon(points)
    except (ValueError, shapely.errors.GEOSException):
        return
    try:
        fixed = repair_polygonal(poly, min_area_ratio=ratio)
    except InputError as exc:
        assert str(exc)  # a message, in French, always
        return
    assert fixed.geom_type in ("Polygon", "MultiPolygon")
    assert not fixed.is_empty and fixed.is_valid and fixed.area > 0


# ------------------------------------------------------------- coordinates declared as degrees
def test_lambert93_metres_declared_as_degrees_are_detected() -> None:
    try:
        check_lonlat_bounds((637_000, 6_820_000, 641_000, 6_823_000), "secteurs.geojson")
    except InputError as exc:
        assert "Lambert-93" in str(exc) and "EPSG:2154" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("metres declared as degrees must be refused")


def test_swapped_lat_lon_is_detected() -> None:
    try:
        check_lonlat_bounds((48.49, 2.26, 48.53, 2.33), "secteurs.geojson")
    except InputError as exc:
        assert "inversées" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("swapped coordinates must be refused")


def test_french_territories_pass() -> None:
    check_lonlat_bounds((2.26, 48.49, 2.33, 48.53), "métropole")
    check_lonlat_bounds((-61.8, 15.9, -61.5, 16.3), "Guadeloupe")
    check_lonlat_bounds((55.2, -21.4, 55.8, -20.9), "La Réunion")
    check_lonlat_bounds((45.0, -12.9, 45.3, -12.6), "Mayotte")

"""Sector edits, layout validation and layout differences as pure geometry (metric CRS), with hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box

from gis import InputError
from sectors._diff import Change, Layout, diff_layouts, locate_codes
from sectors._edits import are_neighbours, merge_sectors, move_block, pick_block, split_sector
from sectors._validation import ProblemKind, validate_layout


def _star(seed: int, n: int = 12, radius: float = 500.0) -> Polygon:
    """A random star-shaped (hence valid, simple) polygon around the origin."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * rng.uniform(0.5, 1.0, n)
    return Polygon(np.column_stack([r * np.cos(angles), r * np.sin(angles)]))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), angle=st.floats(0, np.pi), offset=st.floats(-150, 150))
def test_split_preserves_total_area_and_keeps_the_larger_part(seed: int, angle: float, offset: float) -> None:
    sector = _star(seed)
    d = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-d[1], d[0]]) * offset
    line = LineString([normal - 2000 * d, normal + 2000 * d])
    try:
        result = split_sector(sector, line)
    except InputError as exc:  # a star may be cut in three by a line: refused, never silently wrong
        assert "morceaux" in str(exc) or "de part en part" in str(exc)
        return
    assert result.kept.area + result.new.area == pytest.approx(sector.area, rel=1e-9)
    assert result.kept.area >= result.new.area
    assert shapely.union(result.kept, result.new).symmetric_difference(sector).area < 1e-6 * sector.area
    assert shapely.intersection(result.kept, result.new).area < 1e-6
    assert are_neighbours(result.kept, result.new)


def test_split_prolongs_a_line_ending_just_short_of_the_outline() -> None:
    square = box(0, 0, 100, 100)
    result = split_sector(square, LineString([(30, 5), (30, 95)]))  # stops 5 m short on both sides
    assert result.new.area == pytest.approx(3000)
    assert result.kept.area == pytest.approx(7000)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineString([(30, 20), (30, 60)]), "de part en part"),
        (LineString([(-50, -50), (-20, -20)]), "de part en part"),
        (shapely.Point(1, 1), "LineString"),
    ],
)
def test_split_refusals_are_french(line: shapely.Geometry, message: str) -> None:
    with pytest.raises(InputError, match=message):
        split_sector(box(0, 0, 100, 100), line)


def test_split_into_three_is_refused() -> None:
    u_shape = Polygon([(0, 0), (300, 0), (300, 100), (200, 100), (200, 30), (100, 30), (100, 100), (0, 100)])
    with pytest.raises(InputError, match="3 morceaux"):
        split_sector(u_shape, LineString([(-20, 60), (320, 60)]))


@settings(max_examples=60, deadline=None)
@given(
    w=st.floats(10, 1000),
    h=st.floats(10, 1000),
    cut=st.floats(0.05, 0.95),
    jitter=st.floats(-1e-7, 1e-7),
)
def test_merge_of_neighbours_gives_one_polygon_of_the_summed_area(
    w: float, h: float, cut: float, jitter: float
) -> None:
    a = box(0, 0, w * cut, h)
    b = box(w * cut + jitter, 0, w, h)  # a hair apart or overlapping, as after a storage round trip
    merged = merge_sectors(a, b)
    assert merged.geom_type == "Polygon"
    assert merged.area == pytest.approx(w * h, rel=1e-6)


def test_merge_leaves_no_hairline_hole_between_the_two_sectors() -> None:
    # The shared edge does not quite meet: a spike of 1e-9 m leaves a zero-area hole in the union, which once
    # stored in degrees collapses to a ring of too few points (the sector could no longer be edited).
    left = box(0, 0, 10, 10)
    right = Polygon([(10, 0), (20, 0), (20, 10), (10, 10), (10, 6), (10 + 1e-9, 5), (10, 4)])
    assert list(shapely.union(left, right).interiors)  # the artefact this guards against
    merged = merge_sectors(left, right)
    assert merged.geom_type == "Polygon" and not list(merged.interiors)
    assert merged.area == pytest.approx(200.0)


def test_merge_keeps_a_real_hole() -> None:
    ring = box(0, 0, 30, 30).difference(box(10, 10, 20, 20))  # a sector around an enclave
    left, right = ring.intersection(box(0, 0, 15, 30)), ring.intersection(box(15, 0, 30, 30))
    merged = merge_sectors(left, right)
    assert len(list(merged.interiors)) == 1 and merged.area == pytest.approx(800.0)


def test_merge_refuses_non_neighbours_in_french() -> None:
    with pytest.raises(InputError, match="ne sont pas voisins"):
        merge_sectors(box(0, 0, 10, 10), box(20, 0, 30, 10), labels=("Nord", "Sud"))
    with pytest.raises(InputError, match="ne sont pas voisins"):  # a shared corner is not a shared limit
        merge_sectors(box(0, 0, 10, 10), box(10, 10, 20, 20))


def test_move_block_to_a_neighbour() -> None:
    source, target = box(0, 0, 100, 100), box(100, 0, 200, 100)
    block = box(60, 20, 100, 60)
    result = move_block(block, source, target)
    assert result.moved_area_m2 == pytest.approx(1600)
    assert result.source.area == pytest.approx(10_000 - 1600)
    assert result.target.area == pytest.approx(10_000 + 1600)
    assert result.target.geom_type == "Polygon"
    with pytest.raises(InputError, match="ne touche pas"):
        move_block(box(0, 20, 40, 60), source, target)
    with pytest.raises(InputError, match="n'est pas dans"):
        move_block(box(300, 0, 310, 10), source, target)
    with pytest.raises(InputError, match="fusionnez"):
        move_block(box(-1, -1, 101, 101), source, target)


def test_pick_block() -> None:
    blocks = np.asarray([box(0, 0, 10, 10), box(10, 0, 20, 10)], dtype=object)
    assert pick_block(blocks, shapely.Point(15, 5)).equals(blocks[1])
    assert pick_block(blocks, shapely.Point(10, 5)).equals(blocks[0])  # shared edge: the first
    with pytest.raises(InputError, match="Aucun îlot"):
        pick_block(blocks, shapely.Point(50, 50))


def test_validation_locates_every_kind_of_problem() -> None:
    commune = box(0, 0, 400, 100)
    bow_tie = Polygon([(330, 0), (400, 100), (400, 0), (330, 100)])
    sectors = [
        box(0, 0, 110, 100),  # overlaps B by 10 x 100
        box(100, 0, 180, 100),  # leaves a 20 m gap up to the bow tie
        shapely.MultiPolygon([box(200, 0, 250, 50), box(260, 60, 320, 120)]),  # two pieces, one spilling out
        bow_tie,
    ]
    problems = validate_layout(["A", "B", "C", "D"], ["Alpha", "Bravo", "Charlie", "Delta"], sectors, commune)
    kinds = {p.kind: p for p in problems}
    assert set(kinds) == set(ProblemKind)
    assert kinds[ProblemKind.INVALID].codes == ("D",)
    assert kinds[ProblemKind.INVALID].geometry.geom_type == "Point"
    overlap = kinds[ProblemKind.OVERLAP]
    assert overlap.codes == ("A", "B") and overlap.area_m2 == pytest.approx(1000)
    assert overlap.geometry.equals(box(100, 0, 110, 100))
    assert kinds[ProblemKind.OUTSIDE].codes == ("C",) and kinds[ProblemKind.OUTSIDE].area_m2 == pytest.approx(1200)
    pieces = [p for p in problems if p.kind == ProblemKind.PIECES and p.codes == ("C",)]
    assert pieces[0].geometry.area == pytest.approx(2500)  # the smaller piece is the stray one
    gaps = [p for p in problems if p.kind == ProblemKind.GAP]
    assert gaps[0].geometry.contains(shapely.Point(190, 50))
    assert all(p.message and p.fix for p in problems)
    assert [p.blocking for p in problems if p.kind == ProblemKind.GAP] == [False] * len(gaps)
    assert overlap.blocking and kinds[ProblemKind.INVALID].blocking


def test_a_clean_layout_has_no_problem() -> None:
    commune = box(0, 0, 200, 100)
    assert validate_layout(["A", "B"], ["a", "b"], [box(0, 0, 100, 100), box(100, 0, 200, 100)], commune) == []


def test_diff_by_code_with_households_and_moved_members() -> None:
    before = Layout(
        ["S1", "S2", "S3"], ["Un", "Deux", "Trois"], [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)]
    )
    # S1 grows into S2; S3 deleted; S4 new in its place.
    after = Layout(
        ["S1", "S2", "S4"],
        ["Un", "Deux", "Quatre"],
        [box(0, 0, 150, 100), box(150, 0, 200, 100), box(200, 0, 300, 100)],
    )
    homes = np.asarray([[50, 50], [120, 50], [170, 50], [250, 50], [260, 50]], dtype=float)
    members = [(1, 120.0, 50.0, "S2"), (2, 170.0, 50.0, "S2"), (3, 250.0, 50.0, "S3"), (4, 50.0, 50.0, None)]
    result = diff_layouts(before, after, households_xy=homes, members=members)
    rows = {r.code: r for r in result.sectors}
    assert [r.code for r in result.sectors] == ["S1", "S2", "S3", "S4"]
    assert rows["S1"].change == Change.CHANGED and rows["S1"].area_after_m2 == pytest.approx(15_000)
    assert (rows["S1"].households_before, rows["S1"].households_after) == (1, 2)
    assert (rows["S2"].households_before, rows["S2"].households_after) == (2, 1)
    assert rows["S3"].change == Change.REMOVED and rows["S3"].households_after is None
    assert rows["S4"].change == Change.ADDED and rows["S4"].households_after == 2
    moved = {(m.member_id, m.code_before, m.code_after) for m in result.moved_members}
    assert moved == {(1, "S2", "S1"), (3, "S3", "S4")}


def test_locate_codes_on_a_shared_edge_picks_the_smallest_code() -> None:
    layout = Layout(["B", "A"], ["b", "a"], [box(100, 0, 200, 100), box(0, 0, 100, 100)])
    assert locate_codes(layout, np.asarray([[100.0, 50.0], [150.0, 50.0], [500.0, 0.0]])) == ["A", "B", None]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), dx=st.floats(5, 40))
def test_validation_of_random_tilings(seed: int, n: int, dx: float) -> None:
    rng = np.random.default_rng(seed)
    commune = box(0, 0, 1000, 1000)
    seeds = shapely.multipoints(rng.uniform(0, 1000, (n, 2)))
    cells = list(shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=commune)), commune))
    codes = [f"S{i}" for i in range(len(cells))]
    assert validate_layout(codes, codes, cells, commune) == []  # a tiling of the commune has no problem
    moved = shapely.affinity.translate(cells[0], dx, 0)
    problems = validate_layout(codes, codes, [moved, *cells[1:]], commune)
    overlaps = [p for p in problems if p.kind == ProblemKind.OVERLAP]
    expected = sum(shapely.intersection(moved, c).area for c in cells[1:])
    assert sum(p.area_m2 for p in overlaps) == pytest.approx(expected, rel=1e-6, abs=2.0)
    assert all("S0" in p.codes for p in overlaps)
    gap_area = sum(p.area_m2 for p in problems if p.kind == ProblemKind.GAP)
    assert gap_area == pytest.approx(shapely.difference(commune, shapely.union_all([moved, *cells[1:]])).area, abs=2.0)


def test_an_invalid_outline_is_explained_in_french() -> None:
    bow_tie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    with pytest.raises(InputError) as refused:
        merge_sectors(bow_tie, box(10, 0, 20, 10), labels=("Nord", "Sud"))
    assert "« Nord » a un contour invalide (le contour se recoupe)" in refused.value.message
    assert "Self" not in refused.value.message and "[" not in refused.value.message

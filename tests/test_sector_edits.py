"""Editing sectors on a draft through the service and the CLI, on both backends (Bouray-sur-Juine, a 3 x 3 grid)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli import app
from community import Actor
from gis import InputError, to_metric, transform_geom
from sectors import activate_set, active_set, get_commune, get_set, locate, sets_of
from services import reset_engine, use_database
from services import sector_edits as edits
from store import bind_platform, transaction
from store.schema import Address, AddressImport, Member, MemberStatus, Role, SetStatus
from tests.helpers import BOURAY, BOURAY_OSM, bouray_with_sectors

pytestmark = pytest.mark.shared_data

OPERATOR = Actor.operator()


@pytest.fixture
def grid(engine: Engine, db_url: str, shared_file) -> Iterator[dict[str, str]]:
    """Bouray with an active 3 x 3 grid; yields {sector name: code}."""
    bouray_with_sectors(engine, shared_file(BOURAY_OSM))
    use_database(db_url)
    with transaction(engine) as session:
        sset = active_set(session, get_commune(session, BOURAY))
        assert sset is not None
        codes = {s.name: s.code for s in sset.sectors}
    yield codes
    use_database(None)
    reset_engine()


def _metric_sector(engine: Engine, code: str, version: int | None = None) -> shapely.Geometry:
    with transaction(engine) as session:
        com = get_commune(session, BOURAY)
        sset = get_set(session, com, version)
        return to_metric(next(s.geom for s in sset.sectors if s.code == code), com.crs_epsg)


def _cut_line(sector_m: shapely.Geometry) -> str:
    """A north-south GeoJSON line (WGS84) through the sector's middle, overshooting it."""
    c = sector_m.representative_point()
    _minx, miny, _maxx, maxy = sector_m.bounds
    line = LineString([(c.x, miny - 50), (c.x, maxy + 50)])
    return shapely.to_geojson(transform_geom(line, 2154, 4326))


def _largest(engine: Engine, codes: dict[str, str]) -> str:
    return max(codes.values(), key=lambda c: _metric_sector(engine, c).area)


def test_split_then_merge_work_on_one_draft_and_never_on_the_active_set(
    engine: Engine, db_url: str, grid: dict[str, str]
) -> None:
    code = _largest(engine, grid)
    before = _metric_sector(engine, code)
    result = edits.split_sector(OPERATOR, BOURAY, code, _cut_line(before))
    assert result.version == 2 and result.changed == (code,) and len(result.created) == 1
    new_code = result.created[0]
    assert new_code not in grid.values()
    kept, new = _metric_sector(engine, code, 2), _metric_sector(engine, new_code, 2)
    assert kept.area + new.area == pytest.approx(before.area, rel=1e-6)
    assert kept.area >= new.area
    with transaction(engine) as session:
        versions = {s.version: s.status for s in sets_of(session, get_commune(session, BOURAY))}
    assert versions == {1: SetStatus.ACTIVE, 2: SetStatus.DRAFT}
    assert _metric_sector(engine, code, 1).equals_exact(before, 1e-6)  # the active set is untouched
    # A second edit updates the same draft: the two halves merge back.
    merged = edits.merge_sectors(OPERATOR, BOURAY, code, new_code)
    assert merged.version == 2 and merged.changed == (code,) and merged.removed == (new_code,)
    assert _metric_sector(engine, code, 2).area == pytest.approx(before.area, rel=1e-6)
    assert edits.validate(OPERATOR, BOURAY).problems == ()


def test_merge_refuses_sectors_that_are_not_neighbours(db_url: str, grid: dict[str, str]) -> None:
    with pytest.raises(InputError, match="ne sont pas voisins") as caught:
        edits.merge_sectors(OPERATOR, BOURAY, grid["Secteur A2"], grid["Secteur C2"])
    assert caught.value.field == "sectors"
    assert edits.draft_version(OPERATOR, BOURAY) is None  # a refused edit rolls its draft back too


def test_refused_edit_stores_nothing(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    with pytest.raises(InputError, match="de part en part"):
        edits.split_sector(
            OPERATOR,
            BOURAY,
            grid["Secteur B2"],
            '{"type": "LineString", "coordinates": [[0, 0], [0.0001, 0]]}',
        )
    with transaction(engine) as session:
        assert len(sets_of(session, get_commune(session, BOURAY))) == 1
    with pytest.raises(InputError, match="GeoJSON") as caught:
        edits.split_sector(OPERATOR, BOURAY, grid["Secteur B2"], "pas du json")
    assert caught.value.field == "line"


def test_only_sector_editors_may_edit(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    with transaction(engine) as session:
        commune_id = get_commune(session, BOURAY).id
    for role in (Role.RESIDENT, Role.REFERENT, Role.MAIRIE_AGENT, Role.GENDARMERIE):
        with pytest.raises(InputError, match="Action refusée"):
            edits.delete_sector(Actor(role=role, member_id=1, commune_id=commune_id), BOURAY, grid["Secteur B2"])
    admin = Actor(role=Role.MAIRIE_ADMIN, member_id=1, commune_id=commune_id)
    assert edits.delete_sector(admin, BOURAY, grid["Secteur B2"]).removed == (grid["Secteur B2"],)
    with pytest.raises(InputError, match="Action refusée"):  # a mairie of another commune
        edits.delete_sector(Actor(role=Role.MAIRIE_ADMIN, member_id=1, commune_id=commune_id + 1), BOURAY, "S001")


def test_validation_draws_problems_and_blocks_activation(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    b2 = grid["Secteur B2"]
    edits.delete_sector(OPERATOR, BOURAY, b2)
    found = edits.validate(OPERATOR, BOURAY)
    assert [p.kind for p in found.problems] == ["gap"] and found.can_activate
    gap = shapely.geometry.shape(found.problems[0].geometry)  # GeoJSON, WGS84
    assert (
        gap.intersection(
            shapely.geometry.shape(
                json.loads(shapely.to_geojson(transform_geom(_metric_sector(engine, b2, 1), 2154, 4326)))
            )
        ).area
        > 0.9 * gap.area
    )
    # Draw it back, too large: it overlaps its neighbours.
    big = transform_geom(_metric_sector(engine, b2, 1).buffer(40), 2154, 4326)
    drawn = edits.draw_sector(OPERATOR, BOURAY, shapely.to_geojson(big), "Centre")
    assert drawn.version == 2 and drawn.created[0] not in grid.values()
    found = edits.validate(OPERATOR, BOURAY)
    overlaps = [p for p in found.problems if p.kind == "overlap"]
    assert overlaps and all(drawn.created[0] in p.codes for p in overlaps) and not found.can_activate
    assert all(p.fix and p.message for p in found.problems)
    with transaction(engine) as session, pytest.raises(InputError, match="chevauchent"):
        activate_set(session, get_set(session, get_commune(session, BOURAY), 2))
    # An outline that crosses itself is kept as drawn, listed, and refused at activation.
    m = _metric_sector(engine, grid["Secteur A1"], 1)
    x0, y0, x1, y1 = m.bounds
    bow = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    edits.reshape_sector(OPERATOR, BOURAY, grid["Secteur A1"], shapely.to_geojson(transform_geom(bow, 2154, 4326)))
    kinds = {p.kind for p in edits.validate(OPERATOR, BOURAY).problems}
    assert "invalid" in kinds
    with transaction(engine) as session, pytest.raises(InputError, match="invalide"):
        activate_set(session, get_set(session, get_commune(session, BOURAY), 2))


def test_diff_lists_areas_households_and_members_who_change(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    a1, b1 = grid["Secteur A1"], grid["Secteur B1"]
    with transaction(engine) as session:
        com = get_commune(session, BOURAY)
        b1_geom = next(s.geom for s in active_set(session, com).sectors if s.code == b1)
        a1_geom = next(s.geom for s in active_set(session, com).sectors if s.code == a1)
        p_b1, p_a1 = b1_geom.representative_point(), a1_geom.representative_point()
        bind_platform(session)  # BAN addresses are public data the platform writes
        imp = AddressImport(source="test")
        session.add(imp)
        session.flush()
        for i, p in enumerate([p_b1, p_b1, p_a1]):
            session.add(Address(ban_id=f"t{i}", insee=BOURAY, lon=p.x, lat=p.y, import_id=imp.id))
        get_commune(session, BOURAY)  # bound to Bouray again: its members
        moving = Member(
            commune_id=com.id,
            email="b1@example.org",
            role=Role.RESIDENT,
            status=MemberStatus.VERIFIED,
            lon=p_b1.x,
            lat=p_b1.y,
            sector_code=b1,
        )
        staying = Member(
            commune_id=com.id,
            email="a1@example.org",
            role=Role.RESIDENT,
            status=MemberStatus.VERIFIED,
            lon=p_a1.x,
            lat=p_a1.y,
            sector_code=a1,
        )
        session.add_all([moving, staying])
        session.flush()
        moving_id = moving.id
    # Hand all of B1 to A1 by merging; A1 keeps its code only if it is the larger: either way one code goes.
    merged = edits.merge_sectors(OPERATOR, BOURAY, a1, b1)
    kept, gone = merged.changed[0], merged.removed[0]
    result = edits.diff(OPERATOR, BOURAY)
    assert result.active_version == 1 and result.draft_version == 2 and result.households_known
    rows = {r.code: r for r in result.sectors}
    assert rows[gone].change == "removed" and rows[kept].change == "changed"
    assert rows[kept].households_before + rows[gone].households_before == rows[kept].households_after == 3
    assert rows[kept].area_after_m2 == pytest.approx(rows[kept].area_before_m2 + rows[gone].area_before_m2, rel=1e-6)
    assert all(r.change == "same" for c, r in rows.items() if c not in (kept, gone))
    moved = [(m.code_before, m.code_after) for m in result.moved_members]
    if gone == b1:
        assert [m.member_id for m in result.moved_members] == [moving_id] and moved == [(b1, a1)]
    else:
        assert moved == [(a1, b1)]


def test_activating_the_edited_draft_changes_locate(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    code = _largest(engine, grid)
    sector = _metric_sector(engine, code)
    result = edits.split_sector(OPERATOR, BOURAY, code, _cut_line(sector))
    small = _metric_sector(engine, result.created[0], result.version)
    inside = transform_geom(small.representative_point(), 2154, 4326)
    assert locate(engine, BOURAY, inside.x, inside.y).code == code
    with transaction(engine) as session:
        activate_set(session, get_set(session, get_commune(session, BOURAY), result.version))
    assert locate(engine, BOURAY, inside.x, inside.y).code == result.created[0]
    # The next edit starts a new draft from the new active set.
    again = edits.rename_sector(OPERATOR, BOURAY, code, name="Le bourg")
    assert again.version == result.version + 1


def test_move_block_given_as_a_polygon(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    a2, b2 = grid["Secteur A2"], grid["Secteur B2"]
    b2_m = _metric_sector(engine, b2)
    x0, y0, _x1, y1 = b2_m.bounds
    block = shapely.box(x0 - 5, (y0 + y1) / 2 - 50, x0 + 80, (y0 + y1) / 2 + 50).intersection(b2_m.buffer(5))
    result = edits.move_block(OPERATOR, BOURAY, a2, block=shapely.to_geojson(transform_geom(block, 2154, 4326)))
    assert set(result.changed) == {a2, b2}
    moved = block.intersection(b2_m).area
    assert _metric_sector(engine, b2, 2).area == pytest.approx(b2_m.area - moved, rel=1e-4)
    assert _metric_sector(engine, a2, 2).area == pytest.approx(_metric_sector(engine, a2, 1).area + moved, rel=1e-4)
    with pytest.raises(InputError, match="voisin"):
        edits.move_block(
            OPERATOR,
            BOURAY,
            grid["Secteur C2"],
            block=shapely.to_geojson(transform_geom(shapely.box(x0 + 1, y0 + 1, x0 + 20, y0 + 20), 2154, 4326)),
        )


runner = CliRunner()


def test_cli_split_and_merge_print_the_draft_version(engine: Engine, db_url: str, grid: dict[str, str]) -> None:
    code = _largest(engine, grid)
    line = _cut_line(_metric_sector(engine, code))
    result = runner.invoke(
        app, ["--db", db_url, "sectors", "split", "--commune", BOURAY, "--sector", code, "--line", line]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2"
    new_code = result.stderr.split("Nouveau(x) secteur(s) : ")[1].split(".")[0]
    result = runner.invoke(app, ["--db", db_url, "sectors", "merge", "--commune", BOURAY, code, new_code])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2"
    result = runner.invoke(
        app, ["--db", db_url, "sectors", "merge", "--commune", BOURAY, grid["Secteur A2"], grid["Secteur C2"]]
    )
    assert result.exit_code == 2 and "ne sont pas voisins" in result.stderr
    result = runner.invoke(app, ["--db", db_url, "sectors", "check", "--commune", BOURAY])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", db_url, "sectors", "diff", "--commune", BOURAY])
    assert result.exit_code == 0, result.output
    assert all(line.split("\t")[1] == "inchangé" for line in result.stdout.splitlines())
    np.testing.assert_equal(len(result.stdout.splitlines()), len(grid))


def test_sector_names_follow_the_text_policy(db_url: str, grid: dict[str, str]) -> None:
    with pytest.raises(InputError, match="contrôle") as caught:
        edits.rename_sector(OPERATOR, BOURAY, grid["Secteur B2"], name="Bourg\x1b[31m")
    assert caught.value.field == "name"
    with pytest.raises(InputError, match="déjà un secteur nommé"):
        edits.rename_sector(OPERATOR, BOURAY, grid["Secteur B2"], name="Secteur A1")
    assert edits.rename_sector(OPERATOR, BOURAY, grid["Secteur B2"], name="  Le   bourg ").version == 2


ORSAY_STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"


def test_cli_move_block_picks_the_block_between_the_streets(engine: Engine, db_url: str, shared_file) -> None:
    from gis import block_adjacency, load_streets
    from sectors import generate_sectors, import_sector_set, load_boundary, register_commune
    from tests.helpers import ESSONNE_IGN

    boundary = load_boundary(shared_file(ESSONNE_IGN), "91471", max_mb=50)
    streets_file = shared_file(ORSAY_STREETS)
    streets = load_streets(streets_file, boundary, 2154)
    result = generate_sectors(streets, to_metric(boundary, 2154), n_sectors=6)
    output = result.sectors.to_crs(4326).rename(columns={"name": "nom"})[["nom", "geometry"]]
    with transaction(engine) as session:
        commune = register_commune(session, "91471", "Orsay", boundary)
        import_sector_set(session, commune, output, activate=True)
    blocks = result.blocks
    adjacency = block_adjacency(blocks)
    sector_of = blocks["sector"].to_numpy()
    counts = blocks["sector"].value_counts()
    pair = next(
        (a, b)
        for a, b in zip(adjacency["a"], adjacency["b"], strict=True)
        if sector_of[a] != sector_of[b]
        and counts[sector_of[a]] > 1
        and adjacency.loc[(adjacency["a"] == a) & (adjacency["b"] == b), "length"].iloc[0] > 20
    )
    block = blocks.geometry.iloc[pair[0]]
    here = transform_geom(block.representative_point(), 2154, 4326)
    there = transform_geom(blocks.geometry.iloc[pair[1]].representative_point(), 2154, 4326)
    target = locate(engine, "91471", there.x, there.y).code
    source = locate(engine, "91471", here.x, here.y).code
    use_database(db_url)
    try:
        moved = runner.invoke(
            app,
            [
                "--db",
                db_url,
                "sectors",
                "move-block",
                "--commune",
                "91471",
                "--to",
                target,
                "--at",
                str(here.x),
                str(here.y),
                "--streets",
                str(streets_file),
            ],
        )
        assert moved.exit_code == 0, moved.output
        assert moved.stdout.strip() == "2"
        with transaction(engine) as session:
            com = get_commune(session, "91471")
            before = {s.code: s.area_m2 for s in get_set(session, com, 1).sectors}
            after = {s.code: s.area_m2 for s in get_set(session, com, 2).sectors}
        assert after[target] - before[target] == pytest.approx(block.area, rel=0.01)
        assert before[source] - after[source] == pytest.approx(block.area, rel=0.01)
    finally:
        use_database(None)
        reset_engine()


def test_the_sector_a_drawn_line_crosses_is_found():
    import shapely

    from services.sector_edits import crossed_sector

    west, east = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    outlines = {"S001": west, "S002": east}
    line = {"type": "LineString", "coordinates": [[1.6, -0.1], [1.6, 1.1]]}
    assert crossed_sector(line, outlines) == "S002"
    slanted = {"type": "LineString", "coordinates": [[0.9, -0.1], [1.2, 1.1]]}  # mostly in the east one
    assert crossed_sector(slanted, outlines) == "S002"
    assert crossed_sector({"type": "LineString", "coordinates": [[5, 5], [6, 6]]}, outlines) is None
    assert crossed_sector("pas du json", outlines) is None

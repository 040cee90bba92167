"""Statistics read from the database, end to end on both backends.

Bouray-sur-Juine (real boundary) cut into a 3 x 3 grid of sectors; members registered and referents named
through ``community``; alerts posted, moderated, acknowledged, closed and anonymised through ``alerts``;
then the figures, the monitoring, the heat cells, the quarterly report and the exports built from the tables.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from alerts_support import who
from typer.testing import CliRunner

from alerts import (
    AlertConfig,
    acknowledge_alert,
    anonymise_closed,
    clear_caches,
    close_alert,
    moderate,
    post_alert,
    set_commune_options,
)
from cli import app
from community import Actor, Role, assign_referent, get_commune, register_member, set_gendarmerie_access
from data.synthetic import grid_sectors
from gis import BAN_COLUMNS, HEX, SQUARE, InputError, bin_xy, transform_geom
from sectors import active_set, import_sector_set, load_boundary, register_commune
from stats import (
    alert_heat,
    alerts_frame,
    counts_by,
    hide_small,
    load_records,
    members_frame,
    monitoring,
    parse_quarter,
    quarterly_report_from_db,
    rates_by_sector,
    sectors_frame,
    tables_from_db,
)
from store import import_ban, is_postgis, transaction

BOURAY_FILE = "boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson"
INSEE = "91095"
L93 = 2154
CELL = 250.0
CONFIG = AlertConfig(rate_posts=1000)
TEXTS = {
    "cambriolage": "Porte de garage forcée pendant la nuit, la maison était vide.",
    "vol": "Vélo volé devant le portail cette nuit.",
    "degradation": "Boîte aux lettres arrachée au bout de la rue.",
    "comportement-suspect": "Quelqu'un fait le tour des voitures garées depuis une heure.",
}


def _utc(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _cell_centre(lon: float, lat: float) -> tuple[float, float]:
    """The centre (Lambert-93) of the 250 m square cell holding (lon, lat)."""
    p = transform_geom(shapely.Point(lon, lat), 4326, L93)
    return ((math.floor(p.x / CELL) + 0.5) * CELL, (math.floor(p.y / CELL) + 0.5) * CELL)


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    p = transform_geom(shapely.Point(x, y), L93, 4326)
    return p.x, p.y


def _inner(geom, margin: float = 300.0) -> tuple[float, float]:
    metric = transform_geom(geom, 4326, L93)
    core = metric.buffer(-margin)
    while core.is_empty:
        margin /= 2
        core = metric.buffer(-margin)
    p = core.representative_point()
    return _to_lonlat(p.x, p.y)


def _write_ban(path: Path, points: list[tuple[float, float, int | None]]) -> None:
    rows = []
    for k, (lon, lat, numero) in enumerate(points):
        rows.append(
            {
                **dict.fromkeys(BAN_COLUMNS, ""),
                "id": f"91095_{k // 50:04d}_{k:05d}",
                "id_fantoir": f"91095_{k // 50:04d}",
                "numero": "" if numero is None else str(numero),
                "nom_voie": f"Rue des Tests {k // 50}",
                "code_postal": "91850",
                "code_insee": INSEE,
                "nom_commune": "Bouray-sur-Juine",
                "x": "0",
                "y": "0",
                "lon": f"{lon:.7f}",
                "lat": f"{lat:.7f}",
                "type_position": "entrée",
                "certification_commune": "1",
            }
        )
    pd.DataFrame(rows, columns=list(BAN_COLUMNS)).to_csv(path, sep=";", index=False)


@pytest.fixture
def world(engine, shared_file):
    """Bouray in 9 sectors; members in A (code ``a``), B (``b``), C (``c``); 13 alerts (see the asserts)."""
    clear_caches()
    boundary = load_boundary(shared_file(BOURAY_FILE), INSEE, max_mb=50)
    op = Actor.operator()
    with transaction(engine) as s:
        commune = register_commune(s, INSEE, "Bouray-sur-Juine", boundary)
        import_sector_set(s, commune, grid_sectors(boundary, L93, 3, 3), name_field="nom", activate=True)
        sectors = {x.name: x for x in active_set(s, commune).sectors}
        a, b, c = (sectors[n] for n in ("Secteur B2", "Secteur A1", "Secteur C3"))
        codes = {"a": a.code, "b": b.code, "c": c.code}
        # The hot spot: the centre of the 250 m cell holding a point well inside sector A.
        hot = _cell_centre(*_inner(a.geom))
        where = {"a": _to_lonlat(*hot), "b": _inner(b.geom), "c": _inner(c.geom)}
        names = {x.code: x.name for x in sectors.values()}
    with transaction(engine) as s:  # members are placed by the sector locator: the sectors are committed
        commune = get_commune(s, INSEE)

        def member(email, sector=None, role=Role.RESIDENT, verified=True):
            lon, lat = where[sector] if sector else (None, None)
            return register_member(
                s, op, commune, email=email, name=email.split("@")[0].capitalize(), role=role, lon=lon, lat=lat,
                channel="operator", verification_method="document" if verified and role == Role.RESIDENT else None,
            ).member  # fmt: skip

        for i in range(3):
            member(f"habitant{i}@a.fr", "a")
        member("attente@a.fr", "a", verified=False)
        member("bea@b.fr", "b")
        member("cyril@c.fr", "c")
        referent = member("ref@b.fr", "b")
        assign_referent(s, op, commune, a.code, referent)
        member("mairie@bouray.fr", role=Role.MAIRIE_AGENT)
        member("gend@bouray.fr", role=Role.GENDARMERIE)
        set_gendarmerie_access(s, op, commune, True)
    set_commune_options(engine, INSEE, premoderation=True)
    rng = np.random.default_rng(3)

    def post(author, category, sector, when, *, jitter=True):
        lon, lat = where[sector]
        if jitter:  # within 60 m of the hot spot: the same 250 m cell
            x, y = transform_geom(shapely.Point(lon, lat), 4326, L93).coords[0]
            lon, lat = _to_lonlat(x + rng.uniform(-60, 60), y + rng.uniform(-60, 60))
        r = post_alert(engine, who(engine, author), category=category, text=TEXTS[category], lon=lon, lat=lat,
                       confirm_new=True, config=CONFIG, now=when)  # fmt: skip
        assert r.status == "pending", r
        return r.alert_id

    def approve(alert_id, when):
        moderate(engine, alert_id, who(engine, "mairie@bouray.fr"), approve=True, config=CONFIG, now=when)

    ids: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    for d in range(7):  # sector A: 7 burglaries in July, published 2 h later
        t = _utc(f"2026-07-{d + 1:02d}")
        ids["a"].append(post(f"habitant{d % 3}@a.fr", "cambriolage", "a", t))
        approve(ids["a"][-1], t + timedelta(hours=2))
    for day in ("2026-08-03", "2026-08-10"):  # sector B: 2 thefts, published 4 h later
        t = _utc(day)
        ids["b"].append(post("bea@b.fr", "vol", "b", t, jitter=False))
        approve(ids["b"][-1], t + timedelta(hours=4))
    t = _utc("2026-09-05")  # sector C: 1 damage, published, acknowledged and closed by the gendarmerie
    ids["c"].append(post("cyril@c.fr", "degradation", "c", t, jitter=False))
    approve(ids["c"][0], t + timedelta(hours=2))
    acknowledge_alert(engine, ids["c"][0], who(engine, "gend@bouray.fr"), now=t + timedelta(hours=3))
    close_alert(engine, ids["c"][0], who(engine, "gend@bouray.fr"), "Auteur identifié, plainte enregistrée.",
                now=t + timedelta(days=1))  # fmt: skip
    for k in range(3):  # the mairie acknowledges three burglaries 5 h after publication
        acknowledge_alert(engine, ids["a"][k], who(engine, "mairie@bouray.fr"), now=_utc(f"2026-07-{k + 1:02d}", 17))
    rejected = post("habitant0@a.fr", "comportement-suspect", "a", _utc("2026-07-20"))
    moderate(engine, rejected, who(engine, "mairie@bouray.fr"), reject="Pas assez précis.", config=CONFIG,
             now=_utc("2026-07-20", 12))  # fmt: skip
    post("habitant1@a.fr", "vol", "a", _utc("2026-08-20"))  # left pending: counts nowhere public
    before = post("habitant2@a.fr", "cambriolage", "a", _utc("2026-06-15"))  # the quarter before
    approve(before, _utc("2026-06-15", 11))
    # Retention: the closed alert of sector C is anonymised (its point goes, its figures stay).
    assert anonymise_closed(engine, INSEE, months=1, now=_utc("2026-11-15")) == 1
    return {"engine": engine, "codes": codes, "names": names, "hot": hot, "where": where, "ids": ids}


def _q3():
    return parse_quarter("2026-Q3")


def test_records_counts_hiding_and_monitoring(world, tmp_path) -> None:
    engine, codes = world["engine"], world["codes"]
    start, end = _q3()
    rec = load_records(engine, INSEE, start, end)
    assert len(rec.alerts) == 12  # 10 published + 1 rejected + 1 pending, created in Q3
    assert not rec.households_known and all(s["households"] is None for s in rec.sectors)
    assert any("Base Adresse Nationale" in n and "aucun taux" in n for n in rec.notes)
    assert any("anonymisée" in n for n in rec.notes)
    a = alerts_frame(rec.alerts)
    by_category = counts_by(a, "category").set_index("category")["count"].to_dict()
    assert by_category == {"cambriolage ou tentative": 7, "vol": 2, "dégradation": 1}
    by_sector = counts_by(a, "sector_code").set_index("sector_code")["count"].to_dict()
    assert by_sector == {codes["a"]: 7, codes["b"]: 2, codes["c"]: 1}
    assert counts_by(a, "month").set_index("month")["count"].to_dict() == {"2026-07": 7, "2026-08": 2, "2026-09": 1}
    # The anonymised alert still counts, without a point.
    anon = a[a["anonymised"]]
    assert len(anon) == 1 and anon["x_m"].isna().all() and anon["category"].iloc[0] == "dégradation"
    # Residents: counts of 1 to 4 hidden; staff see them.
    shown = hide_small(counts_by(a, "category"), "resident", 5).set_index("category")
    assert shown.loc["cambriolage ou tentative", "count"] == 7
    assert shown.loc["vol", "hidden"] and pd.isna(shown.loc["vol", "count"])
    assert pd.isna(shown.loc["dégradation", "count"])
    staff = hide_small(counts_by(a, "category"), "mairie-agent", 5).set_index("category")
    assert staff.loc["vol", "count"] == 2 and not staff["hidden"].any()
    # No households without the BAN: no rate at all rather than a wrong one.
    rates = rates_by_sector(a, sectors_frame(rec.sectors)).set_index("code")
    assert rates.loc[codes["a"], "count"] == 7 and rates["rate_per_1000_households"].isna().all()
    # Monitoring.
    mon = monitoring(a, sectors_frame(rec.sectors), members_frame(rec.members))
    assert mon.alerts_published == 10 and mon.alerts_rejected == 1
    assert mon.moderation_delay_h == pytest.approx(2.0)
    assert mon.acknowledgement_delay_h == pytest.approx(5.0)  # mairie 5, 5, 5 h; gendarmerie 1 h
    assert mon.acknowledgement_delay_by == pytest.approx({"mairie": 5.0, "gendarmerie": 1.0})
    assert mon.gendarmerie_feedback_share == pytest.approx(0.1)
    per = mon.sectors.set_index("code")
    assert per.loc[codes["a"], "members"] == 3  # the pending member does not count
    assert per.loc[codes["b"], "members"] == 2  # the referent lives in B…
    assert per.loc[codes["a"], "referents"] == 1 and per.loc[codes["b"], "referents"] == 0  # …and refers A
    assert world["names"][codes["a"]] not in mon.sectors_without_referent
    assert world["names"][codes["b"]] in mon.sectors_without_referent
    # Import the BAN: 40 numbered addresses in A, 10 in B, 3 without number (not households).
    ban = []
    for k, key in enumerate(["a"] * 43 + ["b"] * 10):
        lon, lat = world["where"][key]
        ban.append((lon + 1e-5 * (k % 7), lat + 1e-5 * (k // 7), None if k >= 40 and key == "a" else k + 1))
    _write_ban(tmp_path / "ban.csv", ban)
    import_ban(engine, tmp_path / "ban.csv")
    rec = load_records(engine, INSEE, start, end)
    households = {s["code"]: s["households"] for s in rec.sectors}
    assert rec.households_known and households[codes["a"]] == 40 and households[codes["b"]] == 10
    assert households[codes["c"]] == 0
    rates = rates_by_sector(alerts_frame(rec.alerts), sectors_frame(rec.sectors)).set_index("code")
    assert rates.loc[codes["a"], "rate_per_1000_households"] == pytest.approx(7 * 1000 / 40)
    assert rates.loc[codes["b"], "rate_per_1000_households"] == pytest.approx(2 * 1000 / 10)
    assert pd.isna(rates.loc[codes["c"], "rate_per_1000_households"])  # 0 households: no rate
    participation = monitoring(alerts_frame(rec.alerts), sectors_frame(rec.sectors), members_frame(rec.members))
    assert participation.sectors.set_index("code").loc[codes["a"], "participation_pct"] == pytest.approx(7.5)


def test_alert_heat_from_the_alerts_table(world) -> None:
    engine = world["engine"]
    start, end = _q3()
    staff = alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL)
    # 10 published in Q3, one anonymised (no point): 9 on the map; the 7 burglaries share the hot cell.
    assert int(staff.count.sum()) == 9 and int(staff.count.max()) == 7
    hot = (math.floor(world["hot"][0] / CELL), math.floor(world["hot"][1] / CELL))
    assert staff.as_dict()[hot] == 7
    resident = alert_heat(engine, INSEE, "resident", start, end, cell_m=CELL, min_count=5)
    assert resident.as_dict() == {hot: 7}
    # The gendarmerie is staff (its access is open here); the default minimum applies to referents.
    assert alert_heat(engine, INSEE, "gendarmerie", start, end, cell_m=CELL).as_dict() == staff.as_dict()
    assert alert_heat(engine, INSEE, "referent", start, end, cell_m=CELL).as_dict() == {hot: 7}
    # The categories filter (codes): the 7 burglaries alone, the 2 thefts alone, both.
    burglaries = alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL, categories=("cambriolage",))
    assert burglaries.as_dict() == {hot: 7}
    thefts = alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL, categories=("vol",))
    assert int(thefts.count.sum()) == 2 and hot not in thefts.as_dict()
    both = alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL, categories=("cambriolage", "vol"))
    assert int(both.count.sum()) == 9
    # The period filters: Q2 holds only the June burglary.
    q2 = alert_heat(engine, INSEE, "mairie_agent", *parse_quarter("2026-Q2"), cell_m=CELL)
    assert int(q2.count.sum()) == 1
    # Hexagons: the same counts as numpy on the records' stored metric coordinates.
    rec = load_records(engine, INSEE, start, end)
    a = alerts_frame(rec.alerts)
    located = a[a["published"] & a["x_m"].notna()]
    for shape in (SQUARE, HEX):
        expected = bin_xy(located["x_m"].to_numpy(), located["y_m"].to_numpy(), CELL, shape, L93).as_dict()
        assert alert_heat(engine, INSEE, "mairie_admin", start, end, shape=shape, cell_m=CELL).as_dict() == expected
    # The mairie closes the gendarmerie's access: no map for it any more (the permission matrix).
    with transaction(engine) as s:
        set_gendarmerie_access(s, Actor.operator(), get_commune(s, INSEE), False)
    with pytest.raises(InputError, match="gendarmerie"):
        alert_heat(engine, INSEE, "gendarmerie", start, end, cell_m=CELL)
    with pytest.raises(InputError, match="gendarmerie"):
        quarterly_report_from_db(engine, INSEE, "2026-Q3", role="gendarmerie")


def test_report_and_exports_from_the_database(world, db_url, tmp_path) -> None:
    engine, codes = world["engine"], world["codes"]
    report = quarterly_report_from_db(engine, INSEE, "2026-Q3", role="mairie-admin", cell_m=CELL)
    assert report.alerts_in_quarter == 10 and int(report.heat.count.sum()) == 9
    by_sector = report.tables.tables["alertes_par_secteur"].set_index("code_secteur")
    assert by_sector.loc[codes["b"], "alertes"] == 2
    resident = quarterly_report_from_db(engine, INSEE, "2026-Q3", role="resident", cell_m=CELL)
    assert resident.heat.as_dict() == {k: v for k, v in report.heat.as_dict().items() if v >= 5}
    assert "suivi_secteurs" not in resident.tables.tables
    assert resident.tables.tables["alertes_par_secteur"].set_index("code_secteur").loc[codes["b"], "alertes"] == "< 5"
    # Exports from the database, with the period and the notes.
    tables = tables_from_db(engine, INSEE, role="gendarmerie", min_count=5, start=_q3()[0], end=_q3()[1])
    delays = tables.tables["suivi_delais"].set_index("mesure")["valeur"]
    assert delays["part avec retour de la gendarmerie"] == pytest.approx(0.1)
    assert "01/07/2026 au 30/09/2026" in tables.tables["notes"]["note"].iloc[0]
    # The CLI reads the database by default.
    runner = CliRunner()
    base = ["--db", db_url, "report", "quarterly", "--commune", INSEE, "--quarter", "2026-Q3"]
    for suffix in ("pdf", "html"):
        out = tmp_path / f"r.{suffix}"
        result = runner.invoke(app, [*base, "--out", str(out), "--role", "referent"])
        assert result.exit_code == 0, result.output
        assert "(10 alerte(s))" in result.stdout
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Cambriolage ou tentative".lower() in page.lower() and "&lt; 5" in page
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    export = ["--db", db_url, "stats", "export", "--commune", INSEE, "--quarter", "2026-Q3"]
    result = runner.invoke(app, [*export, "--out", str(tmp_path / "s.xlsx"), "--role", "mairie-agent"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    rows = list(book["alertes_par_categorie"].values)
    assert ("vol", 2) in [tuple(r[:2]) for r in rows[1:]]
    assert {"suivi_secteurs", "suivi_delais", "notes"} <= set(book.sheetnames)
    result = runner.invoke(app, [*export, "--out", str(tmp_path / "csv"), "--role", "resident"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "csv" / "alertes_par_categorie.csv", sep=";", encoding="utf-8-sig")
    assert dict(zip(frame["categorie"], frame["alertes"].astype(str), strict=True))["vol"] == "< 5"
    assert not (tmp_path / "csv" / "suivi_secteurs.csv").exists()
    # Bad input: French message, exit 2.
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "x.pdf"), "--role", "maire"])
    assert result.exit_code == 2 and "--role" in result.stderr and not (tmp_path / "x.pdf").exists()


def test_heat_map_follows_every_change(world) -> None:
    """The embedded heat map keeps points in memory: a post, a moderation, an anonymisation all show at once."""
    from stats._heat_cache import clear

    engine, ids = world["engine"], world["ids"]
    start, end = _q3()

    def total() -> int:
        return int(alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL).count.sum())

    assert total() == 9
    assert total() == 9  # served from memory on SQLite: same answer
    lon, lat = world["where"]["b"]
    new = post_alert(
        engine,
        who(engine, "bea@b.fr"),
        category="vol",
        text=TEXTS["vol"],
        lon=lon,
        lat=lat,
        confirm_new=True,
        config=CONFIG,
        now=_utc("2026-09-20"),
    )
    assert total() == 9  # pending (the commune pre-moderates): not public yet
    moderate(
        engine, new.alert_id, who(engine, "mairie@bouray.fr"), approve=True, config=CONFIG, now=_utc("2026-09-20", 12)
    )
    assert total() == 10  # published: on the map at once
    close_alert(engine, ids["a"][0], who(engine, "mairie@bouray.fr"), "Réglé.", now=_utc("2026-09-21"))
    assert anonymise_closed(engine, INSEE, months=1, now=_utc("2026-11-30")) == 1
    assert total() == 9  # its point is gone with its anonymisation
    clear()
    assert total() == 9  # a cold read agrees


def test_warm_heat_reads_each_commune_once_ahead(world, monkeypatch) -> None:
    """``voisinage serve`` warms the embedded heat cache: the first heat map after a start reads nothing."""
    from stats import _heat_cache, warm_heat

    engine = world["engine"]
    start, end = _q3()
    _heat_cache.clear()
    reads: list[int] = []
    read = _heat_cache._read
    monkeypatch.setattr(_heat_cache, "_read", lambda *a: reads.append(a[1]) or read(*a))
    warmed = warm_heat(engine)
    if is_postgis(engine):  # binned in the database: no cache to warm
        assert warmed == 0 and reads == []
        return
    assert warmed == 1 and len(reads) == 1
    heat = alert_heat(engine, INSEE, "mairie_agent", start, end, cell_m=CELL)
    assert len(reads) == 1 and int(heat.count.sum()) == 9  # served from what the warm-up read

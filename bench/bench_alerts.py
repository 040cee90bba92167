"""Alerts: a commune of 5,000 members and 100,000 alerts, on both backends.

- Posting throughput through the whole pipeline (member and sanctions, idempotency key, checks on the text,
  rate limit, perimeter, duplicate search, displayed location, moderation routing, insert), one client.
  Baseline: the bare insert of the same alert rows (alert + sectors + event, one transaction each).
- One resident's feed (the 50 newest alerts they may read, displayed locations): p50 / p99 over many
  residents. Baseline: one indexed query returning the same columns of the 50 newest published alerts of
  the resident's sector (the floor any feed pays), timed the same way in the same run.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, insert, select, text

from alerts import DEFAULT_CATEGORIES, AlertConfig, clear_caches, feed, post_alert
from alerts._context import blurrer, sector_index
from alerts._reading import FEED_COLUMNS
from bench._harness import BenchContext, latencies, own_postgis_database, percentile
from community import Actor
from gis import transform_geom, transform_xy
from sectors import import_sector_set, register_commune
from settings import PROJECT_ROOT
from store import bind_commune, is_postgis, make_engine, transaction, upgrade
from store.schema import Address, AddressImport, Alert, AlertEvent, AlertSector, Commune, Member, MemberStatus, Role

INSEE = "91095"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CATEGORIES = [c.code for c in DEFAULT_CATEGORIES if c.family != "officiel"]
TEXTS = [
    "Tentative de cambriolage cette nuit, porte-fenêtre forcée. Soyez vigilants.",
    "Camionnette blanche sans inscription qui tourne dans le quartier depuis ce matin.",
    "Chat gris tigré perdu depuis lundi, collier rouge, très craintif.",
    "Vélo volé devant la boulangerie vers midi malgré l'antivol.",
    "Personne âgée cherche quelqu'un pour quelques courses cette semaine.",
    "Tags sur le mur de la salle des fêtes découverts ce matin.",
]


def _boundary() -> shapely.MultiPolygon:
    from sectors import load_boundary

    path = PROJECT_ROOT.parent / "shared" / "data" / "boundaries" / "bouray-sur-juine_91095_osm-relation-396777.geojson"
    return load_boundary(path, INSEE, max_mb=50)


def _grid(boundary: BaseGeometry, n: int) -> object:
    import geopandas as gpd

    metric = transform_geom(boundary, 4326, 2154)
    minx, miny, maxx, maxy = metric.bounds
    xs, ys = np.linspace(minx, maxx, n + 1), np.linspace(miny, maxy, n + 1)
    codes, geoms = [], []
    for r in range(n):
        for c in range(n):
            part = metric.intersection(shapely.box(xs[c], ys[r], xs[c + 1], ys[r + 1]))
            polys = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and p.area > 1.0]
            if polys:
                codes.append(f"R{r}C{c}")
                geoms.append(transform_geom(shapely.MultiPolygon(polys), 2154, 4326))
    return gpd.GeoDataFrame({"code": codes, "nom": [f"Secteur {c}" for c in codes]}, geometry=geoms, crs=4326)


def _points(boundary: BaseGeometry, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = boundary.bounds
    out_x: list[np.ndarray] = []
    out_y: list[np.ndarray] = []
    got = 0
    while got < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        keep = shapely.contains_xy(boundary, x, y)
        out_x.append(x[keep])
        out_y.append(y[keep])
        got += int(keep.sum())
    return np.concatenate(out_x)[:n], np.concatenate(out_y)[:n]


def _populate(engine: Engine, n_members: int, n_alerts: int) -> dict:
    """Commune, 25 sectors, 3,000 addresses on 60 streets, members, alerts (bulk, like a year of history)."""
    rng = np.random.default_rng(5)
    boundary = _boundary()
    with transaction(engine) as s:
        commune = register_commune(s, INSEE, "Bouray-sur-Juine", boundary)
        import_sector_set(s, commune, _grid(boundary, 5), name_field="nom", activate=True)
        commune_id, epsg = commune.id, commune.crs_epsg
        imp = AddressImport(source="bench", rows=0, inserted=0, updated=0)
        s.add(imp)
        s.flush()
        alon, alat = _points(boundary, 3000, rng)
        order = np.lexsort((alon, np.floor(alat * 200)))  # streets: bands of latitude, numbered west to east
        rows = [
            {"ban_id": f"b{i}", "insee": INSEE, "numero": int(k % 50) + 1, "rep": "", "nom_voie": f"Rue {k // 50}",
             "nom_ld": "", "code_postal": "91850", "nom_commune": "Bouray-sur-Juine", "lon": float(alon[i]),
             "lat": float(alat[i]), "certified": True, "import_id": imp.id}
            for k, i in enumerate(order)
        ]  # fmt: skip
        s.execute(insert(Address), rows)
        current = s.scalar(select(Commune).where(Commune.id == commune_id)).sector_sets[-1]  # type: ignore[union-attr]
        index = sector_index(s, current.id, epsg)
        blur = blurrer(s, s.get(Commune, commune_id), index, current.id, 10)  # type: ignore[arg-type]
    mlon, mlat = _points(boundary, n_members, rng)
    home = [index.area.covering(index.area.to_metric(lo, la)) for lo, la in zip(mlon, mlat, strict=True)]
    codes = [index.sectors[h[0]].code if h else None for h in home]
    with transaction(engine) as s:
        s.execute(
            insert(Member),
            [
                {"commune_id": commune_id, "email": f"m{i}@bench.fr", "name": f"Membre {i}", "role": Role.RESIDENT,
                 "status": MemberStatus.VERIFIED, "sector_code": codes[i], "lon": float(mlon[i]), "lat": float(mlat[i]),
                 "address_label": "", "registered_via": "web"}
                for i in range(n_members)
            ],
        )  # fmt: skip
        first_member = s.scalar(select(Member.id).order_by(Member.id).limit(1))
    # Alerts: a year of history, computed with the real perimeter and displayed-location code.
    lon, lat = _points(boundary, n_alerts, rng)
    xs, ys = transform_xy(lon, lat, 4326, epsg)
    ages = np.sort(rng.uniform(7, 365 * 24, n_alerts))[::-1]  # hours ago, oldest first (ids grow with time)
    batch = 5000
    for start in range(0, n_alerts, batch):
        alerts, sectors, events = [], [], []
        with transaction(engine) as s:
            next_id = (s.scalar(select(Alert.id).order_by(Alert.id.desc()).limit(1)) or 0) + 1
            for j in range(start, min(n_alerts, start + batch)):
                shown = blur.display(lon[j], lat[j])
                per = _perimeter(index, lon[j], lat[j], shown)
                created = NOW - timedelta(hours=float(ages[j]))
                status = "published" if j % 20 else "pending"
                aid = next_id + (j - start)
                alerts.append(
                    {"id": aid, "commune_id": commune_id, "sector_set_id": current.id,
                     "author_id": first_member + int(rng.integers(n_members)), "idempotency_key": None,  # type: ignore[operator]
                     "category": CATEGORIES[j % len(CATEGORIES)], "status": status, "text": TEXTS[j % len(TEXTS)],
                     "original_text": None, "check_outcome": "ok", "check_findings": "[]",
                     "location": shapely.Point(lon[j], lat[j]), "x_m": float(xs[j]), "y_m": float(ys[j]),
                     "address_text": "", "display_kind": shown.kind, "display_label": shown.label,
                     "display_geom": shown.geometry, "display_lon": shown.anchor[0], "display_lat": shown.anchor[1],
                     "perimeter": per.geometry, "scope": "auto", "claim_name": "", "reject_reason": "",  # type: ignore[attr-defined]
                     "appeal_text": "", "feedback": "", "created_at": created,
                     "published_at": created if status == "published" else None}
                )  # fmt: skip
                sectors += [
                    {"alert_id": aid, "sector_code": index.sectors[i].code, "commune_id": commune_id, "sector_id": i,
                     "home": i in per.home_ids}  # type: ignore[attr-defined]
                    for i in per.sector_ids  # type: ignore[attr-defined]
                ]  # fmt: skip
                events.append(
                    {"alert_id": aid, "commune_id": commune_id, "move": "submit", "actor_id": None, "at": created,
                     "from_status": None, "to_status": "submitted", "detail": ""}
                )  # fmt: skip
            bind_commune(s, commune_id)
            s.execute(insert(Alert), alerts)
            s.execute(insert(AlertSector), sectors)
            s.execute(insert(AlertEvent), events)
    if is_postgis(engine):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            conn.execute(text("SELECT setval(pg_get_serial_sequence('alerts', 'id'), (SELECT max(id) FROM alerts))"))
    return {"commune_id": commune_id, "first_member": first_member, "boundary": boundary, "rng": rng}


def _perimeter(index: object, lon: float, lat: float, shown: object) -> object:
    """As posting draws it: from the displayed location (the exact point gives the home sectors only)."""
    from alerts._perimeter import diffusion_perimeter, shown_perimeter

    exact = diffusion_perimeter(index, lon, lat, 150.0)  # type: ignore[arg-type]
    return shown_perimeter(index, shown, exact.home_ids, 150.0)  # type: ignore[arg-type]


def _actors(engine: Engine, emails: list[str]) -> list[Actor]:
    """The members of these e-mails as acting actors (what signing in gives the app), read once, untimed."""
    from sqlalchemy.orm import selectinload

    with transaction(engine) as s:
        rows = s.scalars(
            select(Member).options(selectinload(Member.referent_assignments)).where(Member.email.in_(set(emails)))
        ).all()
        by_email = {m.email: Actor.of_member(m) for m in rows}
    return [by_email[e] for e in emails]


def _bench_posts(ctx: BenchContext, engine: Engine, world: dict, label: str, n_members: int) -> None:
    n = 100 if ctx.quick else 1000
    rng = world["rng"]
    lon, lat = _points(world["boundary"], 3 * n, rng)
    config = AlertConfig(duplicate_radius_m=0.0)
    now = NOW
    # Each post a duplicate window after the previous one: the duplicate query runs but finds nothing to offer
    # (a point inside a displayed cell is at distance 0 from it, so posts at one instant would be offered).
    step = config.duplicate_window + timedelta(minutes=1)

    authors = _actors(engine, [f"m{k}@bench.fr" for k in range(n_members)])

    def post(i: int) -> None:
        post_alert(
            engine,
            authors[(i * 7) % n_members],
            category=CATEGORIES[i % len(CATEGORIES)],
            text=TEXTS[i % len(TEXTS)],
            lon=float(lon[i]),
            lat=float(lat[i]),
            key=f"bench-{label}-{i}",
            config=config,
            now=now + i * step,
        )

    post(0)  # warm up: caches of sectors and addresses
    t0 = time.perf_counter()
    for i in range(1, n):
        post(i)
    ours = (n - 1) / (time.perf_counter() - t0)

    # Several clients at once, as a server sees them (other members, other points).
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: post(n + i), range(n - 1)))
    concurrent = (n - 1) / (time.perf_counter() - t0)

    # Baseline: the bare insert of the same rows, one transaction per alert.
    with transaction(engine) as s:
        template = s.scalar(select(Alert).where(Alert.status == "published").limit(1))
        row = {c.name: getattr(template, c.key) for c in Alert.__table__.columns if c.name != "id"}
        sector_rows = [
            {"sector_code": x.sector_code, "commune_id": x.commune_id, "sector_id": x.sector_id, "home": x.home}
            for x in template.sectors  # type: ignore[union-attr]
        ]

    def bare(i: int) -> None:
        with transaction(engine) as s:
            bind_commune(s, world["commune_id"])
            aid = s.execute(
                insert(Alert).returning(Alert.id), [{**row, "idempotency_key": f"bare-{label}-{i}"}]
            ).scalar()
            s.execute(insert(AlertSector), [{**r, "alert_id": aid} for r in sector_rows])
            s.execute(
                insert(AlertEvent),
                [{"alert_id": aid, "commune_id": world["commune_id"], "move": "submit", "at": now,
                  "to_status": "submitted", "detail": ""}],
            )  # fmt: skip

    t0 = time.perf_counter()
    for i in range(n):
        bare(i)
    baseline = n / (time.perf_counter() - t0)
    ctx.report(
        f"{label}: posting (full pipeline, 1 client)",
        ours,
        "posts/s",
        baseline=baseline,
        baseline_name="bare insert",
        target=">= 200 posts/s",
    )
    ctx.report(f"{label}: bare insert of the same rows (baseline)", baseline, "posts/s")
    ctx.report(f"{label}: posting (full pipeline, 4 clients)", concurrent, "posts/s", target=">= 200 posts/s")


def _bench_feed(ctx: BenchContext, engine: Engine, world: dict, label: str, n_members: int) -> None:
    n = 200 if ctx.quick else 1000
    emails = [f"m{(i * 13) % n_members}@bench.fr" for i in range(n)]
    readers = _actors(engine, emails)
    feed(engine, readers[0], now=NOW)  # warm up
    sizes = [len(feed(engine, r, now=NOW)) for r in readers[:20]]

    def one_query(i: int) -> None:
        # The floor of a feed: one indexed query for the 50 newest published alerts of the resident's sector
        # (their columns), given the sector; no viewer, visibility rule, own alerts or displayed locations.
        code = sector_of[emails[i]]
        with transaction(engine) as s:
            bind_commune(s, world["commune_id"])
            rows = s.execute(
                select(*FEED_COLUMNS)
                .join(AlertSector, AlertSector.alert_id == Alert.id)
                .where(
                    AlertSector.commune_id == world["commune_id"],
                    AlertSector.sector_code == code,
                    Alert.status.in_(["published", "acknowledged", "closed"]),
                )
                .order_by(AlertSector.alert_id.desc())
                .limit(50)
            ).all()
            assert len(rows) <= 50

    with transaction(engine) as s:
        sector_of = dict(s.execute(select(Member.email, Member.sector_code).where(Member.email.in_(emails))).all())
    one_query(0)
    lat_s: list[float] = []
    base: list[float] = []
    for i in range(n):  # interleaved: both see the same machine load
        lat_s += latencies(lambda _i, k=i: feed(engine, readers[k], now=NOW), 1)  # type: ignore[misc]
        base += latencies(lambda _i, k=i: one_query(k), 1)  # type: ignore[misc]
    ctx.report(
        f"{label}: one resident's feed p50 (50 newest)",
        percentile(lat_s, 50) * 1e3,
        "ms",
        baseline=percentile(base, 50) * 1e3,
        baseline_name="one indexed query",
        higher_is_better=False,
    )
    ctx.report(
        f"{label}: one resident's feed p99",
        percentile(lat_s, 99) * 1e3,
        "ms",
        baseline=percentile(base, 99) * 1e3,
        baseline_name="one indexed query",
        target="<= 50 ms",
        higher_is_better=False,
    )
    for q in (50, 99):
        ctx.report(
            f"{label}: baseline: one indexed query (50 newest of the sector) p{q}",
            percentile(base, q) * 1e3,
            "ms",
            higher_is_better=False,
        )
    print(f"  feed sizes (first 20 residents): min {min(sizes)}, max {max(sizes)}")


def _run_backend(ctx: BenchContext, engine: Engine, label: str) -> None:
    n_members, n_alerts = (500, 5_000) if ctx.quick else (5_000, 100_000)
    clear_caches()
    upgrade(engine)
    t0 = time.perf_counter()
    world = _populate(engine, n_members, n_alerts)
    print(f"  {label}: {n_members:,} members, {n_alerts:,} alerts loaded in {time.perf_counter() - t0:.1f} s")
    _bench_feed(ctx, engine, world, label, n_members)
    _bench_posts(ctx, engine, world, label, n_members)


def run(ctx: BenchContext) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'alerts.sqlite3'}")
        _run_backend(ctx, engine, "embedded")
        engine.dispose()
    if not ctx.postgis_url:
        print("PostGIS: pas de base, mesure sautée")
        return
    # A database of our own in the bench cluster: other benchmarks reset theirs.
    engine = make_engine(own_postgis_database(ctx.postgis_url, "voisinage_bench_alerts"))
    _run_backend(ctx, engine, "PostGIS")
    engine.dispose()

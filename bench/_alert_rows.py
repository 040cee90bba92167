"""Fill a real Voisinage database with a commune and many synthetic alerts, fast (bulk SQL, not the API).

The commune is Bouray-sur-Juine (real boundary) cut into a grid of sectors (``data.synthetic.grid_sectors``,
imported and activated through ``sectors``). Alerts are rows of the real ``alerts`` table with realistic
columns (category code, status, text, exact point and its Lambert-93 ``x_m``/``y_m``, displayed location,
perimeter, timestamps), plus their home sector in ``alert_sectors`` and their moderation history in
``alert_events`` when ``links`` is true. Inserted with one ``executemany`` of plain tuples on SQLite and
``COPY`` on PostgreSQL. Simplification: the perimeter stored is the home sector's envelope (a real
perimeter is the union of sector outlines, kilobytes per row: a million of them would only fill the disk).
Members (residents, referents, staff) and numbered BAN addresses are inserted the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from data.synthetic import grid_sectors
from sectors import active_set, import_sector_set, register_commune
from store import is_postgis, transaction

INSEE = "91095"
L93 = 2154
CATEGORIES = np.array(
    ["cambriolage", "comportement-suspect", "vehicule-suspect", "demarchage-frauduleux", "degradation", "vol",
     "demande-aide", "animal-perdu-trouve"]
)  # fmt: skip
CATEGORY_P = np.array([0.18, 0.22, 0.15, 0.08, 0.12, 0.1, 0.08, 0.07])
STATUSES = np.array(["closed", "acknowledged", "published", "rejected", "pending"])
STATUS_P = np.array([0.4, 0.25, 0.25, 0.07, 0.03])

ALERT_COLUMNS = (
    "id", "commune_id", "sector_set_id", "author_id", "category", "status", "text", "check_outcome",
    "check_findings", "location", "x_m", "y_m", "address_text", "display_kind", "display_label", "display_geom",
    "display_lon", "display_lat", "perimeter", "scope", "claim_name", "reject_reason", "appeal_text", "feedback",
    "created_at", "published_at", "closed_at",
)  # fmt: skip


@dataclass
class Commune:
    id: int
    set_id: int
    boundary: BaseGeometry
    sectors: list[tuple[int, str, BaseGeometry]]  # (id, code, EPSG:4326 geometry)


def register_bouray(engine: Engine, boundary: BaseGeometry, nx: int = 4, ny: int = 3) -> Commune:
    """Register Bouray and activate a grid of ``nx`` x ``ny`` sectors (through the sectors API)."""
    with transaction(engine) as session:
        commune = register_commune(session, INSEE, "Bouray-sur-Juine", boundary)
        import_sector_set(session, commune, grid_sectors(boundary, L93, nx, ny), name_field="nom", activate=True)
        current = active_set(session, commune)
        assert current is not None
        sectors = [(s.id, s.code, s.geom) for s in sorted(current.sectors, key=lambda s: s.code)]
        return Commune(commune.id, current.id, boundary, sectors)


def points_inside(boundary: BaseGeometry, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points inside ``boundary``: 60 % around four hot spots, the rest uniform."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = boundary.bounds
    hot = rng.uniform([minx, miny], [maxx, maxy], size=(4, 2))
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        k = 2 * (n - have) + 16
        centre = hot[rng.integers(0, 4, k)]
        clustered = rng.random(k) < 0.6
        xy = np.where(
            clustered[:, None],
            centre + rng.normal(0, [(maxx - minx) / 25, (maxy - miny) / 25], size=(k, 2)),
            rng.uniform([minx, miny], [maxx, maxy], size=(k, 2)),
        )
        xy = xy[shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])][: n - have]
        out.append(xy)
        have += len(xy)
    pts = np.concatenate(out)
    return pts[:, 0], pts[:, 1]


def _stamps(values: np.ndarray, postgres: bool) -> list[str | None]:
    text_ = np.datetime_as_string(values.astype("datetime64[us]"), unit="us")
    nat = np.isnat(values)
    suffix = "+00" if postgres else ""
    return [None if miss else f"{t.replace('T', ' ')}{suffix}" for t, miss in zip(text_, nat, strict=True)]


def alert_rows(commune: Commune, n: int, start: datetime, end: datetime, seed: int, postgres: bool) -> dict:
    """Column arrays of ``n`` synthetic alerts (ids from 1), and their home sectors and events."""
    rng = np.random.default_rng(seed)
    lon, lat = points_inside(commune.boundary, n, seed)
    x, y = Transformer.from_crs(4326, L93, always_xy=True).transform(lon, lat)
    home = np.full(n, -1)
    for k, (_sid, _code, geom) in enumerate(commune.sectors):
        home[(home < 0) & shapely.intersects_xy(geom, lon, lat)] = k
    t0 = np.datetime64(start.replace(tzinfo=None), "us")
    span = int((end - start).total_seconds() * 1e6)
    created = t0 + rng.integers(0, span, n).astype("timedelta64[us]")
    status = STATUSES[rng.choice(len(STATUSES), n, p=STATUS_P)]
    shown = np.isin(status, ["closed", "acknowledged", "published"])
    published = np.where(
        shown, created + (rng.exponential(45 * 60e6, n)).astype("timedelta64[us]"), np.datetime64("NaT")
    )
    acknowledged = np.isin(status, ["closed", "acknowledged"])
    ack_at = published + (rng.exponential(6 * 3600e6, n)).astype("timedelta64[us]")
    closed = np.where(status == "closed", ack_at + np.timedelta64(2, "D"), np.datetime64("NaT"))
    points = shapely.points(lon, lat)
    if postgres:  # COPY reads hex EWKB
        points = shapely.set_srid(points, 4326)
    point_wkb = shapely.to_wkb(points, hex=postgres, include_srid=postgres)
    envelopes = [shapely.set_srid(shapely.MultiPolygon([g.envelope]), 4326) for _i, _c, g in commune.sectors]  # type: ignore[list-item]
    envelope_wkb = [shapely.to_wkb(e, hex=postgres, include_srid=postgres) for e in envelopes]
    outside = shapely.set_srid(shapely.MultiPolygon([commune.boundary.envelope]), 4326)  # type: ignore[list-item]
    outside_wkb = shapely.to_wkb(outside, hex=postgres, include_srid=postgres)
    category = CATEGORIES[rng.choice(len(CATEGORIES), n, p=CATEGORY_P)]
    return {
        "lon": lon,
        "lat": lat,
        "x": x,
        "y": y,
        "home": home,
        "created": _stamps(created, postgres),
        "published": _stamps(published, postgres),
        "ack": _stamps(np.where(acknowledged, ack_at, np.datetime64("NaT")), postgres),
        "closed": _stamps(closed, postgres),
        "status": status,
        "category": category,
        "point": point_wkb,
        "perimeter": [envelope_wkb[h] if h >= 0 else outside_wkb for h in home],
        "acknowledger": rng.random(n) < 0.5,
    }


def _copy(conn, table: str, columns: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    with conn.connection.driver_connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        cp.write(buf.getvalue())


def insert_alerts(
    engine: Engine,
    commune: Commune,
    n: int,
    start: datetime,
    end: datetime,
    *,
    seed: int = 4,
    links: bool = True,
    staff: tuple[int, int] | None = None,
    first_id: int = 1,
) -> dict:
    """Bulk-insert ``n`` alerts of ``commune`` created in ``[start, end)``, ids from ``first_id``; returns the
    generated columns (``x``, ``y``, ``status``…) as truth.

    ``links``: also their home sector (``alert_sectors``) and history (``alert_events``: submit, publish,
    acknowledge by the mairie or the gendarmerie member ids given in ``staff``, close).
    """
    postgres = is_postgis(engine)
    r = alert_rows(commune, n, start, end, seed, postgres)
    o = first_id
    texts = [f"Alerte synthétique n°{i}, vue près du chemin, signalée pour information." for i in range(n)]
    rows = (
        (
            i + o, commune.id, commune.set_id, None, r["category"][i], r["status"][i], texts[i], "ok", "[]",
            r["point"][i], float(r["x"][i]), float(r["y"][i]), "", "cell", "", r["point"][i],
            float(r["lon"][i]), float(r["lat"][i]), r["perimeter"][i], "auto", "", "", "", "",
            r["created"][i], r["published"][i], r["closed"][i],
        )
        for i in range(n)
    )  # fmt: skip
    sector_rows = (
        (i + o, commune.sectors[h][1], commune.id, commune.sectors[h][0], True if postgres else 1)
        for i, h in enumerate(r["home"].tolist())
        if h >= 0
    )

    def events():  # type: ignore[no-untyped-def]  # noqa: ANN202
        mairie, gendarmerie = staff or (None, None)
        for i in range(n):
            yield (i + o, commune.id, "submit", None, r["created"][i], None, "submitted", "")
            st = r["status"][i]
            if r["published"][i] is not None:
                yield (i + o, commune.id, "publish", None, r["published"][i], "submitted", "published", "")
            elif st in ("rejected", "pending"):
                yield (i + o, commune.id, "hold", None, r["created"][i], "submitted", "pending", "")
            if r["ack"][i] is not None:
                who, role = (gendarmerie, "gendarmerie") if r["acknowledger"][i] else (mairie, "mairie_agent")
                yield (i + o, commune.id, "acknowledge", who, r["ack"][i], "published", "acknowledged", role)
            if r["closed"][i] is not None:
                who = gendarmerie if r["acknowledger"][i] else mairie
                yield (i + o, commune.id, "close", who, r["closed"][i], "acknowledged", "closed", "Retour donné.")

    event_columns = ("alert_id", "commune_id", "move", "actor_id", "at", "from_status", "to_status", "detail")
    sector_columns = ("alert_id", "sector_code", "commune_id", "sector_id", "home")
    with engine.begin() as conn:
        if postgres:
            # Committed synchronously, as production's role does (voisinage db init): with the throwaway
            # cluster's synchronous_commit = off, the VACUUM below may find the commit not yet flushed and
            # leave pages not all-visible (between 3 % and 73 % of them marked, from run to run), so that
            # the heat binning read the heap or the covering index at random.
            conn.execute(text("SET LOCAL synchronous_commit = on"))
            _copy(conn, "alerts", ALERT_COLUMNS, rows)
            if links:
                _copy(conn, "alert_sectors", sector_columns, sector_rows)
                _copy(conn, "alert_events", event_columns, events())
            conn.execute(text("SELECT setval(pg_get_serial_sequence('alerts', 'id'), (SELECT max(id) FROM alerts))"))
        else:
            marks = ", ".join("?" * len(ALERT_COLUMNS))
            conn.exec_driver_sql(f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({marks})", list(rows))
            if links:
                conn.exec_driver_sql(
                    f"INSERT INTO alert_sectors ({', '.join(sector_columns)}) VALUES (?, ?, ?, ?, ?)",
                    list(sector_rows),
                )
                conn.exec_driver_sql(
                    f"INSERT INTO alert_events ({', '.join(event_columns)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    list(events()),
                )
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("alerts", "alert_sectors", "alert_events"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    return r


def insert_members(engine: Engine, commune: Commune, per_sector: int = 40, seed: int = 2) -> tuple[int, int]:
    """Verified residents in each sector (some pending), a referent for most sectors, a mairie agent and a
    gendarmerie account; returns the (mairie, gendarmerie) member ids."""
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    assignments = []
    for j, (_sid, code, _g) in enumerate(commune.sectors):
        for _ in range(int(rng.integers(per_sector // 2, per_sector))):
            k += 1
            rows.append((f"m{k}@bench.fr", "resident", "verified" if rng.random() > 0.1 else "pending", code))
        if j % 4 != 3:
            k += 1
            rows.append((f"m{k}@bench.fr", "referent", "verified", code))
            assignments.append((f"m{k}@bench.fr", code))
    rows += [("mairie@bench.fr", "mairie_agent", "verified", None), ("gend@bench.fr", "gendarmerie", "verified", None)]  # type: ignore[list-item]
    with transaction(engine) as session:
        for email, role, status, code in rows:
            session.execute(
                text(
                    "INSERT INTO members (commune_id, email, name, role, status, sector_code, registered_via, "
                    "totp_enabled, address_label, created_at, updated_at) VALUES (:c, :e, 'Membre', :r, :s, :code, "
                    "'operator', :f, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"c": commune.id, "e": email, "r": role, "s": status, "code": code, "f": False},
            )
        ids = dict(  # type: ignore[var-annotated]
            session.execute(text("SELECT email, id FROM members WHERE commune_id = :c"), {"c": commune.id}).all()
        )
        for email, code in assignments:
            session.execute(
                text(
                    "INSERT INTO referent_assignments (commune_id, member_id, sector_code, assigned_at) "
                    "VALUES (:c, :m, :code, CURRENT_TIMESTAMP)"
                ),
                {"c": commune.id, "m": ids[email], "code": code},
            )
    return ids["mairie@bench.fr"], ids["gend@bench.fr"]


def insert_addresses(engine: Engine, commune: Commune, n: int = 3_000, seed: int = 3) -> None:
    """``n`` numbered BAN addresses inside the commune (the households proxy of the statistics)."""
    lon, lat = points_inside(commune.boundary, n, seed)
    with transaction(engine) as session:
        import_id = session.execute(
            text("INSERT INTO address_imports (source, rows, inserted, updated, imported_at) "
                 "VALUES ('bench', :n, :n, 0, CURRENT_TIMESTAMP) RETURNING id"),
            {"n": n},
        ).scalar_one()  # fmt: skip
        session.execute(
            text(
                "INSERT INTO addresses (ban_id, insee, numero, rep, nom_voie, nom_ld, code_postal, nom_commune, "
                "lon, lat, certified, import_id) VALUES (:b, :i, :num, '', 'Rue du Banc', '', '91850', "
                "'Bouray-sur-Juine', :lon, :lat, :cert, :imp)"
            ),
            [
                {
                    "b": f"91095_b_{k:06d}",
                    "i": INSEE,
                    "num": k % 200 + 1,
                    "lon": float(a),
                    "lat": float(b),
                    "cert": False,
                    "imp": import_id,
                }
                for k, (a, b) in enumerate(zip(lon, lat, strict=True))
            ],
        )

"""Storage of the BAN addresses: bulk import (upsert on the BAN id), geocoding indexes, reverse geocoding.

The import runs in one transaction: a malformed file leaves the base untouched. Rows are upserted on the
BAN ``id`` (re-importing updates, never duplicates): ``INSERT … ON CONFLICT`` on SQLite, ``COPY`` into a
staging table then ``INSERT … ON CONFLICT`` on PostgreSQL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from gis import AddressIndex, GeocodeResult, InputError, check_query, count_data_lines, distance_m, read_ban_chunks
from gis._ban import OUTPUT_COLUMNS as BAN_OUTPUT_COLUMNS
from store._engine import is_postgis, transaction
from store._rls import bind_platform
from store._schema_addresses import Address, AddressImport

COLUMNS = (*BAN_OUTPUT_COLUMNS, "import_id")
_UPDATED = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "ban_id")
_SQLITE_UPSERT = (
    f"INSERT INTO addresses ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
    f"ON CONFLICT (ban_id) DO UPDATE SET {_UPDATED}"
)
_PG_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS ban_stage (ban_id text, insee text, numero integer, rep text, nom_voie text, "
    "nom_ld text, code_postal text, nom_commune text, lon double precision, lat double precision, "
    "certified boolean, import_id integer) ON COMMIT DROP"
)
_PG_UPSERT = (
    f"INSERT INTO addresses ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM ban_stage "
    f"ON CONFLICT (ban_id) DO UPDATE SET {_UPDATED}"
)


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    import_id: int
    rows: int
    inserted: int
    updated: int
    communes: tuple[str, ...]


def _rows(frame: pd.DataFrame, import_id: int) -> list[tuple[object, ...]]:
    columns = [frame[c].tolist() for c in COLUMNS[:-1]]
    columns[COLUMNS.index("certified")] = [bool(v) for v in columns[COLUMNS.index("certified")]]
    return list(zip(*columns, [import_id] * len(frame), strict=True))


def _upsert_sqlite(session: Session, rows: list[tuple[object, ...]]) -> None:
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(_SQLITE_UPSERT, rows)
    cursor.close()


def _upsert_postgres(session: Session, rows: list[tuple[object, ...]]) -> None:
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_PG_STAGE)
        cursor.execute("TRUNCATE ban_stage")
        with cursor.copy(f"COPY ban_stage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_PG_UPSERT)


def import_ban(
    engine: Engine, path: str | Path, *, progress: bool = False, chunk_rows: int = 50_000, source: str = ""
) -> ImportReport:
    """Import (or re-import) a BAN CSV file; all of it or nothing.

    Parameters
    ----------
    engine
        The database.
    path
        The official BAN CSV (23 columns separated by ``;``).
    progress
        Show a tqdm progress bar on stderr.
    chunk_rows
        Rows read, checked and written at a time.
    source
        Where the file comes from (kept with the import); default: the file name.

    Raises
    ------
    InputError
        The file is malformed (nothing is stored).
    """
    path = Path(path)
    total = count_data_lines(path) if progress and path.is_file() else None
    upsert = _upsert_postgres if is_postgis(engine) else _upsert_sqlite
    communes: set[str] = set()
    rows_read = 0
    with transaction(engine) as session:
        bind_platform(session)  # BAN addresses span communes: written in the platform scope (PostGIS RLS)
        before = session.scalar(select(func.count()).select_from(Address)) or 0
        record = AddressImport(source=source or path.name, rows=0, inserted=0, updated=0)
        session.add(record)
        session.flush()
        bar = tqdm(
            total=total, unit=" adresses", desc="Import BAN", disable=None if progress else True, leave=True
        )  # quiet when not a terminal
        try:
            for frame in read_ban_chunks(path, chunk_rows=chunk_rows):
                frame = frame.drop_duplicates("ban_id", keep="last")
                upsert(session, _rows(frame, record.id))
                communes.update(frame["insee"].unique().tolist())
                rows_read += len(frame)
                bar.update(len(frame))
        finally:
            bar.close()
        if rows_read == 0:
            raise InputError(f"Le fichier {path.name} ne contient aucune adresse.")
        after = session.scalar(select(func.count()).select_from(Address)) or 0
        record.rows = rows_read
        record.inserted = after - before
        record.updated = rows_read - record.inserted
        report = ImportReport(record.id, rows_read, record.inserted, record.updated, tuple(sorted(communes)))
    return report


# ---------------------------------------------------------------------- geocoding indexes
_CACHE: dict[tuple[str, str], tuple[tuple[int, datetime | None], AddressIndex]] = {}
_LOCK = threading.Lock()


def clear_address_cache() -> None:
    """Forget every in-memory geocoding index (they are rebuilt on next use)."""
    with _LOCK:
        _CACHE.clear()


def _version(session: Session) -> tuple[int, datetime | None]:
    row = session.execute(
        select(AddressImport.id, AddressImport.imported_at).order_by(AddressImport.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, None)


def address_index(session: Session, insee: str) -> AddressIndex:
    """The in-memory geocoding index of commune ``insee``, rebuilt only after a new import."""
    bind = session.get_bind()
    key = (bind.url.render_as_string(hide_password=True), insee)  # type: ignore[union-attr]
    version = _version(session)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = session.execute(
        select(
            Address.ban_id,
            Address.numero,
            Address.rep,
            Address.nom_voie,
            Address.nom_ld,
            Address.code_postal,
            Address.nom_commune,
            Address.lon,
            Address.lat,
        )
        .where(Address.insee == insee)
        .order_by(Address.id)
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9)]  # type: ignore[misc]
    index = AddressIndex(
        insee=insee,
        ban_ids=columns[0],
        numeros=columns[1],
        reps=columns[2],
        streets=[voie or ld for voie, ld in zip(columns[3], columns[4], strict=True)],
        postcodes=columns[5],
        cities=columns[6],
        lons=columns[7],
        lats=columns[8],
    )
    with _LOCK:
        _CACHE[key] = (version, index)
    return index


def geocode(session: Session, insee: str, text: str, *, min_score: float = 0.6, limit: int = 1) -> list[GeocodeResult]:
    """Forward geocoding of ``text`` among the BAN addresses of commune ``insee`` (best first).

    Raises
    ------
    InputError
        Empty query, or no BAN address imported for this commune.
    """
    query = check_query(text)
    index = address_index(session, insee)
    if not len(index):
        raise InputError(
            f"Aucune adresse BAN n'est chargée pour la commune {insee} : importez le fichier BAN du département "
            "avec « voisinage addresses import FICHIER »."
        )
    return index.search(query, min_score=min_score, limit=limit)


def reverse_geocode(
    session: Session, insee: str, lon: float, lat: float, *, max_distance_m: float = 500.0
) -> GeocodeResult | None:
    """The BAN address of commune ``insee`` nearest to (lon, lat), within ``max_distance_m``; None if none.

    Searches a growing window on the (insee, lat) index, then measures exact distances.
    """
    half = 50.0
    while True:
        dlat = half / 111_320.0
        dlon = half / (111_320.0 * max(np.cos(np.radians(lat)), 0.01))
        rows = session.execute(
            select(Address).where(
                Address.insee == insee,
                Address.lat.between(lat - dlat, lat + dlat),
                Address.lon.between(lon - dlon, lon + dlon),
            )
        ).scalars()
        found = list(rows)
        if found or half >= max_distance_m:
            break
        half = min(half * 3, max_distance_m)
    if not found:
        return None
    d = distance_m(lon, lat, np.array([a.lon for a in found]), np.array([a.lat for a in found]))
    i = int(np.argmin(d))
    if d[i] > max_distance_m:  # type: ignore[index]
        return None
    a = found[i]
    return GeocodeResult(
        label=a.label,
        lon=a.lon,
        lat=a.lat,
        score=1.0,
        kind="housenumber" if a.numero is not None else "street",
        ban_id=a.ban_id,
        insee=a.insee,
        numero=a.numero,
        rep=a.rep,
        street=a.nom_voie or a.nom_ld,
        postcode=a.code_postal,
        city=a.nom_commune,
        distance_m=float(d[i]),  # type: ignore[index]
    )


@dataclass
class LocalGeocoder:
    """The :class:`gis.Geocoder` over the imported BAN addresses, reading through ``session``."""

    session: Session
    min_score: float = 0.6

    def search(self, text: str, *, insee: str | None = None, limit: int = 1) -> list[GeocodeResult]:
        if insee is None:
            raise InputError("Précisez la commune (code INSEE) pour chercher une adresse.")
        return geocode(self.session, insee, text, min_score=self.min_score, limit=limit)

    def reverse(self, lon: float, lat: float, *, insee: str | None = None) -> GeocodeResult | None:
        if insee is None:
            raise InputError("Précisez la commune (code INSEE) pour chercher l'adresse la plus proche.")
        return reverse_geocode(self.session, insee, lon, lat)

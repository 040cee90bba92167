"""The BAN address base: import a file, look an address up (through the geocoder the settings choose)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services._core import Actor, ServiceError, engine, unit_of_work


@dataclass(frozen=True)
class AddressImport:
    """What an import of a BAN file did."""

    rows: int
    inserted: int
    updated: int
    communes: tuple[str, ...]


@dataclass(frozen=True)
class AddressHit:
    """The best match of an address, and the active sector it falls in ('' when none)."""

    label: str
    lon: float
    lat: float
    score: float
    sector: str


@dataclass(frozen=True)
class AddressChoice:
    """One suggestion for an address being typed: the BAN label and its point (WGS84)."""

    label: str
    lon: float
    lat: float


def _checked(insee: str, text: str, *, commune_first: bool = True) -> tuple[str, str]:
    """The normalised INSEE code and address query (``field`` "commune" or "address" when malformed)."""
    from gis import InputError, check_insee, check_query

    checks = [("commune", check_insee, insee), ("address", check_query, text)]
    out: dict[str, str] = {}
    for field, check, value in checks if commune_first else checks[::-1]:
        try:
            out[field] = check(value)
        except InputError as exc:
            raise ServiceError(exc.message, exc.problems, field=field) from exc
    return out["commune"], out["address"]


# Fewer characters suggest nothing (a type-ahead starts with a number and a few letters of the street).
SUGGEST_MIN_CHARS = 3


def suggest(insee: str, text: str, *, limit: int = 8) -> list[AddressChoice]:
    """The addresses of commune ``insee`` matching what is being typed, best first (public: BAN addresses
    are open data; used by the sign-up form and « Signaler »), through the geocoder the settings choose.

    Returns an empty list for a query shorter than :data:`SUGGEST_MIN_CHARS` or with no match.

    Raises
    ------
    ServiceError
        ``field="address"``: a query too long, or no BAN address loaded for the commune;
        ``field="commune"``: a malformed code.
    """
    from gis import InputError
    from services._config import geocoder

    if len(" ".join((text or "").split())) < SUGGEST_MIN_CHARS:
        return []
    code, query = _checked(insee, text)
    with unit_of_work() as session:
        try:
            hits = geocoder(session).search(query, insee=code, limit=max(1, min(limit, 20)))
        except InputError as exc:
            raise ServiceError(exc.message, exc.problems, field="address") from exc
    return [AddressChoice(hit.label, hit.lon, hit.lat) for hit in hits]


def import_addresses(actor: Actor, file: Path, *, progress: bool = False) -> AddressImport:
    """Import (or update) the addresses of an official BAN CSV file; a malformed file is not imported at all.

    Needs ``IMPORT_ADDRESSES`` (the platform admin). ``progress`` shows a progress bar on stderr.
    """
    from community import Action, authorize, record
    from gis import InputError
    from store import bind_platform, import_ban

    with unit_of_work() as session:
        authorize(session, actor, Action.IMPORT_ADDRESSES)
    try:
        report = import_ban(engine(), file, progress=progress)
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field=exc.field or "file") from exc
    with unit_of_work() as session:
        bind_platform(session)  # a platform entry of the audit log (BAN addresses belong to no one commune)
        record(
            session,
            actor,
            "created",
            "address_import",
            report.import_id,
            rows=report.rows,
            inserted=report.inserted,
            updated=report.updated,
            communes=list(report.communes),
        )
    return AddressImport(report.rows, report.inserted, report.updated, tuple(report.communes))


def geocode(actor: Actor, insee: str, text: str) -> AddressHit:
    """The best match of ``text`` in commune ``insee`` (registered or not), with its active sector if any.

    Raises
    ------
    ServiceError
        ``field="address"``: an empty or overlong query, or no match; ``field="commune"``: a malformed code.
    """
    from community import locate_sector, record
    from sectors import registered_commune
    from services._config import geocoder
    from store import bind_commune, bind_platform

    code, query = _checked(insee, text, commune_first=False)
    with unit_of_work() as session:
        hits = geocoder(session).search(query, insee=code, limit=1)
        if not hits:
            raise ServiceError(
                f"Adresse introuvable dans la commune {code} : « {query} ». Vérifiez le numéro et la rue.",
                field="address",
            )
        hit = hits[0]
        registered = registered_commune(session, code)
        if registered is None:
            bind_platform(session)  # no commune's row is read: the look-up is a platform entry of the audit log
            sector = None
        else:
            bind_commune(session, registered.id)  # its sectors, and its audit log
            sector = locate_sector(session, registered, hit.lon, hit.lat)
        record(session, actor, "viewed", "geocode", code, commune_id=registered.id if registered is not None else None)
    return AddressHit(hit.label, hit.lon, hit.lat, hit.score, sector.name if sector else "")


__all__ = ["AddressChoice", "AddressHit", "AddressImport", "geocode", "import_addresses", "suggest"]

"""A commune whose every user-supplied text is an XSS payload, stored through the services (browser XSS tests).

The commune's name, its sectors' names, members' names, the commune's category labels, alert texts, an
absence's trusted neighbour and the charter all carry payloads of :mod:`xss_corpus`. The store's text
policy may refuse some (length, characters): they are counted, never silently dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import shapely
from xss_corpus import MARKDOWN, PAYLOADS

INSEE = "91999"
BOUNDARY = shapely.box(2.28, 48.50, 2.32, 48.53)
GRID = (16, -(-len(PAYLOADS) // 16))  # a sector per payload (the last cells: plain names)
PASSWORD = "Glycine-Orsay-2026"
# The resident whose own name is a payload (signs in like any member): the pages greet them by it.
PAYLOAD_RESIDENT = "xss-habitant@demo.voisinage.fr"
PENDING_EVERY = 6  # every sixth payload member stays pending (the verification queues list them)
HELD_EVERY = 8  # every eighth payload alert waits for moderation (the moderation queues list it)


@dataclass
class Tally:
    """How many payloads each field stored and refused (refusal messages kept for the report)."""

    stored: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)

    def refuse(self, kind: str, message: str) -> None:
        self.refused[kind] += 1
        self.reasons.append(f"{kind}: {message[:120]}")

    def as_json(self) -> str:
        return json.dumps({"stored": dict(self.stored), "refused": dict(self.refused)}, sort_keys=True)


def commune_name() -> str:
    """The commune's name: as many payloads as its 200 characters hold, after a Markdown link."""
    name = "Commune " + MARKDOWN[0]  # a title written in Markdown would show a link to elsewhere
    for payload in PAYLOADS:
        if len(name) + 1 + len(payload) <= 200:
            name += " " + payload
    return name


def _sector_file(folder: Path) -> Path:
    from data.synthetic import grid_sectors
    from gis import metric_crs

    grid = grid_sectors(BOUNDARY, metric_crs(INSEE), *GRID)
    grid["nom"] = [PAYLOADS[i] if i < len(PAYLOADS) else f"Secteur {i}" for i in range(len(grid))]
    path = folder / "secteurs-xss.geojson"
    gpd.GeoDataFrame(grid, crs=4326).to_file(path, driver="GeoJSON")
    return path


def build_xss_database(folder: Path) -> tuple[str, Tally]:
    """A demo database (demo accounts of every role) whose user texts are the payloads; its URL and the tally.

    Leaves the services' database chosen (:func:`services.use_database`) on the new database.
    """
    from alerts import set_commune_options
    from data.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts, create_demo_alerts
    from gis import InputError, write_vector_file
    from services import Actor, categories, engine, gendarmerie, use_database
    from services import alerts as alert_services
    from services import database as database_services
    from services.absences import declare
    from services.auth import member_actor
    from services.charter import publish
    from services.communes import add_commune
    from services.members import register, verify
    from services.sectors import import_sectors
    from store.schema import Role

    tally = Tally()
    url = f"sqlite:///{folder / 'xss.sqlite3'}"
    use_database(url)
    database_services.init()
    operator = Actor.operator("essai XSS")
    boundary_file = write_vector_file(
        gpd.GeoDataFrame({"insee": [INSEE]}, geometry=[BOUNDARY], crs=4326), folder / "commune.geojson"
    )
    add_commune(operator, INSEE, commune_name(), boundary_file)
    tally.stored["commune"] += 1
    imported = import_sectors(operator, INSEE, _sector_file(folder), name_field="nom", activate=True)
    tally.stored["sector"] = min(imported.sector_set.n_sectors, len(PAYLOADS))
    create_demo_accounts(url, INSEE)
    create_demo_alerts(url)

    # Category labels (by the mairie's admin): three defaults renamed, then one category of its own per payload.
    admin = member_actor(next(a for a in DEMO_ACCOUNTS if a.role == Role.MAIRIE_ADMIN).email)
    for code, payload in zip(("vehicule-suspect", "degradation", "demande-aide"), PAYLOADS[3:6], strict=True):
        categories.rename(admin, INSEE, code, payload)
    codes: list[str | None] = []
    for i, payload in enumerate(PAYLOADS):
        code = f"xss-{i}"
        try:
            categories.add(admin, INSEE, code=code, label=payload, family="securite")
        except InputError as exc:
            tally.refuse("category", exc.message)
            codes.append(None)
            continue
        tally.stored["category"] += 1
        codes.append(code)

    # Members named by the payloads (one per sector), most verified; each posts its payload as an alert.
    centres = [shapely.point_on_surface(g) for g in gpd.read_file(_sector_file(folder)).geometry]
    agent = member_actor(next(a for a in DEMO_ACCOUNTS if a.role == Role.MAIRIE_AGENT).email)
    emails = [PAYLOAD_RESIDENT if i == 0 else f"xss{i}@demo.voisinage.fr" for i in range(len(PAYLOADS))]
    verified: list[str] = []
    for i, payload in enumerate(PAYLOADS):
        point = centres[i % len(centres)]
        try:
            register(operator, INSEE, email=emails[i], name=payload, lon=point.x, lat=point.y, password=PASSWORD)
        except InputError as exc:
            tally.refuse("member", exc.message)
            continue
        tally.stored["member"] += 1
        if i % PENDING_EVERY != PENDING_EVERY - 1:
            verify(agent, INSEE, emails[i], method="courrier")
            verified.append(emails[i])
    # Every alert read first by a moderator (so that some wait in the moderation queues, the others approved).
    set_commune_options(engine(), INSEE, premoderation=True)
    for i, payload in enumerate(PAYLOADS):
        # A pending member may not post: its neighbour of the list posts its payload.
        author = member_actor(emails[i] if emails[i] in verified else verified[i % len(verified)])
        point = centres[i % len(centres)]
        try:
            posted = alert_services.post(
                author,
                category=codes[i] or "vehicule-suspect",
                text=payload,
                lon=point.x + 0.0003,
                lat=point.y,
                confirm_new=True,
            )
        except InputError as exc:
            tally.refuse("alert", exc.message)
            continue
        tally.stored["alert"] += 1
        if posted.status == "pending" and i % HELD_EVERY != 0:
            alert_services.moderate(agent, posted.alert_id, approve=True)

    # The demo resident's trusted neighbour away (a payload name on its « Absence » page), staff see the absence.
    resident = next(a for a in DEMO_ACCOUNTS if a.role == Role.RESIDENT)
    away = member_actor("xss1@demo.voisinage.fr")
    declare(away, date.today(), date.today() + timedelta(days=10), trusted_email=resident.email)
    try:
        publish(admin, INSEE, "Charte\n\n" + "\n\n".join(PAYLOADS[:40]))
        tally.stored["charter"] += 1
    except InputError as exc:
        tally.refuse("charter", exc.message)
    gendarmerie.open_access(admin, INSEE, reason=PAYLOADS[7])
    return url, tally

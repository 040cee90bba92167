"""Notifications: from publication to the mailbox, SMS throughput, the dispatcher's memory.

- An alert published in a sector of 1,000 members (e-mail on): the time from the start of ``post_alert``
  until each e-mail is accepted by a local SMTP server (aiosmtpd), with a dispatcher already running (woken by
  polling on SQLite, by LISTEN/NOTIFY on PostGIS); p50 / p95 / max over the 1,000 e-mails (target p95 <= 2 s).
  Baseline: the same 1,000 messages handed to the same server by a bare smtplib loop on one connection. Also the
  process's CPU time for both (posting, dispatching and the in-process SMTP server), steadier under load.
- 10,000 SMS through a local HTTP gateway (http.server): messages per second through the dispatcher (claim,
  send, mark). Baseline: bare httpx POSTs of the same bodies.
- The dispatcher's memory over 100,000 messages (staging switch: claim and mark only, no network): traced
  Python memory after each tenth, first and last tenth compared (flat means no growth with the count).
"""

from __future__ import annotations

import random
import smtplib
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import geopandas as gpd
import httpx
import shapely
from sqlalchemy import Engine, insert, select, text

import notify
from alerts import clear_caches, post_alert
from bench._harness import BenchContext, own_postgis_database, percentile
from community import Actor
from notify import Dispatcher, NotifyConfig
from notify._loopback import GatewaySink, SmtpSink
from notify._outbox import write
from sectors import import_sector_set, load_boundary, register_commune
from settings import PROJECT_ROOT
from store import bind_commune, make_engine, transaction, upgrade
from store.schema import Member, MemberStatus, Role

INSEE = "91095"
BOUNDARY = PROJECT_ROOT.parent / "shared" / "data" / "boundaries" / "bouray-sur-juine_91095_osm-relation-396777.geojson"


def _commune(engine: Engine, members: int) -> tuple[int, tuple[float, float]]:
    """One commune, one sector covering it, ``members`` verified residents and an author; returns the commune id
    and a point inside."""
    upgrade(engine)
    clear_caches()
    boundary = load_boundary(BOUNDARY, INSEE, max_mb=50)
    with transaction(engine) as s:
        commune = register_commune(s, INSEE, "Bouray-sur-Juine", boundary)
        sectors = gpd.GeoDataFrame({"code": ["S1"], "nom": ["Tout"]}, geometry=[boundary], crs=4326)
        import_sector_set(s, commune, sectors, name_field="nom", activate=True)
        rows = [
            {"commune_id": commune.id, "email": f"m{i:06d}@voisins.fr", "name": "m", "role": Role.RESIDENT,
             "status": MemberStatus.VERIFIED, "sector_code": "S1", "address_label": "", "registered_via": "web",
             "totp_enabled": False}
            for i in range(members + 1)
        ]  # fmt: skip
        for start in range(0, len(rows), 500):
            s.execute(insert(Member), rows[start : start + 500])
        point = shapely.point_on_surface(boundary)
        return commune.id, (float(point.x), float(point.y))


def _config(**kw: object) -> NotifyConfig:
    values: dict[str, object] = {"smtp_host": "127.0.0.1", "smtp_tls": "none", "poll_seconds": 0.05}
    return NotifyConfig(**(values | kw))  # type: ignore[arg-type]


def _publication_to_mailbox(ctx: BenchContext, engine: Engine, label: str) -> None:
    n = 200 if ctx.quick else 1000
    commune_id, (lon, lat) = _commune(engine, n)
    smtp = SmtpSink().start()
    accepted: list[float] = []
    smtp.on_message = lambda: accepted.append(time.perf_counter())
    config = _config(smtp_port=smtp.port)
    notify.configure(config)
    notify.register_hooks()
    with transaction(engine) as s:
        bind_commune(s, commune_id)
        author = Actor.of_member(s.scalar(select(Member).where(Member.email == "m000000@voisins.fr")))
    stop = threading.Event()
    runner = threading.Thread(target=Dispatcher(engine, config).run, args=(stop,), daemon=True)
    runner.start()
    time.sleep(0.5)
    cpu = time.process_time()
    start = time.perf_counter()
    post_alert(engine, author, category="vol", text="Vélo volé devant la mairie.", lon=lon, lat=lat)
    smtp.wait_for(n, timeout=120)
    cpu = time.process_time() - cpu  # every thread of the process: posting, dispatching, and the SMTP server
    stop.set()
    runner.join(10)
    lat_s = [t - start for t in accepted]
    if len(lat_s) < n:
        print(f"{label}: seulement {len(lat_s)} courriels sur {n} en 120 s")
        smtp.stop()
        return
    # Baseline: the bare SMTP client sending the same number of messages on one connection.
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        for i in range(n):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "a@b.fr", f"m{i}@voisins.fr", "x"
            msg.set_content("Vélo volé devant la mairie.")
            client.send_message(msg)
    bare = time.perf_counter() - t0
    bare_cpu = time.process_time() - cpu0
    smtp.stop()
    ctx.report(f"{label} : publication -> {n} courriels, p50", percentile(lat_s, 50), "s", higher_is_better=False)
    ctx.report(f"{label} : publication -> {n} courriels, p95", percentile(lat_s, 95), "s", baseline=bare,
               baseline_name="smtplib seul, même nombre", higher_is_better=False, target="<= 2 s")  # fmt: skip
    ctx.report(f"{label} : publication -> {n} courriels, max", max(lat_s), "s", higher_is_better=False)
    # CPU time is steadier than wall time on a loaded machine: the whole pipeline against the bare loop.
    ctx.report(f"{label} : publication -> {n} courriels, temps CPU", cpu, "s", baseline=bare_cpu,
               baseline_name="smtplib seul (CPU)", higher_is_better=False)  # fmt: skip


def _sms_rows(commune_id: int, n: int, offset: int, now: datetime, channel: str = "sms") -> list[dict]:
    return [
        {"dedup_key": f"bench:{offset + i}", "member_id": None, "channel": channel, "kind": "broadcast",
         "alert_id": None, "urgent": True, "recipient": f"+336{offset + i:08d}", "subject": "", "body": "Test SMS",
         "link": "", "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
         "sent_at": None}
        for i in range(n)
    ]  # fmt: skip


def _sms_throughput(ctx: BenchContext, engine: Engine, commune_id: int, label: str) -> None:
    n = 2000 if ctx.quick else 10_000
    gateway = GatewaySink().start()
    now = datetime.now(UTC)
    with transaction(engine) as s:
        write(s, commune_id, _sms_rows(commune_id, n, 0, now))
    config = _config(sms_gateway_url=gateway.url, sms_monthly_budget=10**9)
    dispatcher = Dispatcher(engine, config)
    t0 = time.perf_counter()
    report = dispatcher.run_once()
    elapsed = time.perf_counter() - t0
    with httpx.Client() as client:
        t1 = time.perf_counter()
        for i in range(min(n, 2000)):
            client.post(gateway.url, json={"to": f"+336{i:08d}", "text": "Test SMS"}, headers={"X-Api-Key": ""})
        bare = min(n, 2000) / (time.perf_counter() - t1)
    gateway.stop()
    ctx.report(f"{label} : {report.sent['sms']:,} SMS par la passerelle locale", report.sent["sms"] / elapsed,
               "SMS/s", baseline=bare, baseline_name="httpx seul")  # fmt: skip


def _memory(ctx: BenchContext, engine: Engine, commune_id: int, label: str) -> None:
    total = 20_000 if ctx.quick else 100_000
    step = total // 10
    dispatcher = Dispatcher(engine, _config(staging=True, batch=500))
    import logging

    logging.getLogger("voisinage.notify").setLevel(logging.WARNING)  # staging logs every message otherwise
    tracemalloc.start()
    samples = []
    for k in range(10):
        with transaction(engine) as s:
            write(s, commune_id, _sms_rows(commune_id, step, 10**7 + k * step, datetime.now(UTC), "email"))
        dispatcher.run_once()
        samples.append(tracemalloc.get_traced_memory()[0] / 1e6)
    tracemalloc.stop()
    ctx.report(f"{label} : mémoire du répartiteur après {step:,} messages", samples[0], "Mo")
    ctx.report(f"{label} : mémoire du répartiteur après {total:,} messages", samples[-1], "Mo",
               baseline=samples[0], baseline_name="après le premier dixième", higher_is_better=False)  # fmt: skip


def _backend(ctx: BenchContext, engine: Engine, label: str) -> None:
    _publication_to_mailbox(ctx, engine, label)
    with transaction(engine) as s:
        commune_id = s.execute(text("SELECT id FROM communes")).scalar_one()
    _sms_throughput(ctx, engine, commune_id, label)
    _memory(ctx, engine, commune_id, label)


def run(ctx: BenchContext) -> None:
    random.seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'notify.sqlite3'}")
        _backend(ctx, engine, "embarqué")
        engine.dispose()
    if not ctx.postgis_url:
        print("PostGIS : pas de base, mesure sautée")
        return
    engine = make_engine(own_postgis_database(ctx.postgis_url, "voisinage_bench_notify"))
    _backend(ctx, engine, "PostGIS")
    engine.dispose()

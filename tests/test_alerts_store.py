"""Alerts in the store, on both backends: posting, visibility by every read path, privacy, moderation,
idempotency, checks, retention. Real geometry: Bouray-sur-Juine cut into a 3 x 3 grid; Lardy next door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alerts_support import BOURAY, LARDY, T0, add_member, build_world, inner_point, who
from sqlalchemy import func, select, text

from alerts import (
    AlertConfig,
    AlertRefusedError,
    DuplicateSuspectedError,
    RateLimitError,
    alert_counts,
    anonymise_closed,
    appeal_alert,
    close_alert,
    feed,
    get_alert,
    moderate,
    post_alert,
    scoped,
    set_commune_options,
)
from gis import InputError
from store import bind_commune, is_postgis, transaction
from store.schema import (
    Alert,
    AlertEvent,
    Commune,
    GendarmerieAccessChange,
    Member,
)

CONFIG = AlertConfig()


@pytest.fixture
def world(app_engine, shared_file):
    """The alerts' world, written and read as the application's role on PostGIS (row-level security)."""
    return build_world(app_engine, shared_file)


def _post(world, email="alice@a.fr", sector="A1", insee=BOURAY, **kw):
    lon, lat = inner_point(world["geoms"][(insee, sector)])
    args = {"category": "vol", "text": "Vélo volé devant le portail cette nuit.", "lon": lon, "lat": lat}
    args.update(kw)
    return post_alert(
        world["engine"],
        who(world["engine"], email),
        now=kw.pop("now", T0),
        config=kw.pop("config", CONFIG),
        **{k: v for k, v in args.items() if k not in ("now", "config")},
    )


def _ids(world, email, **kw):
    return [a["id"] for a in feed(world["engine"], who(world["engine"], email), now=T0, **kw)]


def test_a_verified_residents_alert_is_published_to_its_sector_only(world) -> None:
    result = _post(world)
    assert result.created and result.status == "published" and result.sectors == ("A1",)
    assert _ids(world, "alice@a.fr") == [result.alert_id]
    assert _ids(world, "ref@a.fr") == [result.alert_id]  # referent of A1
    assert _ids(world, "mairie@a.fr") == [result.alert_id]
    assert _ids(world, "bob@a.fr") == []  # sector C3
    assert _ids(world, "lea@lardy.fr") == []  # another commune
    assert _ids(world, "susp@a.fr") == []  # suspended: receives nothing
    assert _ids(world, "gend@a.fr") == []  # gendarmerie access closed by default
    with pytest.raises(InputError, match="introuvable"):
        get_alert(world["engine"], who(world["engine"], "bob@a.fr"), result.alert_id, now=T0)


def test_gendarmerie_sees_the_commune_only_while_access_is_open(world) -> None:
    result = _post(world)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        s.add(GendarmerieAccessChange(commune_id=world["bouray_id"], is_open=True))
    shown = feed(world["engine"], who(world["engine"], "gend@a.fr"), now=T0)
    assert [a["id"] for a in shown] == [result.alert_id]
    assert shown[0]["location"]["kind"] == "exact"


def test_residents_never_receive_the_exact_point(world) -> None:
    lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])
    result = _post(world, email="alice@a.fr", lon=lon, lat=lat)
    # Another resident of A1 (alice's neighbour): make one, and read.
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        add_member(s, s.get(Commune, world["bouray_id"]), "dan@a.fr", sector="A1")
    seen = feed(world["engine"], who(world["engine"], "dan@a.fr"), now=T0)[0]
    assert seen["id"] == result.alert_id
    assert seen["location"]["kind"] in {"segment", "sector", "cell"}
    assert (seen["location"]["lon"], seen["location"]["lat"]) != (lon, lat)
    assert str(lon) not in str(seen) and str(lat) not in str(seen)
    for email in ("alice@a.fr", "ref@a.fr", "mairie@a.fr"):  # author, referent of A1, mairie
        loc = feed(world["engine"], who(world["engine"], email), now=T0)[0]["location"]
        assert loc["kind"] == "exact" and (loc["lon"], loc["lat"]) == pytest.approx((lon, lat))


def test_without_addresses_a_point_near_a_border_is_shown_as_its_sector_and_reaches_it_only(world) -> None:
    # Bouray has no BAN file here: the displayed location is the sector, and the perimeter follows from it.
    # Reaching A2 because the point lies 60 m from it would tell A2's residents where in A1 it is.
    from gis import transform_geom

    a1 = transform_geom(world["geoms"][(BOURAY, "A1")], 4326, 2154)
    a2 = transform_geom(world["geoms"][(BOURAY, "A2")], 4326, 2154)
    edge = a1.intersection(a2)
    mid = edge.interpolate(0.5, normalized=True)
    inner = a1.buffer(-60).boundary
    p = transform_geom(inner.interpolate(inner.project(mid)), 2154, 4326)
    result = _post(world, lon=p.x, lat=p.y)
    assert result.sectors == ("A1",)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        add_member(s, s.get(Commune, world["bouray_id"]), "eve@a.fr", sector="A2")
        add_member(s, s.get(Commune, world["bouray_id"]), "dan@a.fr", sector="A1")
    assert _ids(world, "eve@a.fr") == []
    shown = feed(world["engine"], who(world["engine"], "dan@a.fr"), now=T0)[0]
    assert shown["sectors"] == ["A1"] and shown["location"]["kind"] == "sector"
    assert shown["location"]["label"] == "Secteur A1"


def test_retry_with_the_same_key_never_creates_a_second_alert(world) -> None:
    first = _post(world, key="k-123")
    again = _post(world, key="k-123")
    assert again.alert_id == first.alert_id and not again.created
    with pytest.raises(InputError, match="clé d'idempotence a déjà servi"):
        _post(world, key="k-123", text="Autre chose : tags sur le mur de l'école.", category="degradation")
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        assert s.scalar(select(func.count()).select_from(Alert)) == 1


def test_refused_and_emergency_posts_store_nothing(world) -> None:
    with pytest.raises(AlertRefusedError, match="« AB-123-CD »"):
        _post(world, text="Voiture AB-123-CD qui tourne dans le quartier.", category="vehicule-suspect")
    with pytest.raises(AlertRefusedError, match="appelez le 17"):
        _post(world, text="Quelqu'un essaie d'ouvrir ma porte en ce moment !", category="cambriolage")
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        assert s.scalar(select(func.count()).select_from(Alert)) == 0


def test_unverified_member_goes_through_moderation_by_a_referent(world) -> None:
    pending = _post(world, email="claire@a.fr")
    assert pending.status == "pending"
    assert _ids(world, "alice@a.fr") == []
    assert _ids(world, "claire@a.fr") == [pending.alert_id]  # the author sees their own
    assert _ids(world, "ref@a.fr") == [pending.alert_id]  # the referent of A1, to moderate
    with pytest.raises(InputError, match="rôle"):
        moderate(world["engine"], pending.alert_id, who(world["engine"], "alice@a.fr"), approve=True, now=T0)
    shown = moderate(world["engine"], pending.alert_id, who(world["engine"], "ref@a.fr"), approve=True, now=T0)
    assert shown["status"] == "published"
    assert _ids(world, "alice@a.fr") == [pending.alert_id]
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        moves = s.scalars(select(AlertEvent.move).where(AlertEvent.alert_id == pending.alert_id)).all()
    assert moves == ["submit", "hold", "claim", "approve"]


def test_accusation_goes_to_moderation_and_rejection_can_be_appealed(world) -> None:
    held = _post(world, text="Je suis sûr que ce sont les jeunes de la cité qui ont volé le vélo.")
    assert held.status == "pending"
    rejected = moderate(
        world["engine"], held.alert_id, who(world["engine"], "mairie@a.fr"), reject="Accusation", now=T0
    )
    assert rejected["status"] == "rejected"
    appealed = appeal_alert(
        world["engine"], held.alert_id, who(world["engine"], "alice@a.fr"), "Je retire l'accusation.", now=T0
    )
    assert appealed["status"] == "appealed"


def test_commune_premoderation(world) -> None:
    set_commune_options(world["engine"], BOURAY, premoderation=True)
    assert _post(world).status == "pending"


def test_claims_show_who_holds_the_alert(world) -> None:
    held = _post(world, email="claire@a.fr")
    moderate(
        world["engine"], held.alert_id, who(world["engine"], "ref@a.fr"), edit_text="Vélo volé (texte revu).", now=T0
    )
    with pytest.raises(InputError, match="en cours de traitement par Ref"):
        moderate(
            world["engine"],
            held.alert_id,
            who(world["engine"], "mairie@a.fr"),
            approve=True,
            now=T0 + timedelta(minutes=1),
        )
    later = T0 + CONFIG.claim_ttl + timedelta(minutes=1)
    assert (
        moderate(world["engine"], held.alert_id, who(world["engine"], "mairie@a.fr"), approve=True, now=later)["status"]
        == "published"
    )
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        row = s.get(Alert, held.alert_id)
        assert row.original_text == "Vélo volé devant le portail cette nuit." and row.text == "Vélo volé (texte revu)."


def test_widening_to_named_sectors_and_the_whole_commune(world) -> None:
    result = _post(world)
    shown = moderate(world["engine"], result.alert_id, who(world["engine"], "mairie@a.fr"), widen_to=["C3"], now=T0)
    assert shown["sectors"] == ["A1", "C3"] and shown["scope"] == "widened"
    assert _ids(world, "bob@a.fr") == [result.alert_id]
    with pytest.raises(InputError, match="« Z9 »"):
        moderate(world["engine"], result.alert_id, who(world["engine"], "mairie@a.fr"), widen_to=["Z9"], now=T0)
    everything = moderate(
        world["engine"], result.alert_id, who(world["engine"], "mairie@a.fr"), widen_to=["commune"], now=T0
    )
    assert everything["scope"] == "commune" and len(everything["sectors"]) == 9


def test_rate_limit_and_duplicates(world) -> None:
    config = AlertConfig(rate_posts=3)  # the duplicate offer below counts as one
    first = _post(world, config=config)
    with pytest.raises(DuplicateSuspectedError, match="semblable") as info:
        _post(world, config=config, now=T0 + timedelta(minutes=10))
    assert info.value.duplicates[0].id == first.alert_id
    _post(world, config=config, confirm_new=True, now=T0 + timedelta(minutes=11))
    with pytest.raises(RateLimitError, match="limite"):
        _post(world, config=config, category="degradation", text="Tags sur le mur.", now=T0 + timedelta(minutes=12))


def test_the_rate_limit_counts_offers_whatever_the_actor_names(world) -> None:
    """The rate-limit rows travel with the viewer's query, filtered by the actor's member and commune: an actor
    naming no commune (the embedded base lets it read its member) is counted against its member's commune."""
    from dataclasses import replace

    config = AlertConfig(rate_posts=3)
    alice = who(world["engine"], "alice@a.fr")
    vague = replace(alice, commune_id=None)
    lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])
    args = {"category": "vol", "text": "Vélo volé devant le portail cette nuit.", "lon": lon, "lat": lat}
    if is_postgis(world["engine"]):  # row-level security: no member is visible before the commune is bound
        with pytest.raises(InputError, match="n'existe pas"):
            post_alert(world["engine"], vague, **args, config=config, now=T0)
        return
    first = post_alert(world["engine"], vague, **args, config=config, now=T0)
    with pytest.raises(DuplicateSuspectedError):
        post_alert(world["engine"], vague, **args, config=config, now=T0 + timedelta(minutes=10))
    post_alert(world["engine"], vague, **args, config=config, confirm_new=True, now=T0 + timedelta(minutes=11))
    with pytest.raises(RateLimitError, match="limite"):  # the post, the offer, the confirmed post: three
        post_alert(world["engine"], vague, **{**args, "category": "degradation"}, config=config,
                   now=T0 + timedelta(minutes=12))  # fmt: skip
    assert first.created


def test_suspended_and_unknown_members_cannot_post(world) -> None:
    with pytest.raises(InputError, match="suspendu"):
        _post(world, email="susp@a.fr")
    with pytest.raises(InputError, match="Aucun membre"):
        _post(world, email="nobody@a.fr")
    with pytest.raises(InputError, match="réservée"):
        _post(world, category="message-mairie", text="Réunion publique jeudi.")


def test_a_point_outside_the_commune_is_refused(world) -> None:
    lon, lat = inner_point(world["geoms"][(LARDY, "A1")])
    with pytest.raises(InputError, match="n'est dans aucun secteur"):
        _post(world, lon=lon, lat=lat)


def test_closed_alerts_are_anonymised_after_the_retention_period_counts_kept(world) -> None:
    result = _post(world, key="retry-1")
    close_alert(world["engine"], result.alert_id, who(world["engine"], "mairie@a.fr"), "Vélo retrouvé.", now=T0)
    before = alert_counts(world["engine"], BOURAY)
    assert anonymise_closed(world["engine"], BOURAY, months=12, now=T0 + timedelta(days=300)) == 0
    assert anonymise_closed(world["engine"], BOURAY, months=12, now=T0 + timedelta(days=370)) == 1
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        row = s.get(Alert, result.alert_id)
        assert row.text == "[alerte anonymisée]" and row.author_id is None and row.location is None
        assert row.feedback == "" and row.idempotency_key is None
        assert s.scalar(select(func.count()).where(AlertEvent.actor_id.is_not(None), AlertEvent.alert_id == row.id))
        assert alert_counts(world["engine"], BOURAY) == before == {("vol", "A1"): 1}


# ------------------------------------------------------------------ by any query path
def test_a_resident_of_a_never_reads_an_alert_of_b_by_any_query_path(world) -> None:
    """Many alerts everywhere; every read path for each resident returns only alerts of their sector."""
    posted: dict[int, set[str]] = {}
    t = T0
    for i, sector in enumerate(["A1", "A2", "B2", "C3", "A1", "C3", "B1", "C1", "A3"]):
        t += timedelta(minutes=1)
        r = _post(world, email="mairie@a.fr", sector=sector, category="message-mairie",
                  text=f"Information n°{i} de la mairie.", now=t)  # fmt: skip
        posted[r.alert_id] = set(r.sectors)
    posted[_post(world, email="lea@lardy.fr", insee=LARDY, now=t).alert_id] = {"lardy"}
    for email, sector in [("alice@a.fr", "A1"), ("bob@a.fr", "C3")]:
        seen = set(_ids(world, email, limit=500))
        paged = set(_ids(world, email, limit=1)) | set(_ids(world, email, limit=500, before_id=max(posted) + 1))
        assert seen == paged == {i for i, s in posted.items() if sector in s}
        for alert_id, where in posted.items():
            if sector not in where:
                with pytest.raises(InputError, match="introuvable"):
                    get_alert(world["engine"], who(world["engine"], email), alert_id, now=T0)
                with pytest.raises(InputError):
                    close_alert(world["engine"], alert_id, who(world["engine"], email), "fermé", now=T0)


def test_postgis_row_level_security_isolates_communes(postgis_owner_engine, postgis_app_engine, shared_file) -> None:
    """Row-level security exists on PostGIS only: this test runs there (never skipped on SQLite)."""
    world = build_world(postgis_owner_engine, shared_file)
    engine = postgis_app_engine  # the application's role: neither superuser nor owner
    assert is_postgis(engine)
    _post(world)
    _post(world, email="lea@lardy.fr", insee=LARDY)
    with scoped(engine, world["lardy_id"]) as s:
        # Even a raw query, with no filter at all, sees Lardy's alerts only.
        assert s.execute(text("SELECT count(*) FROM alerts")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM alert_sectors")).scalar() == 1
        assert set(s.execute(text("SELECT DISTINCT commune_id FROM alert_events")).scalars()) == {world["lardy_id"]}
        # Writing into another commune is refused by the policy's WITH CHECK.
        with pytest.raises(Exception, match="row-level security"), s.begin_nested():
            s.execute(text("UPDATE alerts SET commune_id = :b"), {"b": world["bouray_id"]})
    # Loading the acting member binds the transaction to their commune (through the scope look-up).
    from alerts import load_viewer

    with transaction(engine) as s:
        viewer = load_viewer(s, who(engine, "lea@lardy.fr"), T0, bind=True)
        assert s.execute(text("SELECT current_user")).scalar() != "voisinage_app"  # no role switch any more
        assert s.execute(text("SELECT current_setting('voisinage.commune_id')")).scalar() == str(viewer.commune_id)
        assert s.execute(text("SELECT count(*) FROM alerts")).scalar() == 1
    # Outside any commune binding, the application role sees nothing.
    with transaction(engine) as s:
        assert s.execute(text("SELECT count(*) FROM alerts")).scalar() == 0


def test_feed_branches_are_exactly_the_visibility_rule(world) -> None:
    """The feed's index-driven branches and the single visibility clause answer the same, for every role."""
    from alerts import feed_for, load_viewer, visibility_clause
    from alerts._access import bind_commune, bound_visibility

    t = T0
    for i, (email, sector) in enumerate(
        [("alice@a.fr", "A1"), ("claire@a.fr", "A1"), ("bob@a.fr", "C3"), ("ref@a.fr", "B2"), ("claire@a.fr", "C3")] * 2
    ):
        t += timedelta(hours=1)
        _post(world, email=email, sector=sector, text=f"Vélo n°{i} volé devant le portail.", now=t, confirm_new=True)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        s.add(GendarmerieAccessChange(commune_id=world["bouray_id"], is_open=True))
    emails = ["alice@a.fr", "bob@a.fr", "claire@a.fr", "ref@a.fr", "mairie@a.fr", "gend@a.fr", "susp@a.fr"]
    for email in [*emails, "lea@lardy.fr"]:
        with transaction(world["engine"]) as s:
            viewer = load_viewer(s, who(s, email), T0, bind=True)
            bind_commune(s, viewer.commune_id)
            by_clause = set(s.scalars(select(Alert.id).where(visibility_clause(viewer))))
            by_feed = {a["id"] for a in feed_for(s, viewer, limit=500)}
            bound = bound_visibility(viewer)
            by_bound = set(s.scalars(select(Alert.id).where(bound.clause), bound.params))
        assert by_feed == by_clause, email
        assert by_bound == by_clause, email  # the cached clause with its parameters says the same


def test_feed_branches_never_walk_the_whole_commune_on_sqlite(sqlite_engine, shared_file) -> None:
    """Each branch of the feed is driven by a narrow index: with no planner statistics (a fresh embedded
    database), SQLite once answered the author branch by walking every alert of the commune through
    ix_alerts_heat (commune, created_at) and sorting them, which made the feed 10-20 times slower."""
    from alerts import load_viewer
    from alerts._access import visible_id_branches

    engine = build_world(sqlite_engine, shared_file)["engine"]  # SQLite plans only: PostGIS has ANALYZE statistics
    for email in ("alice@a.fr", "ref@a.fr"):
        with transaction(engine) as s:
            viewer = load_viewer(s, who(s, email), T0, bind=True)
            for branch in visible_id_branches(viewer, 50):
                compiled = branch.compile(engine, compile_kwargs={"literal_binds": True})
                plan = " ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
                assert "ix_alerts_heat" not in plan and "SCAN alerts" not in plan, plan
                assert "INDEX ix_alerts_author_created (author_id=?)" in plan or "ix_alert_sectors_feed" in plan, plan


def test_reading_never_waits_for_a_writer_on_sqlite(sqlite_engine, shared_file) -> None:
    """The feed and one alert are reads: while another connection holds SQLite's write lock (a long import),
    they answer at once instead of queueing for the lock (and failing after the busy timeout)."""
    import sqlite3

    world = build_world(sqlite_engine, shared_file)
    posted = _post(world)
    alice, mairie = who(sqlite_engine, "alice@a.fr"), who(sqlite_engine, "mairie@a.fr")  # signed in before
    writer = sqlite3.connect(sqlite_engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert [a["id"] for a in feed(sqlite_engine, alice, now=T0)] == [posted.alert_id]
        assert get_alert(sqlite_engine, mairie, posted.alert_id, now=T0)["id"] == posted.alert_id
    finally:
        writer.rollback()
        writer.close()


def test_concurrent_retries_with_one_key_create_one_alert(world) -> None:
    """Four clients send the same post at once (a retry storm): one alert, and every client gets its id."""
    from concurrent.futures import ThreadPoolExecutor

    lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])

    def send(_: int):
        return post_alert(
            world["engine"],
            who(world["engine"], "alice@a.fr"),
            category="vol",
            text="Vélo volé.",
            lon=lon,
            lat=lat,
            key="storm",
            now=T0,
        )

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, range(4)))
    assert len({r.alert_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        assert s.scalar(select(func.count()).select_from(Alert)) == 1


def test_rgpd_export_and_anonymise_a_members_alerts(world) -> None:
    from alerts import anonymise_member_alerts, export_member_alerts

    result = _post(world, key="mine")
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        alice = s.scalar(select(Member.id).where(Member.email == "alice@a.fr"))
        exported = export_member_alerts(s, alice)
        assert [a["id"] for a in exported] == [result.alert_id]
        assert exported[0]["lon"] is not None and exported[0]["sectors"] == ["A1"]
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        assert anonymise_member_alerts(s, alice) == 1
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        row = s.get(Alert, result.alert_id)
        assert row.author_id is None and row.location is None and row.idempotency_key is None
        assert export_member_alerts(s, alice) == []
    # The alert stays readable by the neighbours, at its displayed location.
    seen = feed(world["engine"], who(world["engine"], "ref@a.fr"), now=T0)
    assert [a["id"] for a in seen] == [result.alert_id] and seen[0]["location"]["kind"] != "exact"


def test_a_commune_adjusts_its_categories(world) -> None:
    from alerts import Family, set_category

    set_category(world["engine"], BOURAY, "demarchage-frauduleux", enabled=False)
    cats = set_category(world["engine"], BOURAY, "nuisances", label="Nuisances sonores", family=Family.SECURITY)
    assert "demarchage-frauduleux" not in [c.code for c in cats] and cats[-1].code == "nuisances"
    with pytest.raises(InputError, match="Catégorie inconnue"):
        _post(world, category="demarchage-frauduleux", text="Faux plombier ce matin.")
    assert _post(world, category="Nuisances sonores", text="Moto très bruyante la nuit.").status == "published"
    with pytest.raises(InputError, match="libellé"):
        set_category(world["engine"], BOURAY, "autre")
    with pytest.raises(InputError):
        set_category(world["engine"], BOURAY, "Mauvais Code", label="x", family=Family.SECURITY)
    # Lardy keeps the defaults.
    assert _post(world, email="lea@lardy.fr", insee=LARDY, category="demarchage-frauduleux",
                 text="Faux plombier ce matin.").created  # fmt: skip


def test_moderators_see_who_holds_an_alert(world) -> None:
    from datetime import UTC, datetime

    held = _post(world, email="claire@a.fr")
    now = datetime.now(UTC)
    moderate(world["engine"], held.alert_id, who(world["engine"], "ref@a.fr"), edit_text="Vélo volé (revu).", now=now)
    seen = {a["id"]: a for a in feed(world["engine"], who(world["engine"], "mairie@a.fr"), now=now)}
    assert seen[held.alert_id]["held_by"]["name"] == "Ref"
    assert (
        "held_by" not in feed(world["engine"], who(world["engine"], "claire@a.fr"), now=now)[0]
    )  # the author is no moderator


def test_deleting_an_account_anonymises_its_alerts_and_export_lists_them(world) -> None:
    from alerts import register_rgpd_hooks
    from community import Actor, delete_account, export_member_data

    register_rgpd_hooks()  # another test may have replaced them with stand-ins
    result = _post(world)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        alice = s.scalar(select(Member).where(Member.email == "alice@a.fr"))
        data = export_member_data(s, Actor.of_member(alice), alice)
        assert [a["id"] for a in data["alerts"]] == [result.alert_id]
        counts = delete_account(s, Actor.operator(), alice)
        assert counts["alerts"] == 1
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: the app role sees a commune once bound
        row = s.get(Alert, result.alert_id)
        assert row.author_id is None and row.location is None

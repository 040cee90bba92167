"""Sign-up, sector placement, verification, referents, sanctions, gendarmerie access — on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from members_support import (
    BAN_FILE,
    CHARTER_TEXT,
    GOOD_PASSWORD,
    add_resident,
    add_staff,
    bind_world,
    build_world,
    world_actor,
    world_member,
)
from sqlalchemy import func, select

from community import (
    Actor,
    PermissionDeniedError,
    WeakPasswordError,
    accept_charter,
    assign_referent,
    can_post,
    can_receive,
    charter_to_accept,
    display_status,
    end_referent,
    exclude,
    gendarmerie_access_history,
    gendarmerie_access_open,
    get_commune,
    lift,
    list_members,
    publish_charter,
    recipients,
    referents_of,
    refuse_member,
    register_member,
    sectors_without_referent,
    set_gendarmerie_access,
    suspend,
    verify_member,
    warn,
)
from gis import InputError
from store import transaction
from store.schema import AuditEntry, CharterAcceptance, Member, MemberStatus, Role, Sanction, utcnow

pytestmark = pytest.mark.shared_data


@pytest.fixture
def world(engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    return engine


_member, _actor = world_member, world_actor


def _count_members(engine) -> int:
    with transaction(engine) as session:
        bind_world(session)
        return session.scalar(select(func.count()).select_from(Member))


# ---------------------------------------------------------------------- sign-up
def test_sign_up_places_member_in_its_sector_pending(world):
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        west = register_member(
            session,
            None,
            commune,
            email="Alice@Example.fr",
            name="Alice",
            password=GOOD_PASSWORD,
            address="32 r. gerard",
            charter_version=1,
        ).member
        east = register_member(
            session,
            None,
            commune,
            email="bob@example.fr",
            name="Bob",
            password=GOOD_PASSWORD,
            address="6 rue du pere guerin 75013 paris",
            charter_version=1,
        ).member
        assert west.email == "alice@example.fr"
        assert (west.sector_code, east.sector_code) == ("S1", "S2")
        assert west.address_label == "32 Rue Gérard 75013 Paris 13e Arrondissement"
        assert west.address_ban_id == "75113_4162_00032"
        assert west.status == MemberStatus.PENDING and not can_post(west) and not can_receive(west)
        assert west.password_hash.startswith("$argon2id$")
        accepted = session.scalars(select(CharterAcceptance).where(CharterAcceptance.member_id == west.id)).all()
        assert [a.channel for a in accepted] == ["web"]
        entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "member")).all()
        assert [(e.action, e.object_id, e.commune_id) for e in entries] == [
            ("created", str(west.id), commune.id),
            ("created", str(east.id), commune.id),
        ]
        assert "alice" not in " ".join(e.details for e in entries)  # no personal data in the log


@pytest.mark.parametrize(
    ("changes", "message", "error"),
    [
        ({"charter_version": None}, "acceptez la charte", InputError),
        ({"charter_version": 2}, "acceptez la charte", InputError),
        ({"address": "12 avenue des Champs-Élysées"}, "Adresse introuvable", InputError),
        ({"address": None, "lon": 2.2945, "lat": 48.8584}, "n'est pas dans la commune de Paris 13e", InputError),
        ({"password": "motdepasse"}, "trop faible", WeakPasswordError),
        ({"password": "Alice-Martin-2026!!"}, "votre nom", WeakPasswordError),
        ({"email": "pas-une-adresse"}, "e-mail invalide", InputError),
        ({"name": "  "}, "Indiquez un nom", InputError),
        ({"address": None}, "adresse du domicile", InputError),
    ],
)
def test_bad_sign_up_is_refused_and_nothing_stored(world, changes, message, error):
    fields = {
        "email": "alice@example.fr",
        "name": "Alice Martin",
        "password": GOOD_PASSWORD,
        "address": "32 rue Gérard",
        "charter_version": 1,
        **changes,
    }
    with pytest.raises(error, match=message), transaction(world) as session:
        register_member(session, None, get_commune(session, "75113"), **fields)
    assert _count_members(world) == 0


def test_duplicate_email_is_refused(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    with pytest.raises(InputError, match="déjà utilisée"), transaction(world) as session:
        register_member(
            session,
            None,
            get_commune(session, "75113"),
            email=" ALICE@example.fr ",
            name="Autre",
            password=GOOD_PASSWORD,
            address="33 rue Gérard",
            charter_version=1,
        )
    assert _count_members(world) == 1


def test_address_of_the_ban_outside_the_commune_boundary(engine, shared_file):
    """The BAN knows the address, but the registered boundary does not cover it."""
    from members_support import add_commune, ban_rows, hull_boundary
    from shapely.geometry import MultiPolygon, box

    from store import import_ban

    path = shared_file(BAN_FILE)
    import_ban(engine, path)
    rows = ban_rows(path)
    gerard = rows[rows["nom_voie"] == "Rue Gérard"]
    west = box(gerard["lon"].astype(float).min() - 1e-4, 48.8, gerard["lon"].astype(float).max() + 1e-5, 48.9)
    boundary = MultiPolygon([hull_boundary(path).geoms[0].intersection(west)])
    with transaction(engine) as session:
        commune = add_commune(session, "75113", "Paris 13e Arrondissement", boundary)
        publish_charter(session, Actor.operator(), commune.id, CHARTER_TEXT)
    with (
        pytest.raises(InputError, match="Cette adresse n'est pas dans la commune de Paris 13e"),
        transaction(engine) as session,
    ):
        register_member(
            session,
            None,
            get_commune(session, "75113"),
            email="c@example.fr",
            name="C",
            password=GOOD_PASSWORD,
            address="6 rue du Père Guérin",
            charter_version=1,
        )
    assert _count_members(engine) == 0


def test_new_charter_version_asks_for_acceptance_again(world):
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    with transaction(world) as session:
        member = _member(session, member_id)
        assert charter_to_accept(session, member) is None
        publish_charter(
            session, Actor.operator(), member.commune_id, CHARTER_TEXT + " Version 2 : soyez bienveillants."
        )
        pending = charter_to_accept(session, member)
        assert pending is not None and pending.version == 2
        with pytest.raises(InputError, match="version 2"):
            accept_charter(session, member, 1)
        accept_charter(session, member, 2)
        assert charter_to_accept(session, member) is None


# ---------------------------------------------------------------------- verification
def test_referent_of_the_sector_or_mairie_agent_verifies(world):
    referent_id = add_resident(world, "ref@example.fr", "33 rue Gérard")
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    west_id = add_resident(world, "west@example.fr", "34 rue Gérard", verified=False)
    east_id = add_resident(world, "east@example.fr", "6 rue du Père Guérin", verified=False)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        assign_referent(session, Actor.operator(), commune, "Secteur 1", _member(session, referent_id))
    with transaction(world) as session:
        referent = _actor(session, referent_id)
        assert referent.referent_sectors == {"S1"}
        with pytest.raises(PermissionDeniedError):
            verify_member(session, referent, _member(session, east_id), method="document")
        now = utcnow()
        west = verify_member(session, referent, _member(session, west_id), method="visite", note="vu le 12", now=now)
        assert (west.status, west.verified_by_id, west.verification_method) == ("verified", referent_id, "visite")
        assert west.verified_at == now and can_post(west, now)
        east = verify_member(session, _actor(session, agent_id), _member(session, east_id), method="document")
        assert east.verified_by_id == agent_id
        with pytest.raises(InputError, match="pas en attente"):
            verify_member(session, _actor(session, agent_id), east, method="document")
        with pytest.raises(InputError, match="Méthode de vérification inconnue"):
            verify_member(session, _actor(session, agent_id), east, method="intuition")


def test_refusal_needs_a_reason(world):
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    member_id = add_resident(world, "west@example.fr", "34 rue Gérard", verified=False)
    with transaction(world) as session:
        agent, member = _actor(session, agent_id), _member(session, member_id)
        with pytest.raises(InputError, match="motif du refus"):
            refuse_member(session, agent, member, reason=" ")
        refuse_member(session, agent, member, reason="Justificatif illisible")
        assert (member.status, member.refusal_reason, member.refused_by_id) == (
            "refused",
            "Justificatif illisible",
            agent_id,
        )


def test_mairie_agent_registers_a_paper_sign_up(world):
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    resident_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        with pytest.raises(PermissionDeniedError):
            register_member(
                session,
                _actor(session, resident_id),
                commune,
                email="x@example.fr",
                name="X",
                address="35 rue Gérard",
                channel="paper",
            )
        reg = register_member(
            session,
            _actor(session, agent_id),
            commune,
            email="paper@example.fr",
            name="Mme Papier",
            address="35 rue Gérard",
            channel="paper",
            verification_method="paper",
        )
        assert reg.invitation_token and reg.member.password_hash is None
        assert (reg.member.status, reg.member.verified_by_id, reg.member.sector_code) == ("verified", agent_id, "S1")
        assert charter_to_accept(session, reg.member) is None  # signed on paper
        with pytest.raises(PermissionDeniedError):  # an agent does not name other agents
            register_member(
                session,
                _actor(session, agent_id),
                commune,
                email="a2@example.fr",
                name="A2",
                role=Role.MAIRIE_AGENT,
                channel="operator",
            )


def test_list_members_is_scoped(world):
    referent_id = add_resident(world, "ref@example.fr", "33 rue Gérard")
    add_resident(world, "west@example.fr", "34 rue Gérard", verified=False)
    add_resident(world, "east@example.fr", "6 rue du Père Guérin", verified=False)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        assign_referent(session, Actor.operator(), commune, "S1", _member(session, referent_id))
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        everyone = [m.email for m in list_members(session, Actor.operator(), commune)]
        assert everyone == ["east@example.fr", "ref@example.fr", "west@example.fr"]
        mine = [m.email for m in list_members(session, _actor(session, referent_id), commune)]
        assert mine == ["ref@example.fr", "west@example.fr"]
        pending = list_members(session, Actor.operator(), commune, status=MemberStatus.PENDING)
        assert len(pending) == 2


# ---------------------------------------------------------------------- referents
def test_referent_places_are_enforced_and_empty_sectors_listed(world):
    ids = [add_resident(world, f"r{i}@example.fr", f"{32 + i} rue Gérard") for i in range(3)]
    pending_id = add_resident(world, "p@example.fr", "40 rue Gérard", verified=False)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        assert [s.code for s in sectors_without_referent(session, commune)] == ["S1", "S2"]
        op = Actor.operator()
        assign_referent(session, op, commune, "S1", _member(session, ids[0]))
        assign_referent(session, op, commune, "secteur 1", _member(session, ids[1]))
        with pytest.raises(InputError, match="maximum prévu"):
            assign_referent(session, op, commune, "S1", _member(session, ids[2]))
        with pytest.raises(InputError, match="adresse est vérifiée"):
            assign_referent(session, op, commune, "S2", _member(session, pending_id))
        with pytest.raises(InputError, match="Secteur inconnu"):
            assign_referent(session, op, commune, "Nord", _member(session, ids[2]))
        with pytest.raises(PermissionDeniedError):
            assign_referent(session, _actor(session, ids[0]), commune, "S2", _member(session, ids[2]))
        assert [s.code for s in sectors_without_referent(session, commune)] == ["S2"]
        assert [m.id for m in referents_of(session, commune, "S1")] == ids[:2]
        assert _member(session, ids[0]).role == Role.REFERENT
        end_referent(session, op, commune, "S1", _member(session, ids[0]))
        assert _member(session, ids[0]).role == Role.RESIDENT
        assign_referent(session, op, commune, "S1", _member(session, ids[2]))  # a place is free again


# ---------------------------------------------------------------------- sanctions
def test_suspension_stops_posting_and_receiving_until_its_end(world):
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    now = utcnow()
    with transaction(world) as session:
        agent, member = _actor(session, agent_id), _member(session, member_id)
        warn(session, agent, member, reason="Ton agressif", now=now)
        assert can_post(member, now) and can_receive(member, now)
        with pytest.raises(InputError, match="dans le futur"):
            suspend(session, agent, member, until=now - timedelta(days=1), reason="x", now=now)
        sanction = suspend(session, agent, member, until=now + timedelta(days=7), reason="Insultes", now=now)
    with transaction(world) as session:
        member = _member(session, member_id)
        assert not can_post(member, now + timedelta(days=1)) and not can_receive(member, now + timedelta(days=1))
        assert display_status(member, now + timedelta(days=1)) == "suspended"
        assert member_id not in [m.id for m in recipients(session, member.commune_id, {"S1"}, now=now)]
        assert can_post(member, now + timedelta(days=8)) and can_receive(member, now + timedelta(days=8))
        assert member_id in [m.id for m in recipients(session, member.commune_id, {"S1"}, now=now + timedelta(days=8))]
        lift(session, _actor(session, agent_id), session.get(Sanction, sanction.id), now=now + timedelta(days=2))
        assert can_post(member, now + timedelta(days=3))


def test_exclusion_is_for_admins_and_history_is_kept(world):
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    admin_id = add_staff(world, "admin@example.fr", Role.MAIRIE_ADMIN)
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    with transaction(world) as session:
        member = _member(session, member_id)
        warn(session, _actor(session, agent_id), member, reason="Premier avertissement")
        with pytest.raises(PermissionDeniedError):
            exclude(session, _actor(session, agent_id), member, reason="Récidive")
        exclude(session, _actor(session, admin_id), member, reason="Récidive")
        assert member.status == MemberStatus.EXCLUDED and not can_post(member) and not can_receive(member)
        with pytest.raises(InputError, match="déjà fermé"):
            warn(session, _actor(session, agent_id), member, reason="encore")
    with transaction(world) as session:
        kinds = [s.kind for s in _member(session, member_id).sanctions]
        assert kinds == ["warning", "exclusion"]


def test_referent_may_warn_only_in_its_sectors_and_may_not_suspend(world):
    referent_id = add_resident(world, "ref@example.fr", "33 rue Gérard")
    west_id = add_resident(world, "west@example.fr", "34 rue Gérard")
    east_id = add_resident(world, "east@example.fr", "6 rue du Père Guérin")
    with transaction(world) as session:
        assign_referent(session, Actor.operator(), get_commune(session, "75113"), "S1", _member(session, referent_id))
    with transaction(world) as session:
        referent = _actor(session, referent_id)
        warn(session, referent, _member(session, west_id), reason="Hors sujet")
        with pytest.raises(PermissionDeniedError):
            warn(session, referent, _member(session, east_id), reason="Hors sujet")
        with pytest.raises(PermissionDeniedError):
            suspend(session, referent, _member(session, west_id), until=utcnow() + timedelta(days=1), reason="x")


# ---------------------------------------------------------------------- gendarmerie
def test_gendarmerie_access_closed_by_default_and_every_change_logged(world):
    agent_id = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    admin_id = add_staff(world, "admin@example.fr", Role.MAIRIE_ADMIN)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        assert not gendarmerie_access_open(session, commune.id)
        with pytest.raises(PermissionDeniedError):
            set_gendarmerie_access(session, _actor(session, agent_id), commune, True)
        admin = _actor(session, admin_id)
        assert set_gendarmerie_access(session, admin, commune, True, reason="convention signée")
        assert gendarmerie_access_open(session, commune.id)
        assert not set_gendarmerie_access(session, admin, commune, True)  # already open: nothing recorded
        assert set_gendarmerie_access(session, admin, commune, False)
        assert not gendarmerie_access_open(session, commune.id)
        history = gendarmerie_access_history(session, commune.id)
        assert [(h.is_open, h.changed_by_id) for h in history] == [(True, admin_id), (False, admin_id)]
        logged = session.scalars(
            select(AuditEntry.actor_id).where(AuditEntry.object_type == "gendarmerie_access")
        ).all()
        assert logged == [admin_id, admin_id]


def test_members_follow_a_new_sector_set(world):
    import geopandas as gpd

    from community import relocate_members
    from sectors import import_sector_set

    west_id = add_resident(world, "west@example.fr", "34 rue Gérard")
    east_id = add_resident(world, "east@example.fr", "6 rue du Père Guérin")
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        whole = gpd.GeoDataFrame({"code": ["S1"], "nom": ["Secteur unique"]}, geometry=[commune.boundary], crs=4326)
        import_sector_set(session, commune, whole, activate=True)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        with pytest.raises(PermissionDeniedError):
            relocate_members(session, _actor(session, west_id), commune)
        assert relocate_members(session, Actor.operator(), commune) == 1
        assert (_member(session, west_id).sector_code, _member(session, east_id).sector_code) == ("S1", "S1")


def test_gendarmerie_sees_alerts_only_while_the_mairie_opens_access(world):
    from community import allowed, authorize
    from community._permissions import Action

    gendarme_id = add_staff(world, "gend@example.fr", Role.GENDARMERIE)
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        gendarme = _actor(session, gendarme_id)
        assert not allowed(session, gendarme, Action.VIEW_ALERTS, commune_id=commune.id)
        with pytest.raises(PermissionDeniedError):
            authorize(session, gendarme, Action.VIEW_ALERTS, commune_id=commune.id)
        set_gendarmerie_access(session, Actor.operator(), commune, True)
        assert allowed(session, gendarme, Action.VIEW_ALERTS, commune_id=commune.id)
        authorize(session, gendarme, Action.RECEIVE_ALERTS, commune_id=commune.id)
        assert not allowed(session, gendarme, Action.POST_ALERT, commune_id=commune.id)

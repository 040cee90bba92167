"""The demo accounts, one per role (listed on the sign-in page when ``demo_mode`` is on, never otherwise).

Staff accounts sign in with a TOTP code; their secrets are fixed here so the demo sign-in page can show the
current code. Light module: the server imports it for the sign-in page.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from store.schema import Role


@dataclass(frozen=True)
class DemoAccount:
    """One demo account: role, label shown, e-mail, password, TOTP secret (staff), home sector index."""

    role: Role
    role_label: str
    email: str
    name: str
    password: str
    totp_secret: str | None = None
    home: int | None = 0


_STAFF_SECRET = "JBSWY3DPEHPK3PXPVOISINAGEDEMO234"
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(Role.RESIDENT, "Habitant·e", "habitant@demo.voisinage.fr", "Camille", "Tilleul-Orsay-2026", home=0),
    DemoAccount(
        Role.RESIDENT,
        "Habitant·e (autre secteur)",
        "voisin@demo.voisinage.fr",
        "Dominique",
        "Platane-Orsay-2026",
        home=1,
    ),
    DemoAccount(
        Role.REFERENT, "Référent·e", "referent@demo.voisinage.fr", "Alix", "Chene-Orsay-2026", _STAFF_SECRET, home=0
    ),
    DemoAccount(
        Role.MAIRIE_AGENT, "Agent de mairie", "agent@demo.voisinage.fr", "Sacha", "Erable-Orsay-2026", _STAFF_SECRET
    ),
    DemoAccount(
        Role.MAIRIE_ADMIN, "Admin mairie", "admin@demo.voisinage.fr", "Morgan", "Bouleau-Orsay-2026", _STAFF_SECRET
    ),
    DemoAccount(
        Role.GENDARMERIE, "Gendarmerie", "gendarmerie@demo.voisinage.fr", "Lou", "Charme-Orsay-2026", _STAFF_SECRET
    ),
    DemoAccount(
        Role.RESIDENT,
        "Habitant·e (même secteur)",
        "voisine@demo.voisinage.fr",
        "Claude",
        "Noisetier-Orsay-2026",
        home=0,
    ),
)


def current_code(account: DemoAccount) -> str:
    """The account's TOTP code right now ('' for a resident)."""
    if not account.totp_secret:
        return ""
    import pyotp

    return pyotp.TOTP(account.totp_secret).now()


def create_demo_accounts(db_url: str, insee: str) -> None:
    """Create the demo accounts in the commune ``insee`` (verified; residents at their sector's centre; the
    commune's charter, when published, accepted)."""
    from community import Actor, accept_charter, assign_referent, current_charter, register_member, verify_member
    from community._placement import active_sectors, get_commune
    from store import make_engine, transaction
    from store.schema import Member

    operator = Actor.operator("démonstration")
    with transaction(make_engine(db_url)) as session:
        commune = get_commune(session, insee)
        sectors = active_sectors(session, commune)
        charter = current_charter(session, commune.id)
        for account in DEMO_ACCOUNTS:
            point = None
            if account.role in (Role.RESIDENT, Role.REFERENT) and sectors:
                point = shapely.point_on_surface(sectors[(account.home or 0) % len(sectors)].geom)
            role = Role.RESIDENT if account.role == Role.REFERENT else account.role
            member: Member = register_member(
                session,
                operator,
                commune,
                email=account.email,
                name=account.name,
                role=role,
                password=account.password,
                lon=point.x if point is not None else None,
                lat=point.y if point is not None else None,
                channel="operator",
            ).member
            if member.status != "verified":
                verify_member(session, operator, member, method="operator", note="démonstration")
            if account.role == Role.REFERENT:
                assign_referent(session, operator, commune, member.sector_code or "", member)
            if charter is not None:
                accept_charter(session, member, charter.version)
            if account.totp_secret:
                member.totp_secret = account.totp_secret
                member.totp_enabled = True


# (account index, category, text, offset from the author's home in degrees lon/lat, approved)
_DEMO_ALERTS: tuple[tuple[int, str, str, tuple[float, float], bool], ...] = (
    (
        0,
        "vehicule-suspect",
        "Camionnette blanche qui tourne lentement dans la rue depuis une heure.",
        (0.001, 0.0),
        True,
    ),
    (0, "demarchage-frauduleux", "Faux agents du gaz qui demandent à entrer chez les gens.", (-0.001, 0.0005), True),
    (2, "animal-perdu-trouve", "Chat tigré trouvé près de l'école, très sociable.", (0.0005, -0.0005), True),
    (1, "demande-aide", "Quelqu'un pourrait-il m'aider à porter des courses samedi matin ?", (0.0, 0.001), True),
    (1, "degradation", "Abribus cassé cette nuit, des éclats de verre sur le trottoir.", (0.001, 0.001), False),
    (3, "message-mairie", "Travaux de voirie lundi : circulation alternée toute la journée.", (0.0, 0.0), True),
)


def create_demo_alerts(db_url: str) -> int:
    """Post a few alerts of each family (security, solidarity, official); approve most; return how many."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from alerts import moderate, post_alert
    from community import Actor
    from store import make_engine, transaction
    from store.schema import Commune, Member

    def actor_of(email: str) -> Actor:
        with transaction(engine) as session:
            query = select(Member).options(selectinload(Member.referent_assignments)).where(Member.email == email)
            return Actor.of_member(session.scalars(query).one())

    engine = make_engine(db_url)
    moderator = actor_of(next(a for a in DEMO_ACCOUNTS if a.role == Role.MAIRIE_AGENT).email)
    posted = 0
    for index, category, text, (dx, dy), approved in _DEMO_ALERTS:
        author = DEMO_ACCOUNTS[index]
        with transaction(engine) as session:
            member = session.scalars(select(Member).where(Member.email == author.email)).one()
            if member.lon is not None and member.lat is not None:
                lon, lat = member.lon, member.lat
            else:
                commune = session.get_one(Commune, member.commune_id)
                inside = shapely.point_on_surface(commune.boundary)
                lon, lat = inside.x, inside.y
        poster = actor_of(author.email)
        result = post_alert(engine, poster, category=category, text=text, lon=lon + dx, lat=lat + dy)
        posted += 1
        if approved and result.status == "pending":
            moderate(engine, result.alert_id, moderator, approve=True)
    return posted

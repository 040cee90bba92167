"""The one permission matrix of Voisinage: which role may do which action, and over what scope.

Every check in the domain goes through :func:`can` / :func:`require`; nothing else decides who may do what.
A cell holds a :class:`Scope`: the action is allowed only on objects inside that scope (the actor's own
account, their sectors, their commune, any commune). Status rules come on top: an unverified account may
only act on itself, and the gendarmerie sees alerts only while the mairie keeps its access open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from gis import InputError
from store.schema import MemberStatus, Role


class Action(enum.StrEnum):
    # one's own account
    VIEW_OWN_DATA = "view_own_data"
    EXPORT_OWN_DATA = "export_own_data"
    DELETE_OWN_ACCOUNT = "delete_own_account"
    ACCEPT_CHARTER = "accept_charter"
    DECLARE_ABSENCE = "declare_absence"  # one's own holiday watch
    SET_OWN_CREDENTIALS = "set_own_credentials"  # password, second factor
    # alerts (the alerts domain decides every right with these)
    POST_ALERT = "post_alert"
    RECEIVE_ALERTS = "receive_alerts"
    VIEW_ALERTS = "view_alerts"
    MODERATE_ALERTS = "moderate_alerts"
    HANDLE_ALERTS = "handle_alerts"  # acknowledge and close any alert (the authorities)
    BROADCAST = "broadcast"  # official messages to the whole commune or chosen sectors
    # members
    LIST_MEMBERS = "list_members"
    VIEW_MEMBER = "view_member"
    REGISTER_MEMBER = "register_member"
    VERIFY_MEMBER = "verify_member"
    REFUSE_MEMBER = "refuse_member"
    WARN_MEMBER = "warn_member"
    SUSPEND_MEMBER = "suspend_member"
    EXCLUDE_MEMBER = "exclude_member"
    LIFT_SANCTION = "lift_sanction"
    RESET_SECOND_FACTOR = "reset_second_factor"
    EXPORT_MEMBER_DATA = "export_member_data"
    DELETE_MEMBER = "delete_member"
    # the commune's set-up
    ASSIGN_REFERENT = "assign_referent"
    NAME_STAFF = "name_staff"
    PUBLISH_CHARTER = "publish_charter"
    EDIT_SECTORS = "edit_sectors"
    SET_GENDARMERIE_ACCESS = "set_gendarmerie_access"
    EDIT_CATEGORIES = "edit_categories"  # the commune's alert categories: add, rename, deactivate
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_STATS = "view_stats"
    VIEW_ABSENCES = "view_absences"  # every declared absence of the commune (holiday watch)
    # the platform
    MANAGE_COMMUNES = "manage_communes"
    IMPORT_ADDRESSES = "import_addresses"


class Scope(enum.StrEnum):
    NONE = "none"
    SELF = "self"  # the actor's own account
    SECTORS = "sectors"  # the actor's home sector and the sectors they are referent of
    REFERENT_SECTORS = "referent_sectors"  # only the sectors they are referent of
    COMMUNE = "commune"  # the actor's commune
    ANY_COMMUNE = "any_commune"


A, S = Action, Scope
_OWN = {
    A.VIEW_OWN_DATA: S.SELF,
    A.EXPORT_OWN_DATA: S.SELF,
    A.DELETE_OWN_ACCOUNT: S.SELF,
    A.ACCEPT_CHARTER: S.SELF,
    A.SET_OWN_CREDENTIALS: S.SELF,
}
_AGENT = {
    **_OWN,
    A.POST_ALERT: S.COMMUNE,
    A.RECEIVE_ALERTS: S.COMMUNE,
    A.VIEW_ALERTS: S.COMMUNE,
    A.MODERATE_ALERTS: S.COMMUNE,
    A.HANDLE_ALERTS: S.COMMUNE,
    A.BROADCAST: S.COMMUNE,
    A.LIST_MEMBERS: S.COMMUNE,
    A.VIEW_MEMBER: S.COMMUNE,
    A.REGISTER_MEMBER: S.COMMUNE,
    A.VERIFY_MEMBER: S.COMMUNE,
    A.REFUSE_MEMBER: S.COMMUNE,
    A.WARN_MEMBER: S.COMMUNE,
    A.SUSPEND_MEMBER: S.COMMUNE,
    A.LIFT_SANCTION: S.COMMUNE,
    A.RESET_SECOND_FACTOR: S.COMMUNE,
    A.VIEW_STATS: S.COMMUNE,
    A.VIEW_ABSENCES: S.COMMUNE,
}
_COMMUNE_ADMIN = (
    A.EXCLUDE_MEMBER,
    A.EXPORT_MEMBER_DATA,
    A.DELETE_MEMBER,
    A.ASSIGN_REFERENT,
    A.NAME_STAFF,
    A.PUBLISH_CHARTER,
    A.EDIT_SECTORS,
    A.SET_GENDARMERIE_ACCESS,
    A.EDIT_CATEGORIES,
    A.VIEW_AUDIT_LOG,
)
# The platform operator runs the service for communes; data minimisation: it does not read or post alerts.
_PLATFORM = (
    A.LIST_MEMBERS,
    A.VIEW_MEMBER,
    A.REGISTER_MEMBER,
    A.VERIFY_MEMBER,
    A.REFUSE_MEMBER,
    A.WARN_MEMBER,
    A.SUSPEND_MEMBER,
    A.EXCLUDE_MEMBER,
    A.LIFT_SANCTION,
    A.RESET_SECOND_FACTOR,
    *_COMMUNE_ADMIN,
    A.VIEW_STATS,
    A.MANAGE_COMMUNES,
    A.IMPORT_ADDRESSES,
)

MATRIX: dict[Role, dict[Action, Scope]] = {
    Role.RESIDENT: {
        **_OWN,
        A.DECLARE_ABSENCE: S.SELF,
        A.POST_ALERT: S.COMMUNE,
        A.RECEIVE_ALERTS: S.SECTORS,
        A.VIEW_ALERTS: S.SECTORS,
    },
    Role.REFERENT: {
        **_OWN,
        A.DECLARE_ABSENCE: S.SELF,
        A.POST_ALERT: S.COMMUNE,
        A.RECEIVE_ALERTS: S.SECTORS,
        A.VIEW_ALERTS: S.SECTORS,
        A.MODERATE_ALERTS: S.REFERENT_SECTORS,
        A.LIST_MEMBERS: S.REFERENT_SECTORS,
        A.VIEW_MEMBER: S.REFERENT_SECTORS,
        A.VERIFY_MEMBER: S.REFERENT_SECTORS,
        A.REFUSE_MEMBER: S.REFERENT_SECTORS,
        A.WARN_MEMBER: S.REFERENT_SECTORS,
    },
    Role.MAIRIE_AGENT: dict(_AGENT),
    Role.MAIRIE_ADMIN: {**_AGENT, **dict.fromkeys(_COMMUNE_ADMIN, S.COMMUNE)},
    Role.GENDARMERIE: {
        **_OWN,
        A.RECEIVE_ALERTS: S.COMMUNE,
        A.VIEW_ALERTS: S.COMMUNE,
        A.HANDLE_ALERTS: S.COMMUNE,
        A.BROADCAST: S.COMMUNE,
        A.VIEW_STATS: S.COMMUNE,
        A.VIEW_ABSENCES: S.COMMUNE,
    },
    Role.PLATFORM_ADMIN: {
        A.VIEW_OWN_DATA: S.SELF,
        A.EXPORT_OWN_DATA: S.SELF,
        A.SET_OWN_CREDENTIALS: S.SELF,
        **dict.fromkeys(_PLATFORM, S.ANY_COMMUNE),
    },
}

# What an account whose address is not verified yet may do beyond its own account: a resident signed up on the
# web may already post, every post of theirs being held for moderation.
UNVERIFIED_ALLOWED: dict[Role, frozenset[Action]] = {Role.RESIDENT: frozenset({A.POST_ALERT})}

# What the gendarmerie may do only while the mairie keeps its access open.
GENDARMERIE_GATED = frozenset(
    {A.RECEIVE_ALERTS, A.VIEW_ALERTS, A.HANDLE_ALERTS, A.BROADCAST, A.VIEW_STATS, A.VIEW_ABSENCES}
)

ROLE_LABELS = {
    Role.RESIDENT: "habitant",
    Role.REFERENT: "référent",
    Role.MAIRIE_AGENT: "agent de mairie",
    Role.MAIRIE_ADMIN: "administrateur de mairie",
    Role.GENDARMERIE: "gendarmerie",
    Role.PLATFORM_ADMIN: "administrateur de la plateforme",
}
ACTION_LABELS = {
    A.VIEW_OWN_DATA: "consulter ses données",
    A.EXPORT_OWN_DATA: "exporter ses données",
    A.DELETE_OWN_ACCOUNT: "supprimer son compte",
    A.ACCEPT_CHARTER: "accepter la charte",
    A.DECLARE_ABSENCE: "signaler son absence",
    A.SET_OWN_CREDENTIALS: "changer son mot de passe ou sa double authentification",
    A.POST_ALERT: "publier une alerte",
    A.RECEIVE_ALERTS: "recevoir les alertes",
    A.VIEW_ALERTS: "consulter les alertes",
    A.MODERATE_ALERTS: "modérer les alertes",
    A.HANDLE_ALERTS: "prendre en compte ou clore les alertes",
    A.BROADCAST: "diffuser un message officiel",
    A.LIST_MEMBERS: "lister les membres",
    A.VIEW_MEMBER: "consulter un membre",
    A.REGISTER_MEMBER: "inscrire un membre",
    A.VERIFY_MEMBER: "vérifier l'adresse d'un membre",
    A.REFUSE_MEMBER: "refuser une inscription",
    A.WARN_MEMBER: "avertir un membre",
    A.SUSPEND_MEMBER: "suspendre un membre",
    A.EXCLUDE_MEMBER: "exclure un membre",
    A.LIFT_SANCTION: "lever une sanction",
    A.RESET_SECOND_FACTOR: "réinitialiser la double authentification d'un membre",
    A.EXPORT_MEMBER_DATA: "exporter les données d'un membre",
    A.DELETE_MEMBER: "supprimer le compte d'un membre",
    A.ASSIGN_REFERENT: "nommer un référent",
    A.NAME_STAFF: "créer un compte de mairie ou de gendarmerie",
    A.PUBLISH_CHARTER: "publier la charte",
    A.EDIT_SECTORS: "modifier les secteurs",
    A.SET_GENDARMERIE_ACCESS: "ouvrir ou fermer l'accès de la gendarmerie",
    A.EDIT_CATEGORIES: "modifier les catégories d'alerte de la commune",
    A.VIEW_AUDIT_LOG: "consulter le journal d'audit",
    A.VIEW_STATS: "consulter les statistiques",
    A.VIEW_ABSENCES: "consulter les absences signalées",
    A.MANAGE_COMMUNES: "gérer les communes",
    A.IMPORT_ADDRESSES: "importer les adresses",
}


# The role names people type and read (CLI options, exports, the app): hyphenated, the same everywhere.
ROLE_NAMES = {role: role.value.replace("_", "-") for role in Role}


def role_name(role: Role | str) -> str:
    """The name shown and typed for ``role`` (``mairie-agent``...)."""
    return ROLE_NAMES[Role(role)]


def parse_role(text: str, *, field: str = "role") -> Role:
    """The role named ``text`` (``mairie-agent`` or ``mairie_agent``, any case)."""
    wanted = (text or "").strip().lower().replace("_", "-")
    for role, name in ROLE_NAMES.items():
        if name == wanted:
            return role
    choices = ", ".join(ROLE_NAMES[r] for r in Role if r != Role.PLATFORM_ADMIN)
    raise InputError(f"Rôle inconnu : « {text} ». Choix : {choices}.", field=field)


class PermissionDeniedError(InputError):
    """The actor's role does not allow this action here."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in member, or the operator at the command line (platform admin, no account).

    ``sectors`` holds the home sector and the referent sectors; ``referent_sectors`` only the latter.
    ``operated_by`` names the operator at the command line when they act for this member (``--as``): the
    rights are the member's, the audit log says who typed.
    """

    role: Role
    member_id: int | None = None
    commune_id: int | None = None
    sectors: frozenset[str] = field(default_factory=frozenset)
    referent_sectors: frozenset[str] = field(default_factory=frozenset)
    verified: bool = True
    label: str = ""
    operated_by: str = ""

    @classmethod
    def operator(cls, label: str = "opérateur (ligne de commande)") -> Actor:
        """The operator running the ``voisinage`` command, acting as platform admin."""
        return cls(role=Role.PLATFORM_ADMIN, label=label)

    @classmethod
    def of_member(cls, member: object) -> Actor:
        """The actor for a member row (its open referent assignments give its referent sectors)."""
        referent = frozenset(
            a.sector_code
            for a in getattr(member, "referent_assignments", [])
            if a.ended_at is None and member.role == Role.REFERENT  # type: ignore[attr-defined]
        )
        home = frozenset({member.sector_code}) if member.sector_code else frozenset()  # type: ignore[attr-defined]
        return cls(
            role=member.role,  # type: ignore[attr-defined]
            member_id=member.id,  # type: ignore[attr-defined]
            commune_id=member.commune_id,  # type: ignore[attr-defined]
            sectors=home | referent,
            referent_sectors=referent,
            verified=member.status == MemberStatus.VERIFIED,  # type: ignore[attr-defined]
            label=f"membre {member.id}",  # type: ignore[attr-defined]
        )

    def acted_by(self, operator: str) -> Actor:
        """This member's actor, driven by ``operator`` at the command line (audited as such)."""
        return replace(self, operated_by=operator, label=f"{operator} pour le membre {self.member_id}")


def scope_of(role: Role, action: Action) -> Scope:
    """The scope within which ``role`` may perform ``action`` (``Scope.NONE`` when never)."""
    return MATRIX[role].get(action, Scope.NONE)


def roles_allowed(action: Action) -> frozenset[Role]:
    """The roles whose cell for ``action`` is not empty (e.g. who acknowledges alerts: ``HANDLE_ALERTS``)."""
    return frozenset(role for role in Role if scope_of(role, action) != Scope.NONE)


def can(
    actor: Actor,
    action: Action,
    *,
    commune_id: int | None = None,
    sector_code: str | None = None,
    member_id: int | None = None,
    gendarmerie_open: bool = False,
) -> bool:
    """Whether ``actor`` may perform ``action`` on an object of ``commune_id`` / ``sector_code`` / ``member_id``.

    Parameters
    ----------
    actor
        Who acts.
    action
        What they want to do.
    commune_id, sector_code
        Where the object lies (the commune is required for every scope wider than ``SELF``).
    member_id
        The account concerned, for actions on one's own account.
    gendarmerie_open
        Whether the mairie currently opens the commune to the gendarmerie.
    """
    scope = scope_of(actor.role, action)
    if scope == Scope.NONE:
        return False
    if scope == Scope.SELF:
        return actor.member_id is not None and member_id == actor.member_id
    if not actor.verified and action not in UNVERIFIED_ALLOWED.get(actor.role, frozenset()):
        return False
    if actor.role == Role.GENDARMERIE and action in GENDARMERIE_GATED and not gendarmerie_open:
        return False
    if scope == Scope.ANY_COMMUNE:
        return True
    if commune_id is None or commune_id != actor.commune_id:
        return False
    if scope == Scope.COMMUNE:
        return True
    allowed = actor.sectors if scope == Scope.SECTORS else actor.referent_sectors
    return sector_code is not None and sector_code in allowed


def require(
    actor: Actor,
    action: Action,
    *,
    commune_id: int | None = None,
    sector_code: str | None = None,
    member_id: int | None = None,
    gendarmerie_open: bool = False,
) -> None:
    """Like :func:`can`, raising :class:`PermissionDeniedError` (French message) when not allowed."""
    if not can(
        actor,
        action,
        commune_id=commune_id,
        sector_code=sector_code,
        member_id=member_id,
        gendarmerie_open=gendarmerie_open,
    ):
        raise PermissionDeniedError(
            f"Action refusée : votre rôle (« {ROLE_LABELS[actor.role]} ») ne permet pas de "
            f"{ACTION_LABELS[action]} ici.",
            field="actor",
        )

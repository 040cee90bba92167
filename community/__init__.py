"""Community: members, roles and permissions, accounts, charter, address verification, referents,
sanctions, gendarmerie access, RGPD rights and the audit log.

Every function that changes or reads personal data takes the acting :class:`Actor` and checks it against the
one permission matrix (:mod:`community._permissions`), then appends to the audit log, in the caller's
transaction (``store.transaction(engine)``).
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from community._accounts import (
        TOTP_ROLES,
        AuthenticationError,
        LoginResult,
        SecondFactorRequiredError,
        TooManyAttemptsError,
        accept_invitation,
        authenticate,
        confirm_totp,
        issue_invitation,
        login,
        logout,
        requires_totp,
        revoke_sessions,
        set_password,
        start_totp,
    )
    from community._audit import audit_log, record
    from community._authorize import allowed, authorize
    from community._charter import accept_charter, charter_to_accept, current_charter, publish_charter
    from community._gendarmerie import gendarmerie_access_history, gendarmerie_access_open, set_gendarmerie_access
    from community._members import (
        VERIFICATION_METHODS,
        Registration,
        check_email,
        find_member,
        list_members,
        recipients,
        refuse_member,
        register_member,
        relocate_members,
        verify_member,
        view_member,
    )
    from community._passwords import WeakPasswordError, check_password, entropy_bits, hash_password, verify_password
    from community._permissions import (
        ACTION_LABELS,
        GENDARMERIE_GATED,
        MATRIX,
        ROLE_LABELS,
        Action,
        Actor,
        PermissionDeniedError,
        Scope,
        can,
        require,
        scope_of,
    )
    from community._placement import (
        Placement,
        SectorRef,
        active_sectors,
        find_sector,
        get_commune,
        locate_sector,
        place_address,
        set_sector_locator,
    )
    from community._referents import (
        SectorStaffing,
        assign_referent,
        end_referent,
        referents_of,
        sector_staffing,
        sectors_without_referent,
    )
    from community._rgpd import delete_account, export_member_data, register_anonymiser, register_exporter, unregister
    from community._sanctions import (
        active_suspension,
        can_post,
        can_receive,
        display_status,
        exclude,
        is_active,
        lift,
        suspend,
        warn,
    )
    from store.schema import Member, MemberStatus, Role, Sanction, SanctionKind

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "ACTION_LABELS",
    "GENDARMERIE_GATED",
    "MATRIX",
    "ROLE_LABELS",
    "TOTP_ROLES",
    "VERIFICATION_METHODS",
    "Action",
    "Actor",
    "AuthenticationError",
    "LoginResult",
    "Member",
    "MemberStatus",
    "PermissionDeniedError",
    "Placement",
    "Registration",
    "Role",
    "Sanction",
    "SanctionKind",
    "Scope",
    "SecondFactorRequiredError",
    "SectorRef",
    "SectorStaffing",
    "TooManyAttemptsError",
    "WeakPasswordError",
    "accept_charter",
    "accept_invitation",
    "active_sectors",
    "active_suspension",
    "allowed",
    "assign_referent",
    "audit_log",
    "authenticate",
    "authorize",
    "can",
    "can_post",
    "can_receive",
    "charter_to_accept",
    "check_email",
    "check_password",
    "confirm_totp",
    "current_charter",
    "delete_account",
    "display_status",
    "end_referent",
    "entropy_bits",
    "exclude",
    "export_member_data",
    "find_member",
    "find_sector",
    "gendarmerie_access_history",
    "gendarmerie_access_open",
    "get_commune",
    "hash_password",
    "is_active",
    "issue_invitation",
    "lift",
    "list_members",
    "locate_sector",
    "login",
    "logout",
    "place_address",
    "publish_charter",
    "recipients",
    "record",
    "referents_of",
    "refuse_member",
    "register_anonymiser",
    "register_exporter",
    "register_member",
    "relocate_members",
    "require",
    "requires_totp",
    "revoke_sessions",
    "scope_of",
    "sector_staffing",
    "sectors_without_referent",
    "set_gendarmerie_access",
    "set_password",
    "set_sector_locator",
    "start_totp",
    "suspend",
    "unregister",
    "verify_member",
    "verify_password",
    "view_member",
    "warn",
]

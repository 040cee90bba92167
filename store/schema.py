"""Every table of Voisinage, on one metadata (imported by Alembic's environment)."""

from store._schema import Base, Commune, Sector, SectorSet, SetStatus, as_utc, utcnow
from store._schema_absences import Absence
from store._schema_addresses import Address, AddressImport
from store._schema_alerts import (
    Alert,
    AlertCategoryOverride,
    AlertCommuneSettings,
    AlertEvent,
    AlertSector,
    AlertsVersion,
)
from store._schema_members import (
    AuditEntry,
    AuthSession,
    Charter,
    CharterAcceptance,
    GendarmerieAccessChange,
    LoginAttempt,
    Member,
    MemberStatus,
    ReferentAssignment,
    Role,
    Sanction,
    SanctionKind,
)
from store._schema_notify import NotifyCounter, NotifyPrefs, OutboxMessage, SmsNonce
from store._schema_stats import SsmsiFigure

__all__ = [
    "Absence",
    "Address",
    "AddressImport",
    "Alert",
    "AlertCategoryOverride",
    "AlertCommuneSettings",
    "AlertEvent",
    "AlertSector",
    "AlertsVersion",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Charter",
    "CharterAcceptance",
    "Commune",
    "GendarmerieAccessChange",
    "LoginAttempt",
    "Member",
    "MemberStatus",
    "NotifyCounter",
    "NotifyPrefs",
    "OutboxMessage",
    "ReferentAssignment",
    "Role",
    "Sanction",
    "SanctionKind",
    "Sector",
    "SectorSet",
    "SetStatus",
    "SmsNonce",
    "SsmsiFigure",
    "as_utc",
    "utcnow",
]

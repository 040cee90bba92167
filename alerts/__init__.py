"""Alerts: categories, pre-publication checks, moderation, diffusion perimeter, visibility, retention.

Pure core (no database): :func:`check_text` and its :class:`CheckPolicy`, :func:`check_rate`; the moderation
state machine (:func:`submit`, :func:`claim`, :func:`approve`, :func:`reject`, :func:`appeal`, :func:`edit`,
:func:`acknowledge`, :func:`close`, :func:`withdraw`), whose
rights are the permission matrix's (``community.MATRIX``; a :class:`Participant` is who the history records);
the diffusion perimeter (:class:`SectorIndex`, :func:`diffusion_perimeter`, :func:`widen`, :func:`whole_commune`);
categories (:func:`effective_categories`, :func:`resolve_category`); retention rules (:func:`retention_cutoff`).

Store (one transaction per call, bound to the member's commune; row-level security on PostGIS), each taking the
acting :class:`community.Actor`:
:func:`post_alert`, :func:`feed`, :func:`get_alert`, :func:`moderate`, :func:`withdraw_alert`,
:func:`acknowledge_alert`, :func:`close_alert`, :func:`appeal_alert`, :func:`claim_alert`, :func:`release_alert`,
:func:`anonymise_closed`, :func:`alert_counts`,
:func:`set_category`, :func:`set_commune_options`; every read starts from :func:`visible_alerts`.
The staff desks' reads: :func:`moderation_queue`, :func:`inbox`, :func:`broadcasts`, :func:`broadcast_reach`.
RGPD hooks for the members domain: :func:`export_member_alerts`, :func:`anonymise_member_alerts`, registered
explicitly by :func:`register_rgpd_hooks` (``services.start()`` calls it; importing this package does not).
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from alerts._access import Viewer, load_viewer, scoped, visibility_clause, visible_alerts
    from alerts._categories import (
        DEFAULT_CATEGORIES,
        Category,
        CategoryOverrides,
        Family,
        effective_categories,
        resolve_category,
        validate_overrides,
    )
    from alerts._checks import (
        DEFAULT_POLICY,
        EMERGENCY_MESSAGE,
        Action,
        AlertRefusedError,
        CheckPolicy,
        CheckResult,
        Finding,
        MunicipalRequestError,
        Outcome,
        RateLimitError,
        Rule,
        check_rate,
        check_text,
        marked_segments,
    )
    from alerts._context import (
        AlertConfig,
        CategoryEntry,
        category_entries,
        change_category,
        clear_caches,
        commune_categories,
        forget_commune,
        set_category,
        set_commune_options,
    )
    from alerts._desk import QUEUE_STATUSES, broadcast_reach, broadcasts, inbox, moderation_queue
    from alerts._hooks import on_alert_event
    from alerts._keeping import alert_counts, anonymise_closed
    from alerts._moderating import (
        acknowledge_alert,
        appeal_alert,
        claim_alert,
        close_alert,
        moderate,
        release_alert,
        withdraw_alert,
    )
    from alerts._moderation import (
        VISIBLE_STATUSES,
        Claim,
        Event,
        ModerationState,
        Move,
        Participant,
        Status,
        TransitionError,
        acknowledge,
        appeal,
        approve,
        claim,
        close,
        edit,
        record_widening,
        reject,
        release,
        submit,
        withdraw,
    )
    from alerts._perimeter import Perimeter, Scope, SectorIndex, SectorRef, diffusion_perimeter, whole_commune, widen
    from alerts._posting import DuplicateOffer, DuplicateSuspectedError, PostResult, post_alert
    from alerts._reading import BROADCAST_KIND, feed, feed_for, feed_page, get_alert, silence_reason
    from alerts._retention import ANONYMISED_TEXT, add_months, anonymisation_due, retention_cutoff
    from alerts._rgpd import anonymise_member_alerts, export_member_alerts, register_rgpd_hooks

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "ANONYMISED_TEXT",
    "BROADCAST_KIND",
    "DEFAULT_CATEGORIES",
    "DEFAULT_POLICY",
    "EMERGENCY_MESSAGE",
    "QUEUE_STATUSES",
    "VISIBLE_STATUSES",
    "Action",
    "AlertConfig",
    "AlertRefusedError",
    "Category",
    "CategoryEntry",
    "CategoryOverrides",
    "CheckPolicy",
    "CheckResult",
    "Claim",
    "DuplicateOffer",
    "DuplicateSuspectedError",
    "Event",
    "Family",
    "Finding",
    "ModerationState",
    "Move",
    "MunicipalRequestError",
    "Outcome",
    "Participant",
    "Perimeter",
    "PostResult",
    "RateLimitError",
    "Rule",
    "Scope",
    "SectorIndex",
    "SectorRef",
    "Status",
    "TransitionError",
    "Viewer",
    "acknowledge",
    "acknowledge_alert",
    "add_months",
    "alert_counts",
    "anonymisation_due",
    "anonymise_closed",
    "anonymise_member_alerts",
    "appeal",
    "appeal_alert",
    "approve",
    "broadcast_reach",
    "broadcasts",
    "category_entries",
    "change_category",
    "check_rate",
    "check_text",
    "claim",
    "claim_alert",
    "clear_caches",
    "close",
    "close_alert",
    "commune_categories",
    "diffusion_perimeter",
    "edit",
    "effective_categories",
    "export_member_alerts",
    "feed",
    "feed_for",
    "feed_page",
    "forget_commune",
    "get_alert",
    "inbox",
    "load_viewer",
    "marked_segments",
    "moderate",
    "moderation_queue",
    "on_alert_event",
    "post_alert",
    "record_widening",
    "register_rgpd_hooks",
    "reject",
    "release",
    "release_alert",
    "resolve_category",
    "retention_cutoff",
    "scoped",
    "set_category",
    "set_commune_options",
    "silence_reason",
    "submit",
    "validate_overrides",
    "visibility_clause",
    "visible_alerts",
    "whole_commune",
    "widen",
    "withdraw",
    "withdraw_alert",
]

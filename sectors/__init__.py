"""Communes and their versioned sector sets; point -> sector lookup.

Public API
----------
- communes: :func:`load_boundary`, :func:`register_commune`, :func:`get_commune`, :func:`list_communes`
- sector sets: :func:`import_sector_set` (:func:`save_sector_set`), :func:`activate_set` (:func:`activate`),
  :func:`active_set`, :func:`get_set`, :func:`sets_of`, :func:`to_geodataframe`, :class:`SectorRules`
- rules: :func:`check_rules`, :class:`RuleReport`
- lookup: :class:`Locator`, :func:`locate`, :func:`locate_many`, :class:`SectorHit`, :class:`GridLocator`
- generation from the street network: :func:`generate_sectors`, :class:`GeneratedSectors`,
  :func:`sector_names`, :func:`suggested_referents`
- editing a draft (never the active set): :func:`working_draft`, :func:`find_draft`, :class:`EditOutcome`
  (edits in :mod:`sectors._drafts`, pure geometry in :mod:`sectors._edits`); every problem located:
  :func:`validate_layout`, :class:`LayoutProblem`; draft against active: :func:`diff_layouts`, :class:`LayoutDiff`
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from sectors._communes import (
        INSEE_FIELDS,
        get_commune,
        list_communes,
        load_boundary,
        pick_commune,
        register_commune,
        registered_commune,
    )
    from sectors._diff import Layout, LayoutDiff, diff_layouts
    from sectors._drafts import EditOutcome, find_draft, working_draft
    from sectors._generate import BALANCE_RATIO, GeneratedSectors, generate_sectors
    from sectors._grid import OUTSIDE, GridLocator
    from sectors._locate import Locator, SectorHit, locate, locate_many, locator
    from sectors._naming import sector_names, suggested_referents
    from sectors._points import read_points
    from sectors._rules import Overlap, RuleReport, check_rules
    from sectors._sets import (
        ImportOutcome,
        SectorRules,
        activate_set,
        active_set,
        get_set,
        import_sector_set,
        prepare_sectors,
        save_sector_set,
        sets_of,
        to_geodataframe,
    )
    from sectors._sets import (
        activate_set as activate,
    )
    from sectors._validation import LayoutProblem, ProblemKind, validate_layout

__getattr__, __dir__ = lazy_exports(__name__)


__all__ = [
    "BALANCE_RATIO",
    "INSEE_FIELDS",
    "OUTSIDE",
    "EditOutcome",
    "GeneratedSectors",
    "GridLocator",
    "ImportOutcome",
    "Layout",
    "LayoutDiff",
    "LayoutProblem",
    "Locator",
    "Overlap",
    "ProblemKind",
    "RuleReport",
    "SectorHit",
    "SectorRules",
    "activate",
    "activate_set",
    "active_set",
    "check_rules",
    "diff_layouts",
    "find_draft",
    "generate_sectors",
    "get_commune",
    "get_set",
    "import_sector_set",
    "list_communes",
    "load_boundary",
    "locate",
    "locate_many",
    "locator",
    "pick_commune",
    "prepare_sectors",
    "read_points",
    "register_commune",
    "registered_commune",
    "save_sector_set",
    "sector_names",
    "sets_of",
    "suggested_referents",
    "to_geodataframe",
    "validate_layout",
    "working_draft",
]

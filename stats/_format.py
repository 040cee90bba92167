"""French formatting of figures (decimal comma, thin grouping), shared by the CLI, exports and reports."""

from __future__ import annotations

WITHHELD = "non diffusé"
MISSING = "—"


def fr_number(value: float | int | None, decimals: int = 2) -> str:
    """``1234.5`` -> ``1 234,50``; None -> ``—``."""
    if value is None:
        return MISSING
    if isinstance(value, int) or decimals == 0:
        return f"{round(value):,}".replace(",", "\u202f")
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def fr_rate(value: float | None) -> str:
    """A rate per 1,000 with two decimals and the ‰ sign."""
    return MISSING if value is None else f"{fr_number(value, 2)} ‰"

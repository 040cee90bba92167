"""Plain-text tables for terminals."""

from __future__ import annotations


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, separated by two spaces (empty trailing columns dropped)."""
    keep = [i for i in range(len(headers)) if i < len(headers) - 1 or any(r[i] for r in rows)]
    table = [[headers[i] for i in keep]] + [[r[i] for i in keep] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(keep))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

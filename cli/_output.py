"""Every line the CLI prints: user data escaped (control characters), CSV cells neutralised (formulas).

Names and messages come from users and files; printed raw, an ANSI escape or a CR/LF would forge lines of
the tab-separated outputs, and a CSV cell starting with ``=`` would run in a spreadsheet. Commands print
only through these functions.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable

from gis._safe_text import escape_control, safe_cell


def clean(value: object) -> str:
    """One value as printable text on one line (control characters shown as escapes)."""
    return escape_control(str(value))


def out(line: str) -> None:
    """Write one line on stdout (its control characters escaped: it stays one line)."""
    sys.stdout.write(clean(line) + "\n")


def row(*cells: object) -> None:
    """Write one tab-separated row on stdout, each cell escaped (a tab or newline in a name cannot forge cells)."""
    sys.stdout.write("\t".join(clean(c) for c in cells) + "\n")


def lines(text: str) -> None:
    """Write a multi-line block on stdout (each line escaped; the block's own line breaks kept)."""
    for line in text.split("\n"):
        out(line)


def note(message: str) -> None:
    """Write a message for the person on stderr (each line escaped)."""
    for line in message.split("\n"):
        sys.stderr.write(clean(line) + "\n")


def table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A padded text table on stdout, every cell escaped before the columns are measured."""
    from stats._text import text_table

    lines(text_table([clean(h) for h in headers], [[clean(c) for c in r] for r in rows]))


def csv_rows(rows: Iterable[Iterable[object]], *, delimiter: str = ",") -> None:
    """CSV rows on stdout: cells escaped and spreadsheet formulas neutralised (a delimiter in a cell is quoted)."""
    writer = csv.writer(sys.stdout, delimiter=delimiter, lineterminator="\n")
    for r in rows:
        writer.writerow([safe_cell(c) for c in r])


__all__ = ["clean", "csv_rows", "lines", "note", "out", "row", "table"]

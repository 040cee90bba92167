"""Text safe to print and to open in a spreadsheet: control characters escaped, formulas neutralised.

Names, labels and messages come from users and files: printed raw, an ANSI escape recolours or rewrites the
terminal and a CR/LF or a tab forges lines and cells of a tab-separated output; opened in a spreadsheet, a
cell starting with ``=``, ``+``, ``-`` or ``@`` runs as a formula. Every terminal and CSV output goes through
these two functions (the CLI's ``cli._output``, the statistics exports).
"""

from __future__ import annotations

import re

# The one definition of the characters no single-line text may hold, as the inside of a regex class: C0 controls
# (tab, CR, LF, ESC...), DEL and C1 controls, line and paragraph separators, bidi overrides. The store's text policy
# and the BAN reader refuse what this escapes.
CONTROL_CLASS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
_FORMULA_START = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape_control(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\e``, ``\\r``, ``\\n``, ``\\t``, ``\\x07``).

    Examples
    --------
    >>> escape_control("Bouray\\x1b[31m\\r\\nfaux")
    'Bouray\\\\e[31m\\\\r\\\\nfaux'
    """
    return _CONTROL.sub(_visible, text)


def neutralise_formula(text: str) -> str:
    """``text`` prefixed with ``'`` when a spreadsheet would run it as a formula (numbers such as ``-4.48`` kept)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cell(value: object) -> object:
    """A CSV / spreadsheet cell: text escaped and neutralised, other values (numbers, dates, None) as they are."""
    if isinstance(value, str):
        return neutralise_formula(escape_control(value))
    return value


__all__ = ["escape_control", "neutralise_formula", "safe_cell"]

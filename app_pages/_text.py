"""A user's text as Markdown shown exactly as typed, with some passages in bold (the checks' objections)."""

from __future__ import annotations

from collections.abc import Iterable

from app_pages._staff import plain


def highlighted(pieces: Iterable[tuple[str, bool]]) -> str:
    """Markdown of the ``(piece, marked)`` pieces of a text: every sign escaped (:func:`plain`), marked pieces in
    bold, line breaks kept.

    Marked pieces begin and end on a letter or a digit and hold no line break (``alerts.marked_segments``), so
    the bold always holds. Leading spaces are dropped (four would make a code block).

    Examples
    --------
    >>> highlighted([("Vu ", False), ("AB-123-CD", True), (" <b>", False)])
    'Vu **AB\\\\-123\\\\-CD** \\\\<b\\\\>'
    """
    text = "".join(f"**{plain(piece)}**" if marked else plain(piece) for piece, marked in pieces)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(line.lstrip() for line in lines)


def as_typed(text: str) -> str:
    """Markdown showing ``text`` exactly as typed, line breaks kept (a message quoting user text, a charter)."""
    return highlighted([(text, False)])

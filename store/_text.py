"""One policy for every text field, the same on both backends.

Every ``String(n)`` column accepts at most ``n`` characters; every ``Text`` column at most its
``info["max_length"]`` (or :data:`TEXT_DEFAULT_MAX`). Single-line fields (``String``) refuse every control
character, line breaks and tabs included, and the bidirectional overrides that make a name read backwards;
multi-line fields (``Text``) accept line breaks and tabs only. NUL is refused everywhere (PostgreSQL cannot
store it, SQLite would).

The check runs before every ORM flush (:func:`install_guard`), and bulk paths call :func:`check_values` or
:func:`column_limits` themselves, so a bad value is refused with a French message naming the field, and
nothing is half-stored. ``docs/text-limits.md`` lists every limit; a test keeps it in step with the schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, Table, Text, event, inspect
from sqlalchemy.orm import Session

from gis._errors import InputError
from gis._safe_text import CONTROL_CLASS

TEXT_DEFAULT_MAX = 10_000
# Single-line fields refuse every character of gis's control class; multi-line fields the same but tab, LF and CR.
_SINGLE_LINE_BAD = re.compile(f"[{CONTROL_CLASS}]")
_MULTILINE_BAD = re.compile(f"(?![\t\n\r])[{CONTROL_CLASS}]")

# French names of the fields users meet; others are named by their column.
FIELD_LABELS = {
    "name": "nom",
    "text": "texte",
    "original_text": "texte d'origine",
    "appeal_text": "texte du recours",
    "feedback": "retour",
    "reason": "motif",
    "email": "adresse électronique",
    "address_label": "adresse",
    "label": "libellé",
    "code": "code",
    "nom_voie": "nom de voie",
    "nom_ld": "lieu-dit",
    "nom_commune": "nom de commune",
    "verification_note": "note de vérification",
    "refusal_reason": "motif de refus",
    "title": "titre",
}


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def field_label(field: str) -> str:
    """The French name of a field, for messages."""
    return FIELD_LABELS.get(field, field)


def column_limit(column: Any) -> int | None:
    """The length limit of a column (``None`` for a column that holds no text)."""
    kind = column.type
    if isinstance(kind, Text):
        return int(column.info.get("max_length", TEXT_DEFAULT_MAX))
    if isinstance(kind, String):
        return int(kind.length) if kind.length else int(column.info.get("max_length", TEXT_DEFAULT_MAX))
    return None


def is_multiline(column: Any) -> bool:
    """Whether a text column may hold line breaks (``Text`` columns, or ``info["multiline"]``)."""
    return isinstance(column.type, Text) or bool(column.info.get("multiline"))


def column_limits(table: Table) -> dict[str, int]:
    """Every text column of ``table`` with its limit."""
    return {c.key: limit for c in table.columns if (limit := column_limit(c)) is not None}


def check_text(value: str, *, field: str, limit: int, multiline: bool = False) -> str:
    """Check ``value`` against the text policy; return it unchanged.

    Raises
    ------
    gis.InputError
        ``field`` set; the message says which character or how many too many.
    """
    bad = (_MULTILINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    label = field_label(field)
    if bad is not None:
        char = bad.group()
        what = (
            "un saut de ligne ou une tabulation"
            if char in "\t\n\r"
            else f"un caractère de contrôle (U+{ord(char):04X})"
        )
        raise InputError(
            f"Le champ « {label} » contient {what} en position {bad.start() + 1} : retirez-le.", field=field
        )
    if len(value) > limit:
        raise InputError(
            f"Le champ « {label} » est trop long : {_thousands(len(value))} caractères, {_thousands(limit)} au plus.",
            field=field,
        )
    return value


def check_values(table: Table, values: Mapping[str, Any]) -> None:
    """Check every text value of a row about to be written to ``table`` (bulk and Core paths)."""
    for column in table.columns:
        value = values.get(column.key)
        limit = column_limit(column)
        if isinstance(value, str) and limit is not None:
            check_text(value, field=column.key, limit=limit, multiline=is_multiline(column))


def _check_objects(session: Session, _context: object, _instances: object) -> None:
    for obj in session.new:
        table = getattr(type(obj), "__table__", None)
        if table is not None:
            check_values(table, {c.key: getattr(obj, c.key, None) for c in table.columns})
    for obj in session.dirty:
        table = getattr(type(obj), "__table__", None)
        if table is None:
            continue
        attrs = inspect(obj).attrs
        changed = {c.key for c in table.columns if c.key in attrs and attrs[c.key].history.added}
        check_values(table, {key: getattr(obj, key) for key in changed})


def install_guard() -> None:
    """Check every text attribute of every new or changed ORM object before each flush (idempotent)."""
    if not event.contains(Session, "before_flush", _check_objects):
        event.listen(Session, "before_flush", _check_objects)

"""Write docs/text-limits.md from the schema (run after changing a text column): python scripts/gen_text_limits.py"""

from __future__ import annotations

from settings import PROJECT_ROOT
from store._text import column_limit, is_multiline
from store.schema import Base


def render() -> str:
    lines = [
        "# Text fields: one limit and one character policy, the same on SQLite and PostGIS",
        "",
        "Generated from the schema by `scripts/gen_text_limits.py`; `tests/test_text_policy.py` fails when it is out",
        "of date. Every text value is checked before it is written (`store/_text.py`): too long, or holding a",
        "forbidden character, it is refused with a French message naming the field, and nothing is stored.",
        "",
        "- **single-line** fields refuse every control character (NUL, escapes, tabs, line breaks), the",
        "  bidirectional overrides (U+202A–U+202E, U+2066–U+2069) and the Unicode line separators;",
        "- **multi-line** fields accept line breaks and tabs, and refuse the rest of the same list.",
        "",
        "| table | column | limit (characters) | lines |",
        "|---|---|---:|---|",
    ]
    for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
        for column in table.columns:
            limit = column_limit(column)
            if limit is not None:
                kind = "multi-line" if is_multiline(column) else "single-line"
                lines.append(f"| {table.name} | {column.key} | {limit} | {kind} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    out = PROJECT_ROOT / "docs" / "text-limits.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(render(), encoding="utf-8")

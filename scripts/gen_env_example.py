"""Write .env.example from the settings object (run after adding a setting): uv run python scripts/gen_env_example.py"""

from __future__ import annotations

import textwrap

from settings import PROJECT_ROOT, Settings


def render() -> str:
    lines = [
        "# Every setting of Voisinage, with its default. Copy to .env (or export) and change what you need.",
        "# Generated from settings/__init__.py by scripts/gen_env_example.py.",
        "",
    ]
    for name, field in Settings.model_fields.items():
        for chunk in textwrap.wrap(field.description or "", 100):
            lines.append(f"# {chunk}")
        default = field.default
        lines.append(f"#VOISINAGE_{name.upper()}={'' if default is None else default}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    (PROJECT_ROOT / ".env.example").write_text(render(), encoding="utf-8")

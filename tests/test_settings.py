"""Every setting is declared with a default and help, and documented in .env.example."""

from __future__ import annotations

import re

import pytest

from settings import PROJECT_ROOT, Settings


def _documented() -> dict[str, str]:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^#?\s*(VOISINAGE_[A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_has_help_and_is_documented(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description and len(field.description) > 10, f"{name} has no help text"
    env = f"VOISINAGE_{name.upper()}"
    assert env in _documented(), f"{env} is missing from .env.example"


def test_env_example_lists_no_unknown_setting() -> None:
    known = {f"VOISINAGE_{n.upper()}" for n in Settings.model_fields}
    assert set(_documented()) <= known


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOISINAGE_MAX_UPLOAD_MB", "3.5")
    assert Settings().max_upload_mb == 3.5
    monkeypatch.setenv("VOISINAGE_MAX_UPLOAD_MB", "-1")
    with pytest.raises(ValueError):
        Settings()

"""``--help`` speaks French everywhere: Typer's and Click's own words included (issue 9, "no English")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import app
from cli._help_fr import french_type, install

# Words Typer and Click print in English when left alone.
ENGLISH = ("Usage", "Show this message", "Commands", "[required]", "[default:", "completion", "COMMAND [ARGS]",
           "<bool>", "<int>", "<float>", "<str>", "<path>", "<text>", "env var", "Try ")  # fmt: skip


def _paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(get_command(app)))


def test_every_command_is_walked() -> None:
    assert len(PATHS) > 40 and ("alerts", "post") in PATHS and ("sectors", "split") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "voisinage")
def test_help_has_no_english(path: tuple[str, ...]) -> None:
    install()
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Utilisation : voisinage" in result.output and "Affiche cette aide et quitte." in result.output
    assert [word for word in ENGLISH if word in result.output] == []


def test_the_entry_point_installs_the_french_words() -> None:
    """Through the installed script, as a user runs it (no test harness installing anything)."""
    env = {**os.environ, "COLUMNS": "200"}
    script = Path(sys.executable).parent / "voisinage"
    done = subprocess.run([str(script), "alerts", "post", "--help"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Utilisation : voisinage alerts post" in done.stdout and "[obligatoire]" in done.stdout
    assert "Usage" not in done.stdout and "Show this message" not in done.stdout


@pytest.mark.parametrize(
    ("label", "french"),
    [("<int>", "<entier>"), ("<bool>", None), ("<float>", "<nombre>"), ("<path>", "<chemin>"), ("CODE", "CODE"),
     (None, None), ("<nom>", "<nom>")],
)  # fmt: skip
def test_french_type(label: str | None, french: str | None) -> None:
    assert french_type(label) == french


@pytest.mark.parametrize(
    ("args", "printed"),
    [([], True), (["--help"], True), (["sectors"], True), (["--db", "sqlite:///x", "members"], True),
     (["--db=sqlite:///x"], True), (["sectors", "locate", "--help"], True), (["sectors", "locate"], False),
     (["geocode", "1 rue"], False), (["--db", "sqlite:///x", "commune", "list"], False)],
)  # fmt: skip
def test_help_is_recognised_before_parsing(args: list[str], printed: bool) -> None:
    from cli._help_fr import help_requested

    assert help_requested(args, {"sectors", "members", "commune"}) is printed


def test_a_group_named_alone_prints_its_help_in_french() -> None:
    script = Path(sys.executable).parent / "voisinage"
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([str(script), "sectors"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert "Utilisation : voisinage sectors" in done.stdout + done.stderr
    assert "Usage" not in done.stdout + done.stderr and "Show this message" not in done.stdout + done.stderr

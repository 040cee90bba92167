"""``--help`` in French: the words Typer and its bundled Click print themselves.

The commands' own help texts are French already; what is left are the panel titles, the usage prefix, the
help option, ``[required]`` / ``[default: …]`` and the type labels (``<int>``, ``<bool>`` …). They are
module constants and defaults in Typer (pinned by ``uv.lock``); :func:`install` sets them once, before the
first command is parsed. ``tests/test_cli_help_fr.py`` walks every command's ``--help`` and fails on English.
"""

from __future__ import annotations

import re
from typing import Any

USAGE = "Utilisation : "
SUBCOMMAND = "COMMANDE [ARGUMENTS]..."
HELP_TEXT = "Affiche cette aide et quitte."
# Typer's bare type names -> French; None: not shown (a flag needs no type).
TYPE_LABELS: dict[str, str | None] = {
    "bool": None,
    "int": "entier",
    "float": "nombre",
    "str": "texte",
    "text": "texte",
    "path": "chemin",
    "int range": "entier",
    "float range": "nombre",
    "datetime": "date",
}
PANEL_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "DEFAULT_STRING": "[par défaut : {}]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "DEPRECATED_STRING": "(obsolète) ",
    "ABORTED_TEXT": "Interrompu.",
    "RICH_HELP": "Aide : [blue]'{command_path} {help_option}'[/].",
}
_LABEL = re.compile(r"^<(?P<name>[^>]+)>$")
_installed = False


def french_type(label: str | None) -> str | None:
    """The French form of a Typer type label (``<int>`` -> ``<entier>``; ``<bool>`` -> None); others unchanged."""
    if label is None:
        return None
    match = _LABEL.match(label)
    if match is None or match["name"] not in TYPE_LABELS:
        return label
    name = TYPE_LABELS[match["name"]]
    return None if name is None else f"<{name}>"


def help_requested(args: list[str], groups: set[str]) -> bool:
    """Whether ``voisinage ARGS`` prints a help page: ``--help`` anywhere, no command, or a group of commands
    named alone (``voisinage sectors``), with the root's ``--db URL`` skipped."""
    rest = list(args)
    if rest[:1] == ["--db"]:
        rest = rest[2:]
    elif rest[:1] and rest[0].startswith("--db="):
        rest = rest[1:]
    return "--help" in rest or not rest or (len(rest) == 1 and rest[0] in groups)


def install() -> None:
    """Put the French words in place (idempotent)."""
    global _installed
    if _installed:
        return
    from typer import core, rich_utils
    from typer._click import core as click_core
    from typer._click import formatting

    for name, value in PANEL_WORDS.items():
        setattr(rich_utils, name, value)
    rich_utils.OptionHighlighter.highlights = [
        h.replace("Usage: ", USAGE) for h in rich_utils.OptionHighlighter.highlights
    ]
    formatting.HelpFormatter.write_usage.__defaults__ = ("", USAGE)

    original_help_option = click_core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    click_core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    original_pieces = core.TyperGroup.collect_usage_pieces

    def collect_usage_pieces(self: Any, ctx: Any) -> list[str]:
        self.subcommand_metavar = SUBCOMMAND
        return original_pieces(self, ctx)

    core.TyperGroup.collect_usage_pieces = collect_usage_pieces  # type: ignore[method-assign]
    for cls in (core.TyperOption, core.TyperArgument):
        original = cls.display_type_rich

        def display_type_rich(self: Any, ctx: Any, _original: Any = original) -> str | None:
            return french_type(_original(self, ctx)) or ""  # "": Typer would print None after an option

        cls.display_type_rich = display_type_rich  # type: ignore[method-assign]
    _installed = True

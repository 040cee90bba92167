"""Command-line mistakes (missing option, unknown option or command, bad value) said in French.

Typer and Click word them in English; ``cli.main`` runs the app in non-standalone mode and prints these
instead, with the command's ``--help`` to try, exit status 2.
"""

from __future__ import annotations

import re

_PATTERNS = (
    (re.compile(r"^No such command '(.*)'\.$"), "commande inconnue : « {0} »."),
    (re.compile(r"^Missing command\.$"), "commande manquante."),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), "argument(s) en trop : {0}."),
    (re.compile(r"^'(.*)' is not a valid integer(?: range)?\.$"), "« {0} » n'est pas un nombre entier."),
    (re.compile(r"^'(.*)' is not a valid float(?: range)?\.$"), "« {0} » n'est pas un nombre."),
    (re.compile(r"^(.*) is not in the range (.*)\.$"), "{0} est hors de l'intervalle {1}."),
    (re.compile(r"^Option '(.*)' requires an argument\.$"), "l'option {0} attend une valeur."),
    (re.compile(r"^Input should be a valid integer.*$"), "un nombre entier est attendu."),
    (re.compile(r"^Input should be a valid number.*$"), "un nombre est attendu (ex. 2.2995)."),
    (re.compile(r"^Input should be a valid boolean.*$"), "oui ou non est attendu (true, false)."),
    (re.compile(r"^Input should be (.*)$"), "valeur attendue : {0}."),
)


def _translate(text: str) -> str:
    for pattern, french in _PATTERNS:
        match = pattern.match(text.strip())
        if match:
            return french.format(*match.groups())
    return text


def french_usage(exc: Exception) -> str:
    """The French message for a Click usage error (``UsageError`` and its subclasses)."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (
        "/".join(getattr(param, "opts", []) or []) or getattr(param, "name", "") if param is not None else ""
    )
    if isinstance(hint, list | tuple):
        hint = "/".join(hint)
    if kind == "MissingParameter":
        what = "argument" if getattr(param, "param_type_name", "") == "argument" else "option"
        return (
            f"{what} manquant{'e' if what == 'option' else ''} : {str(hint).upper() if what == 'argument' else hint}."
        )
    if kind == "NoSuchOption":
        name = getattr(exc, "option_name", "")
        possible = getattr(exc, "possibilities", None) or []
        return f"option inconnue : {name}." + (f" Vouliez-vous dire {', '.join(possible)} ?" if possible else "")
    message = _translate(str(getattr(exc, "message", "") or exc))
    if kind == "BadParameter":
        return f"valeur invalide pour {hint} : {message}" if hint else f"valeur invalide : {message}"
    return message


def help_hint(exc: Exception) -> str:
    """``Aide : voisinage … --help`` for the command the mistake was made in."""
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", "voisinage") if ctx is not None else "voisinage"
    return f"Aide : {path} --help"


__all__ = ["french_usage", "help_hint"]

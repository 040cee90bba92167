"""The one exception family for bad user input."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user or a file. The message is in French, names what is wrong and how to fix it.

    Every domain package raises this (or a subclass) for anything the user can correct; the CLI and the
    app show the message as is, and the CLI exits with status 2.

    ``field`` names the input concerned (``"text"``, ``"email"``, ``"commune"``...): the CLI maps it to its
    option, the app to its form field. The message itself never names a CLI flag.
    """

    def __init__(self, message: str, problems: list[str] | None = None, *, field: str | None = None) -> None:
        self.field = field
        self.message = message
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full)

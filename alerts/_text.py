"""Text helpers for the checks: a folding that keeps positions, word tokens, the name lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

_APOSTROPHES = {"’": "'", "ʼ": "'", "`": "'", "´": "'", "\u00a0": " ", "\u202f": " ", "\t": " "}


def _fold_char(ch: str) -> str:
    ch = _APOSTROPHES.get(ch, ch)
    base = unicodedata.normalize("NFD", ch)[0]
    low = base.lower()
    return low[0] if low else base


# Latin-1 and Latin Extended-A folded once: the fast path of fold() for French text.
_TABLE = {c: _fold_char(chr(c)) for c in range(0x80, 0x180)} | {ord(k): v for k, v in _APOSTROPHES.items()}


def fold(text: str) -> str:
    """Lowercase ``text`` and strip accents, keeping one character per character.

    Positions in the folded text are positions in the original, so a match found on the folded text
    can be quoted from the original. ``œ`` stays ``œ``; typographic apostrophes become ``'``.
    """
    fast = text.translate(_TABLE).lower()
    if len(fast) == len(text) and (fast.isascii() or max(fast) < "\u0180"):
        return fast
    return "".join(_fold_char(ch) for ch in text)


@dataclass(frozen=True)
class Token:
    """One word of a text, with its position and whether it starts a sentence."""

    text: str
    start: int
    end: int
    sentence_start: bool
    folded: str = ""

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def all_caps(self) -> bool:
        return len(self.text) > 1 and self.text.isupper()


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|[.!?\n:;«»\"()]")
_BOUNDARY = set('.!?\n:;«»"()')


def tokens(text: str) -> list[Token]:
    """The words and numbers of ``text`` (punctuation only marks sentence starts)."""
    out: list[Token] = []
    at_start = True
    for m in _WORD.finditer(text):
        word = m.group()
        if word in _BOUNDARY:
            at_start = True
            continue
        # A list bullet or a dash at the start of a line also opens a sentence.
        before = text[max(0, m.start() - 2) : m.start()]
        starts = at_start or before.endswith(("- ", "– ", "* "))
        out.append(Token(word, m.start(), m.end(), starts, fold(word)))
        at_start = False
    return out


@cache
def _word_list(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """Words of ``data/<name>``: (plain, ambiguous) — a trailing ``?`` marks an ambiguous entry."""
    plain: set[str] = set()
    ambiguous: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("?"):
            ambiguous.add(fold(line[:-1].strip()))
        else:
            plain.add(fold(line))
    return frozenset(plain), frozenset(ambiguous)


def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """Folded first names: (unambiguous, ambiguous — also ordinary words or place-name parts)."""
    return _word_list("prenoms.txt")


def surnames() -> frozenset[str]:
    """Folded frequent surnames."""
    return _word_list("noms.txt")[0]

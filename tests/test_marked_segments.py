"""The passages the checks object to, marked in the author's text (pure function, property-tested)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from alerts import check_text, marked_segments
from app_pages._text import highlighted


def test_the_checks_spans_mark_the_passages_they_quote():
    text = "Le voisin Jean Dupont\n(au 06 12 34 56 78) a tout vu."
    found = check_text(text)
    pieces = marked_segments(text, [(f.start, f.end) for f in found.findings])
    assert [p for p, marked in pieces if marked] == ["Jean Dupont", "06 12 34 56 78"]
    assert highlighted(pieces) == "Le voisin **Jean Dupont**  \n\\(au **06 12 34 56 78**\\) a tout vu\\."


@given(
    st.text(alphabet=st.sampled_from("ab é1 \n.*-_<>[]()"), max_size=40),
    st.lists(st.tuples(st.integers(-5, 45), st.integers(-5, 45)), max_size=4),
)
def test_pieces_give_the_text_back_and_marks_hold(text, spans):
    pieces = marked_segments(text, spans)
    assert "".join(p for p, _ in pieces) == text
    at = 0
    for piece, marked in pieces:
        if marked:
            assert piece and "\n" not in piece and piece[0].isalnum() and piece[-1].isalnum()
            covered = all(any(s <= i < e for s, e in spans) for i in range(at, at + len(piece)))
            assert covered  # marked characters all belong to the spans
        at += len(piece)
    assert all(piece for piece, _ in pieces)

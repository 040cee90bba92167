"""The scheme's three drifts (issue 10, item 12), measured on texts the rules were not tuned on.

``tests/data/alert_texts_heldout.csv`` was written and committed before the rules for calls to act
(``milice``), politics and quarrels (``polemique``) and requests for the mairie (``mairie``) existed, and was
never used to adjust them: it measures them. The rates are pinned: a change of the rules that moves them must
say so here (and a better figure is welcome; a worse one is a regression).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from alerts import Outcome, Rule, check_text
from alerts._checks import CHARTER_NO_MILITIA, MUNICIPAL_MESSAGE

HELD_OUT = Path(__file__).parent / "data" / "alert_texts_heldout.csv"
# What each kind of text must end in (a call to act is refused, a request for the mairie redirected).
EXPECTED_OUTCOME = {
    "milice": {Outcome.REFUSED},
    "mairie": {Outcome.MUNICIPAL},
    "polemique": {Outcome.MODERATION, Outcome.REFUSED},
}


def _rows() -> list[dict[str, str]]:
    with HELD_OUT.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _caught(row: dict[str, str]) -> bool:
    result = check_text(row["text"])
    return result.outcome in EXPECTED_OUTCOME[row["expected"]] and Rule(row["expected"]) in result.rules


def held_out_errors() -> tuple[list[str], list[str], int, int]:
    """(false positives, false negatives, ordinary texts, texts to catch) over the held-out set."""
    rows = _rows()
    legit = [r for r in rows if r["expected"] == "ok"]
    bad = [r for r in rows if r["expected"] != "ok"]
    fps = [r["text"] for r in legit if check_text(r["text"]).outcome != Outcome.OK]
    fns = [r["text"] for r in bad if not _caught(r)]
    return fps, fns, len(legit), len(bad)


def test_the_held_out_set_covers_the_three_drifts_and_ordinary_reports() -> None:
    kinds = [r["expected"] for r in _rows()]
    assert kinds.count("ok") >= 20
    for kind in EXPECTED_OUTCOME:
        assert kinds.count(kind) >= 6, kind


def test_error_rates_on_the_held_out_set_are_pinned() -> None:
    fps, fns, n_ok, n_bad = held_out_errors()
    print(f"\nheld-out: false positives {len(fps)}/{n_ok}, false negatives {len(fns)}/{n_bad}")
    # First measured, untuned: 0/20 false positives, 1/22 false negatives ("L'éclairage public ne fonctionne
    # plus…": a typo in the street-light pattern, "fonctionnent?" instead of "fonctionne(?:nt)?", which also
    # missed "ne marche plus"). The typo was fixed after that measurement, so that text no longer counts as
    # unseen: the held-out figure to quote is 1/22; the pin below is today's 0/22.
    assert (len(fps), n_ok) == (0, 20), fps
    assert (len(fns), n_bad) == (0, 22), fns


def test_the_messages_quote_the_charter_and_send_requests_to_the_mairie() -> None:
    refused = check_text("Organisons des rondes de nuit entre voisins, avec des battes pour les accueillir.")
    assert refused.outcome == Outcome.REFUSED and Rule.MILITIA in refused.rules
    assert "ici pas de shérif, pas de milice" in refused.explanation() and CHARTER_NO_MILITIA in refused.explanation()
    pothole = check_text("Un nid-de-poule énorme devant l'école, il faudrait le reboucher.")
    assert pothole.outcome == Outcome.MUNICIPAL and pothole.explanation() == MUNICIPAL_MESSAGE
    assert "mairie" in MUNICIPAL_MESSAGE and "n'est pas publié" in MUNICIPAL_MESSAGE


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # Named in issue 10: ordinary reports that must pass, calls to act that must not.
        ("Vol sur le chantier de la rue Neuve : des outils et du câble ont disparu cette nuit.", Outcome.OK),
        ("Cambriolage chez nous cette nuit, la gendarmerie a été prévenue.", Outcome.OK),
        ("On devrait patrouiller armés ce soir dans le quartier.", Outcome.REFUSED),
        ("Je vais aller régler ça en personne avec lui.", Outcome.REFUSED),
        # Advice against acting is no call to act; the gendarmerie's patrols are no militia.
        ("Ne faites pas justice vous-même : appelez le 17.", Outcome.OK),
        ("Des patrouilles de gendarmerie renforcées sont prévues ce week-end.", Outcome.OK),
        # A street light inside a security report is part of the story, not a request.
        ("Le lampadaire est en panne et hier soir quelqu'un a rôdé autour des voitures.", Outcome.OK),
    ],
)
def test_named_cases(text: str, outcome: Outcome) -> None:
    assert check_text(text).outcome == outcome


def test_official_messages_are_not_redirected_nor_refused() -> None:
    text = "Travaux de voirie : le nid-de-poule de la rue des Vignes sera rebouché lundi, circulation alternée."
    assert check_text(text).outcome == Outcome.MUNICIPAL
    assert check_text(text, official_author=True).outcome == Outcome.OK


def test_a_request_for_the_mairie_is_not_posted(engine, shared_file) -> None:
    from alerts_support import BOURAY, T0, build_world, inner_point, who
    from sqlalchemy import func, select

    from alerts import MunicipalRequestError, post_alert
    from store import bind_commune, transaction
    from store.schema import Alert

    world = build_world(engine, shared_file)
    lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])
    with pytest.raises(MunicipalRequestError, match="allô mairie") as info:
        text = "Le lampadaire de l'allée est en panne depuis lundi."
        post_alert(engine, who(engine, "alice@a.fr"), category="degradation", text=text, lon=lon, lat=lat, now=T0)
    assert info.value.result.outcome == Outcome.MUNICIPAL
    with transaction(engine) as s:
        bind_commune(s, world["bouray_id"])  # PostGIS: unbound, no alert would be seen at all
        assert s.scalar(select(func.count()).select_from(Alert)) == 0

"""The moderation state machine: routing, claims, decisions, appeal, edits, acknowledgement, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts import (
    VISIBLE_STATUSES,
    Move,
    Participant,
    Status,
    TransitionError,
    acknowledge,
    appeal,
    approve,
    claim,
    close,
    edit,
    record_widening,
    reject,
    release,
    submit,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)
AUTHOR = Participant(1, "resident", "Alice")
OTHER = Participant(2, "resident", "Bob")
REFERENT = Participant(10, "referent", "Référent Nord")
AGENT = Participant(11, "mairie_agent", "Agent Mairie")
GENDARME = Participant(12, "gendarmerie", "Brigade")


def pending() -> object:
    return submit(AUTHOR, "Vélo volé", T0, author_verified=False, premoderation=False, needs_moderation=False)


def test_verified_member_publishes_directly() -> None:
    s = submit(AUTHOR, "Vélo volé", T0, author_verified=True, premoderation=False, needs_moderation=False)
    assert s.status == Status.PUBLISHED
    assert [e.move for e in s.history] == [Move.SUBMIT, Move.PUBLISH]
    assert s.history[0].actor_id == AUTHOR.id and s.history[0].at == T0


@pytest.mark.parametrize(
    ("verified", "premoderation", "checks", "why"),
    [
        (False, False, False, "membre non vérifié"),
        (True, True, False, "pré-modération de la commune"),
        (True, False, True, "contrôles : accusation"),
    ],
)
def test_otherwise_pending_with_the_reason(verified: bool, premoderation: bool, checks: bool, why: str) -> None:
    s = submit(
        AUTHOR,
        "x",
        T0,
        author_verified=verified,
        premoderation=premoderation,
        needs_moderation=checks,
        reason="accusation",
    )
    assert s.status == Status.PENDING
    assert s.history[-1].detail == why
    assert Status.PENDING not in VISIBLE_STATUSES


def test_claim_shows_who_holds_the_alert_until_it_expires() -> None:
    s = claim(pending(), REFERENT, T0, TTL)
    with pytest.raises(TransitionError, match="en cours de traitement par Référent Nord depuis 09:00"):
        approve(s, AGENT, T0 + timedelta(minutes=5), TTL)
    # Once the claim has expired, another moderator may take over.
    s2 = approve(s, AGENT, T0 + TTL + timedelta(seconds=1), TTL)
    assert s2.status == Status.PUBLISHED and s2.claim is None
    assert s2.history[-1].actor_id == AGENT.id


def test_release_lets_another_moderator_decide() -> None:
    s = release(claim(pending(), REFERENT, T0, TTL), REFERENT, T0 + timedelta(minutes=1))
    assert s.held_by(T0 + timedelta(minutes=2)) is None
    assert approve(s, AGENT, T0 + timedelta(minutes=2), TTL).status == Status.PUBLISHED


def test_residents_cannot_moderate() -> None:
    with pytest.raises(TransitionError, match="rôle"):
        approve(pending(), OTHER, T0, TTL)


def test_reject_needs_a_reason_then_one_appeal() -> None:
    with pytest.raises(TransitionError, match="motif"):
        reject(pending(), REFERENT, "  ", T0, TTL)
    s = reject(pending(), REFERENT, "Nom d'une personne", T0, TTL)
    assert s.status == Status.REJECTED and s.reject_reason == "Nom d'une personne"
    with pytest.raises(TransitionError, match="auteur"):
        appeal(s, OTHER, "Je conteste", T0)
    s = appeal(s, AUTHOR, "J'ai retiré le nom", T0 + timedelta(hours=1))
    assert s.status == Status.APPEALED
    s = reject(s, AGENT, "Toujours nominatif", T0 + timedelta(hours=2), TTL)
    with pytest.raises(TransitionError, match="définitif"):
        appeal(s, AUTHOR, "Encore", T0 + timedelta(hours=3))


def test_appeal_may_end_in_publication() -> None:
    s = appeal(reject(pending(), REFERENT, "Trop vague", T0, TTL), AUTHOR, "Précisé", T0)
    assert approve(s, AGENT, T0, TTL).status == Status.PUBLISHED


def test_edit_keeps_the_original_text() -> None:
    s = edit(pending(), REFERENT, "Vélo volé (texte modéré)", T0, TTL)
    s = edit(s, REFERENT, "Vélo volé rue Pasteur", T0 + timedelta(minutes=1), TTL)
    assert s.text == "Vélo volé rue Pasteur"
    assert s.original_text == "Vélo volé"
    assert [e.move for e in s.history].count(Move.EDIT) == 2


def test_acknowledge_then_close_with_feedback() -> None:
    s = approve(pending(), REFERENT, T0, TTL)
    with pytest.raises(TransitionError, match="mairie ou gendarmerie"):
        acknowledge(s, REFERENT, T0)
    s = acknowledge(s, GENDARME, T0 + timedelta(hours=1))
    assert s.status == Status.ACKNOWLEDGED
    with pytest.raises(TransitionError, match="retour"):
        close(s, AGENT, "", T0)
    s = close(s, AGENT, "Patrouille passée, rien constaté", T0 + timedelta(days=1))
    assert s.status == Status.CLOSED and s.feedback.startswith("Patrouille")
    with pytest.raises(TransitionError, match="close"):
        approve(s, AGENT, T0, TTL)
    # Every transition recorded who and when, in order.
    assert [e.to_status for e in s.history] == [
        Status.SUBMITTED, Status.PENDING, Status.PENDING, Status.PUBLISHED, Status.ACKNOWLEDGED, Status.CLOSED
    ]  # fmt: skip
    assert all(a.at <= b.at for a, b in zip(s.history, s.history[1:], strict=False))


def test_author_may_close_their_own_alert_but_not_others() -> None:
    s = submit(AUTHOR, "Chat perdu", T0, author_verified=True, premoderation=False, needs_moderation=False)
    with pytest.raises(TransitionError):
        close(s, OTHER, "trouvé", T0)
    assert close(s, AUTHOR, "Chat retrouvé, merci !", T0).status == Status.CLOSED


def test_widening_is_recorded() -> None:
    s = record_widening(pending(), AGENT, "commune entière", T0)
    assert s.history[-1].move == Move.WIDEN and s.history[-1].detail == "commune entière"


def test_cannot_publish_a_published_alert_twice() -> None:
    s = approve(pending(), REFERENT, T0, TTL)
    with pytest.raises(TransitionError, match="publiée"):
        approve(s, REFERENT, T0, TTL)

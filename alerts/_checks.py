"""Checks before publication, each explained to the author in French.

:func:`check_text` runs every detector over an alert's text and returns a :class:`CheckResult`:

- ``EMERGENCY``: a crime in progress or a danger now. The alert is not posted; the author is told to call
  the 17 (or the 18, 15, 112).
- ``REFUSED``: a passage must be removed (a name, a plate, a phone number…); each is quoted.
- ``REFUSED`` too for a call to act, a threat or self-defence ("ici pas de shérif, pas de milice").
- ``MUNICIPAL``: a request for the mairie (pothole, street light, rubbish): not posted, the author is sent to
  the mairie's own channel.
- ``MODERATION``: published only after a moderator has read it (accusations, political opinion and quarrels
  between neighbours, by default).
- ``OK``.

What each rule does (refuse or send to moderation) is a :class:`CheckPolicy`, chosen per commune.
:func:`check_rate` (posts per member and period) completes the checks. Probable duplicates (same category,
nearby, recent) are looked up in the store, among the alerts the poster may already see (``alerts._posting``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts import _detectors
from gis import InputError


class Rule(enum.StrEnum):
    """One check, by the French code shown in settings and reports."""

    EMERGENCY = "urgence"
    NAME = "nom"
    PLATE = "plaque"
    PHONE = "telephone"
    EMAIL = "courriel"
    DESCRIPTOR = "origine"
    ACCUSATION = "accusation"
    MILITIA = "milice"
    POLEMIC = "polemique"
    MUNICIPAL = "mairie"


class Action(enum.StrEnum):
    """What a finding does to the alert."""

    REFUSE = "refuser"
    MODERATE = "moderer"


class Outcome(enum.StrEnum):
    """The verdict of the checks."""

    OK = "ok"
    EMERGENCY = "urgence"
    REFUSED = "refusee"
    MUNICIPAL = "mairie"
    MODERATION = "moderation"


EMERGENCY_MESSAGE = (
    "Votre message décrit un délit en cours ou une urgence : appelez le 17 (police-gendarmerie) maintenant, "
    "ou le 112. Incendie, fuite de gaz ou personne blessée : le 18 ou le 15. Par SMS (sourds et malentendants) : "
    "le 114. Il n'est pas publié comme une alerte ordinaire : une alerte entre voisins ne remplace jamais "
    "un appel aux secours."
)

CHARTER_NO_MILITIA = (
    "ici pas de shérif, pas de milice : Voisinage sert à s'informer entre voisins, jamais à patrouiller, à se "
    "faire justice ni à menacer qui que ce soit. Face à un délit, appelez le 17 et ne vous mettez pas en danger"
)

MUNICIPAL_MESSAGE = (
    "Votre message est une demande pour les services de la mairie (voirie, éclairage public, propreté, "
    "ramassage des déchets) : Voisinage n'est pas « allô mairie ». Il n'est pas publié ; adressez-le à la mairie "
    "par son propre canal (accueil, téléphone ou formulaire de signalement de la commune), qui pourra y donner "
    "suite. Si c'est aussi un fait de sécurité (vol, dégradation volontaire, rôdeur), décrivez ce fait."
)

_ADVICE: dict[Rule, str] = {
    Rule.MILITIA: CHARTER_NO_MILITIA,
    Rule.POLEMIC: (
        "pas d'opinion politique ni de querelle de voisinage : une alerte décrit un fait de sécurité ; un différend "
        "entre voisins se règle par le dialogue, un conciliateur de justice ou la mairie"
    ),
    Rule.MUNICIPAL: "une demande pour la mairie se fait auprès de la mairie, pas par une alerte",
    Rule.NAME: "ne nommez ni ne désignez personne : une alerte décrit des faits, pas des personnes",
    Rule.PLATE: (
        "ne publiez pas de plaque d'immatriculation : transmettez-la à la gendarmerie (17), qui seule peut la "
        "vérifier ; décrivez plutôt le véhicule (type, couleur)"
    ),
    Rule.PHONE: "pas de numéro de téléphone dans une alerte : les voisins vous répondent par Voisinage",
    Rule.EMAIL: "pas d'adresse électronique dans une alerte : les voisins vous répondent par Voisinage",
    Rule.DESCRIPTOR: (
        "pas d'origine, de couleur de peau ni de religion : décrivez plutôt la tenue, la taille, le véhicule, "
        "le comportement"
    ),
    Rule.ACCUSATION: (
        "n'accusez personne : décrivez seulement ce que vous avez vu ; l'enquête revient à la gendarmerie"
    ),
}

_DETECTORS: dict[Rule, Callable[[str], list[tuple[int, int]]]] = {
    Rule.EMERGENCY: _detectors.emergency,
    Rule.NAME: _detectors.names,
    Rule.PLATE: _detectors.plate,
    Rule.PHONE: _detectors.phone,
    Rule.EMAIL: _detectors.email,
    Rule.DESCRIPTOR: _detectors.descriptor,
    Rule.ACCUSATION: _detectors.accusation,
    Rule.MILITIA: _detectors.militia,
    Rule.POLEMIC: _detectors.polemic,
    Rule.MUNICIPAL: _detectors.municipal,
}

# The municipal rule does not refuse nor moderate: it sends the author to the mairie (not adjustable).
_FIXED_RULES = frozenset({Rule.EMERGENCY, Rule.MUNICIPAL})


@dataclass(frozen=True)
class CheckPolicy:
    """What each rule does to an alert, and what official authors (mairie, gendarmerie) are exempt from.

    Attributes
    ----------
    actions:
        Refuse or send to moderation, per rule (the emergency rule always stops the alert).
    official_exempt:
        Rules not applied to messages of the mairie or the gendarmerie (they give their own phone
        number, and may describe an ongoing operation).
    """

    actions: Mapping[Rule, Action] = field(
        default_factory=lambda: {
            Rule.NAME: Action.REFUSE,
            Rule.PLATE: Action.REFUSE,
            Rule.PHONE: Action.REFUSE,
            Rule.EMAIL: Action.REFUSE,
            Rule.DESCRIPTOR: Action.REFUSE,
            Rule.ACCUSATION: Action.MODERATE,
            Rule.MILITIA: Action.REFUSE,
            Rule.POLEMIC: Action.MODERATE,
        }
    )
    official_exempt: frozenset[Rule] = frozenset(
        {Rule.EMERGENCY, Rule.PHONE, Rule.EMAIL, Rule.POLEMIC, Rule.MUNICIPAL, Rule.MILITIA}
    )

    def action(self, rule: Rule) -> Action:
        return self.actions.get(rule, Action.REFUSE)

    @classmethod
    def parse(cls, spec: str) -> CheckPolicy:
        """Build a policy from a setting such as ``"nom=refuser,accusation=moderer"`` (unnamed rules keep
        their default).

        Raises
        ------
        gis.InputError
            For an unknown rule or action.
        """
        actions = dict(cls().actions)
        problems = []
        for item in filter(None, (s.strip() for s in spec.split(","))):
            rule_s, _, action_s = item.partition("=")
            try:
                rule = Rule(rule_s.strip())
                action = Action(action_s.strip())
            except ValueError:
                rules = ", ".join(r.value for r in Rule if r not in _FIXED_RULES)
                problems.append(
                    f"« {item} » : attendu règle=action, règles {rules}, actions {', '.join(a.value for a in Action)}."
                )
                continue
            if rule == Rule.EMERGENCY:
                problems.append("La règle « urgence » n'est pas réglable : un délit en cours n'est jamais publié.")
                continue
            if rule == Rule.MUNICIPAL:
                problems.append("La règle « mairie » n'est pas réglable : une demande pour la mairie va à la mairie.")
                continue
            actions[rule] = action
        if problems:
            raise InputError("Réglage des contrôles d'alertes incorrect.", problems=problems)
        return cls(actions=actions)


DEFAULT_POLICY = CheckPolicy()


@dataclass(frozen=True)
class Finding:
    """One objection to an alert's text: the rule, the passage (and its position), the action, the advice."""

    rule: Rule
    start: int
    end: int
    passage: str
    action: Action | None

    @property
    def message(self) -> str:
        if self.rule == Rule.EMERGENCY:
            return f"« {self.passage} » : {EMERGENCY_MESSAGE}"
        return f"« {self.passage} » : {_ADVICE[self.rule]}."


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one text, with every finding."""

    outcome: Outcome
    findings: tuple[Finding, ...] = ()

    @property
    def rules(self) -> set[Rule]:
        return {f.rule for f in self.findings}

    def explanation(self) -> str:
        """The French explanation given to the author."""
        if self.outcome == Outcome.OK:
            return "Votre alerte peut être publiée."
        if self.outcome == Outcome.EMERGENCY:
            return EMERGENCY_MESSAGE
        if self.outcome == Outcome.MUNICIPAL:
            return MUNICIPAL_MESSAGE
        refused = [f for f in self.findings if f.action == Action.REFUSE]
        moderated = [f for f in self.findings if f.action == Action.MODERATE]
        lines: list[str] = []
        if refused:
            lines.append("Votre alerte ne peut pas être publiée telle quelle. Retirez ou reformulez :")
            lines += [f"  - {f.message}" for f in refused]
        if moderated:
            lines.append(
                "Votre alerte sera relue par un modérateur avant publication, à cause de :"
                if not refused
                else "Ces passages seraient de plus relus par un modérateur :"
            )
            lines += [f"  - {f.message}" for f in moderated]
        return "\n".join(lines)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def check_text(text: str, policy: CheckPolicy = DEFAULT_POLICY, *, official_author: bool = False) -> CheckResult:
    """Run every check over ``text``.

    Parameters
    ----------
    text:
        The alert's text as the author wrote it.
    policy:
        What each rule does (the commune's choice).
    official_author:
        The author posts for the mairie or the gendarmerie (rules in ``policy.official_exempt`` skipped).

    Returns
    -------
    CheckResult
        ``EMERGENCY`` wins over everything; then ``REFUSED`` when any finding refuses; then ``MUNICIPAL``
        (a request for the mairie); then ``MODERATION``. Inside a call to act, a weapon's name alone is no
        emergency: the call is refused with the charter's words.
    """
    findings: list[Finding] = []
    for rule, detect in _DETECTORS.items():
        if official_author and rule in policy.official_exempt:
            continue
        action = None if rule in _FIXED_RULES else policy.action(rule)
        for start, end in _merge(detect(text)):
            findings.append(Finding(rule, start, end, text[start:end].strip(), action))
    if any(f.rule == Rule.MILITIA for f in findings):
        findings = [f for f in findings if not (f.rule == Rule.EMERGENCY and _detectors.weapon_word(f.passage))]
    findings.sort(key=lambda f: (f.start, f.rule))
    if any(f.rule == Rule.EMERGENCY for f in findings):
        outcome = Outcome.EMERGENCY
    elif any(f.action == Action.REFUSE for f in findings):
        outcome = Outcome.REFUSED
    elif any(f.rule == Rule.MUNICIPAL for f in findings):
        outcome = Outcome.MUNICIPAL
    elif findings:
        outcome = Outcome.MODERATION
    else:
        outcome = Outcome.OK
    return CheckResult(outcome, tuple(findings))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed to begin and end on a letter or a digit (empty when there is none)."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def marked_segments(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, marked)`` pieces, the passages of ``spans`` marked (to show the author what
    to change).

    Spans are clipped to the text and merged; a marked piece never holds a line break and begins and ends on a
    letter or a digit (so that any emphasis drawn around it holds), the rest goes to the unmarked pieces.
    Joining the pieces gives ``text`` back.

    Examples
    --------
    >>> marked_segments("Appelez le 06 12 34 56 78.", [(11, 26)])
    [('Appelez le ', False), ('06 12 34 56 78', True), ('.', False)]
    """
    cuts: list[tuple[int, int]] = []
    for start, end in _merge((max(0, s), min(len(text), e)) for s, e in spans if s < e):
        line_start = start
        for line_end in [*(i for i in range(start, end) if text[i] == "\n"), end]:
            a, b = _trimmed(text, line_start, line_end)
            if a < b:
                cuts.append((a, b))
            line_start = line_end + 1
    pieces: list[tuple[str, bool]] = []
    at = 0
    for a, b in cuts:
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


class AlertRefusedError(InputError):
    """An alert the checks stopped (emergency, or passages to remove). The message is for the author."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(result.explanation())


class MunicipalRequestError(AlertRefusedError):
    """A request for the mairie (pothole, street light, rubbish): not posted, the author is sent to the mairie."""


def refusal(result: CheckResult) -> AlertRefusedError:
    """The error stopping an alert the checks did not let through (distinct for a request for the mairie)."""
    return MunicipalRequestError(result) if result.outcome == Outcome.MUNICIPAL else AlertRefusedError(result)


class RateLimitError(InputError):
    """A member posted too many alerts in the period."""


def check_rate(recent_posts: Sequence[datetime], now: datetime, *, max_posts: int, window: timedelta) -> None:
    """Refuse a new post when the member already posted ``max_posts`` alerts within ``window`` before ``now``.

    Raises
    ------
    RateLimitError
        With the time at which the member may post again.
    """
    inside = sorted(t for t in recent_posts if now - window < t <= now)
    if len(inside) >= max_posts:
        free_at = inside[len(inside) - max_posts] + window
        wait = max(1, math.ceil((free_at - now).total_seconds() / 60))
        raise RateLimitError(
            f"Vous avez déjà publié {len(inside)} alertes en {_duration(window)} : c'est la limite. "
            f"Vous pourrez en publier une autre dans {wait} min. En cas d'urgence, appelez le 17."
        )


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "24 h" if days == 1 else f"{days} jours"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"

"""The one table linking a commune's alert categories to the SSMSI indicators (stats._category_links)."""

from __future__ import annotations

import pytest

from alerts._categories import DEFAULT_CATEGORIES, Family
from stats import BY_KEY, CATEGORY_INDICATORS
from stats._category_links import RELATED_BY_CODE, alerts_beside, link_categories, related_indicators


def test_every_default_security_category_is_decided_and_every_key_is_an_indicator():
    security = {c.code for c in DEFAULT_CATEGORIES if c.family == Family.SECURITY}
    assert security == set(RELATED_BY_CODE)
    assert all(key in BY_KEY for keys in RELATED_BY_CODE.values() for key in keys)
    # The exports' label-keyed table is the same table.
    assert CATEGORY_INDICATORS["cambriolage ou tentative"] == ("cambriolages_logement",)
    assert CATEGORY_INDICATORS["démarchage frauduleux"] == ("escroqueries",)


def test_a_renamed_default_category_keeps_its_link_by_code():
    assert related_indicators("cambriolage", "Intrusions <b>chez soi</b>") == ("cambriolages_logement",)
    assert related_indicators("comportement-suspect", "Vol suspect") == ()  # the code decides for a default


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("vol-dans-vehicule", "Vol dans un véhicule", ("vols_dans_vehicules",)),
        ("vol-voiture", "VOITURE VOLÉE", ("vols_de_vehicules",)),
        ("vol-de-vehicule", "Vol de véhicule", ("vols_de_vehicules",)),
        ("retros", "Vol de rétroviseurs", ("vols_accessoires_vehicules",)),
        ("arrache", "Vol à l'arraché", ("vols_violents_sans_arme",)),
        ("cave", "Cambriolage de cave", ("cambriolages_logement",)),
        ("demarchage-suspect", "Démarchage suspect", ("escroqueries",)),
        ("faux-agents", "Faux agents des eaux", ("escroqueries",)),
        ("tags", "Tags / graffitis", ("destructions_degradations",)),
        ("agression", "Agression dans la rue", ("violences_hors_famille",)),
        ("velo", "Vol de vélo", ("vols_sans_violence", "vols_violents_sans_arme", "vols_avec_armes")),
        ("deal", "Point de deal", ("trafic_stupefiants",)),
    ],
)
def test_the_communes_own_categories_by_their_folded_label(code, label, expected):
    assert related_indicators(code, label) == expected
    assert all(key in BY_KEY for key in expected)


@pytest.mark.parametrize("label", ["Nuisances sonores", "Rodéo urbain", "Volontaires pour la fête", "Dépôt sauvage"])
def test_unknown_categories_have_no_equivalent(label):
    assert related_indicators("propre", label) == ()


def test_links_and_the_alerts_beside_each_indicator_with_masking():
    links = link_categories(
        [("cambriolage", "Cambriolage"), ("cave", "Cambriolage de cave"), ("bruit", "Nuisances sonores")]
    )
    assert links.by_indicator["cambriolages_logement"] == ("cambriolage", "cave")
    assert links.without_equivalent == ("bruit",)
    counts = {"cambriolage": 7, "cave": 2, "bruit": 40}
    shown = alerts_beside(["cambriolages_logement", "homicides"], links, counts)
    assert shown["cambriolages_logement"].alerts == 9
    assert shown["homicides"].categories == () and shown["homicides"].alerts == 0
    # A hidden category withholds every sum it is part of (9 - 7 would give it back).
    masked = alerts_beside(["cambriolages_logement"], links, counts, hidden={"cave"})
    assert masked["cambriolages_logement"].alerts is None


def test_the_exports_table_links_the_communes_own_categories_too():
    from datetime import UTC, datetime

    from stats import alerts_frame, categories_beside_ssmsi

    def alert(i: int, code: str, label: str, status: str = "published") -> dict:
        when = datetime(2026, 7, 1, 10, tzinfo=UTC)
        return {"id": i, "category": label, "category_code": code, "sector_code": "A", "created_at": when,
                "published_at": when, "acknowledged_at": None, "acknowledged_by": None, "closed_at": None,
                "gendarmerie_feedback": False, "status": status, "lon": 2.3, "lat": 48.5}  # fmt: skip

    alerts = alerts_frame(
        [
            alert(1, "cambriolage", "Intrusions"),
            alert(2, "vol-voiture", "Vol dans une voiture"),
            alert(3, "bruit", "Nuisances sonores"),
            alert(4, "demande-aide", "Demande d'aide"),
            alert(5, "vol-voiture", "Vol dans une voiture", status="rejected"),
        ]
    )
    table = categories_beside_ssmsi(alerts, [])
    burglary = table[table["category"] == "cambriolage ou tentative"]  # a renamed default, by its code
    assert burglary["alerts"].tolist() == [1] and burglary["indicator"].tolist() == ["Cambriolages de logement"]
    own = table[table["category"] == "vol dans une voiture"]
    assert own["alerts"].tolist() == [1] and own["indicator"].tolist() == ["Vols dans les véhicules"]
    assert table.loc[table["category"] == "nuisances sonores", "indicator"].tolist() == ["sans équivalent SSMSI"]
    assert "demande d'aide" not in set(table["category"])  # solidarity defaults are not compared

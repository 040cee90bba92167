"""Alert categories: the defaults, a commune's adjustments, resolving what a user typed."""

from __future__ import annotations

import pytest

from alerts import DEFAULT_CATEGORIES, Category, CategoryOverrides, Family, effective_categories, resolve_category
from gis import InputError


def test_defaults_cover_the_scheme() -> None:
    by_family = {f: [c.code for c in DEFAULT_CATEGORIES if c.family == f] for f in Family}
    assert len(by_family[Family.SECURITY]) == 6
    assert len(by_family[Family.SOLIDARITY]) == 4
    assert by_family[Family.OFFICIAL] == ["message-mairie", "message-gendarmerie"]
    mairie = next(c for c in DEFAULT_CATEGORIES if c.code == "message-mairie")
    assert mairie.may_be_posted_by("mairie_agent") and not mairie.may_be_posted_by("resident")
    assert not next(c for c in DEFAULT_CATEGORIES if c.code == "message-gendarmerie").may_be_posted_by("mairie_admin")


def test_a_commune_disables_renames_and_adds() -> None:
    overrides = CategoryOverrides(
        disabled=frozenset({"demarchage-frauduleux"}),
        labels={"vol": "Vol ou tentative de vol"},
        extra=(Category("nuisances", "Nuisances sonores", Family.SECURITY),),
    )
    cats = effective_categories(overrides)
    codes = [c.code for c in cats]
    assert "demarchage-frauduleux" not in codes and codes[-1] == "nuisances"
    assert next(c for c in cats if c.code == "vol").label == "Vol ou tentative de vol"


def test_bad_overrides_list_every_problem() -> None:
    with pytest.raises(InputError) as info:
        effective_categories(
            CategoryOverrides(
                disabled=frozenset({"inconnue"}),
                labels={"vol": ""},
                extra=(Category("Vol", "x", Family.SECURITY), Category("vol", "Doublon", Family.SECURITY)),
            )
        )
    assert len(info.value.problems) == 4


@pytest.mark.parametrize("typed", ["vehicule-suspect", "Véhicule suspect", "VEHICULE SUSPECT", " véhicule  suspect "])
def test_resolve_by_code_or_label(typed: str) -> None:
    assert resolve_category(typed, DEFAULT_CATEGORIES).code == "vehicule-suspect"


def test_unknown_category_lists_the_choices() -> None:
    with pytest.raises(InputError, match="Catégorie inconnue") as info:
        resolve_category("incendie", DEFAULT_CATEGORIES)
    assert "cambriolage (Cambriolage ou tentative)" in info.value.problems

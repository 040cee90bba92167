"""services.stats.categories_beside: the SSMSI indicators of a year beside the related app alerts, both backends.

The world of test_stats_db (Bouray in 9 sectors; in 2026: 8 burglaries, 2 thefts, 1 damage published, one
suspicious behaviour rejected, one theft pending), plus a category of the commune's own (« Vol dans une
voiture », one alert published) and one with no equivalent (« Nuisances sonores »), and synthetic SSMSI
figures of the commune and its département for 2025-2026.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alerts_support import who
from stats_support import write_departement_base, write_old_layout
from test_stats_db import CONFIG, INSEE, _utc, world  # noqa: F401  (the fixture)

import services
from services import ServiceError


@pytest.fixture
def served(world, tmp_path: Path):  # noqa: F811
    from alerts import clear_caches, moderate, post_alert
    from services import Actor
    from services.categories import add
    from services.stats import import_ssmsi

    engine = world["engine"]
    services.use_database(engine.url.render_as_string(hide_password=False))
    operator = Actor.operator()
    communal, departmental = tmp_path / "communes.csv", tmp_path / "departements.csv"
    write_old_layout(communal, {INSEE: (2_000, 900.0)}, range(2025, 2027))
    write_departement_base(departmental, ["91"], range(2025, 2027))
    import_ssmsi(operator, communal)
    import_ssmsi(operator, departmental)
    add(operator, INSEE, code="vol-voiture", label="Vol dans une <b>voiture</b>", family="securite")
    add(operator, INSEE, code="bruit", label="Nuisances sonores", family="securite")
    clear_caches()
    lon, lat = world["where"]["b"]
    posted = post_alert(engine, who(engine, "bea@b.fr"), category="vol-voiture",
                        text="Sac volé dans ma voiture garée devant chez moi.", lon=lon, lat=lat,
                        confirm_new=True, config=CONFIG, now=_utc("2026-10-02"))  # fmt: skip
    moderate(engine, posted.alert_id, who(engine, "mairie@bouray.fr"), approve=True, config=CONFIG,
             now=_utc("2026-10-02", 12))  # fmt: skip
    yield world
    services.use_database(None)
    services.reset_engine()


def _by_key(result):
    return {row.key: row for row in result.rows}


def test_the_mairie_sees_every_indicator_beside_the_alerts_of_its_categories(served):
    from services.stats import categories_beside

    result = categories_beside(who(served["engine"], "mairie@bouray.fr"), 2026)
    assert (result.insee, result.year, result.public) == (INSEE, 2026, False)
    rows = _by_key(result)
    assert len(rows) == 14  # every indicator of the commune's file that year
    assert rows["cambriolages_logement"].alerts == 8  # 7 in July, 1 in June; the rejected one does not count
    assert rows["cambriolages_logement"].categories == ("Cambriolage ou tentative",)
    assert rows["vols_sans_violence"].alerts == 2  # the pending theft does not count
    assert rows["destructions_degradations"].alerts == 1  # anonymised since, still counted
    # The commune's own category, matched by its folded label, beside the vehicle thefts' indicator.
    assert rows["vols_dans_vehicules"].categories == ("Véhicule suspect", "Vol dans une <b>voiture</b>")
    assert rows["vols_dans_vehicules"].alerts == 1
    assert rows["trafic_stupefiants"].categories == () and rows["trafic_stupefiants"].alerts == 0
    assert set(result.without_equivalent) == {"Comportement suspect", "Nuisances sonores"}
    burglary = rows["cambriolages_logement"]
    assert burglary.dep_rate is not None and burglary.rate_base == "pour 1 000 logements"
    assert all((r.count is None) == (r.rate is None) for r in result.rows)  # withheld by the SSMSI: both


def test_residents_read_the_public_version(served):
    from services.stats import categories_beside

    result = categories_beside(who(served["engine"], "habitant0@a.fr"), 2026)
    assert result.public and result.min_count == 5
    rows = _by_key(result)
    assert rows["cambriolages_logement"].alerts == 8
    # 2 thefts, 1 damage, 1 theft in a car: under the minimum count, withheld (never shown as 0).
    for key in ("vols_sans_violence", "destructions_degradations", "vols_dans_vehicules"):
        assert rows[key].alerts is None, key
    assert rows["vols_de_vehicules"].alerts == 0  # zero reveals no one
    # The SSMSI figures are open data: the same for everyone.
    staff = _by_key(categories_beside(who(served["engine"], "mairie@bouray.fr"), 2026))
    assert all((rows[k].count, rows[k].dep_rate) == (staff[k].count, staff[k].dep_rate) for k in rows)


def test_the_gendarmerie_only_while_its_access_is_open(served):
    from community import Actor, get_commune, set_gendarmerie_access
    from services.stats import categories_beside
    from store import transaction

    engine = served["engine"]
    gendarmerie = who(engine, "gend@bouray.fr")
    assert _by_key(categories_beside(gendarmerie, 2026))["vols_sans_violence"].alerts == 2  # all figures
    with transaction(engine) as s:
        set_gendarmerie_access(s, Actor.operator(), get_commune(s, INSEE), False)
    with pytest.raises(ServiceError) as refused:
        categories_beside(gendarmerie, 2026)
    assert refused.value.field == "audience"


def test_a_year_without_figures_lists_the_years_available(served):
    from services.stats import categories_beside

    with pytest.raises(ServiceError) as missing:
        categories_beside(who(served["engine"], "mairie@bouray.fr"), 2019)
    assert missing.value.field == "year" and "2025, 2026" in missing.value.message

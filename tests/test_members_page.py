"""« Membres », the mairie's desk, with AppTest on a copy of the demo database, by role.

The admin verifies a sign-up seen on the map, registers someone from a paper form, names and removes a referent,
warns and suspends then lifts, opens the gendarmerie's access, publishes a charter and manages the categories;
the agent acts where the matrix lets them and reads the rest; a referent, a resident and the gendarmerie are
refused the page, and it says so.
"""

from __future__ import annotations

import re

import pytest
from test_staff_pages import ADMIN, AGENT, GENDARMERIE, RESIDENT, _actor, _page, _signed_in_as, account
from test_staff_pages import fresh_db as fresh_db  # the fixture
from xss_corpus import PAYLOADS

from services import Actor
from services import members as member_service
from store.schema import Role

REFERENT = account(Role.REFERENT)
CAMILLE = "habitant@demo.voisinage.fr"  # a verified resident of the first sector
NAME = "<b>Nouveau</b> [lien](http://x.example) ${alert(1)}"


def _sign_up_in_the_first_sector(email: str, name: str = NAME) -> int:
    from services.maps import commune_map

    actor = _actor()
    sector = commune_map(actor).sectors[0]
    point = sector.geometry.representative_point()
    done = member_service.register(Actor.operator(), "91999", email=email, name=name, lon=point.x, lat=point.y)
    return done.member.id


def _errors(app) -> list[str]:
    return [e.value for e in app.error]


def test_admin_verifies_a_pending_sign_up_seen_on_the_map(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    member_id = _sign_up_in_the_first_sector("nouvelle-inscription@demo.voisinage.fr")
    app = _page("membres.py")
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Membres"]
    assert [t.label for t in app.tabs] == ["À vérifier", "Inscription papier", "Référents", "Sanctions", "Commune"]
    assert any(NAME in t.value for t in app.text)  # as typed, as plain text
    assert not any("<b>" in m.value for m in app.markdown)
    app.selectbox(key=f"method-{member_id}").set_value("visite")
    app.button(key=f"verify-{member_id}").click().run()
    assert not app.exception, app.exception
    assert "Inscription vérifiée." in [s.value for s in app.success]
    verified = member_service.view(_actor(), None, "nouvelle-inscription@demo.voisinage.fr")
    assert (verified.status, verified.verification_method) == ("verified", "visite")


def test_admin_refuses_without_reason_then_with_one(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    member_id = _sign_up_in_the_first_sector("douteux@demo.voisinage.fr")
    app = _page("membres.py")
    app.button(key=f"refuse-{member_id}").click().run()
    assert not app.exception
    assert any("motif du refus" in e for e in _errors(app))
    app.text_input(key=f"reason-{member_id}").input("Adresse inconnue de la mairie").run()
    app.button(key=f"refuse-{member_id}").click().run()
    assert member_service.view(_actor(), None, "douteux@demo.voisinage.fr").status == "refused"


def test_paper_sign_up_by_address_then_by_a_point(fresh_db, monkeypatch):
    from services.maps import commune_map

    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)  # registering on paper is the agent's job too
    app = _page("membres.py")
    app.text_input(key="paper-name").input("Mme Papier")
    app.text_input(key="paper-email").input("papier@demo.voisinage.fr")
    app.text_input(key="paper-address").input("12 rue qui n'existe pas")
    app.button(key="FormSubmitter:paper-form-Inscrire").click().run()
    assert not app.exception, app.exception
    assert any("Adresse introuvable" in e or "adresse" in e.lower() for e in _errors(app))  # no BAN in the demo
    point = commune_map(_actor()).sectors[1].geometry.representative_point()
    app.radio(key="paper-where").set_value("Point sur la carte").run()
    app.session_state["paper-point"] = (point.x, point.y)
    app.selectbox(key="paper-method").set_value("dossier")
    app.button(key="FormSubmitter:paper-form-Inscrire").click().run()
    assert not app.exception, app.exception
    assert not _errors(app), _errors(app)
    assert any("inscrit·e (vérifiée)" in s.value for s in app.success)
    assert app.code and len(app.code[0].value) > 20  # the invitation code, shown once
    member = member_service.view(_actor(), None, "papier@demo.voisinage.fr")
    assert (member.status, member.registered_via, member.verification_method) == ("verified", "paper", "dossier")
    assert member.sector_code == commune_map(_actor()).sectors[1].code


def test_admin_names_and_removes_a_referent(fresh_db, monkeypatch):
    from services import referents

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("membres.py")
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert list(table.columns) == ["Secteur", "Code", "Référents", "Places", "Places libres"]
    first = referents.places(_actor(), None)[0]
    app.selectbox(key="assign-sector").set_value(first.code).run()
    options = app.selectbox(key="assign-member").options
    app.selectbox(key="assign-member").select_index(next(i for i, o in enumerate(options) if CAMILLE in o))
    app.button(key="assign").click().run()
    assert not app.exception, app.exception
    assert "Référent nommé." in [s.value for s in app.success]
    named = next(p for p in referents.places(_actor(), None) if p.code == first.code)
    assert CAMILLE in [m.email for m in named.members]
    member_id = next(m.id for m in named.members if m.email == CAMILLE)
    app.button(key=f"end-{first.code}-{member_id}").click().run()
    assert not app.exception, app.exception
    assert CAMILLE not in [m.email for m in referents.places(_actor(), None)[0].members]


def test_admin_warns_suspends_and_lifts_with_reasons(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("membres.py")
    form_member = app.selectbox[[s.label for s in app.selectbox].index("Membre")]
    camille = next(i for i, o in enumerate(form_member.options) if CAMILLE in o)
    form_member.select_index(camille)
    app.text_input[[t.label for t in app.text_input].index("Motif (communiqué au membre)")].input("Propos <i>vifs</i>")
    app.button(key="FormSubmitter:sanction-form-Enregistrer la sanction").click().run()
    assert not app.exception, app.exception
    assert "Avertissement enregistrée." in [s.value for s in app.success], _errors(app)
    app.selectbox[[s.label for s in app.selectbox].index("Membre")].select_index(camille)
    app.radio[[r.label for r in app.radio].index("Sanction")].set_value("suspension")
    app.text_input[[t.label for t in app.text_input].index("Motif (communiqué au membre)")].input("Insultes")
    app.button(key="FormSubmitter:sanction-form-Enregistrer la sanction").click().run()
    assert not app.exception, app.exception
    history = member_service.sanctions(_actor())
    assert [(e.sanction.kind, e.sanction.reason, e.in_force) for e in history] == [
        ("suspension", "Insultes", True),
        ("warning", "Propos <i>vifs</i>", False),
    ]
    shown = next(d.value for d in app.dataframe if "Sanction" in d.value.columns)
    assert list(shown["Motif"]) == ["Insultes", "Propos <i>vifs</i>"]
    app.button(key=f"lift-{history[0].sanction.id}").click().run()
    assert not app.exception, app.exception
    assert member_service.view(_actor(), None, CAMILLE).status == "verified"


def test_admin_runs_the_commune_tab(fresh_db, monkeypatch):
    from services import categories, charter, gendarmerie

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("membres.py")
    app.text_input(key="access-reason").input("Convention signée le 1er décembre")
    app.button(key="access-toggle").click().run()
    assert not app.exception, app.exception
    status = gendarmerie.history(_actor(), None)
    assert status.is_open and status.changes[-1].reason == "Convention signée le 1er décembre"
    assert app.button(key="access-toggle").label == "Fermer l'accès"
    app.text_area(key="charter-text").input("Charte v2 : des faits, pas de noms, pas de photos de personnes.")
    app.button(key="charter-publish").click().run()
    assert not app.exception, app.exception
    after = charter.status(_actor())
    assert after.charter is not None and after.charter.text.startswith("Charte v2")
    assert any(f"Version {after.charter.version}," in t.value for t in app.text)
    app.text_input(key="category-new-code").input("nuisances-sonores")
    app.text_input(key="category-new-label").input("Nuisances <script>sonores</script>")
    app.button(key="FormSubmitter:category-add-Ajouter").click().run()
    assert not app.exception, app.exception
    app.selectbox(key="category-code").set_value("vol")
    app.button(key="FormSubmitter:category-rename-Désactiver ou réactiver").click().run()
    assert not app.exception, app.exception
    listed = {c.code: c for c in categories.listing(_actor())}
    assert listed["nuisances-sonores"].label == "Nuisances <script>sonores</script>" and not listed["vol"].enabled
    app.selectbox(key="category-code").set_value("vol")
    app.button(key="FormSubmitter:category-rename-Renommer").click().run()  # no label: a French error
    assert any("libellé" in e for e in _errors(app))


def test_agent_acts_where_the_matrix_lets_them_and_reads_the_rest(fresh_db, monkeypatch):
    from services import charter

    charter.publish(Actor.operator(), "91999", "Charte de démonstration : des faits, pas de noms.")
    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)
    member_id = _sign_up_in_the_first_sector("attente@demo.voisinage.fr")
    app = _page("membres.py")
    assert not app.exception, app.exception
    keys = {b.key for b in app.button}
    assert f"verify-{member_id}" in keys  # verifies
    assert "assign" not in keys and "access-toggle" not in keys and "charter-publish" not in keys
    assert not [k for k in keys if k and k.startswith("end-")]
    assert "FormSubmitter:category-add-Ajouter" not in keys
    infos = " ".join(i.value for i in app.info)
    assert infos.count("réservé à l'administrateur") == 2  # naming referents, the gendarmerie's access
    assert [r.options for r in app.radio if r.label == "Sanction"] == [["Avertissement", "Suspension"]]
    assert any("membre(s) vérifié(s)" in t.value for t in app.text)  # the charter's acceptances, read


@pytest.mark.parametrize("who", [REFERENT, RESIDENT, GENDARMERIE])
def test_membres_refused_to_others(fresh_db, monkeypatch, who):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("membres.py")
    assert not app.exception
    assert any("pas accessible" in e for e in _errors(app))
    assert not app.button and not app.tabs


def test_membres_in_the_mairie_navigation_only():
    from app_pages._nav import page_list

    def titles(role: Role) -> list[str]:
        return [t for _f, t in page_list(Actor(role=role, member_id=1, commune_id=1), frozenset({"view_stats"}))]

    for role in (Role.MAIRIE_ADMIN, Role.MAIRIE_AGENT):
        assert "Membres" in titles(role) and "Inscriptions à vérifier" not in titles(role)
    for role in (Role.REFERENT, Role.RESIDENT, Role.GENDARMERIE):
        assert "Membres" not in titles(role)
    assert "Inscriptions à vérifier" in titles(Role.REFERENT)


def test_pending_points_layer_escapes_names_and_addresses():
    import folium

    from layers import MapPoint, points_layer

    folium_map = folium.Map(location=[48.5, 2.3])
    points_layer([MapPoint(2.3, 48.5, NAME, "3 rue `${x}` <img src=x onerror=alert(1)>")]).add_to(folium_map)
    page = folium_map.get_root().render()
    assert "<b>Nouveau</b>" not in page and "<img src=x" not in page and "${" not in page
    assert "&lt;b&gt;Nouveau&lt;/b&gt;" in page and "&#36;&#123;x&#125;" in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_pending_points_never_reach_the_map_raw(payload):
    import folium

    from layers import MapPoint, points_layer

    folium_map = folium.Map(location=[48.5, 2.3])
    points_layer([MapPoint(2.3, 48.5, payload, payload)]).add_to(folium_map)
    page = folium_map.get_root().render()
    if set(payload) & set("<>`$\\{}\"'&"):
        assert payload not in page
    for literal in re.findall(r"`(.*?)`", page, flags=re.DOTALL):
        assert "${" not in literal
        assert not re.search(r"<(script|img|svg|a)\b", literal, flags=re.IGNORECASE)


def test_the_xss_corpus_through_every_tab_is_shown_as_typed(fresh_db, monkeypatch):
    from services import categories

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    admin = _actor()
    sample = PAYLOADS[::6]
    for index, payload in enumerate(sample):
        _sign_up_in_the_first_sector(f"xss{index}@demo.voisinage.fr", name=payload[:200])
    member_service.warn(admin, None, CAMILLE, reason=sample[1])
    categories.add(admin, None, code="xss", label=sample[2][:80], family="securite")
    app = _page("membres.py")
    assert not app.exception, app.exception
    kinds = ("markdown", "caption", "success", "info", "warning", "error")
    rendered = [e.value for kind in kinds for e in app.get(kind)]
    rendered += [e.value for e in app.subheader] + [e.value for e in app.title]
    markdown_signs = set("<>`$\\{}[]()*_#!|~")
    for payload in sample:
        if set(payload) & markdown_signs:
            assert not any(payload[:200] in text for text in rendered), payload
    shown = " ".join(t.value for t in app.text)
    assert sum(payload[:200] in shown for payload in sample) == len(sample)  # as plain text, as typed


def a_ban_address(actor: Actor) -> tuple[str, float, float]:
    """``(« numero nom_voie », lon, lat)`` of a numbered BAN address of the demo commune, well inside a sector
    (``actor``: one who reads the commune's map)."""
    from shapely import Point
    from sqlalchemy import select

    from services._core import engine
    from services.maps import commune_map
    from store import transaction
    from store.schema import Address

    inner = [s.geometry.buffer(-0.002) for s in commune_map(actor).sectors]
    with transaction(engine()) as session:
        rows = session.scalars(
            select(Address).where(Address.insee == "91999", Address.numero.is_not(None)).order_by(Address.id)
        ).all()
        row = next(r for r in rows if any(core.contains(Point(r.lon, r.lat)) for core in inner))
        return f"{row.numero} {row.nom_voie}", row.lon, row.lat


def test_paper_sign_up_by_a_ban_address_is_stored_geocoded_in_its_sector(fresh_db, monkeypatch):
    from services import ServiceError
    from services.maps import commune_map
    from services.sectors import locate_point

    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)
    email = "papier-ban@demo.voisinage.fr"
    before = len(member_service.list_members(_actor()))
    app = _page("membres.py")
    app.text_input(key="paper-name").input("M. <i>Adresse</i>")
    app.text_input(key="paper-email").input(email)
    app.text_input(key="paper-address").input("12 rue qui n'existe pas")
    app.button(key="FormSubmitter:paper-form-Inscrire").click().run()
    assert any("Adresse introuvable" in e for e in _errors(app))
    # Nothing half-stored: no member, no pending sign-up, the e-mail still free.
    assert len(member_service.list_members(_actor())) == before
    with pytest.raises(ServiceError):
        member_service.view(_actor(), None, email)

    address, lon, lat = a_ban_address(_actor())
    expected = locate_point(_actor(), "91999", lon, lat)
    assert expected is not None
    app.text_input(key="paper-address").input(address)
    app.button(key="FormSubmitter:paper-form-Chercher l'adresse").click().run()
    assert not app.exception, app.exception
    assert any(t.value.startswith("Adresse trouvée : ") and f"secteur {expected.name}" in t.value for t in app.text)
    app.button(key="FormSubmitter:paper-form-Inscrire").click().run()
    assert not app.exception, app.exception
    assert not _errors(app), _errors(app)
    assert any(
        "inscrit·e (en attente de vérification)" in s.value and f"secteur {expected.code}" in s.value
        for s in app.success
    )
    assert len(member_service.list_members(_actor())) == before + 1
    member = member_service.view(_actor(), None, email)
    assert (member.status, member.registered_via, member.sector_code) == ("pending", "paper", expected.code)
    assert address.split(" ", 1)[1].lower() in member.address.lower()
    # Geocoded at the BAN point, and waiting for verification there (what « À vérifier » puts on its map).
    waiting = next(p for p in member_service.pending(_actor()) if p.member.email == email)
    assert waiting.lon == pytest.approx(lon, abs=1e-6) and waiting.lat == pytest.approx(lat, abs=1e-6)
    assert expected.code in {s.code for s in commune_map(_actor()).sectors}
    app.run()
    assert any("M. <i>Adresse</i>" in t.value for t in app.text)  # listed to verify, as plain text

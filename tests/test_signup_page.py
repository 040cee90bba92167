"""« Inscription » with AppTest: a visitor picks an address among the suggestions, sees their sector, accepts the
charter and lands on « en attente de vérification »; the same answer for a known e-mail; errors beside their field.

A demo database of this module's own (sign-ups change it; the other page tests count pending sign-ups).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_accounts import DEMO_ACCOUNTS
from settings import PROJECT_ROOT

PAGE = str(PROJECT_ROOT / "app_pages" / "inscription.py")
TIMEOUT_S = 120
TYPED = "12 rue des Tilleuls"


@pytest.fixture(scope="module")
def signup_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from app_support import build_database

    return build_database(tmp_path_factory.mktemp("signup"))


@pytest.fixture
def visitor(signup_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from services import reset_engine
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_DATABASE_URL", signup_db)
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    yield signup_db
    get_settings.cache_clear()
    reset_engine()


def _texts(app: AppTest) -> str:
    return " ".join(
        [e.value for e in app.title]
        + [e.value for e in app.subheader]
        + [e.value for e in app.markdown]
        + [str(e.value) for e in app.success]
        + [str(e.value) for e in app.warning]
        + [str(e.value) for e in app.error]
        + [str(e.value) for e in app.text]
    )


def _fill(app: AppTest, *, typed: str = TYPED, pick: bool = True, accept: bool = True, email: str, name: str = "Nina"):
    app.text_input(key="signup_typed").input(typed).run()
    assert not app.exception
    if pick:
        box = app.selectbox(key="signup_address")
        box.select(box.options[0]).run()
        assert not app.exception
    if accept:
        app.checkbox(key="signup_charter").check().run()
    app.text_input(key="signup_name").input(name)
    app.text_input(key="signup_email").input(email)
    app.button(key="signup_submit").click().run()
    assert not app.exception
    return app


def _members(status: str = "pending") -> dict[str, object]:
    from services import Actor
    from services.members import list_members

    return {m.email: m for m in list_members(Actor.operator(), "91999", status=status)}


def test_a_visitor_signs_up_and_lands_on_pending(visitor):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Inscription" in _texts(app) and "Charte de la participation citoyenne" in _texts(app)
    app.text_input(key="signup_typed").input(TYPED).run()
    options = app.selectbox(key="signup_address").options
    assert options[0].startswith("12 Rue des Tilleuls")
    app.selectbox(key="signup_address").select(options[0]).run()
    assert not app.exception
    assert "Votre secteur : Secteur" in _texts(app)
    _fill(app, email="nina@exemple.fr")
    assert "en attente de vérification" in _texts(app)
    assert "/auth/invitation" in " ".join(str(e.proto) for e in app.get("html"))
    member = _members()["nina@exemple.fr"]
    assert member.address.startswith("12 Rue des Tilleuls") and member.sector_code  # type: ignore[attr-defined]


def test_an_unknown_address_is_refused_beside_the_address(visitor):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    _fill(app, typed="999 impasse qui n'existe pas xyz", pick=False, email="sans.adresse@exemple.fr")
    assert "Aucune adresse de la commune ne correspond" in _texts(app)
    assert any("adresse" in e.value.lower() for e in app.error)
    assert "en attente de vérification" not in _texts(app)
    assert "sans.adresse@exemple.fr" not in _members()


def test_the_charter_must_be_accepted(visitor):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    _fill(app, accept=False, email="sans.charte@exemple.fr")
    assert any("charte" in e.value for e in app.error)
    assert "sans.charte@exemple.fr" not in _members()


def test_a_known_e_mail_gets_the_same_answer(visitor):
    known = DEMO_ACCOUNTS[0].email
    answers = []
    for email in (known, "toute.nouvelle@exemple.fr"):
        app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
        _fill(app, email=email, name="<img src=x onerror=alert(1)>")
        answers.append(_texts(app).replace(email, "EMAIL"))
    assert answers[0] == answers[1] and "en attente de vérification" in answers[0]
    assert known not in _members()  # the known account untouched, still verified
    assert _members("verified")[known].name != "<img src=x onerror=alert(1)>"  # type: ignore[attr-defined]


def test_the_welcome_and_sign_in_pages_link_to_the_sign_up(visitor):
    from server._html import login_page

    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "accueil.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert 'href=\\"/inscription\\"' in " ".join(str(e.proto) for e in app.get("html"))
    assert 'href="/inscription"' in login_page("jeton")

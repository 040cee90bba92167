"""« Signaler » with AppTest: the commune's own categories, an address picked among the suggestions, the checks'
objections shown beside the text with the passages in bold, user text inert (escaped Markdown, never HTML).

A demo database of this module's own (the tests change the commune's categories).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_accounts import DEMO_ACCOUNTS
from settings import PROJECT_ROOT

PAGE = str(PROJECT_ROOT / "app_pages" / "signaler.py")
TIMEOUT_S = 120
RESIDENT = DEMO_ACCOUNTS[0]
ADMIN = next(a for a in DEMO_ACCOUNTS if a.role.value == "mairie_admin")


@pytest.fixture(scope="module")
def signaler_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from app_support import build_database

    return build_database(tmp_path_factory.mktemp("signaler"))


@pytest.fixture
def resident(signaler_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from app_pages import _session
    from services import reset_engine
    from services.auth import sign_in
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_DATABASE_URL", signaler_db)
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    token = sign_in(RESIDENT.email, RESIDENT.password).token
    monkeypatch.setattr(_session, "session_token", lambda: token)
    yield signaler_db
    get_settings.cache_clear()
    reset_engine()


def _post(app: AppTest, text: str, *, address: str = "12 rue des Tilleuls") -> AppTest:
    app.text_input(key="post_address").input(address).run()
    box = app.selectbox(key="post_suggestion")
    box.select(box.options[0]).run()
    app.text_area(key="post_text").input(text)
    app.button(key="post_submit").click().run()
    assert not app.exception
    return app


def test_the_categories_are_the_commune_s_own(resident):
    from services import categories
    from services.auth import act_for

    admin = act_for(ADMIN.email, operator="tests")
    categories.rename(admin, None, "vol", "Vol à la roulotte")
    categories.set_enabled(admin, None, "cambriolage", False)
    categories.add(admin, None, code="depot-sauvage-suspect", label="Dépôt suspect", family="securite")
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    labels = app.selectbox(key="post_category").options
    assert "Vol à la roulotte" in labels and "Dépôt suspect" in labels
    assert "Cambriolage ou tentative" not in labels and "Vol" not in labels
    assert "Message de la mairie" not in labels  # not a resident's to post


def test_an_address_suggestion_places_the_alert(resident):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    _post(app, "Une camionnette sans plaque tourne lentement dans la rue depuis une heure ce matin.")
    assert not app.error[1:], [e.value for e in app.error]  # only the emergency banner
    assert "publiée" in app.success[0].value or "relecture" in app.success[0].value


def test_the_passages_to_change_are_shown_in_bold_and_user_text_is_inert(resident):
    payload = '<img src=x onerror="window.__pwned=1"> [clic](javascript:alert(1))'
    text = f"{payload} Un homme a sonné partout, appelez-moi au 06 12 34 56 78 pour en parler."
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    _post(app, text)
    errors = [e.value for e in app.error[1:]]
    assert errors and "06 12 34 56 78" in errors[0] and "téléphone" in errors[0]
    shown = [m.value for m in app.markdown if "06 12 34 56 78" in m.value]
    assert shown, [m.value for m in app.markdown]
    assert "**06 12 34 56 78**" in shown[0]  # the passage in bold
    # The payload as typed, every Markdown and HTML sign escaped: no tag, no link.
    assert "\\<img src\\=x onerror\\=" in shown[0] and "\\[clic\\]\\(javascript\\:alert\\(1\\)\\)" in shown[0]
    assert "<img" not in shown[0].replace("\\<img", "")
    assert not any("onerror" in str(h.proto) for h in app.get("html"))
    assert app.text_area(key="post_text").value == text  # kept, to be corrected


def test_a_commune_name_goes_into_titles_as_typed(resident):
    from sqlalchemy import text as sql

    from app_pages._staff import plain
    from store import make_engine

    name = "Orsay **gras** [lien](http://x.test) ![i](http://x.test/i.png)"
    engine = make_engine(resident)
    with engine.begin() as conn:
        conn.execute(sql("UPDATE communes SET name = :name"), {"name": name})
    engine.dispose()
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "mon_secteur.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert app.title[0].value == f"Mon secteur — {plain(name)}"
    signup = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "inscription.py"), default_timeout=TIMEOUT_S).run()
    assert not signup.exception
    assert f"1. Votre adresse à {plain(name)}" in [s.value for s in signup.subheader]


def test_a_mistyped_page_gets_a_french_page_of_its_own():
    from app_pages._nav import page_list, unknown_path

    public = page_list(None)
    assert unknown_path("http://127.0.0.1:8501/inscriptoin", public) == "inscriptoin"
    assert unknown_path("http://127.0.0.1:8501/signaler", public) == "signaler"  # a member page, for a visitor
    assert unknown_path("http://127.0.0.1:8501/inscription", public) is None
    assert unknown_path("http://127.0.0.1:8501/", public) is None
    assert unknown_path(None, public) is None
    assert unknown_path("http://127.0.0.1:8501/%3Cscript%3E", public) is None  # not a page path: Streamlit's own

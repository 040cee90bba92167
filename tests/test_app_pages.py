"""The Streamlit pages with AppTest (no browser): what each role sees, and nothing for a visitor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_accounts import DEMO_ACCOUNTS
from settings import PROJECT_ROOT

SCRIPT = str(PROJECT_ROOT / "streamlit_app.py")
RESIDENT = DEMO_ACCOUNTS[0]
TIMEOUT_S = 120


@pytest.fixture
def app_db(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from services import reset_engine
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    yield demo_db_url
    get_settings.cache_clear()
    reset_engine()


def _signed_in_as(monkeypatch: pytest.MonkeyPatch, email: str, password: str) -> str:
    """Sign in through the service, and hand the token to the pages as the browser's cookie would."""
    from app_pages import _session
    from services.auth import sign_in

    token = sign_in(email, password).token
    monkeypatch.setattr(_session, "session_token", lambda: token)
    return token


def _texts(app: AppTest) -> str:
    return " ".join(
        [e.value for e in app.title] + [e.value for e in app.markdown] + [str(e.value) for e in app.warning]
    )


def test_visitor_sees_the_welcome_page_only(app_db):
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Voisinage" in _texts(app)
    assert "/auth/login" in _texts(app)
    assert "Mon secteur" not in _texts(app)


def test_visitor_cannot_reach_a_member_page(app_db):
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "mon_secteur.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "pas connecté" in _texts(app)


def test_resident_sees_their_sector(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    texts = _texts(app)
    assert "Mon secteur — Commune de démonstration" in texts
    assert "Votre secteur : Secteur" in texts


def test_revoked_session_shows_nothing(app_db, monkeypatch):
    from services.auth import sign_out

    token = _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    sign_out(token)
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Mon secteur" not in _texts(app)


def test_account_page_links_to_sign_out(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "compte.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "/auth/logout" in _texts(app)


def test_password_reset_token_sets_a_new_password(app_db):
    from services.auth import request_password_reset, sign_in
    from services.members import accept_invitation

    assert request_password_reset("personne@example.org") is None
    account = DEMO_ACCOUNTS[1]
    token = request_password_reset(account.email)
    assert token
    accept_invitation(token, "Peuplier-Orsay-2027")
    assert sign_in(account.email, "Peuplier-Orsay-2027").token
    accept_invitation(request_password_reset(account.email) or "", account.password)  # back, for other tests

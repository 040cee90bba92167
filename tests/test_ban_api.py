"""The online BAN API adapter, against a local HTTP server started here (tests never touch the internet)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from gis import BanApiGeocoder, GeocoderUnavailableError, InputError

FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.352659, 48.829819]},
    "properties": {
        "label": "32 Rue Gérard 75013 Paris",
        "score": 0.97,
        "housenumber": "32",
        "id": "75113_4162_00032",
        "type": "housenumber",
        "street": "Rue Gérard",
        "postcode": "75013",
        "citycode": "75113",
        "city": "Paris",
    },
}


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, list[str]]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = parse_qs(url.query)
        self.seen.append((url.path, params))
        if url.path.startswith("/broken/"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"not json")
            return
        if url.path == "/reverse/":
            feature = {**FEATURE, "properties": {**FEATURE["properties"], "distance": 3}}
            body = {"type": "FeatureCollection", "features": [feature]}
        else:
            body = {"type": "FeatureCollection", "features": [FEATURE] if "gerard" in params["q"][0].lower() else []}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_search_and_reverse(server):
    api = BanApiGeocoder(server, timeout_s=2)
    [hit] = api.search("32 rue Gerard", insee="75113")
    assert (hit.label, hit.ban_id, hit.numero, hit.insee) == (
        "32 Rue Gérard 75013 Paris",
        "75113_4162_00032",
        32,
        "75113",
    )
    assert (hit.lon, hit.lat, hit.score) == (2.352659, 48.829819, 0.97)
    assert _Handler.seen[0] == ("/search/", {"q": ["32 rue Gerard"], "citycode": ["75113"], "limit": ["1"]})
    assert api.search("nulle part", insee="75113") == []
    near = api.reverse(2.35266, 48.82982)
    assert near is not None and near.distance_m == 3


def test_unreachable_or_broken_service_gives_a_french_error(server):
    with pytest.raises(GeocoderUnavailableError, match="ne répond pas"):
        BanApiGeocoder("http://127.0.0.1:9", timeout_s=0.5).search("32 rue Gerard")
    with pytest.raises(InputError, match="ne répond pas"):
        BanApiGeocoder(server + "/broken", timeout_s=2).search("32 rue Gerard")


def test_cli_uses_the_online_api_when_the_setting_says_so(server, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from cli import app
    from settings import get_settings
    from store import make_engine, upgrade

    db = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    upgrade(make_engine(db))
    monkeypatch.setenv("VOISINAGE_GEOCODER", "ban_api")
    monkeypatch.setenv("VOISINAGE_BAN_API_URL", server)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["--db", db, "geocode", "--commune", "75113", "32 rue gerard"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "32 Rue Gérard 75013 Paris;2.352659;48.829819;0.970;"
    assert _Handler.seen[-1][0] == "/search/"

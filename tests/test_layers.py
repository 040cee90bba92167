"""Map layers: user text escaped for HTML and JS template strings, no CDN, tiles setting (no browser)."""

from __future__ import annotations

import html
import re

import pytest
import shapely
from xss_corpus import PAYLOADS

from gis import InputError
from layers import (
    ASSET_ROUTE,
    HeatCell,
    MapAlert,
    SectorShape,
    alerts_layer,
    base_map,
    commune_outline,
    heat_layer,
    localize,
    map_text,
    problems_layer,
    sectors_layer,
    streets_layer,
    tile_spec,
)

BOX = shapely.box(2.15, 48.68, 2.20, 48.71)


def _rendered(*texts: str) -> str:
    folium_map = base_map(BOX.bounds, tile_spec("none"))
    name = " ".join(texts)
    commune_outline(name, BOX).add_to(folium_map)
    sectors_layer([SectorShape("A", name, shapely.box(2.15, 48.68, 2.17, 48.70))], home={"A"}).add_to(folium_map)
    alerts_layer([MapAlert(2.16, 48.69, name, name, name)]).add_to(folium_map)
    return folium_map.get_root().render()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_map_text_leaves_nothing_active(payload):
    escaped = map_text(payload)
    assert not set(escaped) & set("<>`$\\{}\"'")
    assert html.unescape(escaped) == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_never_reaches_the_page_raw(payload):
    page = _rendered(payload)
    if set(payload) & set("<>`$\\{}\"'&"):
        assert payload not in page
    assert "__pwned" in page  # the text is there, shown as text
    # In folium's JS template strings (popups, tooltips) no interpolation and no tag from the user survive.
    for literal in re.findall(r"`(.*?)`", page, flags=re.DOTALL):
        assert "${" not in literal
        assert not re.search(r"<(script|img|svg|a)\b", literal, flags=re.IGNORECASE)


def test_text_is_shown_as_typed():
    text = "Vélo volé `rue` ${x} \\ <b>"
    assert html.unescape(map_text(text)) == text


def test_no_third_party_url_in_a_map():
    html = _rendered("Orsay")
    heat = base_map(BOX.bounds, tile_spec("none"))
    heat_layer([HeatCell(2.16, 48.69, 4), HeatCell(2.17, 48.7, 1)]).add_to(heat)
    streets_layer(shapely.LineString([(2.15, 48.68), (2.2, 48.71)])).add_to(heat)
    for page in (html, heat.get_root().render()):
        assert re.findall(r"https?://[^\s\"'`)]+", page) == []
        assert f"{ASSET_ROUTE}/leaflet/leaflet.js" in page
    assert f"{ASSET_ROUTE}/leaflet.heat/leaflet-heat.js" in heat.get_root().render()


def test_localize_refuses_an_unknown_cdn_resource():
    import folium

    folium_map = folium.Map(tiles=None)
    marker = folium.Marker([48.7, 2.18]).add_to(folium_map)
    marker.default_js = [("mystery", "https://cdn.example.org/mystery.js")]
    with pytest.raises(ValueError, match="mystery"):
        localize(folium_map)


def test_sector_home_highlighted_and_named():
    layer = sectors_layer([SectorShape("A", "Les Ulis <nord>", BOX), SectorShape("B", "Sud", BOX)], home={"B"})
    folium_map = base_map(BOX.bounds, tile_spec("none"))
    layer.add_to(folium_map)
    html = folium_map.get_root().render()
    assert "Les Ulis &lt;nord&gt;" in html
    assert html.count('"#b91c1c"') >= 1  # the home sector's colour, once


def test_drawing_toolbar_speaks_french_before_it_is_made():
    from folium.plugins import Draw

    from layers import FrenchDrawLabels

    folium_map = base_map(BOX.bounds, tile_spec("none"))
    FrenchDrawLabels().add_to(folium_map)
    Draw().add_to(folium_map)
    html = folium_map.get_root().render()
    assert '"text": "Terminer"' in html and '"text": "Enregistrer"' in html
    assert html.index("L.drawLocal = ") < html.index("new L.Control.Draw")


def test_sector_names_written_on_the_map_when_asked():
    plain_map, labelled = (base_map(BOX.bounds, tile_spec("none")) for _ in range(2))
    shapes = [SectorShape("A", "Les Ulis <nord> ${x}", BOX)]
    sectors_layer(shapes).add_to(plain_map)
    sectors_layer(shapes, labels=True).add_to(labelled)
    assert '"permanent": true' not in plain_map.get_root().render()
    html = labelled.get_root().render()
    assert '"permanent": true' in html and '"direction": "center"' in html
    assert "Les Ulis &lt;nord&gt; &#36;&#123;x&#125;" in html or "${x}" not in html


@pytest.mark.parametrize(
    ("setting", "origin"),
    [
        ("none", None),
        ("", None),
        ("ign", "https://data.geopf.fr"),
        ("osm", "https://tile.openstreetmap.org"),
        ("https://tiles.example.fr:8443/{z}/{x}/{y}.png", "https://tiles.example.fr:8443"),
    ],
)
def test_tile_settings(setting, origin):
    assert tile_spec(setting).origin == origin


@pytest.mark.parametrize("bad", ["ftp://x/{z}/{x}/{y}", "https://x/tiles.png", "javascript:alert(1)//{z}{x}{y}"])
def test_bad_tile_template_is_refused_in_french(bad):
    with pytest.raises(InputError, match="fonds de carte") as caught:
        tile_spec(bad)
    assert caught.value.field == "map_tiles"


def test_tiles_layer_when_tiles_are_on():
    html = base_map(BOX.bounds, tile_spec("osm")).get_root().render()
    assert "tile.openstreetmap.org" in html


def test_many_sectors_sent_as_one_light_layer():
    shapes = [
        SectorShape(
            f"S{i}", f"Secteur <{i}>", shapely.box(2.1512345678 + i * 0.01, 48.68, 2.1587654321 + i * 0.01, 48.7)
        )
        for i in range(3)
    ]
    folium_map = base_map(BOX.bounds, tile_spec("none"))
    sectors_layer(shapes, home={"S1"}, labels=True).add_to(folium_map)
    html = folium_map.get_root().render()
    assert html.count("L.geoJson(") == 1  # one layer for every sector, not one each
    assert "2.1512345678" not in html and "2.151235" in html  # coordinates rounded for display (0.1 m)
    for i in range(3):
        assert f"Secteur &lt;{i}&gt;" in html  # each sector's name, escaped, as its label
    assert html.count('"#b91c1c"') == 1  # the home sector's style, once


def test_problems_sent_as_one_layer_with_their_labels():
    folium_map = base_map(BOX.bounds, tile_spec("none"))
    problems = [
        (f"Chevauchement <{i}>", shapely.geometry.mapping(shapely.box(2.15 + i / 100, 48.68, 2.16 + i / 100, 48.69)))
        for i in range(4)
    ]
    problems_layer(problems).add_to(folium_map)
    html = folium_map.get_root().render()
    assert html.count("L.geoJson(") == 1
    assert all(f"Chevauchement &lt;{i}&gt;" in html for i in range(4))

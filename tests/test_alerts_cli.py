"""``voisinage alerts``: post, feed, moderate through the CLI runner (exit 2 + French message on bad input)."""

from __future__ import annotations

import json

import pytest
from alerts_support import BOURAY, add_member, build_world, count_rows, inner_point
from sqlalchemy import select
from typer.testing import CliRunner

from cli import app
from store import import_ban, transaction
from store.schema import Alert, Commune

runner = CliRunner()


@pytest.fixture
def world(engine, shared_file):
    return build_world(engine, shared_file)


def _run(world, *args: str):
    url = world["engine"].url.render_as_string(hide_password=False)
    return runner.invoke(app, ["--db", url, "alerts", *args])


def _count(world) -> int:
    return count_rows(world, Alert)


def _where(world, sector: str = "A1") -> list[str]:
    lon, lat = inner_point(world["geoms"][(BOURAY, sector)])
    return ["--lon", str(lon), "--lat", str(lat)]


def test_post_feed_and_idempotent_retry(world) -> None:
    args = ["post", "--as", "alice@a.fr", *_where(world), "--category", "vol", "--text", "Vélo volé.", "--key", "k1"]
    first = _run(world, *args)
    assert first.exit_code == 0, first.stderr
    posted = json.loads(first.stdout)
    assert posted["status"] == "published" and posted["created"] and posted["sectors"] == ["A1"]
    assert "publiée" in first.stderr
    again = _run(world, *args)
    assert again.exit_code == 0 and json.loads(again.stdout)["id"] == posted["id"]
    assert not json.loads(again.stdout)["created"] and _count(world) == 1
    lines = _run(world, "feed", "--as", "alice@a.fr").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [posted["id"]]
    assert _run(world, "feed", "--as", "bob@a.fr").stdout == ""


def test_refused_post_exits_2_with_the_explanation_and_stores_nothing(world) -> None:
    result = _run(
        world, "post", "--as", "alice@a.fr", *_where(world), "--category", "vehicule-suspect",
        "--text", "Clio AB-123-CD conduite par M. Dupont.",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : Votre alerte ne peut pas être publiée telle quelle")
    assert "« AB-123-CD »" in result.stderr and "« M. Dupont »" in result.stderr
    assert _count(world) == 0
    emergency = _run(
        world, "post", "--as", "alice@a.fr", *_where(world), "--category", "cambriolage",
        "--text", "Ils sont en train de forcer la porte des voisins !",
    )  # fmt: skip
    assert emergency.exit_code == 2 and "appelez le 17" in emergency.stderr and _count(world) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--category", "vol", "--text", "x"], "indiquez le lieu"),
        (["--category", "vol", "--text", "x", "--address", "1 rue X", "--lon", "2.3"], "pas les deux"),
        (["--category", "inconnue", "--text", "Vélo volé.", "--lon", "2.29", "--lat", "48.51"], "Catégorie inconnue"),
        (["--category", "vol", "--text", "Vélo volé.", "--lon", "48.51", "--lat", "2.29"], "Erreur :"),
    ],
)
def test_bad_input_exits_2(world, args: list[str], message: str) -> None:
    result = _run(world, "post", "--as", "alice@a.fr", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert _count(world) == 0


def test_moderate_approve_reject_widen(world) -> None:
    pending = json.loads(
        _run(world, "post", "--as", "claire@a.fr", *_where(world), "--category", "vol", "--text", "Vélo volé.").stdout
    )
    assert pending["status"] == "pending"
    denied = _run(world, "moderate", str(pending["id"]), "--as", "alice@a.fr", "--approve")
    assert denied.exit_code == 2 and "rôle" in denied.stderr
    ok = _run(world, "moderate", str(pending["id"]), "--as", "ref@a.fr", "--approve")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "published"
    wide = _run(world, "moderate", str(pending["id"]), "--as", "mairie@a.fr", "--widen", "C3,B1", "--widen", "A2")
    assert json.loads(wide.stdout)["sectors"] == ["A1", "A2", "B1", "C3"]
    bad = _run(world, "moderate", str(pending["id"]), "--as", "mairie@a.fr", "--widen", "Z9")
    assert bad.exit_code == 2 and "« Z9 »" in bad.stderr
    other = json.loads(
        _run(
            world, "post", "--as", "claire@a.fr", *_where(world, "C3"), "--category", "vol", "--text", "Sac volé."
        ).stdout
    )
    rejected = _run(world, "moderate", str(other["id"]), "--as", "mairie@a.fr", "--reject", "Trop vague")
    assert json.loads(rejected.stdout)["status"] == "rejected"


def test_post_by_address_on_real_ban_rows(engine, shared_file) -> None:
    """Paris 13e (real BAN rows): posting by address, and the street segment shown to a neighbour."""
    from alerts_support import register_gridded
    from members_support import BAN_FILE, hull_boundary

    from alerts import clear_caches

    clear_caches()
    path = shared_file(BAN_FILE)
    import_ban(engine, path)
    with transaction(engine) as s:
        commune = register_gridded(s, "75113", "Paris 13e", hull_boundary(path), 1, 1)
        add_member(s, commune, "zoe@p.fr", sector="A1")
        add_member(s, commune, "yves@p.fr", sector="A1")
        assert s.scalar(select(Commune.id).where(Commune.insee == "75113")) == commune.id
    url = engine.url.render_as_string(hide_password=False)
    posted = runner.invoke(
        app, ["--db", url, "alerts", "post", "--as", "zoe@p.fr", "--address", "32 rue Gerard", "--category",
              "objet-perdu-trouve", "--text", "Trousseau de clés trouvé sur le trottoir."],
    )  # fmt: skip
    assert posted.exit_code == 0, posted.stderr
    seen = [
        json.loads(line)
        for line in runner.invoke(app, ["--db", url, "alerts", "feed", "--as", "yves@p.fr"]).stdout.splitlines()
    ]
    assert len(seen) == 1
    assert seen[0]["location"]["kind"] == "segment"
    assert seen[0]["location"]["label"].startswith("Rue Gérard (n° ")
    mine = json.loads(runner.invoke(app, ["--db", url, "alerts", "feed", "--as", "zoe@p.fr"]).stdout)
    assert mine["location"]["kind"] == "exact" and "32 Rue Gérard" in mine["location"]["label"]

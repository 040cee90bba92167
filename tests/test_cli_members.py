"""The operator's commands (CliRunner), on both backends: output, French errors with status 2, nothing stored."""

from __future__ import annotations

import json

import pytest
from members_support import BAN_FILE, GOOD_PASSWORD, bind_world, build_world
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from store import transaction
from store.schema import Address, AuditEntry, GendarmerieAccessChange, Member

pytestmark = pytest.mark.shared_data
runner = CliRunner()


def run(db_url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["--db", db_url, *args], input=input)


@pytest.fixture
def world(db_url, engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    return db_url


def _members(engine) -> int:
    with transaction(engine) as session:
        bind_world(session)
        return session.scalar(select(func.count()).select_from(Member))


def test_addresses_import_and_geocode(db_url, engine, shared_file):
    path = shared_file(BAN_FILE)
    first = run(db_url, "addresses", "import", str(path))
    assert first.exit_code == 0, first.stderr
    assert "55 adresses lues : 55 ajoutées, 0 mises à jour" in first.stderr
    again = run(db_url, "addresses", "import", str(path))
    assert "0 ajoutées, 55 mises à jour" in again.stderr
    found = run(db_url, "geocode", "--commune", "75113", "32 r. gerard")
    assert found.exit_code == 0, found.stderr
    label, lon, lat, score, sector = found.stdout.strip().split(";")
    assert label == "32 Rue Gérard 75013 Paris 13e Arrondissement"
    assert (float(lon), float(lat)) == pytest.approx((2.352659, 48.829819), abs=1e-6)
    assert float(score) > 0.9 and sector == ""  # commune not registered: no sector
    missing = run(db_url, "geocode", "--commune", "75113", "12 avenue des Champs-Élysées")
    assert missing.exit_code == 2 and "Erreur : Adresse introuvable" in missing.stderr


def test_geocode_prints_the_sector(world):
    result = run(world, "geocode", "--commune", "75113", "6 rue du pere guerin")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(";Secteur 2")


def test_malformed_ban_file_exit_2_nothing_stored(db_url, engine, shared_file, tmp_path):
    bad = tmp_path / "ban.csv"
    bad.write_text(shared_file(BAN_FILE).read_text(encoding="utf-8").replace(";", ","), encoding="utf-8")
    result = run(db_url, "addresses", "import", str(bad))
    assert result.exit_code == 2 and "Erreur : " in result.stderr and "« ; »" in result.stderr
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Address)) == 0


def test_members_lifecycle(world, engine):
    added = run(
        world,
        "members",
        "add",
        "--commune",
        "75113",
        "--email",
        "alice@example.fr",
        "--name",
        "Alice",
        "--address",
        "32 rue Gérard",
        "--password-stdin",
        input=GOOD_PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.stderr
    assert added.stdout == "" and "secteur S1" in added.stderr
    invited = run(
        world,
        "members",
        "add",
        "--commune",
        "75113",
        "--email",
        "bob@example.fr",
        "--name",
        "Bob",
        "--lon",
        "2.354428",
        "--lat",
        "48.830467",
    )
    assert invited.exit_code == 0, invited.stderr
    assert len(invited.stdout.strip()) >= 20  # the invitation token
    listing = run(world, "members", "list", "--commune", "75113")
    assert listing.stdout.splitlines() == [
        "email;role;sector;status",
        "alice@example.fr;resident;S1;pending",
        "bob@example.fr;resident;S2;pending",
    ]
    assert run(world, "members", "verify", "--commune", "75113", "alice@example.fr").exit_code == 0
    refused = run(world, "members", "refuse", "--commune", "75113", "bob@example.fr", "--reason", "Inconnu")
    assert refused.exit_code == 0
    suspended = run(
        world,
        "members",
        "suspend",
        "--commune",
        "75113",
        "alice@example.fr",
        "--until",
        "2099-01-01",
        "--reason",
        "Propos injurieux",
    )
    assert suspended.exit_code == 0, suspended.stderr
    listing = run(world, "members", "list", "--commune", "75113")
    assert "alice@example.fr;resident;S1;suspended" in listing.stdout
    assert "bob@example.fr;resident;S2;refused" in listing.stdout
    exported = run(world, "members", "export", "--commune", "75113", "alice@example.fr")
    data = json.loads(exported.stdout)
    assert data["account"]["email"] == "alice@example.fr" and data["sanctions"][0]["kind"] == "suspension"
    deleted = run(world, "members", "delete", "--commune", "75113", "alice@example.fr")
    assert deleted.exit_code == 0 and "supprimé" in deleted.stderr
    assert "alice" not in run(world, "members", "list", "--commune", "75113").stdout
    with transaction(engine) as session:
        bind_world(session)
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "member").order_by(AuditEntry.id)
        ).all()
        labels = set(
            session.scalars(select(AuditEntry.actor_label).where(AuditEntry.object_type.in_(["member", "member_list"])))
        )
    assert actions == ["created", "created", "changed", "changed", "exported", "deleted"]
    assert labels and all(label.startswith("opérateur CLI (") for label in labels)


def test_staff_and_referents(world, engine):
    for i in range(3):
        result = run(
            world,
            "members",
            "add",
            "--commune",
            "75113",
            "--email",
            f"r{i}@example.fr",
            "--name",
            f"R{i}",
            "--address",
            f"{32 + i} rue Gérard",
            "--role",
            "referent",
            "--sector",
            "Secteur 1",
        )
        if i < 2:
            assert result.exit_code == 0, result.stderr
        else:
            assert result.exit_code == 2 and "maximum prévu (2)" in result.stderr
    assert _members(engine) == 2  # the third was not half-stored
    staffing = run(world, "referents", "list", "--commune", "75113")
    assert staffing.stdout.splitlines()[1:] == ["S1;Secteur 1;2;2", "S2;Secteur 2;0;2"]
    assert "Secteurs sans référent : Secteur 2." in staffing.stderr
    agent = run(
        world,
        "members",
        "add",
        "--commune",
        "75113",
        "--email",
        "agent@mairie.fr",
        "--name",
        "Agent",
        "--role",
        "mairie-agent",
    )
    assert agent.exit_code == 0, agent.stderr
    assert (
        run(
            world,
            "members",
            "add",
            "--commune",
            "75113",
            "--email",
            "z@example.fr",
            "--name",
            "Z",
            "--address",
            "36 rue Gérard",
        ).exit_code
        == 0
    )
    run(world, "members", "verify", "--commune", "75113", "z@example.fr", "--method", "document")
    assigned = run(world, "referents", "assign", "--commune", "75113", "--sector", "S2", "z@example.fr")
    assert assigned.exit_code == 0, assigned.stderr
    assert "Secteurs sans référent : aucun." in run(world, "referents", "list", "--commune", "75113").stderr


def test_gendarmerie_open_close(world, engine):
    assert run(world, "gendarmerie", "status", "--commune", "75113").stdout.strip() == "fermé"
    opened = run(world, "gendarmerie", "open", "--commune", "75113", "--reason", "convention")
    assert opened.exit_code == 0 and "ouvert" in opened.stderr
    assert "déjà ouvert" in run(world, "gendarmerie", "open", "--commune", "75113").stderr
    assert run(world, "gendarmerie", "close", "--commune", "75113").exit_code == 0
    status = run(world, "gendarmerie", "status", "--commune", "75113").stdout.splitlines()
    assert status[0] == "fermé" and len(status) == 3
    with transaction(engine) as session:
        bind_world(session)
        assert session.scalar(select(func.count()).select_from(GendarmerieAccessChange)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--email", "x@example.fr", "--name", "X", "--address", "12 avenue des Champs-Élysées"],
            "Adresse introuvable",
        ),
        (
            ["--email", "x@example.fr", "--name", "X", "--lon", "2.2945", "--lat", "48.8584"],
            "n'est pas dans la commune de Paris 13e",
        ),
        (["--email", "x@example.fr", "--name", "X", "--lon", "2.35"], "--lon et --lat ensemble"),
        (["--email", "x", "--name", "X", "--address", "32 rue Gérard"], "e-mail invalide"),
        (["--email", "x@example.fr", "--name", "X", "--address", "32 rue Gérard", "--role", "maire"], "Rôle inconnu"),
        (["--email", "x@example.fr", "--name", "X", "--address", "32 rue Gérard", "--role", "referent"], "--sector"),
        (["--email", "x@example.fr", "--name", "X", "--address", "32 rue Gérard", "--password-stdin"], "trop faible"),
    ],
)
def test_members_add_bad_input(world, engine, args, message):
    result = run(world, "members", "add", "--commune", "75113", *args, input="faible\n")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("Erreur : ") and message in result.stderr
    assert _members(engine) == 0


def test_unknown_commune_member_and_bad_date(world):
    assert "n'est pas enregistrée" in run(world, "members", "list", "--commune", "99999").stderr
    missing = run(world, "members", "verify", "--commune", "75113", "nobody@example.fr")
    assert missing.exit_code == 2 and "Aucun membre" in missing.stderr
    run(
        world,
        "members",
        "add",
        "--commune",
        "75113",
        "--email",
        "a@example.fr",
        "--name",
        "A",
        "--address",
        "32 rue Gérard",
    )
    bad = run(world, "members", "suspend", "--commune", "75113", "a@example.fr", "--until", "demain", "--reason", "x")
    assert bad.exit_code == 2 and "Date invalide" in bad.stderr
    duplicate = run(
        world,
        "members",
        "add",
        "--commune",
        "75113",
        "--email",
        "A@example.fr",
        "--name",
        "A2",
        "--address",
        "33 rue Gérard",
    )
    assert duplicate.exit_code == 2 and "déjà utilisée" in duplicate.stderr


def test_charter_publish_and_show(world, tmp_path):
    text = tmp_path / "charte.txt"
    text.write_text("Charte, version 2 : entraide, discrétion, respect de la vie privée de chacun.", encoding="utf-8")
    published = run(world, "charter", "publish", "--commune", "75113", str(text))
    assert published.exit_code == 0 and "version 2" in published.stderr
    shown = run(world, "charter", "show", "--commune", "75113").stdout.splitlines()
    assert shown[0] == "version 2" and "entraide" in shown[1]
    empty = tmp_path / "vide.txt"
    empty.write_text("  ", encoding="utf-8")
    refused = run(world, "charter", "publish", "--commune", "75113", str(empty))
    assert refused.exit_code == 2 and "trop courte" in refused.stderr
    assert run(world, "charter", "show", "--commune", "75113").stdout.splitlines()[0] == "version 2"


def test_categories_add_rename_disable_list(world):
    added = run(world, "categories", "add", "nuisances-sonores", "--commune", "75113", "--label", "Nuisances",
                "--family", "securite")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert run(world, "categories", "rename", "vol", "--commune", "75113", "--label", "Vol ou tentative").exit_code == 0
    assert run(world, "categories", "disable", "nuisances-sonores", "--commune", "75113").exit_code == 0
    listed = run(world, "categories", "list", "--commune", "75113").stdout.splitlines()
    rows = {r.split(";")[0]: r.split(";") for r in listed}
    assert rows["vol"][1:] == ["Vol ou tentative", "securite", "active", "défaut"]
    assert rows["nuisances-sonores"][1:] == ["Nuisances", "securite", "désactivée", "commune"]
    bad = run(world, "categories", "add", "Pas Bon", "--commune", "75113", "--label", "X", "--family", "securite")
    assert bad.exit_code == 2 and "CODE" in bad.stderr and "invalide" in bad.stderr
    wrong = run(world, "categories", "add", "ok", "--commune", "75113", "--label", "X", "--family", "officiel")
    assert wrong.exit_code == 2 and "--family" in wrong.stderr

"""BAN import throughput and geocoding latency, on both backends, each against a naive baseline.

- import: a synthetic BAN file in the official 23-column format (100,000 rows; 10,000 with ``--quick``),
  imported with ``store.import_ban`` (checked, upserted on the BAN id), versus pandas ``read_csv`` +
  ``DataFrame.to_sql`` (no checks, no upsert). Then the same file again (every row an update).
- geocoding: 1,000 queries (200 quick) with one typo or one abbreviation in the street name, through
  ``store.geocode`` (in-memory per-commune street index, warm), versus rapidfuzz ``process.extractOne`` over
  every label of the commune. The share found within 30 m of the true point is printed too.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from sqlalchemy import Engine, text

from bench._harness import BenchContext, latencies, percentile
from gis import BAN_COLUMNS, distance_m
from store import clear_address_cache, geocode, import_ban, make_engine, transaction, upgrade

INSEE, POSTCODE, CITY = "91999", "91999", "Villebench-sur-Orge"
TYPES = ["Rue", "Avenue", "Boulevard", "Chemin", "Impasse", "Allée", "Place", "Route", "Square", "Passage"]
ABBREV = {"Rue": "r.", "Avenue": "av", "Boulevard": "bd", "Chemin": "chem.", "Impasse": "imp", "Allée": "all",
          "Place": "pl", "Route": "rte", "Square": "sq", "Passage": "pass"}  # fmt: skip
FIRST = ["Jean", "Victor", "Louise", "Marie", "Pierre", "Jules", "Émile", "Simone", "Georges", "Anatole", "Camille",
         "Paul", "Henri", "Lucie", "Gabriel", "Albert", "Claire", "Étienne", "Joseph", "Marcel"]  # fmt: skip
LAST = ["Moulin", "Hugo", "Michel", "Curie", "Ferry", "Zola", "Jaurès", "Veil", "Brassens", "France", "Claudel",
        "Valéry", "Poincaré", "Pasteur", "Lumière", "Camus", "Sand", "Fourier", "Lagrange", "Pagnol"]  # fmt: skip
NOUNS = ["du Moulin", "des Écoles", "de la Gare", "des Vignes", "du Château", "de l'Église", "des Prés",
         "du Lavoir", "de la Forêt", "des Tilleuls", "du Stade", "de la Mairie", "des Peupliers", "du Marché",
         "des Sources"]  # fmt: skip


def street_names(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct street names, French-looking, built from a seed."""
    pool = {f"{t} {f} {last}" for t in TYPES for f in FIRST for last in LAST}
    pool |= {f"{t} {noun}" for t in TYPES for noun in NOUNS}
    pool |= {f"{t} du Général {last}" for t in TYPES for last in LAST}
    names = sorted(pool)
    rng.shuffle(names)
    return names[:n]


def synthetic_ban(path: Path, rows: int, *, seed: int = 7) -> pd.DataFrame:
    """Write a BAN CSV of ``rows`` addresses (one commune, ~50 numbers per street); return the truth."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    n_streets = max(1, rows // 50)
    streets = street_names(n_streets, rng)
    lon0, lat0 = 2.30, 48.60
    origins = np_rng.uniform([-0.05, -0.03], [0.05, 0.03], size=(n_streets, 2))
    headings = np_rng.uniform(0, 2 * np.pi, n_streets)
    records = []
    for k in range(rows):
        s, numero = k % n_streets, k // n_streets + 1
        step = 0.00012 * numero  # about 10 m between doors along the street
        lon = lon0 + origins[s, 0] + step * np.cos(headings[s])
        lat = lat0 + origins[s, 1] + step * np.sin(headings[s]) * 0.66
        fantoir = f"{INSEE}_{s:04d}"
        records.append(
            {
                "id": f"{fantoir}_{numero:05d}",
                "id_fantoir": fantoir,
                "numero": str(numero),
                "rep": "",
                "nom_voie": streets[s],
                "code_postal": POSTCODE,
                "code_insee": INSEE,
                "nom_commune": CITY,
                "code_insee_ancienne_commune": "",
                "nom_ancienne_commune": "",
                "x": f"{640000 + lon * 1000:.2f}",
                "y": f"{6800000 + lat * 1000:.2f}",
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
                "type_position": "entrée",
                "alias": "",
                "nom_ld": "",
                "libelle_acheminement": CITY.upper(),
                "nom_afnor": streets[s].upper(),
                "source_position": "commune",
                "source_nom_voie": "commune",
                "certification_commune": rng.choice(["0", "1"]),
                "cad_parcelles": "",
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(BAN_COLUMNS))
    frame.to_csv(path, sep=";", index=False)
    return frame


def perturb(street: str, rng: random.Random) -> str:
    """One typo in a word of the street name, or the street type abbreviated."""
    words = street.split()
    if rng.random() < 0.3 and words[0] in ABBREV:
        return " ".join([ABBREV[words[0]], *words[1:]])
    candidates = [i for i, w in enumerate(words) if len(w) > 3]
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w))
    kind = rng.choice(["sub", "del", "ins", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if kind == "sub":
        w = w[:j] + rng.choice(letters) + w[j + 1 :]
    elif kind == "del":
        w = w[:j] + w[j + 1 :]
    elif kind == "ins":
        w = w[:j] + rng.choice(letters) + w[j:]
    elif j < len(w) - 1:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    words[i] = w
    return " ".join(words)


def _fresh(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM addresses"))
        conn.execute(text("DELETE FROM address_imports"))
        conn.execute(text("DROP TABLE IF EXISTS baseline_ban"))
    clear_address_cache()


def _bench_backend(ctx: BenchContext, name: str, engine: Engine, path: Path, truth: pd.DataFrame) -> None:
    rows = len(truth)
    _fresh(engine)
    start = time.perf_counter()
    import_ban(engine, path)
    ours = rows / (time.perf_counter() - start)
    start = time.perf_counter()
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    with engine.begin() as conn:
        frame.to_sql("baseline_ban", conn, index=False, chunksize=10_000)
    base = rows / (time.perf_counter() - start)
    ctx.report(
        f"{name}: import BAN ({rows:,} lignes, vérifié + upsert)",
        ours,
        "lignes/s",
        baseline=base,
        baseline_name="read_csv+to_sql",
        target=">= 20 000 lignes/s",
    )
    start = time.perf_counter()
    report = import_ban(engine, path)
    again = rows / (time.perf_counter() - start)
    assert report.updated == rows and report.inserted == 0
    ctx.report(f"{name}: ré-import (toutes mises à jour)", again, "lignes/s", target=">= 20 000 lignes/s")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS baseline_ban"))

    rng = random.Random(11)
    n_queries = 200 if ctx.quick else 1000
    picks = [rng.randrange(rows) for _ in range(n_queries)]
    queries = [f"{truth.numero[i]} {perturb(truth.nom_voie[i], rng)}" for i in picks]
    with transaction(engine) as session:
        start = time.perf_counter()
        geocode(session, INSEE, "1 rue quelconque")  # cold: builds the commune's index
        cold = time.perf_counter() - start
        answers: list[object] = [None] * n_queries

        def ask(k: int) -> None:
            hits = geocode(session, INSEE, queries[k])
            answers[k] = hits[0] if hits else None

        ours_lat = latencies(ask, n_queries)
    found = sum(
        1  # type: ignore[misc]
        for k, i in enumerate(picks)
        if answers[k] is not None
        and distance_m(answers[k].lon, answers[k].lat, float(truth.lon[i]), float(truth.lat[i])) <= 30  # type: ignore[attr-defined]
    )
    labels = [f"{n} {s} {POSTCODE} {CITY}" for n, s in zip(truth.numero, truth.nom_voie, strict=True)]
    n_base = min(n_queries, 100 if ctx.quick else 200)  # the naive scan is slow: fewer queries
    base_lat = latencies(lambda k: process.extractOne(queries[k], labels, scorer=fuzz.WRatio), n_base)
    ctx.report(f"{name}: index de géocodage (premier appel, à froid)", cold * 1000, "ms", higher_is_better=False)
    for q in (50, 99):
        ctx.report(
            f"{name}: géocodage p{q} ({n_queries} requêtes avec faute)",
            percentile(ours_lat, q) * 1000,
            "ms",
            baseline=percentile(base_lat, q) * 1000,
            baseline_name="extractOne sur tous les libellés",
            higher_is_better=False,
            target="p99 <= 20 ms" if q == 99 else "",
        )
    ctx.report(f"{name}: trouvées à moins de 30 m", 100 * found / n_queries, "%")


def run(ctx: BenchContext) -> None:
    rows = 10_000 if ctx.quick else 100_000
    with tempfile.TemporaryDirectory(prefix="voisinage-bench-members-") as tmp:
        path = Path(tmp) / "adresses-bench.csv"
        truth = synthetic_ban(path, rows)
        sqlite = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            _bench_backend(ctx, "SQLite", sqlite, path, truth)
        finally:
            sqlite.dispose()
        if ctx.postgis_url:
            pg = make_engine(ctx.postgis_url)
            try:
                _bench_backend(ctx, "PostGIS", pg, path, truth)
            finally:
                pg.dispose()

"""Helpers shared by the statistics tests: registering communes, synthetic SSMSI files (seeded)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box
from sqlalchemy import Engine, select

from sectors import register_commune
from store import transaction
from store.schema import Commune

ESSONNE = "boundaries/communes-91-essonne_france-geojson_ign-2018.geojson"


def register(engine: Engine, insee: str, name: str, boundary: shapely.Geometry) -> None:
    """Register a commune through the foundation (once)."""
    with transaction(engine) as session:
        if session.scalar(select(Commune).where(Commune.insee == insee)) is None:
            register_commune(session, insee, name, boundary)


def register_bouray(engine: Engine, essonne_path: Path) -> shapely.Geometry:
    gdf = gpd.read_file(essonne_path)
    geom = gdf.loc[gdf["code"] == "91095", "geometry"].iloc[0]
    register(engine, "91095", str(gdf.loc[gdf["code"] == "91095", "nom"].iloc[0]), geom)
    return geom


def register_cessy(engine: Engine) -> shapely.Geometry:
    """Cessy (01071) is not in the Essonne file: a simple box around it stands for its boundary."""
    geom = box(6.05, 46.30, 6.09, 46.33)
    register(engine, "01071", "Cessy", geom)
    return geom


OLD_CLASSES = [
    ("Coups et blessures volontaires", "victimes"),
    ("Coups et blessures volontaires intrafamiliaux", "victimes"),
    ("Autres coups et blessures volontaires", "victimes"),
    ("Violences sexuelles", "victimes"),
    ("Vols avec armes", "infractions"),
    ("Vols violents sans arme", "infractions"),
    ("Vols sans violence contre des personnes", "victimes entendues"),
    ("Cambriolages de logement", "infractions"),
    ("Vols de véhicules", "véhicules"),
    ("Vols dans les véhicules", "véhicules"),
    ("Vols d'accessoires sur véhicules", "véhicules"),
    ("Destructions et dégradations volontaires", "infractions"),
    ("Trafic de stupéfiants", "Mis en cause"),
    ("Usage de stupéfiants", "Mis en cause"),
]

DEP_INDICATORS = [
    "Homicides",
    "Tentatives d'homicides",
    "Violences physiques intrafamiliales",
    "Violences physiques hors cadre familial",
    "Violences sexuelles",
    "Vols avec armes",
    "Vols violents sans arme",
    "Vols sans violence contre des personnes",
    "Cambriolages de logement",
    "Vols de véhicule",
    "Vols dans les véhicules",
    "Vols d'accessoires sur véhicules",
    "Destructions et dégradations volontaires",
    "Escroqueries et fraudes aux moyens de paiement",
    "Trafic de stupéfiants",
    "Usage de stupéfiants",
    "Usage de stupéfiants (AFD)",
    "Usage de stupéfiants (hors AFD)",
]


def fr(value: float) -> str:
    return f"{value:.7f}".replace(".", ",")


def write_old_layout(path: Path, communes: dict[str, tuple[int, float]], years: range, seed: int = 7) -> list[dict]:
    """An SSMSI communal file in the layout of editions up to 2024; returns the rows written (as truth)."""
    rng = np.random.default_rng(seed)
    header = (
        '"CODGEO_2024";"annee";"classe";"unité.de.compte";"valeur.publiée";"faits";"tauxpourmille";'
        '"complementinfoval";"complementinfotaux";"POP";"millPOP";"LOG";"millLOG"'
    )
    lines, truth = [header], []
    for code, (pop, log) in communes.items():
        for year in years:
            for label, unit in OLD_CLASSES:
                faits = int(rng.integers(0, 40))
                published = bool(rng.random() > 0.25)
                base = log if label == "Cambriolages de logement" else pop
                rate = faits * 1000 / base
                yy = f"{year % 100:02d}"
                if published:
                    cells = [f'"{faits}"', f'"{fr(rate)}"', "NA", "NA"]
                else:
                    cells = ["NA", "NA", f'"{fr(rng.random() * 3)}"', f'"{fr(rng.random() * 2)}"']
                lines.append(
                    ";".join(
                        [
                            f'"{code}"',
                            f'"{yy}"',
                            f'"{label}"',
                            f'"{unit}"',
                            '"diff"' if published else '"ndiff"',
                            *cells,
                            str(pop),
                            f'"{yy}"',
                            fr(log),
                            f'"{yy}"',
                        ]
                    )
                )
                truth.append(
                    {"code": code, "year": year, "label": label, "published": published, "faits": faits, "rate": rate}
                )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return truth


def write_departement_base(path: Path, codes: list[str], years: range, seed: int = 11) -> list[dict]:
    """An SSMSI département base (UTF-8 BOM, 18 indicators); returns the rows written."""
    rng = np.random.default_rng(seed)
    header = (
        "Code_departement;Code_region;annee;indicateur;unite_de_compte;nombre;taux_pour_mille;insee_pop;"
        "insee_pop_millesime;insee_log;insee_log_millesime"
    )
    lines, truth = [header], []
    for code in codes:
        pop, log = 1_300_000 + int(rng.integers(0, 100_000)), 560_000
        for year in years:
            for label in DEP_INDICATORS:
                count = int(rng.integers(10, 20_000))
                base = log if label == "Cambriolages de logement" else pop
                rate = count * 1000 / base
                lines.append(f"{code};11;{year};{label};Infraction;{count};{fr(rate)};{pop};{year};{log};{year - 1}")
                truth.append({"code": code, "year": year, "label": label, "count": count, "rate": rate})
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return truth

"""Every statistics table as one set, honouring the reader's role, and its CSV and Excel exports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from gis import InputError, safe_cell
from stats._alert_figures import (
    alerts_frame,
    categories_beside_ssmsi,
    counts_by,
    hide_small,
    members_frame,
    monitoring,
    rates_by_sector,
    sectors_frame,
)
from stats._format import WITHHELD
from stats._indicators import BASE_LABELS, SOURCE_LABELS, CommuneView, available_years, commune_trend, commune_views
from stats._roles import is_staff, sees_members


@dataclass
class StatsTables:
    """Named tables (French column names) prepared for one role: small counts already hidden if needed."""

    role: str
    min_count: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _ssmsi_table(views: list[CommuneView]) -> pd.DataFrame:
    rows = []
    for view in views:
        for line in view.lines:
            rows.append(
                {
                    "source": SOURCE_LABELS.get(view.source, view.source),
                    "annee": view.year,
                    "indicateur": line.label,
                    "nombre": line.count if line.published else WITHHELD,
                    "taux_pour_mille": line.rate if line.published else WITHHELD,
                    "base_du_taux": BASE_LABELS.get(line.rate_base, line.rate_base),
                    "departement_nombre": line.dep_count,
                    "departement_taux_pour_mille": line.dep_rate,
                    "moyenne_departementale_des_communes_non_diffusees": line.withheld_avg_rate,
                }
            )
    return pd.DataFrame(rows)


def _shown(table: pd.DataFrame, min_count: int, columns: Iterable[str]) -> pd.DataFrame:
    """Write ``< N`` where a figure was hidden, then drop the ``hidden`` flag."""
    out = table.copy()
    hidden = out.pop("hidden") if "hidden" in out else pd.Series(False, index=out.index)
    for col in columns:
        if col in out:
            out[col] = out[col].astype(object).where(~hidden.to_numpy(dtype=bool), f"< {min_count}")  # type: ignore[arg-type]
    return out


def comparison_year(session: Session, insee: str, year: int) -> int | None:
    """The latest year with figures for the commune, at most ``year``."""
    years = [y for y in available_years(session, insee) if y <= year]
    return max(years) if years else None


def build_tables(
    session: Session,
    insee: str,
    *,
    role: str,
    min_count: int,
    year: int | None = None,
    alerts: Iterable[Any] | pd.DataFrame = (),
    sectors: Iterable[Any] | pd.DataFrame = (),
    members: Iterable[Any] | pd.DataFrame = (),
) -> StatsTables:
    """Every statistics table of a commune, ready to export for ``role``.

    SSMSI tables (indicators of ``year`` beside the département, trend) come from the database; alert tables
    from the records given (see :mod:`stats._alert_figures` for their shape). For residents and referents,
    alert counts below ``min_count`` and the rates derived from them are replaced by ``< min_count``.
    """
    if min_count < 1:
        raise InputError("Le seuil minimal d'affichage doit être au moins 1.")
    out = StatsTables(role=role, min_count=min_count)
    year_shown = comparison_year(session, insee, year) if year is not None else None
    views = commune_views(session, insee, year_shown) if year_shown is not None else []
    out.tables["indicateurs_ssmsi"] = _ssmsi_table(views)
    trend = commune_trend(session, insee)
    if not trend.empty:
        trend = trend.assign(
            count=trend["count"].astype(object).where(trend["published"], WITHHELD),
            rate=trend["rate"].astype(object).where(trend["published"], WITHHELD),
        ).drop(columns=["indicator", "published"])
    out.tables["tendance_ssmsi"] = trend.rename(
        columns={
            "year": "annee",
            "label": "indicateur",
            "count": "nombre",
            "rate": "taux_pour_mille",
            "withheld_avg_rate": "moyenne_departementale_des_communes_non_diffusees",
            "dep_rate": "departement_taux_pour_mille",
            "rate_change": "evolution_du_taux",
        }
    )
    a = alerts_frame(alerts)
    s = sectors_frame(sectors)
    m = members_frame(members)
    for name, keys in (
        ("alertes_par_categorie", ("category",)),
        ("alertes_par_mois", ("month",)),
        ("alertes_par_categorie_et_mois", ("category", "month")),
    ):
        # Secondary suppression only for one-key tables (see hide_small).
        table = hide_small(counts_by(a, *keys), role, min_count, secondary=len(keys) == 1)
        out.tables[name] = _shown(table, min_count, ["count"]).rename(
            columns={"category": "categorie", "month": "mois", "count": "alertes"}
        )
    rates = hide_small(rates_by_sector(a, s), role, min_count)
    out.tables["alertes_par_secteur"] = _shown(rates, min_count, ["count", "rate_per_1000_households"]).rename(
        columns={
            "code": "code_secteur",
            "name": "secteur",
            "households": "menages",
            "count": "alertes",
            "rate_per_1000_households": "alertes_pour_1000_menages",
        }
    )
    # Compare with the official figures when there are some, else with the reference table.
    preferred = [v for v in views if v.source == "ssmsi"] or views
    lines = preferred[0].lines if preferred else []
    # The categories hidden in the per-category table (primary and secondary) are hidden here too.
    by_category = hide_small(counts_by(a, "category"), role, min_count)
    hidden_categories = set(by_category.loc[by_category["hidden"], "category"])
    beside = categories_beside_ssmsi(a, lines)
    beside["hidden"] = beside["category"].isin(hidden_categories)
    beside = _shown(beside, min_count, ["alerts"])
    beside["ssmsi_count"] = beside["ssmsi_count"].astype(object).where(beside["published"] != False, WITHHELD)  # noqa: E712
    beside["ssmsi_rate"] = beside["ssmsi_rate"].astype(object).where(beside["published"] != False, WITHHELD)  # noqa: E712
    out.tables["categories_et_ssmsi"] = beside.drop(columns=["published"]).rename(
        columns={
            "category": "categorie",
            "alerts": "alertes",
            "indicator": "indicateur_ssmsi",
            "ssmsi_count": "ssmsi_nombre",
            "ssmsi_rate": "ssmsi_taux_pour_mille",
            "dep_rate": "departement_taux_pour_mille",
        }
    )
    if is_staff(role):
        # Scheme monitoring (members, referents, delays) is for the mairie and the gendarmerie only.
        mon = monitoring(a, s, m)
        per_sector = mon.sectors
        if not sees_members(role):  # the gendarmerie: the sectors' alerts, not who lives there
            per_sector = per_sector.drop(columns=["members", "referents", "participation_pct"])
        out.tables["suivi_secteurs"] = per_sector.rename(
            columns={
                "code": "code_secteur",
                "name": "secteur",
                "households": "menages",
                "alerts": "alertes",
                "members": "membres_verifies",
                "referents": "referents",
                "participation_pct": "participation_pour_100_menages",
            }
        )
        out.tables["suivi_delais"] = pd.DataFrame(
            [
                {"mesure": "alertes publiées", "valeur": mon.alerts_published},
                {"mesure": "alertes refusées", "valeur": mon.alerts_rejected},
                {"mesure": "délai médian de modération (h)", "valeur": mon.moderation_delay_h},
                {"mesure": "délai médian de prise en compte (h)", "valeur": mon.acknowledgement_delay_h},
                *(
                    {"mesure": f"délai médian de prise en compte par la {who} (h)", "valeur": hours}
                    for who, hours in sorted(mon.acknowledgement_delay_by.items())
                ),
                {"mesure": "part avec retour de la gendarmerie", "valeur": mon.gendarmerie_feedback_share},
                *(
                    [{"mesure": "secteurs sans référent", "valeur": ", ".join(mon.sectors_without_referent) or "aucun"}]
                    if sees_members(role)
                    else []
                ),
            ]
        )
    return out


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    texts = [
        c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
    ]
    out = frame.copy()
    for col in texts:
        out[col] = out[col].astype(object).map(safe_cell)  # sector names, categories come from users
    return out


def write_csv(tables: StatsTables, folder: Path | str) -> list[Path]:
    """One CSV per table in ``folder`` (``;`` separator, decimal comma, UTF-8 with BOM: opens in French Excel)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.tables.items():
        path = folder / f"{name}.csv"
        _safe_frame(frame).to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        written.append(path)
    return written


def write_excel(tables: StatsTables, path: Path | str) -> Path:
    """One workbook, one sheet per table (openpyxl)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.tables.items():
            _safe_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return path

"""SSMSI indicators of a commune, beside its département, and their trend over the years."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import InputError
from stats._catalogue import AS_GIVEN, HOUSING, departement_of, indicator_label, indicator_order
from stats._format import MISSING, WITHHELD, fr_number, fr_rate
from store.schema import SsmsiFigure

SOURCE_LABELS = {"ssmsi": "SSMSI (police et gendarmerie)", "reference": "tableau de référence"}
BASE_LABELS = {"population": "pour 1 000 habitants", HOUSING: "pour 1 000 logements", AS_GIVEN: "tel que donné"}


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of a commune for one year, beside its département.

    ``count`` and ``rate`` are None when the figure is withheld (``published`` false): never zero. Then
    ``withheld_avg_rate``/``withheld_avg_count`` hold the département average the SSMSI gives for withheld
    communes, which is not the commune's own value.
    """

    indicator: str
    label: str
    unit: str
    rate_base: str
    published: bool
    count: int | None
    rate: float | None
    withheld_avg_count: float | None
    withheld_avg_rate: float | None
    dep_count: int | None
    dep_rate: float | None


@dataclass(frozen=True)
class CommuneView:
    """The indicators of one commune for one year and one source, beside its département."""

    insee: str
    departement: str
    year: int
    source: str
    lines: list[IndicatorLine]
    population: float | None = None
    housing: float | None = None

    @property
    def title(self) -> str:
        return (
            f"Commune {self.insee} — {self.year} — {SOURCE_LABELS.get(self.source, self.source)} "
            f"(département {self.departement})"
        )


HEADERS = ["Indicateur", "Nombre", "Taux", "Base du taux", "Taux département", "Remarque"]


def line_cells(line: IndicatorLine) -> list[str]:
    """The French cells of one line, in the order of :data:`HEADERS` (withheld shown as such, never 0)."""
    if line.published:
        count = fr_number(line.count, 0)
        rate = fr_rate(line.rate)
        note = ""
    else:
        count = rate = WITHHELD
        note = (
            f"moyenne départementale des communes non diffusées : {fr_rate(line.withheld_avg_rate)}"
            if line.withheld_avg_rate is not None
            else ""
        )
    dep = fr_rate(line.dep_rate) if line.dep_rate is not None else MISSING
    return [line.label, count, rate, BASE_LABELS.get(line.rate_base, line.rate_base), dep, note]


def view_rows(view: CommuneView) -> list[list[str]]:
    """All lines of a view as French cells."""
    return [line_cells(line) for line in view.lines]


def _rows(session: Session, level: str, code: str, source: str, year: int | None = None) -> list[SsmsiFigure]:
    stmt = select(SsmsiFigure).where(SsmsiFigure.level == level, SsmsiFigure.code == code, SsmsiFigure.source == source)
    if year is not None:
        stmt = stmt.where(SsmsiFigure.year == year)
    return list(session.scalars(stmt))


def available_years(session: Session, insee: str) -> list[int]:
    """Years for which some figure of the commune is stored (any source)."""
    stmt = select(SsmsiFigure.year).where(SsmsiFigure.level == "commune", SsmsiFigure.code == insee).distinct()
    return sorted(session.scalars(stmt))


def commune_views(session: Session, insee: str, year: int, source: str | None = None) -> list[CommuneView]:
    """The commune's indicators for ``year``, beside its département, one view per source stored.

    Parameters
    ----------
    session
        Open session.
    insee
        INSEE code of the commune.
    year
        Year of the figures.
    source
        ``ssmsi`` or ``reference``; None gives every source found.

    Raises
    ------
    gis.InputError
        When nothing is stored for this commune and year (the message lists the years available).
    """
    dep_code = departement_of(insee)
    sources = [source] if source else ["ssmsi", "reference"]
    views = []
    for src in sources:
        rows = _rows(session, "commune", insee, src, year)
        if not rows:
            continue
        dep = {r.indicator: r for r in _rows(session, "departement", dep_code, src, year)}
        lines = []
        # SSMSI figures in the catalogue's order; a reference table in its own order (as it was written).
        ordered = sorted(rows, key=lambda r: indicator_order(r.indicator) if src == "ssmsi" else (0, f"{r.id:012d}"))
        for r in ordered:
            d = dep.get(r.indicator)
            lines.append(
                IndicatorLine(
                    indicator=r.indicator,
                    label=indicator_label(r.indicator, r.label) if src == "ssmsi" else r.label,
                    unit=r.unit,
                    rate_base=r.rate_base,
                    published=r.published,
                    count=r.count if r.published else None,
                    rate=r.rate if r.published else None,
                    withheld_avg_count=None if r.published else r.withheld_avg_count,
                    withheld_avg_rate=None if r.published else r.withheld_avg_rate,
                    dep_count=d.count if d is not None else None,
                    dep_rate=d.rate if d is not None else None,
                )
            )
        views.append(
            CommuneView(insee, dep_code, year, src, lines, population=rows[0].population, housing=rows[0].housing)
        )
    if not views:
        years = available_years(session, insee)
        hint = f"années disponibles : {', '.join(map(str, years))}" if years else "importez d'abord un fichier SSMSI"
        raise InputError(f"Aucun chiffre de délinquance pour la commune {insee} en {year} ({hint}).")
    return views


def commune_trend(session: Session, insee: str, source: str | None = None) -> pd.DataFrame:
    """Every year of every indicator of the commune, beside its département, with the change of rate.

    Parameters
    ----------
    source
        ``ssmsi`` or ``reference``; None gives every source stored (a reference table alone, such as the
        brief's, is a trend of one year).

    Returns
    -------
    DataFrame with columns ``year, indicator, label, published, count, rate, withheld_avg_rate, dep_rate,
    source, rate_change`` (``rate_change``: rate minus the previous year's of the same source, None when
    either is withheld), SSMSI figures first.
    """
    dep_code = departement_of(insee)
    records = []
    for src in [source] if source else list(SOURCE_LABELS):
        dep = {(r.year, r.indicator): r.rate for r in _rows(session, "departement", dep_code, src)}
        records += [
            {
                "year": r.year,
                "indicator": r.indicator,
                "label": indicator_label(r.indicator, r.label) if src == "ssmsi" else r.label,
                "published": r.published,
                "count": r.count if r.published else None,
                "rate": r.rate if r.published else None,
                "withheld_avg_rate": None if r.published else r.withheld_avg_rate,
                "dep_rate": dep.get((r.year, r.indicator)),
                "source": src,
                "_row": r.id,
            }
            for r in _rows(session, "commune", insee, src)
        ]
    columns = ["year", "indicator", "label", "published", "count", "rate", "withheld_avg_rate", "dep_rate", "source"]
    frame = pd.DataFrame.from_records(records, columns=[*columns, "_row"])
    if frame.empty:
        frame = frame.drop(columns="_row")
        frame["rate_change"] = pd.Series(dtype=float)
        return frame
    frame = frame.sort_values(["source", "indicator", "year"]).reset_index(drop=True)
    frame["rate"] = frame["rate"].astype(float)
    previous = frame.groupby(["source", "indicator"])["rate"].shift(1)
    frame["rate_change"] = frame["rate"] - previous
    frame["count"] = frame["count"].astype("Int64")
    # SSMSI figures in the catalogue's order; a reference table in its own order (as it was written).
    source_rank = frame["source"].map({s: i for i, s in enumerate(SOURCE_LABELS)})
    order = [
        indicator_order(ind) if src == "ssmsi" else (0, f"{row:012d}")
        for ind, src, row in zip(frame["indicator"], frame["source"], frame["_row"], strict=True)
    ]
    frame = frame.assign(_s=source_rank, _o=order).sort_values(["_s", "_o", "year"])  # type: ignore[arg-type]
    return frame.drop(columns=["_s", "_o", "_row"]).reset_index(drop=True)

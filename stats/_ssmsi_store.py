"""Store SSMSI figures: one upsert per row, idempotent, the newest edition winning."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import InputError
from stats._catalogue import normalise
from stats._ssmsi_read import COLUMNS, Layout, read_ssmsi
from store import upsert_insert
from store.schema import Commune, SsmsiFigure, utcnow

_KEY = ["source", "level", "code", "year", "indicator"]
_BATCH = 5_000


@dataclass
class ImportSummary:
    """What an import did."""

    layout: Layout
    rows: int = 0
    years: set[int] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    withheld: int = 0

    def describe(self) -> str:
        """One French sentence for the CLI."""
        years = f"{min(self.years)}–{max(self.years)}" if self.years else "aucune année"
        return (
            f"{self.layout.label} : {self.rows} ligne(s) importée(s) ({years}, {len(self.codes)} territoire(s), "
            f"{self.withheld} valeur(s) non diffusée(s))."
        )


def _python_list(series: pd.Series) -> list[Any]:
    """A column as plain Python values, missing values as None (column-wise: much faster than per cell)."""
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v.item() if hasattr(v, "item") else v for v in values] if series.dtype == object else values


def _records(frame: pd.DataFrame, file_name: str) -> list[dict[str, Any]]:
    columns = [_python_list(frame[col]) for col in COLUMNS]
    columns[COLUMNS.index("published")] = [bool(v) for v in columns[COLUMNS.index("published")]]
    keys = [*COLUMNS, "file_name", "imported_at"]
    extra = (file_name[:300], utcnow())
    return [dict(zip(keys, (*values, *extra), strict=True)) for values in zip(*columns, strict=True)]


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    table = SsmsiFigure.__table__
    stmt = upsert_insert(session)(table)
    updated = {c: stmt.excluded[c] for c in [*COLUMNS, "file_name", "imported_at"] if c not in _KEY}
    # A re-import replaces the stored row, unless the stored row comes from a newer edition (which may have
    # revised the figure): importing an old edition after a new one changes nothing.
    stmt = stmt.on_conflict_do_update(index_elements=_KEY, set_=updated, where=table.c.edition <= stmt.excluded.edition)
    session.execute(stmt, rows)


def commune_resolver(session: Session) -> Callable[[str], str | None]:
    """Resolve a commune named by a slug (``bouray_sur_juine``) among the registered communes."""
    names: dict[str, list[str]] = {}
    for insee, name in session.execute(select(Commune.insee, Commune.name)):
        names.setdefault(normalise(name).replace(" ", "_"), []).append(insee)

    def resolve(slug: str) -> str | None:
        found = names.get(normalise(slug).replace(" ", "_"), [])
        return found[0] if len(found) == 1 else None

    return resolve


def import_ssmsi(
    session: Session,
    path: Path | str,
    *,
    only_codes: Iterable[str] | None = None,
    places: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import an SSMSI file (any layout, detected from its header) into ``ssmsi_figures``.

    Every year of the file is kept. Re-importing the same file changes nothing; importing a newer edition
    replaces the figures it revises; an older edition never overwrites a newer one.

    Parameters
    ----------
    session
        A session inside a transaction (``store.transaction``): a bad file leaves nothing behind.
    path
        The CSV file.
    only_codes
        Keep only these communes (INSEE codes) and départements (their codes), e.g. to load one commune
        and its département from the national base. None keeps everything.
    places
        For reference tables: extra ``slug -> code`` (``{"bouray_sur_juine": "91095"}``) when a place name
        is not a registered commune.
    progress
        Called with the number of rows of each stored chunk (progress bar).

    Raises
    ------
    gis.InputError
        Unknown layout, unreadable values, or a reference table naming an unknown place.
    """
    path = Path(path)
    registered = commune_resolver(session)
    extra = {normalise(k).replace(" ", "_"): v for k, v in (places or {}).items()}

    def resolve(slug: str) -> str | None:
        return extra.get(normalise(slug).replace(" ", "_")) or registered(slug)

    layout, chunks = read_ssmsi(path, resolve=resolve)
    keep = {c.strip().upper() for c in only_codes} if only_codes else None
    summary = ImportSummary(layout)
    for frame in chunks:
        if keep is not None:
            frame = frame[frame["code"].isin(keep)]
        frame = frame.dropna(subset=["year"]).drop_duplicates(subset=_KEY, keep="last")
        if frame.empty:
            continue
        rows = _records(frame, path.name)
        for start in range(0, len(rows), _BATCH):
            _upsert(session, rows[start : start + _BATCH])
        summary.rows += len(frame)
        summary.years.update(int(y) for y in frame["year"].unique())
        summary.codes.update(frame["code"].unique())
        summary.withheld += int((~frame["published"]).sum())
        if progress is not None:
            progress(len(frame))
    if summary.rows == 0:
        raise InputError(
            f"Aucune ligne importée depuis {path.name}"
            + (" : aucun des codes demandés n'y figure." if keep is not None else " : le fichier n'a pas de données.")
        )
    return summary


def figure_count(session: Session) -> int:
    """Number of stored SSMSI rows."""
    return int(session.scalar(select(func.count()).select_from(SsmsiFigure)) or 0)

"""Points to locate, read from a CSV file with ``lon,lat`` columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gis import InputError, check_file


def read_points(path: Path, *, max_mb: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows of ``path`` (as text) and their longitudes and latitudes (WGS84 degrees).

    Raises
    ------
    InputError
        Unreadable file, missing ``lon`` / ``lat`` column, rows without valid coordinates (their line numbers).
    """
    check_file(path, max_mb)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name} n'est pas un CSV lisible : {exc}") from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in ("lon", "lat") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name} : colonne(s) {', '.join(missing)} absente(s). Le fichier doit avoir les colonnes lon,lat "
            f"(trouvé : {', '.join(frame.columns) or 'aucune'})."
        )
    lons = pd.to_numeric(frame["lon"].str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)
    lats = pd.to_numeric(frame["lat"].str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(lons) | ~np.isfinite(lats) | (np.abs(lons) > 180) | (np.abs(lats) > 90))
    if len(bad):
        lines = ", ".join(str(i + 2) for i in bad[:10]) + (" …" if len(bad) > 10 else "")
        raise InputError(
            f"{path.name} : {len(bad)} ligne(s) sans longitude/latitude valide (lignes {lines}). "
            "Attendu : des degrés décimaux WGS84, ex. 2.2995,48.5207."
        )
    return frame, lons, lats


__all__ = ["read_points"]

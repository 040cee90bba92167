"""A minimal reader of BAN address points (lon/lat only), used to weight blocks by households.

The full BAN importer is :func:`gis.read_ban_chunks` (geocoding); this reader needs only the ``lon`` and ``lat``
columns (WGS84) of the official 23-column, ``;``-separated format, and parses ``certification_commune``
loosely (``1``/``0`` in some exports, ``vrai``/``faux`` in others) for callers that keep certified
addresses only.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gis._ban import TRUE_WORDS
from gis._errors import InputError

_FALSE = frozenset({"0", "faux", "false", "non", "no", "f", "n", ""})


def parse_certification(value: str | None) -> bool:
    """``certification_commune`` as a boolean, whichever encoding the export uses (``1``/``0``, ``vrai``/``faux``)."""
    text = (value or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def read_address_points(path: str | Path, *, certified_only: bool = False) -> np.ndarray:
    """Read the address points of a BAN CSV file, as an ``(n, 2)`` array of longitude, latitude (EPSG:4326).

    Parameters
    ----------
    path
        A BAN export (``;``-separated, header with ``lon`` and ``lat``; UTF-8, with or without BOM).
    certified_only
        Keep only the addresses whose ``certification_commune`` is true.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(n, 2)``; rows with an empty coordinate are skipped.

    Raises
    ------
    InputError
        Missing file, missing ``lon``/``lat`` columns, no address at all, or coordinates that are not
        longitudes/latitudes (a Lambert-93 ``x``/``y`` pasted in ``lon``/``lat``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Le fichier d'adresses « {path} » n'existe pas. Vérifiez son chemin.", field="addresses")
    problems: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "lon" not in fields or "lat" not in fields:
            if not fields:
                raise InputError(
                    f"Le fichier d'adresses « {path.name} » est vide. Téléchargez l'export BAN de la commune "
                    "(adresse.data.gouv.fr, format CSV)."
                )
            raise InputError(
                f"Le fichier d'adresses « {path.name} » n'a pas de colonnes « lon » et « lat ». Fournissez un "
                "export CSV de la Base Adresse Nationale (séparateur « ; »)."
            )
        reader.fieldnames = fields
        for line, row in enumerate(reader, start=2):
            lon_text, lat_text = (row.get("lon") or "").strip(), (row.get("lat") or "").strip()
            if not lon_text or not lat_text:
                continue
            if certified_only:
                try:
                    if not parse_certification(row.get("certification_commune")):
                        continue
                except ValueError:
                    problems.append(
                        f"ligne {line} : certification_commune illisible ({row.get('certification_commune')!r})"
                    )
                    continue
            try:
                lons.append(float(lon_text.replace(",", ".")))
                lats.append(float(lat_text.replace(",", ".")))
            except ValueError:
                problems.append(f"ligne {line} : coordonnées illisibles ({lon_text!r}, {lat_text!r})")
    if problems:
        raise InputError(
            f"Le fichier d'adresses « {path.name} » contient des lignes illisibles.", problems=problems[:20]
        )
    if not lons:
        raise InputError(
            f"Le fichier d'adresses « {path.name} » ne contient aucune adresse. Téléchargez l'export BAN de la "
            "commune (adresse.data.gouv.fr), ou découpez sans fichier d'adresses.",
            field="addresses",
        )
    points = np.column_stack([lons, lats])
    if (np.abs(points[:, 0]) > 180).any() or (np.abs(points[:, 1]) > 90).any():
        raise InputError(
            f"Les colonnes lon/lat du fichier d'adresses « {path.name} » ne contiennent pas des longitudes/"
            "latitudes WGS84 (des valeurs dépassent 180) : elles sont sans doute en Lambert-93. Utilisez les "
            "colonnes lon/lat de l'export BAN (EPSG:4326)."
        )
    return points


__all__ = ["parse_certification", "read_address_points"]

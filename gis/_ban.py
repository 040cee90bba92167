"""Reading the official CSV of the Base Adresse Nationale (23 columns, ``;``-separated), checked row by row.

Only the columns geocoding needs are kept. A malformed file (wrong separator, missing columns, bad
coordinates, bad INSEE codes…) raises :class:`InputError` naming the lines to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from gis._crs import INSEE_PATTERN
from gis._errors import InputError
from gis._safe_text import CONTROL_CLASS

BAN_COLUMNS: tuple[str, ...] = (
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "x",
    "y",
    "lon",
    "lat",
    "type_position",
    "alias",
    "nom_ld",
    "libelle_acheminement",
    "nom_afnor",
    "source_position",
    "source_nom_voie",
    "certification_commune",
    "cad_parcelles",
)
# Longest text accepted per BAN column: the sizes of the ``addresses`` table (a test keeps them equal).
BAN_TEXT_LIMITS = {"id": 64, "rep": 16, "nom_voie": 200, "nom_ld": 200, "code_postal": 5, "nom_commune": 200}
_CONTROL = f"[{CONTROL_CLASS}]"
# The BAN numbers houses from 0 to 9999 (99999 leaves room); a longer number is a typing error.
MAX_HOUSE_NUMBER = 99_999
NEEDED = ("id", "numero", "rep", "nom_voie", "nom_ld", "code_postal", "code_insee", "nom_commune", "lon", "lat")
TRUE_WORDS = frozenset({"1", "vrai", "true", "oui", "v", "t", "o", "y", "yes"})
MAX_PROBLEMS = 10

# Columns of the frames yielded by :func:`read_ban_chunks`.
OUTPUT_COLUMNS = (
    "ban_id",
    "insee",
    "numero",
    "rep",
    "nom_voie",
    "nom_ld",
    "code_postal",
    "nom_commune",
    "lon",
    "lat",
    "certified",
)


def _header(path: Path) -> list[str]:
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            first = handle.readline().rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"Le fichier {path.name} n'est pas en UTF-8 : enregistrez-le en UTF-8.") from exc
    except OSError as exc:
        raise InputError(f"Impossible de lire le fichier {path} : {exc.strerror}.") from exc
    if not first:
        raise InputError(f"Le fichier {path.name} est vide : il faut l'en-tête BAN et au moins une ligne.")
    if ";" not in first:
        seen = next(
            (name for sep, name in ((",", "virgule"), ("\t", "tabulation"), ("|", "barre")) if sep in first), ""
        )
        detail = f" (séparateur trouvé : {seen})" if seen else ""
        raise InputError(
            f"Le fichier {path.name} n'est pas au format BAN : les colonnes doivent être séparées par « ; »{detail}. "
            "Téléchargez le fichier « adresses-<département>.csv » de adresse.data.gouv.fr sans le modifier."
        )
    columns = [c.strip() for c in first.split(";")]
    missing = [c for c in NEEDED if c not in columns]
    if missing:
        raise InputError(
            f"Le fichier {path.name} n'est pas au format BAN : colonnes manquantes.",
            problems=[f"colonne « {c} » absente" for c in missing],
        )
    return columns


def _check_field_counts(path: Path, expected: int) -> None:
    """Refuse lines that do not have exactly the header's number of fields (pandas ignores extra ones)."""
    problems: list[str] = []
    bad = 0
    with path.open("rb") as handle:
        next(handle, None)
        for number, line in enumerate(handle, start=2):
            fields = line.count(b";") + 1
            if fields != expected and line.strip():
                bad += 1
                if len(problems) < MAX_PROBLEMS:
                    problems.append(f"ligne {number} : {fields} colonnes au lieu de {expected}")
    if bad:
        if bad > len(problems):
            problems.append(f"… et {bad - len(problems)} autre(s) ligne(s)")
        raise InputError(
            f"Le fichier {path.name} est mal formé (nombre de colonnes incohérent) ; rien n'a été importé. "
            f"Chaque ligne doit avoir les {expected} colonnes de l'en-tête, séparées par « ; ».",
            problems=problems,
        )


def count_data_lines(path: Path) -> int:
    """Number of data lines (the header excluded), counted quickly for the progress bar."""
    with path.open("rb") as handle:
        count = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(-1, 2)
        if handle.read(1) != b"\n":
            count += 1
    return max(count - 1, 0)


def parse_certification(values: pd.Series) -> np.ndarray:
    """``certification_commune`` read loosely: ``1``/``vrai``/``true``… are True, anything else False."""
    return values.fillna("").str.strip().str.lower().isin(TRUE_WORDS).to_numpy()


def _validate(frame: pd.DataFrame, first_line: int, name: str) -> pd.DataFrame:
    problems: list[str] = []
    more = [0]

    def flag(mask: np.ndarray, what: str) -> None:
        for i in np.flatnonzero(mask):
            if len(problems) >= MAX_PROBLEMS:
                more[0] += 1
                continue
            problems.append(f"ligne {first_line + int(i)} : {what}")

    for column, limit in BAN_TEXT_LIMITS.items():
        values = frame[column].str.strip()
        flag((values.str.len() > limit).to_numpy(), f"« {column} » trop long ({limit} caractères au plus)")
        flag(values.str.contains(_CONTROL, regex=True).to_numpy(), f"« {column} » contient un caractère de contrôle")
    ids = frame["id"].str.strip()
    flag((ids == "").to_numpy(), "identifiant « id » vide")
    insee = frame["code_insee"].str.strip().str.upper()
    flag(~insee.str.match(INSEE_PATTERN).to_numpy(), "code INSEE invalide (5 caractères, ex. 75113 ou 2A004)")
    lon = pd.to_numeric(frame["lon"].str.strip().str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    lat = pd.to_numeric(frame["lat"].str.strip().str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    bad_coords = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    flag(bad_coords, "coordonnées lon/lat invalides (nombres en degrés WGS84 attendus)")
    numero_text = frame["numero"].str.strip()
    numero = pd.to_numeric(numero_text, errors="coerce")
    flag(
        ((numero_text != "") & ~(numero >= 0) | (numero > MAX_HOUSE_NUMBER)).to_numpy(),
        f"numéro invalide (entier de 0 à {MAX_HOUSE_NUMBER} attendu)",
    )
    numero = numero.where((numero >= 0) & (numero <= MAX_HOUSE_NUMBER))
    if more[0]:
        problems.append(f"… et {more[0]} autre(s) erreur(s)")
    if problems:
        raise InputError(f"Le fichier {name} contient des lignes invalides ; rien n'a été importé.", problems=problems)
    certification = (
        frame["certification_commune"] if "certification_commune" in frame else pd.Series("", index=frame.index)
    )
    return pd.DataFrame(
        {
            "ban_id": ids.to_numpy(),
            "insee": insee.to_numpy(),
            "numero": numero.astype("Int64").to_numpy(dtype=object, na_value=None),  # type: ignore[call-overload]
            "rep": frame["rep"].str.strip().str.lower().to_numpy(),
            "nom_voie": frame["nom_voie"].str.strip().to_numpy(),
            "nom_ld": frame["nom_ld"].str.strip().to_numpy(),
            "code_postal": frame["code_postal"].str.strip().to_numpy(),
            "nom_commune": frame["nom_commune"].str.strip().to_numpy(),
            "lon": lon,
            "lat": lat,
            "certified": parse_certification(certification),
        }
    )


def read_ban_chunks(path: str | Path, chunk_rows: int = 50_000) -> Iterator[pd.DataFrame]:
    """Yield the checked rows of a BAN CSV file, ``chunk_rows`` at a time (columns: :data:`OUTPUT_COLUMNS`).

    Raises
    ------
    InputError
        Wrong separator, missing columns, a line with the wrong number of fields, an empty id, a bad
        INSEE code, bad coordinates or a bad house number (the message lists the lines).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Fichier introuvable : {path}.")
    columns = _header(path)
    _check_field_counts(path, len(columns))
    usecols = [c for c in (*NEEDED, "certification_commune") if c in columns]
    reader = pd.read_csv(
        path,
        sep=";",
        dtype=str,
        keep_default_na=False,
        usecols=usecols,
        chunksize=chunk_rows,
        encoding="utf-8-sig",
        engine="c",
    )
    first_line = 2
    try:
        for frame in reader:
            frame = frame.fillna("")
            yield _validate(frame, first_line, path.name)
            first_line += len(frame)
    except pd.errors.ParserError as exc:
        raise InputError(
            f"Le fichier {path.name} est mal formé (nombre de colonnes incohérent) : {exc}. "
            "Chaque ligne doit avoir les 23 colonnes BAN séparées par « ; »."
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"Le fichier {path.name} n'est pas en UTF-8 : enregistrez-le en UTF-8.") from exc

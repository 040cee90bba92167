"""Read SSMSI files in any of their layouts into one normalised table (pure: no database).

Layouts recognised from the header line:

- ``communes``: the communal base in its current layout (first column ``CODGEO_<edition>``, ``est_diffuse``,
  ``complement_info_*``);
- ``communes_2024``: the communal base of the editions up to 2024 (``CODGEO_<edition>;annee;classe;
  unité.de.compte;valeur.publiée;faits;tauxpourmille;complementinfoval;complementinfotaux;POP;millPOP;LOG;millLOG``,
  two-digit ``annee``);
- ``departements``: the département base (``Code_departement;Code_region;annee;indicateur;…``, UTF-8 BOM);
- ``reference``: a reference table with one row per indicator and columns ``<place>_<year>_nombre`` and
  ``<place>_<year>_taux_pour_mille`` (the project brief's table), where ``<place>`` is a département name or
  a commune name.

Every layout comes out as the columns of :data:`COLUMNS`, chunk by chunk (the full communal base has millions
of rows). Numbers use the decimal comma or point; ``NA`` and empty cells are missing values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gis import InputError
from stats._catalogue import AS_GIVEN, HOUSING, departement_by_slug, indicator_for

COLUMNS = [
    "source",
    "level",
    "code",
    "year",
    "indicator",
    "label",
    "unit",
    "published",
    "count",
    "rate",
    "rate_base",
    "population",
    "population_year",
    "housing",
    "housing_year",
    "withheld_avg_count",
    "withheld_avg_rate",
    "edition",
]

CURRENT = "communes"
OLD = "communes_2024"
DEPARTEMENTS = "departements"
REFERENCE = "reference"

LAYOUT_LABELS = {
    CURRENT: "base communale SSMSI (format actuel)",
    OLD: "base communale SSMSI (format des éditions jusqu'à 2024)",
    DEPARTEMENTS: "base départementale SSMSI",
    REFERENCE: "tableau de référence (nombres et taux pour mille)",
}

_CURRENT_COLS = [
    "annee",
    "indicateur",
    "unite_de_compte",
    "nombre",
    "taux_pour_mille",
    "est_diffuse",
    "insee_pop",
    "insee_pop_millesime",
    "insee_log",
    "insee_log_millesime",
    "complement_info_nombre",
    "complement_info_taux",
]
_OLD_COLS = [
    "annee",
    "classe",
    "unité.de.compte",
    "valeur.publiée",
    "faits",
    "tauxpourmille",
    "complementinfoval",
    "complementinfotaux",
    "POP",
    "millPOP",
    "LOG",
    "millLOG",
]
_DEP_COLS = [
    "Code_departement",
    "annee",
    "indicateur",
    "unite_de_compte",
    "nombre",
    "taux_pour_mille",
    "insee_pop",
    "insee_log",
]
_REF_COLUMN = re.compile(r"^(?P<place>.+?)_(?P<year>\d{4})_(?P<what>nombre|taux_pour_mille)$")
_MISSING = {"", "NA", "N/A", "na", "nan", "NaN"}


@dataclass(frozen=True)
class Layout:
    """What the header says: the layout, the separator, the edition, and the header itself."""

    kind: str
    sep: str
    edition: int
    header: list[str]
    encoding: str = "utf-8-sig"

    @property
    def label(self) -> str:
        return LAYOUT_LABELS[self.kind]


def _split_header(line: str, sep: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.rstrip("\r\n").split(sep)]


def detect_layout(path: Path) -> Layout:
    """Recognise the layout of an SSMSI file from its header line.

    Raises
    ------
    gis.InputError
        When the file is missing, empty, or its header matches no known layout.
    """
    if not path.is_file():
        raise InputError(f"Fichier introuvable : {path}. Vérifiez le chemin.")
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    try:
        head.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # Some re-exports of the SSMSI bases are in Windows-1252 (accents of "unité.de.compte", labels).
        encoding = "cp1252" if exc.start < len(head) - 4 else "utf-8-sig"
    first = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    if not first.strip():
        raise InputError(f"Le fichier {path.name} est vide : il faut au moins la ligne d'en-tête.")
    sep = ";" if first.count(";") >= first.count(",") else ","
    header = _split_header(first, sep)
    names = set(header)
    codgeo = re.fullmatch(r"CODGEO_(\d{4})", header[0])
    if codgeo and set(_CURRENT_COLS) <= names:
        return Layout(CURRENT, sep, int(codgeo.group(1)), header, encoding)
    if codgeo and set(_OLD_COLS) <= names:
        return Layout(OLD, sep, int(codgeo.group(1)), header, encoding)
    if set(_DEP_COLS) <= names:
        return Layout(DEPARTEMENTS, sep, 0, header, encoding)
    if "indicateur" in names and any(_REF_COLUMN.match(h) for h in header):
        return Layout(REFERENCE, sep, 0, header, encoding)
    raise InputError(
        f"Format de fichier non reconnu : {path.name}. En-tête lu : « {';'.join(header[:6])}… ».",
        problems=[
            "base communale SSMSI : première colonne CODGEO_<année>, puis annee;indicateur;unite_de_compte;"
            "nombre;taux_pour_mille;est_diffuse;…",
            "ancienne base communale : CODGEO_<année>;annee;classe;unité.de.compte;valeur.publiée;faits;…",
            "base départementale : Code_departement;Code_region;annee;indicateur;…",
            "tableau de référence : indicateur;<lieu>_<année>_nombre;<lieu>_<année>_taux_pour_mille",
        ],
    )


def _numbers(values: pd.Series, column: str, problems: list[str], first_line: int) -> pd.Series:
    """Parse numbers written with a decimal comma or point; missing cells become NaN."""
    text = values.astype(str).str.strip().str.strip('"')
    missing = text.isin(_MISSING)
    parsed = pd.to_numeric(text.str.replace("\u202f", "").str.replace(" ", "").str.replace(",", "."), errors="coerce")
    bad = parsed.isna() & ~missing
    if bad.any():
        for idx in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(f"ligne {first_line + idx} : « {text.iloc[idx]} » n'est pas un nombre ({column})")
    return parsed.where(~missing)


def _years(values: pd.Series, column: str, problems: list[str], first_line: int) -> pd.Series:
    parsed = _numbers(values, column, problems, first_line)
    # Editions up to 2024 write the year on two digits ("16" for 2016).
    return parsed.where(parsed.isna() | (parsed >= 100), parsed + 2000)


def _flags(values: pd.Series, column: str, problems: list[str], first_line: int) -> pd.Series:
    text = values.astype(str).str.strip().str.strip('"').str.lower()
    bad = ~text.isin({"diff", "ndiff"})
    for idx in np.flatnonzero(bad.to_numpy())[:5]:
        problems.append(f"ligne {first_line + idx} : « {text.iloc[idx]} » au lieu de diff ou ndiff ({column})")
    return text == "diff"


def _codes(values: pd.Series, width: int) -> pd.Series:
    text = values.astype(str).str.strip().str.strip('"').str.upper()
    # Some exports lost the leading zero of "01071" or "01"; put it back on all-digit codes.
    return text.where(~text.str.fullmatch(r"\d+"), text.str.zfill(width))


def _indicators(labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    uniques = {lab: indicator_for(lab) for lab in pd.unique(labels)}
    return labels.map(lambda lab: uniques[lab].key), labels.map(lambda lab: uniques[lab].rate_base)


def _finish(frame: pd.DataFrame, problems: list[str], path: Path) -> pd.DataFrame:
    if problems:
        raise InputError(f"Le fichier {path.name} contient des valeurs illisibles ; rien n'a été importé.", problems)
    frame["count"] = frame["count"].round().astype("Int64")
    for col in ("year", "population_year", "housing_year", "edition"):
        frame[col] = frame[col].round().astype("Int64")
    return frame[COLUMNS]


@dataclass(frozen=True)
class _CommunalColumns:
    """Where each field sits in one layout of the communal base."""

    label: str
    unit: str
    published: str
    count: str
    rate: str
    population: str
    population_year: str
    housing: str
    housing_year: str
    withheld_avg_count: str
    withheld_avg_rate: str


_CURRENT_COLUMNS = _CommunalColumns(
    "indicateur", "unite_de_compte", "est_diffuse", "nombre", "taux_pour_mille", "insee_pop",
    "insee_pop_millesime", "insee_log", "insee_log_millesime", "complement_info_nombre", "complement_info_taux",
)  # fmt: skip
_OLD_COLUMNS = _CommunalColumns(
    "classe", "unité.de.compte", "valeur.publiée", "faits", "tauxpourmille", "POP", "millPOP", "LOG", "millLOG",
    "complementinfoval", "complementinfotaux",
)  # fmt: skip


def _communal_chunk(
    raw: pd.DataFrame, layout: Layout, path: Path, first_line: int, cols: _CommunalColumns
) -> pd.DataFrame:
    """One chunk of the communal base, whichever layout ``cols`` describes, in the common columns."""
    problems: list[str] = []
    labels = raw[cols.label].astype(str).str.strip()
    keys, bases = _indicators(labels)

    def number(column: str) -> pd.Series:
        return _numbers(raw[column], column, problems, first_line)

    def year(column: str) -> pd.Series:
        return _years(raw[column], column, problems, first_line)

    frame = pd.DataFrame(
        {
            "source": "ssmsi",
            "level": "commune",
            "code": _codes(raw[layout.header[0]], 5),
            "year": year("annee"),
            "indicator": keys,
            "label": labels,
            "unit": raw[cols.unit].astype(str).str.strip(),
            "published": _flags(raw[cols.published], cols.published, problems, first_line),
            "count": number(cols.count),
            "rate": number(cols.rate),
            "rate_base": bases,
            "population": number(cols.population),
            "population_year": year(cols.population_year),
            "housing": number(cols.housing),
            "housing_year": year(cols.housing_year),
            "withheld_avg_count": number(cols.withheld_avg_count),
            "withheld_avg_rate": number(cols.withheld_avg_rate),
            "edition": layout.edition,
        }
    )
    return _finish(frame, problems, path)


def _current_chunk(raw: pd.DataFrame, layout: Layout, path: Path, first_line: int) -> pd.DataFrame:
    return _communal_chunk(raw, layout, path, first_line, _CURRENT_COLUMNS)


def _old_chunk(raw: pd.DataFrame, layout: Layout, path: Path, first_line: int) -> pd.DataFrame:
    return _communal_chunk(raw, layout, path, first_line, _OLD_COLUMNS)


def _dep_chunk(raw: pd.DataFrame, layout: Layout, path: Path, first_line: int) -> pd.DataFrame:
    problems: list[str] = []
    labels = raw["indicateur"].astype(str).str.strip()
    keys, bases = _indicators(labels)
    years = _years(raw["annee"], "annee", problems, first_line)
    frame = pd.DataFrame(
        {
            "source": "ssmsi",
            "level": "departement",
            "code": _codes(raw["Code_departement"], 2),
            "year": years,
            "indicator": keys,
            "label": labels,
            "unit": raw["unite_de_compte"].astype(str).str.strip(),
            "published": True,
            "count": _numbers(raw["nombre"], "nombre", problems, first_line),
            "rate": _numbers(raw["taux_pour_mille"], "taux_pour_mille", problems, first_line),
            "rate_base": bases,
            "population": _numbers(raw["insee_pop"], "insee_pop", problems, first_line),
            "population_year": _years(raw["insee_pop_millesime"], "insee_pop_millesime", problems, first_line)
            if "insee_pop_millesime" in raw
            else np.nan,
            "housing": _numbers(raw["insee_log"], "insee_log", problems, first_line),
            "housing_year": _years(raw["insee_log_millesime"], "insee_log_millesime", problems, first_line)
            if "insee_log_millesime" in raw
            else np.nan,
            "withheld_avg_count": np.nan,
            "withheld_avg_rate": np.nan,
            # The département base has no edition in its header: its latest year stands for it.
            "edition": years.max() if len(years) else 0,
        }
    )
    return _finish(frame, problems, path)


def _reference(
    raw: pd.DataFrame, layout: Layout, path: Path, resolve: Callable[[str], str | None] | None
) -> pd.DataFrame:
    problems: list[str] = []
    labels = raw["indicateur"].astype(str).str.strip()
    keys, _bases = _indicators(labels)
    places: dict[tuple[str, int], dict[str, str]] = {}
    for col in layout.header:
        match = _REF_COLUMN.match(col)
        if match:
            places.setdefault((match["place"], int(match["year"])), {})[match["what"]] = col
    frames = []
    unknown = [
        f"« {place} » n'est ni un département ni une commune enregistrée : enregistrez la commune, ou donnez le "
        "code INSEE de ce lieu"
        for place in dict.fromkeys(p for p, _ in places)
        if departement_by_slug(place) is None and (resolve(place) if resolve else None) is None
    ]
    if unknown:
        raise InputError(f"Le fichier {path.name} nomme des lieux inconnus ; rien n'a été importé.", unknown,
                         field="places")  # fmt: skip
    for (place, year), cols in places.items():
        dep = departement_by_slug(place)
        code = dep if dep is not None else (resolve(place) if resolve else None)
        assert code is not None  # checked above
        count = _numbers(raw[cols["nombre"]], cols["nombre"], problems, 2) if "nombre" in cols else np.nan
        rate = (
            _numbers(raw[cols["taux_pour_mille"]], cols["taux_pour_mille"], problems, 2)
            if "taux_pour_mille" in cols
            else np.nan
        )
        frames.append(
            pd.DataFrame(
                {
                    "source": "reference",
                    "level": "departement" if dep is not None else "commune",
                    "code": code,
                    "year": year,
                    "indicator": keys,
                    "label": labels,
                    "unit": "",
                    "published": True,
                    "count": count,
                    "rate": rate,
                    # The reference table states rates per 1,000 without their base: kept exactly as given.
                    "rate_base": AS_GIVEN,
                    "population": np.nan,
                    "population_year": np.nan,
                    "housing": np.nan,
                    "housing_year": np.nan,
                    "withheld_avg_count": np.nan,
                    "withheld_avg_rate": np.nan,
                    "edition": 0,
                }
            )
        )
    if not frames and not problems:
        problems.append("aucune colonne <lieu>_<année>_nombre ou <lieu>_<année>_taux_pour_mille")
    return _finish(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS), problems, path)


def read_ssmsi(
    path: Path | str,
    *,
    resolve: Callable[[str], str | None] | None = None,
    chunksize: int = 200_000,
) -> tuple[Layout, Iterator[pd.DataFrame]]:
    """Detect the layout of an SSMSI file and read it as normalised chunks.

    Parameters
    ----------
    path
        The CSV file.
    resolve
        For reference tables: gives the INSEE code of a commune named by a slug (``bouray_sur_juine``), or None.
    chunksize
        Rows per chunk.

    Returns
    -------
    (Layout, iterator of DataFrames with the columns of :data:`COLUMNS`)

    Raises
    ------
    gis.InputError
        Unknown layout, or (while iterating) unreadable values, with the line numbers.
    """
    path = Path(path)
    layout = detect_layout(path)
    read = {
        "sep": layout.sep,
        "dtype": str,
        "keep_default_na": False,
        "encoding": layout.encoding,
        "quotechar": '"',
    }

    def chunks() -> Iterator[pd.DataFrame]:
        if layout.kind == REFERENCE:
            yield _reference(pd.read_csv(path, **read), layout, path, resolve)  # type: ignore[call-overload]
            return
        parse = {CURRENT: _current_chunk, OLD: _old_chunk, DEPARTEMENTS: _dep_chunk}[layout.kind]
        line = 2
        try:
            for raw in pd.read_csv(path, chunksize=chunksize, **read):  # type: ignore[call-overload]
                yield parse(raw, layout, path, line)
                line += len(raw)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(f"Le fichier {path.name} est mal formé ; rien n'a été importé ({exc}).") from exc

    return layout, chunks()


def expected_rate(frame: pd.DataFrame) -> pd.Series:
    """The rate per 1,000 implied by count and base (housing units for burglaries, else inhabitants)."""
    base = frame["housing"].where(frame["rate_base"] == HOUSING, frame["population"])
    return frame["count"].astype(float) * 1000.0 / base

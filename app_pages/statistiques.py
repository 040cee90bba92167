"""Statistiques: the SSMSI indicators of the commune beside its département, the trend, charts (Altair).

SSMSI figures are open data (small counts already withheld by the SSMSI): every member reads them; the
gendarmerie only while the mairie keeps its access open. Charts are Vega-Lite through Altair, drawn by
Streamlit's own bundle (nothing loaded from a CDN).
"""

from datetime import date

import streamlit as st

from app_pages._charts import series_lines, side_by_side_bars
from app_pages._session import require_actor
from app_pages._staff import attempt, plain, require_page
from gis._safe_text import safe_cell
from services import ServiceError
from services import stats as stats_service
from services.maps import commune_map
from stats import WITHHELD, fr_number, fr_rate
from store.schema import Role

ROW_PX = 35  # a table row's height in Streamlit's data grid

actor = require_actor()
if actor.role == Role.GENDARMERIE:
    require_page({Role.GENDARMERIE}, ["view_stats"])
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title("Statistiques")
st.caption(
    "Chiffres de la délinquance enregistrée par la police et la gendarmerie (SSMSI, données publiques) ; "
    "les petits nombres sont masqués par le SSMSI."
)


def show_tables(tables: list[stats_service.Table] | None) -> None:
    """Tables of text cells, each under its title."""
    for table in tables or []:
        st.subheader(plain(table.title))
        st.dataframe([dict(zip(table.headers, row, strict=True)) for row in table.rows], hide_index=True)


def platform_section(year: int) -> None:
    """The alerts of Voisinage in the actor's commune that year, for the actor's role (public for residents)."""
    st.header(f"Les alertes de Voisinage en {year}")
    if actor.role not in (Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN, Role.GENDARMERIE):
        st.caption("Version publique : les nombres trop petits pour protéger les personnes sont masqués.")
    show_tables(attempt(lambda: stats_service.platform_tables(actor, year)))


def categories_section(year: int) -> None:
    """Each SSMSI indicator of the year beside the département and the alerts of the related categories."""
    st.header(f"Les catégories d'alerte à côté des indicateurs SSMSI en {year}")
    beside = attempt(lambda: stats_service.categories_beside(actor, year))
    if beside is None:
        return
    st.caption(
        "Une alerte de voisin n'est pas une infraction enregistrée : la comparaison ne donne qu'un ordre de "
        f"grandeur. Alertes publiées en {year} dans les catégories liées à chaque indicateur ; "
        f"chiffres SSMSI : {beside.source}."
    )
    if beside.public:
        st.caption(f"Version publique : les nombres d'alertes inférieurs à {beside.min_count} sont masqués.")
    hidden = f"< {beside.min_count}"
    st.dataframe(
        [
            {
                "Indicateur SSMSI": safe_cell(r.indicator),
                "Commune (nombre)": fr_number(r.count, 0) if r.count is not None else WITHHELD,
                "Commune (taux)": fr_rate(r.rate) if r.rate is not None else WITHHELD,
                "Département (taux)": fr_rate(r.dep_rate) if r.dep_rate is not None else "—",
                "Alertes Voisinage": "—" if not r.categories else hidden if r.alerts is None else str(r.alerts),
                "Catégories d'alerte": safe_cell(", ".join(r.categories)) if r.categories else "—",
                "Base du taux": r.rate_base,
            }
            for r in beside.rows
        ],
        hide_index=True,
        height=ROW_PX * (len(beside.rows) + 1) + 3,  # every indicator at once, no inner scrolling
    )
    if beside.without_equivalent:
        names = ", ".join(f"« {plain(label)} »" for label in beside.without_equivalent)
        st.markdown(f"Catégories sans équivalent SSMSI : {names}.")
    pairs = [
        {"Indicateur": r.indicator, "Série": series, "Nombre": number}
        for r in beside.rows
        if r.categories
        for series, number in (("Faits enregistrés (SSMSI)", r.count), ("Alertes Voisinage", r.alerts))
        if number is not None
    ]
    if pairs:
        order = [r.indicator for r in beside.rows if r.categories]  # the SSMSI's order, as in the table
        chart = side_by_side_bars(
            pairs, value="Nombre", label="Indicateur", series="Série", value_format=".0f", order=order
        )
        st.altair_chart(chart, width="stretch")
        st.caption("Nombres de l'année ; ceux que le SSMSI ne diffuse pas, ou masqués, ne sont pas dessinés.")


insee = st.text_input("Commune (code INSEE)", value=view.insee, key="stats-commune").strip()
figures = attempt(lambda: stats_service.figures(actor, insee))
if figures is None:
    st.stop()
if not figures:
    st.info(
        f"Aucun chiffre SSMSI pour la commune {plain(insee)} : le fichier qui la contient n'a pas encore été importé."
    )
    if insee == view.insee:
        platform_section(date.today().year)
    st.stop()

years = sorted({f.year for f in figures}, reverse=True)
year = st.selectbox("Année", years, key="stats-year")
show_tables(attempt(lambda: stats_service.show(actor, insee, year)))

st.header(f"La commune et son département en {year}")
of_year = [f for f in figures if f.year == year]
bars = [
    {"Indicateur": f.indicator, "Zone": zone, "Taux pour 1 000": rate}
    for f in of_year
    for zone, rate in (("Commune", f.rate), ("Département", f.dep_rate))
    if rate is not None
]
if bars:
    chart = side_by_side_bars(
        bars,
        value="Taux pour 1 000",
        label="Indicateur",
        series="Zone",
        order=list(dict.fromkeys(f.indicator for f in of_year)),
    )
    st.altair_chart(chart, width="stretch")
else:
    st.info("Aucun taux publié cette année-là.")

if insee == view.insee:
    categories_section(year)

st.header("Évolution")
indicators = sorted({f.indicator for f in figures})
chosen = st.selectbox("Indicateur", indicators, key="stats-indicator")
lines = [
    {"Année": str(f.year), "Zone": zone, "Taux pour 1 000": rate}
    for f in figures
    if f.indicator == chosen
    for zone, rate in (("Commune", f.rate), ("Département", f.dep_rate))
    if rate is not None
]
if lines:
    trend_chart = series_lines(lines, x="Année", value="Taux pour 1 000", series="Zone")
    st.altair_chart(trend_chart, width="stretch")
if insee == view.insee:
    platform_section(year)

with st.expander("Tableau de l'évolution"):
    show_tables(attempt(lambda: stats_service.trend(actor, insee)))

"""Tableau de bord (mairie; gendarmerie while the mairie keeps its access open): alerts per week by category,
moderation and acknowledgement delays, the gendarmerie's feedback, sector health on the map, the quarterly report.

Every figure comes from ``services.stats.dashboard``, which asks the permission matrix again (the page
refuses at its next run once the access is closed) and leaves member figures out for the gendarmerie.
"""

from datetime import datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app_pages._charts import stacked_weeks
from app_pages._map import commune_base, show_map
from app_pages._nav import HEAT_READERS
from app_pages._staff import attempt, plain, require_page
from gis._safe_text import safe_cell
from layers import ShadedSector, shaded_sectors_layer
from services import ServiceError
from services import reports as reports_service
from services import stats as stats_service
from services.maps import commune_map
from stats._dashboard import (
    ACTIVE,
    HEALTH_LABELS,
    IDLE,
    TO_FILL,
    DelayFigures,
    SectorHealth,
    hours_label,
    recent_quarters,
)
from stats._format import fr_number

PARIS = ZoneInfo("Europe/Paris")
# Fill colour of each health class, on the map and in its legend.
HEALTH_STYLE = {IDLE: "#dc2626", TO_FILL: "#f59e0b", ACTIVE: "#16a34a"}

actor, _ = require_page(HEAT_READERS, ["view_stats"])
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Tableau de bord — {plain(view.name)}")
today = datetime.now(PARIS).date()  # the mairie's calendar, not the server's
period = st.date_input(
    "Période", value=(today - timedelta(weeks=12) + timedelta(days=1), today), format="DD/MM/YYYY", key="board-period"
)
if not isinstance(period, tuple) or len(period) != 2:
    st.error("Choisissez la date de début et la date de fin.")
    st.stop()
start = datetime.combine(period[0], time.min, tzinfo=PARIS)
end = datetime.combine(period[1] + timedelta(days=1), time.min, tzinfo=PARIS)
board = attempt(lambda: stats_service.dashboard(actor, start, end))
if board is None:
    st.stop()

# ---------------------------------------------------------------- alerts per week
st.header("Alertes par semaine")
if board.per_week:
    rows = [{"Semaine": c.week.isoformat(), "Catégorie": c.category, "Alertes": c.count} for c in board.per_week]
    st.altair_chart(stacked_weeks(rows, week="Semaine", value="Alertes", series="Catégorie"), width="stretch")
    st.caption("Alertes publiées (y compris prises en compte ou closes), par semaine de création (du lundi).")
else:
    st.info(f"Aucune alerte publiée sur ces {len(board.weeks)} semaine(s).")

# ---------------------------------------------------------------- delays and feedback
st.header("Délais et retours")


def delay_column(column: DeltaGenerator, title: str, figures: DelayFigures, what: str, minimum: int) -> None:
    """One delay: its median as the metric, the 90th percentile and the sample below."""
    column.metric(f"{title} (médiane)", hours_label(figures.median_h))
    if figures.count == 0:
        column.caption("Aucune mesure sur la période.")
    elif figures.withheld:
        column.caption(f"Trop peu de mesures ({figures.count}) : chiffre masqué sous {minimum}.")
    else:
        column.caption(f"90 % en moins de {hours_label(figures.p90_h)} · {figures.count} {what}")
    if figures.pending:
        column.caption(f"{figures.pending} en attente")


left, middle, right = st.columns(3)
delay_column(left, "Modération", board.moderation, "alerte(s) modérée(s)", board.min_sample)
taken_up = "alerte(s) prise(s) en compte"
delay_column(middle, "Prise en compte", board.acknowledgement, taken_up, board.min_sample)
middle.caption("Par la gendarmerie, depuis la publication.")
share = board.feedback.ratio
right.metric(
    "Retour de la gendarmerie",
    "—" if share is None else f"{fr_number(share * 100, 0)} %",
)
right.caption(f"{board.feedback.part} sur {board.feedback.whole} alerte(s) de sécurité publiée(s) ont eu un retour.")
with st.expander("Définitions"):
    st.markdown(
        "- **Modération** : de la création de l'alerte à la première décision (publication ou refus), pour les "
        "alertes retenues en modération ; les alertes publiées directement n'en font pas partie.\n"
        "- **Prise en compte** : de la publication à la première prise en compte par la gendarmerie (une "
        "clôture par la gendarmerie en tient lieu).\n"
        "- **Médiane** : la moitié des alertes ont attendu moins ; **90 %** : neuf sur dix ont attendu moins "
        "(interpolation entre les rangs les plus proches).\n"
        f"- Sous {board.min_sample} mesures, un délai n'est pas affiché : il décrirait la journée d'une personne.\n"
        "- **Retour** : alerte de sécurité publiée que la gendarmerie a close avec un retour."
    )

# ---------------------------------------------------------------- sector health
st.header("Santé des secteurs")
shapes = {s.code: s.geometry for s in view.sectors}


def details(h: SectorHealth) -> tuple[str, ...]:
    """Tooltip lines of a sector's health (numbers and dates only; the name is added by the layer)."""
    lines = [HEALTH_LABELS[h.state]]
    if h.members is not None:
        of = f" pour {h.households} ménage(s)" if h.households is not None else ""
        pct = h.participation_pct
        lines.append(f"{h.members} membre(s) vérifié(s){of}" + (f" ({fr_number(pct, 1)} %)" if pct else ""))
        lines.append(f"Référents : {h.referents} sur {h.referent_places} place(s)")
    when = h.last_alert
    lines.append(f"Dernière alerte : {when.astimezone(PARIS):%d/%m/%Y}" if when else "Aucune alerte enregistrée")
    return tuple(lines)


folium_map = commune_base(view)
shaded = [
    ShadedSector(h.code, h.name, shapes[h.code], HEALTH_STYLE[h.state], details(h))
    for h in board.sectors
    if h.code in shapes
]
if shaded:
    shaded_sectors_layer(shaded).add_to(folium_map)
show_map(folium_map, key="tableau-de-bord", height=480)
states = [IDLE, ACTIVE] if not board.members_shown else [IDLE, TO_FILL, ACTIVE]
# The legend: the app's own colours and labels only (no user text), so plain HTML is safe here.
st.html(
    '<p style="font-size:0.85rem">'
    + "".join(
        f'<span style="margin-right:1.2em"><span style="display:inline-block;width:0.9em;height:0.9em;'
        f'background:{HEALTH_STYLE[s]};opacity:0.7;vertical-align:-0.1em;margin-right:0.35em"></span>'
        f"{escape(HEALTH_LABELS[s])}</span>"
        for s in states
    )
    + "</p>"
)
if not board.members_shown:
    st.caption("Les effectifs des secteurs (membres, référents) sont réservés à la mairie.")
elif not board.households_known:
    st.caption("Ménages inconnus : la Base Adresse Nationale de la commune n'est pas importée.")
table = []
for h in board.sectors:
    row = {"Secteur": safe_cell(h.name), "État": HEALTH_LABELS[h.state]}
    if board.members_shown:
        pct = h.participation_pct
        row |= {
            "Membres vérifiés": str(h.members),
            "Ménages": "—" if h.households is None else str(h.households),
            "Pour 100 ménages": "—" if pct is None else fr_number(pct, 1),
            "Référents": f"{h.referents} / {h.referent_places}",
        }
    row["Dernière alerte"] = h.last_alert.astimezone(PARIS).strftime("%d/%m/%Y") if h.last_alert else "—"
    table.append(row)
if table:
    st.dataframe(table, hide_index=True)
else:
    st.info("La commune n'a pas de découpage en secteurs actif.")

# ---------------------------------------------------------------- quarterly report
st.header("Rapport trimestriel")
with st.form("board-report"):
    quarter = st.selectbox("Trimestre", recent_quarters(today), key="board-quarter")
    asked = st.form_submit_button("Préparer le rapport (PDF)")
if asked:
    with st.spinner("Préparation du rapport…"):
        report = attempt(lambda: reports_service.quarterly_download(actor, quarter))
    if report is not None:
        st.download_button("Télécharger le rapport", report.data, report.file_name, report.mime, key="board-download")

"""Secteurs (mairie): the draft on the map with its problems, its difference to the active set, the edits.

Every change goes to the working draft (services.sector_edits), never to the active set until « Activer ».
A mairie agent sees the sectors read-only (the permission matrix gives the edits to the mairie's admin).
"""

import json
import zlib
from collections.abc import Callable

import folium
import shapely
import streamlit as st
from folium.plugins import Draw

from app_pages._map import commune_base, show_map
from app_pages._nav import MAIRIE
from app_pages._staff import attempt, plain, require_page
from layers import FrenchDrawLabels, SectorShape, problems_layer, sectors_layer
from services import ServiceError
from services import sector_edits as edits
from services.maps import commune_map
from services.sector_edits import EditResult
from services.sectors import STATUS_LABELS, activate
from services.staff import (
    EXPORT_FORMATS,
    change_label,
    export_download,
    generate_draft,
    granted,
    import_upload,
    sector_layout,
)

actor, _ = require_page(MAIRIE)
can_edit = "edit_sectors" in granted(actor, ["edit_sectors"])
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()
insee = view.insee
st.title(f"Secteurs — {plain(view.name)}")

draft = attempt(lambda: edits.draft_version(actor, insee)) if can_edit else None
layout = attempt(lambda: sector_layout(actor, insee, draft))
validation = attempt(lambda: edits.validate(actor, insee)) if draft is not None else None

if layout is None:
    st.info("La commune n'a pas encore de découpage : importez un fichier de secteurs ci-dessous.")
elif draft is not None:
    st.subheader(f"Brouillon (version {layout.version})")
    st.caption("Vos modifications vont dans ce brouillon ; le découpage actif ne change qu'à l'activation.")
else:
    st.subheader(f"Découpage {STATUS_LABELS[layout.status]} (version {layout.version})")
    if not can_edit:
        st.caption("Lecture seule : seul l'administrateur de la mairie modifie les secteurs.")

codes = [s.code for s in layout.sectors] if layout is not None else []
names = {s.code: s.name for s in layout.sectors} if layout is not None else {}
outlines = {s.code: s.geometry for s in layout.sectors} if layout is not None else {}


def label(code: str) -> str:
    """A sector as listed in the forms: its code and name."""
    return f"{code} — {names.get(code, '')}"


# Vertex editing: the chosen sector's outline is put in the Draw toolbar's editable layer; once its vertices are
# dragged and saved (« Save » of the edit tool), the new outline fills the « Sommets » form below.
reshaping = None
if can_edit and codes:
    reshaping = st.selectbox("Modifier les sommets d'un secteur sur la carte", [None, *codes], key="reshape-sector",
                             format_func=lambda c: "(aucun)" if c is None else label(c))  # fmt: skip
chosen_outline = outlines.get(reshaping) if reshaping else None
if isinstance(chosen_outline, shapely.MultiPolygon) and len(chosen_outline.geoms) == 1:
    chosen_outline = chosen_outline.geoms[0]  # stored as a multipolygon of one piece
reshaped_outline = chosen_outline if isinstance(chosen_outline, shapely.Polygon) else None
if chosen_outline is not None and reshaped_outline is None:
    st.warning("Ce secteur est en plusieurs morceaux : coupez-le ou supprimez-en un avant d'en déplacer les sommets.")

folium_map = commune_base(view)
if layout is not None:
    sectors_layer([SectorShape(s.code, s.name, s.geometry) for s in layout.sectors], labels=True).add_to(folium_map)
if validation is not None and validation.problems:
    problems_layer((f"{p.label} ({', '.join(p.codes)})", p.geometry) for p in validation.problems).add_to(folium_map)
if can_edit:
    editable = folium.FeatureGroup(name="contour à modifier").add_to(folium_map)
    if reshaped_outline is not None:
        rings = [reshaped_outline.exterior, *reshaped_outline.interiors]
        folium.Polygon([[(y, x) for x, y in ring.coords] for ring in rings], color="#7c3aed", weight=3).add_to(editable)
    FrenchDrawLabels().add_to(folium_map)  # before the toolbar, which reads its labels when it is made
    Draw(export=False, feature_group=editable, show_geometry_on_click=False, edit_options={"remove": False},
         draw_options={"polyline": True, "polygon": True, "rectangle": False, "circle": False, "marker": False,
                       "circlemarker": False}).add_to(folium_map)  # fmt: skip
drawn = show_map(folium_map, key="secteurs", returned=("last_active_drawing", "all_drawings"))
edited = ((drawn or {}).get("all_drawings") or [None])[0] if reshaped_outline is not None else None
edited_geometry = edited.get("geometry") if isinstance(edited, dict) else None
if st.session_state.get("reshape-for") != reshaping:  # another sector chosen: its current outline in the form
    st.session_state["reshape-for"] = reshaping
    current = shapely.geometry.mapping(chosen_outline) if chosen_outline is not None else None
    st.session_state["reshape-geometry"] = json.dumps(current) if current is not None else ""
if (
    isinstance(edited_geometry, dict)
    and edited_geometry.get("type") == "Polygon"
    and not shapely.geometry.shape(edited_geometry).equals_exact(reshaped_outline, 1e-9)
):
    st.session_state["reshape-geometry"] = json.dumps(edited_geometry)
drawing = (drawn or {}).get("last_active_drawing") or {}
geometry = drawing.get("geometry") if isinstance(drawing, dict) else None
if isinstance(geometry, dict) and geometry != st.session_state.get("drawn"):
    # A new drawing: a line goes to the split form, a polygon to the new-sector and move-block forms.
    st.session_state["drawn"] = geometry
    targets = ["split-line"] if geometry.get("type") == "LineString" else ["draw-geometry", "move-block"]
    for target in targets:
        st.session_state[target] = json.dumps(geometry)
    crossed = edits.crossed_sector(geometry, outlines) if geometry.get("type") == "LineString" else None
    if crossed is not None:
        st.session_state["split-sector"] = crossed  # the sector the line cuts, chosen in the split form

if layout is not None:
    st.dataframe([{"Code": s.code, "Nom": s.name} for s in layout.sectors], hide_index=True, width="stretch")

if validation is not None:
    st.header("Vérification du brouillon")
    if not validation.problems:
        st.success("Aucun problème : le brouillon peut être activé.")
    for problem in validation.problems:
        with st.container(border=True):
            st.text(
                f"{'Bloquant' if problem.blocking else 'À regarder'} — {problem.label} ({', '.join(problem.codes)})"
            )
            st.text(problem.message)
            st.text(f"Correction : {problem.fix}")
    difference = attempt(lambda: edits.diff(actor, insee))
    if difference is not None:
        st.header("Différences avec le découpage actif")
        st.dataframe(
            [
                {
                    "Code": c.code,
                    "Changement": change_label(c.change),
                    "Nom avant": c.name_before or "—",
                    "Nom après": c.name_after or "—",
                    "Surface avant (ha)": round(c.area_before_m2 / 10_000, 1) if c.area_before_m2 else None,
                    "Surface après (ha)": round(c.area_after_m2 / 10_000, 1) if c.area_after_m2 else None,
                    "Foyers avant": c.households_before,
                    "Foyers après": c.households_after,
                }
                for c in difference.sectors
            ],
            hide_index=True,
            width="stretch",
        )
        moved = len(difference.moved_members)
        st.write(f"Membres qui changeraient de secteur : {moved}")
        if moved:
            st.dataframe(
                [
                    {"Membre": m.member_id, "Secteur avant": m.code_before or "—", "Secteur après": m.code_after or "—"}
                    for m in difference.moved_members
                ],
                hide_index=True,
            )


def done(message: str) -> None:
    """Confirm a change made in the script's run and redraw the page with the new draft."""
    st.session_state["done"] = message
    st.rerun()


def edit(form: str, change: Callable[[], EditResult], message: Callable[[EditResult], str]) -> None:
    """A form's edit, run by its button before the page's script (``on_click``): the page is then drawn once, with
    the edited draft, instead of a second time after ``st.rerun``. The confirmation, or the French refusal shown
    in the form, is kept for that run."""
    try:
        result = change()
    except ServiceError as exc:
        st.session_state[f"{form}-error"] = exc.message
        return
    st.session_state["done"] = message(result)


def refusal(form: str) -> None:
    """Where a form shows why its edit was refused (set by :func:`edit`)."""
    where = st.empty()
    if f"{form}-error" in st.session_state:
        where.error(st.session_state.pop(f"{form}-error"))


def split() -> None:
    """« Couper »: the chosen sector cut along the line."""
    state = st.session_state
    code, line, new_name = state["split-sector"], state["split-line"], state["split-name"]
    edit("split", lambda: edits.split_sector(actor, insee, code, line, new_name=new_name or None),
         lambda r: f"Secteur coupé : nouveau secteur {', '.join(r.created)} (brouillon {r.version}).")  # fmt: skip


def merge(choice: str) -> None:
    """« Fusionner »: two neighbouring sectors made one (``choice``: the form's keys, see the form)."""
    first, second = st.session_state[f"{choice}-first"], st.session_state[f"{choice}-second"]
    edit("merge", lambda: edits.merge_sectors(actor, insee, first, second),
         lambda r: f"Secteurs fusionnés (brouillon {r.version}).")  # fmt: skip


def move() -> None:
    """« Déplacer l'îlot »: a block given to a neighbouring sector."""
    block, to = st.session_state["move-block"], st.session_state["move-to"]
    edit("move", lambda: edits.move_block(actor, insee, to, block=block),
         lambda r: f"Îlot déplacé vers {to} (brouillon {r.version}).")  # fmt: skip


def add() -> None:
    """« Ajouter le secteur »: a drawn or pasted outline becomes a sector."""
    shape, name = st.session_state["draw-geometry"], st.session_state["draw-name"]
    edit("draw", lambda: edits.draw_sector(actor, insee, shape, name),
         lambda r: f"Secteur {', '.join(r.created)} ajouté (brouillon {r.version}).")  # fmt: skip


def reshape() -> None:
    """« Enregistrer le contour »: the sector chosen above the map takes its new outline."""
    chosen, outline = st.session_state.get("reshape-sector"), st.session_state["reshape-geometry"]
    if not chosen:
        st.session_state["reshape-error"] = "Choisissez d'abord, au-dessus de la carte, le secteur à modifier."
        return
    code = str(chosen)
    edit("reshape", lambda: edits.reshape_sector(actor, insee, code, outline),
         lambda r: f"Contour de {code} modifié (brouillon {r.version}).")  # fmt: skip
    if "reshape-error" not in st.session_state:
        st.session_state.pop("reshape-for", None)  # the stored outline goes back in the form


def delete() -> None:
    """« Supprimer »: the sector taken out of the draft, once confirmed."""
    gone = st.session_state["delete-sector"]
    if not st.session_state["delete-sure"]:
        st.session_state["delete-error"] = "Cochez la confirmation pour supprimer le secteur."
        return
    edit("delete", lambda: edits.delete_sector(actor, insee, gone),
         lambda r: f"Secteur {gone} supprimé du brouillon {r.version}.")  # fmt: skip


if "done" in st.session_state:
    st.success(plain(st.session_state.pop("done")))

if can_edit and codes:
    st.header("Modifier le brouillon")
    split_tab, merge_tab, move_tab, draw_tab, vertex_tab, delete_tab = st.tabs(
        ["Couper", "Fusionner", "Déplacer un îlot", "Ajouter", "Sommets", "Supprimer"], key="edit-tabs"
    )  # keyed: the tab in use stays open after its edit (the confirmation above would otherwise reset it)
    with split_tab, st.form("split"):
        st.selectbox("Secteur à couper", codes, format_func=label, key="split-sector")
        st.text_area("Ligne de coupe (tracez-la sur la carte, ou collez une LineString GeoJSON)", key="split-line")
        st.text_input("Nom de la nouvelle partie (facultatif)", key="split-name")
        refusal("split")
        st.form_submit_button("Couper", on_click=split)
    with merge_tab, st.form("merge"):
        # Keyed by the draft's sectors: once a merge has removed one, the choices start again from the first two
        # (a choice naming a sector gone would otherwise be sent again as is).
        choice = f"merge-{zlib.crc32(','.join(codes).encode()):08x}"
        st.selectbox("Premier secteur", codes, format_func=label, key=f"{choice}-first")
        st.selectbox("Second secteur (voisin)", codes, index=min(1, len(codes) - 1), format_func=label,
                     key=f"{choice}-second")  # fmt: skip
        refusal("merge")
        st.form_submit_button("Fusionner", on_click=merge, args=(choice,))
    with move_tab, st.form("move"):
        st.text_area("Îlot (tracez-le sur la carte, ou collez un Polygon GeoJSON)", key="move-block")
        st.selectbox("Vers le secteur voisin", codes, format_func=label, key="move-to")
        refusal("move")
        st.form_submit_button("Déplacer l'îlot", on_click=move)
    with draw_tab, st.form("draw"):
        st.text_area("Contour (tracez-le sur la carte, ou collez un Polygon GeoJSON)", key="draw-geometry")
        st.text_input("Nom du secteur", key="draw-name")
        refusal("draw")
        st.form_submit_button("Ajouter le secteur", on_click=add)
    with vertex_tab, st.form("reshape"):
        st.caption("Choisissez le secteur au-dessus de la carte, déplacez ses sommets avec l'outil d'édition de la "
                   "carte puis « Save » ; ou collez son nouveau contour (Polygon GeoJSON).")  # fmt: skip
        st.text_area("Nouveau contour", key="reshape-geometry")
        refusal("reshape")
        st.form_submit_button("Enregistrer le contour", on_click=reshape)
    with delete_tab, st.form("delete"):
        st.selectbox("Secteur à supprimer", codes, format_func=label, key="delete-sector")
        st.checkbox("Je confirme la suppression de ce secteur du brouillon", key="delete-sure")
        refusal("delete")
        st.form_submit_button("Supprimer", on_click=delete)

if can_edit:
    st.header("Générer un brouillon depuis les rues")
    st.caption("Les secteurs suivent les rues, équilibrés en foyers ; le résultat est un brouillon à vérifier.")
    with st.form("generate"):
        source = st.radio("Rues", ["Rues de la commune (fichier du serveur, sinon OpenStreetMap)", "Fichier téléversé"],
                          key="generate-source")  # fmt: skip
        streets_file = st.file_uploader("Fichier des rues (.osm, .osm.pbf, GeoJSON d'Overpass)",
                                        type=["osm", "pbf", "geojson", "json"], key="generate-streets")  # fmt: skip
        by_households = st.radio("Découper", ["Par nombre de secteurs", "Par nombre de foyers par secteur"],
                                 horizontal=True, key="generate-mode") != "Par nombre de secteurs"  # fmt: skip
        wanted = int(st.number_input("Nombre de secteurs", min_value=1, max_value=500, value=10, key="generate-n"))
        households = float(st.number_input("Foyers par secteur", min_value=1, value=300, key="generate-households"))
        ban_file = st.file_uploader("Adresses BAN de la commune (CSV, pour compter les foyers)", type=["csv"],
                                    key="generate-ban")  # fmt: skip
        bar_slot, where = st.empty(), st.empty()
        if st.form_submit_button("Générer le brouillon"):
            chosen = (streets_file.name, streets_file.getvalue()) if streets_file is not None else None
            if source == "Fichier téléversé" and chosen is None:
                where.error("Choisissez le fichier des rues, ou prenez les rues de la commune.")
            else:
                bar = bar_slot.progress(0.0, text="Lecture des rues…")

                def advance(step: str, fraction: float) -> None:
                    bar.progress(min(max(fraction, 0.0), 1.0), text=f"Découpage en cours : {plain(step)}")

                generated = attempt(
                    lambda: generate_draft(
                        actor,
                        insee,
                        streets=chosen if source == "Fichier téléversé" else None,
                        n_sectors=None if by_households else wanted,
                        households_per_sector=households if by_households else None,
                        addresses=(ban_file.name, ban_file.getvalue()) if ban_file is not None else None,
                        progress=advance,
                    ),
                    where,
                )
                if generated is not None:
                    done(
                        f"Brouillon {generated.saved_version} généré : {len(generated.sectors)} secteurs sur "
                        f"{generated.n_blocks} îlots (écart d'équilibre {generated.balance:.2f})."
                    )

if can_edit and validation is not None:
    st.header("Activer le brouillon")
    if not validation.can_activate:
        st.warning("Corrigez d'abord les problèmes bloquants listés plus haut.")
    elif st.button("Activer le brouillon", key="activate", type="primary"):
        draft_number = validation.version
        activated = attempt(lambda: activate(actor, insee, draft_number))
        if activated is not None:
            done(f"Version {activated.version} activée : c'est désormais le découpage de la commune.")

if layout is not None:
    st.header("Exporter")
    fmt = st.selectbox("Format", list(EXPORT_FORMATS), format_func=EXPORT_FORMATS.__getitem__, key="export-format")
    if st.button("Préparer le fichier", key="export"):
        shown = layout.version
        st.session_state["export-file"] = attempt(lambda: export_download(actor, insee, fmt, shown))
    ready = st.session_state.get("export-file")
    if ready is not None:
        st.download_button("Télécharger", ready.data, file_name=ready.file_name, mime=ready.mime, key="download")

if can_edit:
    st.header("Importer")
    with st.form("import"):
        upload = st.file_uploader("Fichier de secteurs (GeoJSON, GeoPackage, Shapefile zippé)",
                                  type=["geojson", "json", "gpkg", "zip"], key="import-file")  # fmt: skip
        name_field = st.text_input("Champ du nom (facultatif)", key="import-name-field")
        where = st.empty()
        if st.form_submit_button("Importer comme brouillon"):
            if upload is None:
                where.error("Choisissez un fichier.")
            else:
                file_name, data = upload.name, upload.getvalue()
                imported = attempt(lambda: import_upload(actor, insee, file_name, data, name_field=name_field), where)
                if imported is not None:
                    done(f"Importé : brouillon {imported.sector_set.version}. {imported.summary}")

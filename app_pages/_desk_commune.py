"""The « Commune » tab of « Membres »: the gendarmerie's access with its log, the charter, the alert categories.

The matrix decides (the services check again): the mairie's admin changes them; an agent reads the charter's
acceptances and the categories.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

import streamlit as st

from app_pages._desk_members import when
from app_pages._flash import done
from app_pages._staff import attempt
from gis._safe_text import safe_cell
from services import Actor
from services import categories as category_service
from services import charter as charter_service
from services import gendarmerie as gendarmerie_service

FAMILY_LABELS = {"securite": "Sécurité", "solidarite": "Solidarité", "officiel": "Message officiel"}


def access_section(actor: Actor, rights: Collection[str]) -> None:
    """Open or close the gendarmerie's access to the commune's alerts, with a reason; every change listed."""
    st.subheader("Accès de la gendarmerie")
    if "set_gendarmerie_access" not in rights:
        st.info("Ouvrir ou fermer l'accès de la gendarmerie : c'est réservé à l'administrateur de la mairie.")
        return
    status = attempt(lambda: gendarmerie_service.history(actor, None))
    if status is None:
        return
    if status.is_open:
        st.success("L'accès est ouvert : la gendarmerie voit les alertes, la carte de chaleur et les statistiques.")
    else:
        st.warning("L'accès est fermé : la gendarmerie ne voit rien de la commune.")
    reason = st.text_input("Motif (gardé dans le journal)", key="access-reason")
    label = "Fermer l'accès" if status.is_open else "Ouvrir l'accès"
    if st.button(label, key="access-toggle"):
        change = gendarmerie_service.close_access if status.is_open else gendarmerie_service.open_access
        if attempt(lambda: change(actor, None, reason=reason)) is not None:
            done("Accès fermé." if status.is_open else "Accès ouvert.")
    if status.changes:
        st.dataframe(
            [
                {
                    "Date": when(c.at),
                    "Accès": "ouvert" if c.is_open else "fermé",
                    "Par": f"membre n° {c.by_member_id}" if c.by_member_id is not None else "opérateur",
                    "Motif": safe_cell(c.reason),
                }
                for c in reversed(status.changes)
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("L'accès n'a jamais été ouvert.")


def charter_section(actor: Actor, rights: Collection[str]) -> None:
    """The charter in force, how many verified members accepted it; publishing a new version (the admin)."""
    st.subheader("Charte")
    status = attempt(lambda: charter_service.status(actor))
    if status is None:
        return
    current = status.charter
    if current is None:
        st.warning("Aucune charte n'est publiée : personne ne peut s'inscrire en ligne.")
    else:
        st.text(
            f"Version {current.version}, publiée le {when(current.published_at)} : acceptée par "
            f"{status.accepted} membre(s) vérifié(s) sur {status.members}."
        )
        with st.expander("Texte de la charte en vigueur"):
            st.text(current.text)
    if "publish_charter" not in rights:
        return
    text = st.text_area("Nouvelle version", current.text if current else "", height=200, key="charter-text")
    st.caption("Chaque membre devra accepter la nouvelle version avant de publier à nouveau.")
    if st.button("Publier cette version", key="charter-publish"):
        published = attempt(lambda: charter_service.publish(actor, None, text))
        if published is not None:
            done(f"Charte publiée (version {published.version}).")


def categories_section(actor: Actor, rights: Collection[str]) -> None:
    """The commune's alert categories; the admin adds its own, renames, deactivates or reactivates one."""
    st.subheader("Catégories d'alerte")
    listed = attempt(lambda: category_service.listing(actor))
    if listed is None:
        return
    st.dataframe(
        [
            {
                "Code": safe_cell(c.code),
                "Libellé": safe_cell(c.label),
                "Famille": FAMILY_LABELS.get(c.family, c.family),
                "Active": "oui" if c.enabled else "non",
                "Origine": "propre à la commune" if c.own else "par défaut",
            }
            for c in listed
        ],
        hide_index=True,
        width="stretch",
    )
    if "edit_categories" not in rights:
        return
    by_code = {c.code: c for c in listed}
    left, right = st.columns(2)
    with left, st.form("category-rename"):
        code = st.selectbox("Catégorie", list(by_code), format_func=lambda c: by_code[c].label, key="category-code")
        label = st.text_input("Nouveau libellé", key="category-label")
        rename = st.form_submit_button("Renommer")
        toggle = st.form_submit_button("Désactiver ou réactiver")
    if rename and attempt(lambda: category_service.rename(actor, None, code, label)) is not None:
        done("Catégorie renommée.")
    if toggle:
        enable = not by_code[code].enabled
        if attempt(lambda: category_service.set_enabled(actor, None, code, enable)) is not None:
            done("Catégorie réactivée." if enable else "Catégorie désactivée : plus aucune alerte ne s'y publie.")
    with right, st.form("category-add"):
        new_code = st.text_input("Code (ex. : nuisances-sonores)", key="category-new-code")
        new_label = st.text_input("Libellé", key="category-new-label")
        family = st.selectbox(
            "Famille", list(category_service.FAMILIES), format_func=FAMILY_LABELS.__getitem__, key="category-family"
        )
        add = st.form_submit_button("Ajouter")
    create = partial(category_service.add, actor, None, code=new_code, label=new_label, family=family)
    if add and attempt(create) is not None:
        done("Catégorie ajoutée.")


def commune_tab(actor: Actor, rights: Collection[str]) -> None:
    """The three sections of the « Commune » tab."""
    access_section(actor, rights)
    st.divider()
    charter_section(actor, rights)
    st.divider()
    categories_section(actor, rights)

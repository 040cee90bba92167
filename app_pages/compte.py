"""Mon compte: the charter, my notification choices, my data (RGPD download), deleting my account, signing out.

Its URL path stays ``/compte``: the e-mails' List-Unsubscribe link points here.
"""

import json

import streamlit as st

from app_pages._session import auth_link, require_actor
from app_pages._staff import attempt, plain
from services import ServiceError
from services import charter as charter_service
from services import members as member_service
from services import notify as notify_service

actor = require_actor()
st.title("Mon compte")
st.text(f"Rôle : {actor.role.value}")
if actor.sectors:
    st.text("Secteur(s) : " + ", ".join(sorted(actor.sectors)))

st.header("La charte")
try:
    charter = charter_service.current(actor, None)
except ServiceError as exc:
    charter = None
    st.error(exc.message)
if charter is None:
    st.info("Votre commune n'a pas encore publié de charte.")
else:
    with st.expander(f"Charte de la commune (version {charter.version})"):
        st.text(charter.text)  # shown as plain text, never Markdown or HTML
    if st.button("J'accepte la charte", key="accept-charter"):
        try:
            charter_service.accept(actor, version=charter.version)
            st.success("Charte acceptée. Merci.")
        except ServiceError as exc:
            st.error(exc.message)

st.header("Mes notifications")
st.write(
    "Les alertes et messages arrivent toujours dans l'application. Choisissez en plus l'e-mail et le SMS, "
    "des heures calmes (les alertes de sécurité passent quand même) et le résumé quotidien de l'entraide."
)
chosen = attempt(lambda: notify_service.own_channels(actor))
if chosen is not None:
    with st.form("notifications"):
        email_on = st.toggle(f"Recevoir aussi par e-mail ({plain(chosen.email)})", value=chosen.email_on)
        phone = st.text_input(
            "Numéro de téléphone pour les SMS", value=chosen.phone or "", placeholder="06 12 34 56 78 ou +33612345678"
        )
        sms_on = st.toggle("Recevoir aussi par SMS (alertes de sécurité et messages officiels)", value=chosen.sms_on)
        quiet = st.text_input(
            "Heures calmes (vide : aucune)", value=chosen.quiet, placeholder="22:00-07:00", key="quiet-hours"
        )
        digest = st.toggle("Entraide : un résumé par jour plutôt qu'un e-mail par publication", value=chosen.digest)
        if st.form_submit_button("Enregistrer mes choix"):
            try:
                notify_service.set_own_channels(
                    actor, phone=phone, email_on=email_on, sms_on=sms_on, quiet=quiet, digest=digest
                )
                st.success("Vos choix de notification sont enregistrés.")
            except ServiceError as exc:
                st.error(exc.message)  # names the field: the phone number or the quiet hours

st.header("Mes données")
st.write("Téléchargez tout ce que Voisinage garde sur vous (droit d'accès, RGPD).")
if st.button("Préparer mon export", key="export"):
    try:
        data = member_service.export_own(actor)
        st.download_button(
            "Télécharger mes données (JSON)",
            json.dumps(data, ensure_ascii=False, indent=2, default=str),
            file_name="mes-donnees-voisinage.json",
            mime="application/json",
        )
    except ServiceError as exc:
        st.error(exc.message)

st.header("Supprimer mon compte")
st.write("Vos données personnelles sont effacées ; vos alertes restent, anonymisées. C'est définitif.")
sure = st.checkbox("Je veux supprimer définitivement mon compte", key="delete-sure")
if st.button("Supprimer mon compte", disabled=not sure, key="delete"):
    try:
        member_service.delete_own(actor)
        st.success("Votre compte est supprimé.")
        auth_link("/auth/logout", "Terminer la session")
        st.stop()
    except ServiceError as exc:
        st.error(exc.message)

st.divider()
auth_link("/auth/logout", "Se déconnecter")

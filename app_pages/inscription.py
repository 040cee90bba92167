"""Inscription (public): the home address among the commune's BAN addresses, the sector it lies in, the charter to
accept, name and e-mail (phone optional); then « en attente de vérification ».

The answer is the same whether the e-mail already has an account (``services.members.apply`` decides it): nothing
on this page tells which e-mails are known. Every error is shown beside the part of the form it concerns.
"""

import streamlit as st

from app_pages._map import commune_folium_map, show_map
from app_pages._session import auth_link
from app_pages._staff import plain
from app_pages._text import as_typed
from services import ServiceError
from services import charter as charter_service
from services import members as member_service
from services.addresses import suggest
from services.communes import public_communes
from services.maps import home_map

st.title("Inscription")

applied = st.session_state.get("signup_done")
if applied:
    st.subheader("Inscription en attente de vérification")
    st.success(applied)
    st.write(
        "Votre compte est **en attente de vérification** : vous pourrez lire les alertes de votre secteur et en "
        "publier une fois votre adresse vérifiée."
    )
    auth_link("/auth/invitation", "J'ai reçu mon code : choisir mon mot de passe")
    auth_link("/auth/login", "Se connecter")
    st.stop()

st.write("Rejoignez la participation citoyenne de votre commune : une adresse, la charte, votre nom et un e-mail.")
communes = public_communes()
if not communes:
    st.info("Aucune commune n'est encore ouverte aux inscriptions.")
    st.stop()
commune = (
    communes[0]
    if len(communes) == 1
    else st.selectbox("Votre commune", communes, format_func=lambda c: f"{c.name} ({c.insee})", key="signup_commune")
)
charter = charter_service.current(None, commune.insee)
if charter is None:
    st.warning(f"La mairie de {plain(commune.name)} n'a pas encore publié sa charte : l'inscription n'est pas ouverte.")
    st.stop()

# Where each field's error goes (``ServiceError.field`` -> the part of the form).
slots: dict[str, st.delta_generator.DeltaGenerator] = {}

st.subheader(f"1. Votre adresse à {plain(commune.name)}")
typed = st.text_input(
    "Adresse de votre domicile", placeholder="ex. 12 rue des Tilleuls", key="signup_typed", max_chars=300
)
choices = []
try:
    choices = suggest(commune.insee, typed)
except ServiceError as exc:
    st.error(as_typed(exc.message))
chosen = None
if choices:
    chosen = st.selectbox(
        "Choisissez votre adresse dans la liste",
        [c.label for c in choices],
        index=None,
        placeholder="Adresses trouvées…",
        key="signup_address",
    )
elif typed.strip():
    st.warning("Aucune adresse de la commune ne correspond : vérifiez le numéro et le nom de la rue.")
slots["address"] = st.empty()
if chosen:
    try:
        home = home_map(commune.insee, chosen)
    except ServiceError as exc:
        slots["address"].error(as_typed(exc.message))
    else:
        st.text(f"Votre secteur : {home.sector_name or 'cette adresse n’est dans aucun secteur'}")
        st.caption("Seul votre secteur est montré ; un référent de ce secteur ou la mairie vérifiera votre adresse.")
        show_map(commune_folium_map(home.map), key="signup_map", height=360, returned=())

st.subheader(f"2. La charte de {plain(commune.name)}")
with st.container(height=260, border=True):
    st.markdown(as_typed(charter.text))  # typed by the mairie: shown as typed, no Markdown
accepted = st.checkbox(f"J'ai lu la charte (version {charter.version}) et je l'accepte", key="signup_charter")
slots["charter"] = st.empty()

st.subheader("3. Vous")
st.caption("Le strict nécessaire : votre nom est montré à la personne qui vérifie votre adresse, jamais aux voisins.")
with st.form("signup"):
    name = st.text_input("Nom ou prénom", max_chars=200, key="signup_name")
    email = st.text_input(
        "E-mail", max_chars=254, key="signup_email", help="Vous y recevrez le code pour choisir votre mot de passe."
    )
    phone = st.text_input(
        "Téléphone (facultatif)", max_chars=30, key="signup_phone", help="Pour recevoir des SMS, si vous le choisissez."
    )
    slots["identity"] = st.empty()
    sent = st.form_submit_button("Demander mon inscription", type="primary", key="signup_submit")

if sent:
    try:
        done = member_service.apply(
            commune.insee,
            email=email,
            name=name,
            address=chosen or "",
            charter_version=charter.version if accepted else None,
            phone=phone,
            client=st.context.ip_address,
        )
    except ServiceError as exc:
        slot = slots.get(exc.field or "", slots["identity"])
        slot.error(as_typed(exc.message))
    else:
        st.session_state.signup_done = done.message
        st.rerun()

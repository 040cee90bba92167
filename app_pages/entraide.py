"""Entraide: the solidarity stream of my perimeter, a request or an offer to post, « je peux aider ».

« Je peux aider » reaches the author only (``services.solidarity.offer_help``): signed with my first name only if
I choose so; nobody else learns who offered. Every user text is shown as plain text (``st.text``).
"""

import secrets
from functools import partial

import streamlit as st

from app_pages._session import require_actor
from app_pages._staff import attempt
from services import ServiceError, solidarity
from services import notify as notify_service

actor = require_actor()
st.title("Entraide")
st.write(
    "Demandes et offres de coup de main entre voisins de votre secteur : courses, animal perdu, objet trouvé, "
    "personne isolée. « Je peux aider » n'est vu que par l'auteur de la publication."
)

received = attempt(lambda: notify_service.inbox(actor, ("help_offer",), limit=20)) or ()
if received:
    st.header(f"Propositions d'aide reçues ({len(received)})")
    for offer in received:
        with st.container(border=True):
            st.text(offer.body)  # the helper's words, as typed: plain text
            st.caption(f"{offer.created_at:%d/%m/%Y %H:%M}")

st.header("Publier une demande ou une offre")
categories = attempt(lambda: solidarity.categories(actor)) or []
if "help_post_key" not in st.session_state:
    st.session_state.help_post_key = secrets.token_urlsafe(16)
with st.form("entraide-post"):
    category = st.selectbox("Catégorie", categories, format_func=lambda c: c.label)
    text = st.text_area("Votre message, sans nom ni coordonnées d'autrui", max_chars=1000)
    address = st.text_input("Lieu (facultatif : près de chez vous sinon, jamais votre adresse exacte)")
    confirm_new = st.session_state.get("help_duplicate_offered", False) and st.checkbox(
        "Ce n'est pas la même chose que la publication semblable : publier quand même"
    )
    sent = st.form_submit_button("Publier")
if sent and category is not None:
    try:
        posted = solidarity.post(
            actor,
            category=category.code,
            text=text,
            address=address.strip() or None,
            key=st.session_state.help_post_key,
            confirm_new=bool(confirm_new),
        )
    except ServiceError as exc:
        # A probable duplicate is offered first; the box to post anyway appears on the next try.
        st.session_state.help_duplicate_offered = exc.field == "confirm_new"
        st.error(exc.message)  # the checks' answer, with the passage to change
    else:
        st.session_state.pop("help_post_key", None)
        st.session_state.pop("help_duplicate_offered", None)
        st.success(posted.message)

st.header("Dans votre secteur")
stream = attempt(lambda: solidarity.stream(actor, limit=50))
if stream is not None and not stream.posts:
    st.info(stream.why_empty or "Aucune demande d'entraide pour l'instant.")
for post in stream.posts if stream is not None else ():
    with st.container(border=True):
        st.text(f"{post.category_label} · {post.location.get('label') or ''}")
        st.text(post.text)
        st.caption(post.created_at[:16].replace("T", " "))
        if post.mine:
            st.caption("Votre publication.")
        elif post.id in stream.offered:  # type: ignore[union-attr]
            st.success("Vous avez proposé votre aide : l'auteur a reçu votre message.")
        else:
            with st.expander("Je peux aider"), st.form(f"help-{post.id}"):
                message = st.text_area(
                    "Votre message à l'auteur (ce que vous proposez, comment vous joindre)",
                    max_chars=500,
                    key=f"help-text-{post.id}",
                )
                sign = st.checkbox("Signer de mon prénom", key=f"help-sign-{post.id}")
                st.caption("Seul l'auteur lit ce message. Sans signature, il ne sait pas qui l'a écrit.")
                if st.form_submit_button("Envoyer à l'auteur"):
                    offered = attempt(partial(solidarity.offer_help, actor, post.id, message, sign=sign))
                    if offered is not None:
                        st.success("Message envoyé à l'auteur, et à lui seul.")

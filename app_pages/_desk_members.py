"""The tabs of « Membres » about people: sign-ups to verify (on the map), paper sign-up, referents, sanctions.

Every decision is a service's, which checks the permission matrix again; ``rights`` (the actions the matrix
grants now) only chooses which buttons to draw. User text is shown as plain text (``st.text``, widget options,
``safe_cell`` in tables), never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import streamlit as st

from app_pages._flash import done
from app_pages._map import commune_folium_map, show_map
from app_pages._staff import attempt, plain
from app_pages._verify import verification_card
from community import VERIFICATION_METHODS
from gis._safe_text import safe_cell
from services import Actor
from services import members as member_service
from services import referents as referent_service
from services.maps import CommuneMap

PARIS = ZoneInfo("Europe/Paris")
KINDS = {"warning": "Avertissement", "suspension": "Suspension", "exclusion": "Exclusion"}
STATUSES = {
    "pending": "en attente",
    "verified": "vérifié",
    "suspended": "suspendu",
    "refused": "refusé",
    "excluded": "exclu",
    "deleted": "supprimé",
}
NOT_YET = ""  # the paper form's "not verified yet" choice of method


def when(moment: datetime | None) -> str:
    """A moment in Paris time, ``dd/mm/yyyy hh:mm`` ('' for None)."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else ""


def who(member: member_service.MemberInfo) -> str:
    """``Name — e-mail`` for a widget option (plain text)."""
    return f"{member.name} — {member.email or 'compte supprimé'}"


# ---------------------------------------------------------------------- sign-ups to verify
def pending_tab(actor: Actor, view: CommuneMap, rights: Collection[str]) -> None:
    """The sign-ups waiting for verification, on the map at their geocoded point, each with its card."""
    from layers import MapPoint, points_layer

    waiting = attempt(lambda: member_service.pending(actor))
    if waiting is None:
        return
    st.subheader(f"Inscriptions à vérifier ({len(waiting)})")
    if not waiting:
        st.info("Aucune inscription n'attend de vérification.")
        return
    folium_map = commune_folium_map(view)
    points = [
        MapPoint(p.lon, p.lat, p.member.name, p.member.address)
        for p in waiting
        if p.lon is not None and p.lat is not None
    ]
    points_layer(points, name="inscriptions").add_to(folium_map)
    show_map(folium_map, key="pending-map", height=420, returned=())
    if "verify_member" not in rights:
        st.info("Votre rôle ne permet pas de vérifier les inscriptions.")
        return
    names = {s.code: s.name for s in view.sectors}
    for item in waiting:
        verification_card(actor, item.member, sector_names=names, detail=f" · le {when(item.registered_at)}")


# ---------------------------------------------------------------------- paper sign-up
def paper_tab(actor: Actor, view: CommuneMap, rights: Collection[str]) -> None:
    """Register someone from their signed paper form: address geocoded (or a point on the map), charter signed."""
    from services import addresses

    st.subheader("Inscription sur formulaire papier")
    if "register_member" not in rights:
        st.info("Votre rôle ne permet pas d'inscrire un membre.")
        return
    st.caption("La personne a signé le formulaire et la charte : la charte en vigueur est notée acceptée sur papier.")
    where = st.radio("Domicile", ["Adresse postale", "Point sur la carte"], horizontal=True, key="paper-where")
    use_address = where == "Adresse postale"
    point = None
    if not use_address:
        clicked = show_map(commune_folium_map(view), key="paper-map", height=380).get("last_clicked")
        if clicked:
            st.session_state["paper-point"] = (float(clicked["lng"]), float(clicked["lat"]))
        point = st.session_state.get("paper-point")
        st.text(f"Point choisi : {point[1]:.5f}, {point[0]:.5f}" if point else "Cliquez sur le domicile sur la carte.")
    with st.form("paper-form"):
        name = st.text_input("Nom (ou prénom)", key="paper-name")
        email = st.text_input("Adresse e-mail", key="paper-email")
        address = st.text_input("Adresse du domicile", key="paper-address") if use_address else ""
        method = st.selectbox(
            "Justificatif d'adresse",
            [NOT_YET, *VERIFICATION_METHODS],
            format_func=lambda m: VERIFICATION_METHODS.get(m, "pas encore vérifié (l'inscription restera à vérifier)"),
            key="paper-method",
        )
        search_col, submit_col = st.columns(2)
        search = search_col.form_submit_button("Chercher l'adresse", disabled=not use_address)
        submitted = submit_col.form_submit_button("Inscrire", type="primary")
    if search:
        hit = attempt(lambda: addresses.geocode(actor, view.insee, address))
        if hit is not None:
            st.text(f"Adresse trouvée : {hit.label} · secteur {hit.sector or 'aucun'}")
    if not submitted:
        return
    if not use_address and point is None:
        st.error("Cliquez d'abord sur le domicile sur la carte.")
        return
    lon, lat = point if point is not None else (None, None)
    registered = attempt(
        lambda: member_service.register(
            actor,
            None,
            email=email,
            name=name,
            address=address if use_address else None,
            lon=lon,
            lat=lat,
            verification_method=method or None,
        )
    )
    if registered is None:
        return
    member = registered.member
    state = "vérifiée" if member.status == "verified" else "en attente de vérification"
    st.success(f"{plain(member.name)} est inscrit·e ({state}), secteur {plain(member.sector_code or 'aucun')}.")
    if registered.invitation_token:
        st.text("Code d'invitation à remettre à la personne (montré une seule fois), pour choisir son mot de passe :")
        st.code(registered.invitation_token, language=None)
    st.session_state.pop("paper-point", None)


# ---------------------------------------------------------------------- referents
def referents_tab(actor: Actor, rights: Collection[str]) -> None:
    """Referents per sector against its places (2–3); name or remove one (the admin)."""
    places = attempt(lambda: referent_service.places(actor, None))
    if places is None:
        return
    free = sum(p.empty for p in places)
    st.subheader(f"Référents par secteur · {free} place(s) de référent libre(s)")
    st.dataframe(
        [
            {
                "Secteur": safe_cell(p.name),
                "Code": safe_cell(p.code),
                "Référents": safe_cell(", ".join(m.name for m in p.members) or "—"),
                "Places": f"{p.referents}/{p.places}",
                "Places libres": p.empty,
            }
            for p in places
        ],
        hide_index=True,
        width="stretch",
    )
    if "assign_referent" not in rights:
        st.info("Nommer ou retirer un référent est réservé à l'administrateur de la mairie.")
        return
    for sector in places:
        for member in sector.members:
            name_col, button_col = st.columns([4, 1])
            name_col.text(f"{sector.name} : {who(member)}")
            clicked = button_col.button("Retirer", key=f"end-{sector.code}-{member.id}")
            if (
                clicked
                and attempt(partial(referent_service.end, actor, None, member.email or "", sector.code)) is not None
            ):
                done("Référent retiré.")
    open_sectors = [p for p in places if p.empty > 0]
    if not open_sectors:
        st.info("Toutes les places de référent sont prises.")
        return
    st.markdown("**Nommer un référent**")
    names = {p.code: p.name for p in open_sectors}
    code = st.selectbox("Secteur", list(names), format_func=lambda c: names[c], key="assign-sector")
    candidates = attempt(lambda: referent_service.candidates(actor, None, code)) or []
    if not candidates:
        st.info("Aucun habitant vérifié de ce secteur ne peut être nommé.")
        return
    chosen = st.selectbox("Habitant vérifié du secteur", candidates, format_func=who, key="assign-member")
    clicked = st.button("Nommer", key="assign") and chosen is not None
    if clicked and attempt(partial(referent_service.assign, actor, None, chosen.email or "", code)) is not None:
        done("Référent nommé.")


# ---------------------------------------------------------------------- sanctions
def _sanction_form(actor: Actor, rights: Collection[str]) -> None:
    kinds = [k for k, action in (("warning", "warn_member"), ("suspension", "suspend_member"),
                                 ("exclusion", "exclude_member")) if action in rights]  # fmt: skip
    if not kinds:
        st.info("Votre rôle ne permet pas de sanctionner un membre.")
        return
    verified = attempt(lambda: member_service.list_members(actor, status="verified")) or []
    people = [m for m in verified if m.role in ("resident", "referent") and m.email]
    if not people:
        st.info("Aucun membre vérifié à sanctionner.")
        return
    with st.form("sanction-form"):
        member = st.selectbox("Membre", people, format_func=lambda m: f"{who(m)} ({STATUSES[m.status]})")
        kind = st.radio("Sanction", kinds, format_func=KINDS.__getitem__, horizontal=True)
        until = st.date_input("Fin de la suspension (suspension seulement)", datetime.now(PARIS).date() + timedelta(7))
        reason = st.text_input("Motif (communiqué au membre)")
        submitted = st.form_submit_button("Enregistrer la sanction")
    if not submitted or member is None or not member.email:
        return
    email = member.email
    if kind == "warning":
        made = attempt(lambda: member_service.warn(actor, None, email, reason=reason))
    elif kind == "suspension":
        end = datetime.combine(until, time(23, 59), tzinfo=PARIS).astimezone(UTC)
        made = attempt(lambda: member_service.suspend(actor, None, email, until=end, reason=reason))
    else:
        made = attempt(lambda: member_service.exclude(actor, None, email, reason=reason))
    if made is not None:
        done(f"{KINDS[kind]} enregistrée.")


def sanctions_tab(actor: Actor, rights: Collection[str]) -> None:
    """Warn, suspend (until a date), exclude (the admin), lift a suspension; the history with its reasons."""
    st.subheader("Sanctions")
    _sanction_form(actor, rights)
    history = attempt(lambda: member_service.sanctions(actor))
    if history is None:
        return
    st.markdown("**Historique**")
    if not history:
        st.info("Aucune sanction n'a été prononcée.")
        return
    running = [e for e in history if e.in_force and e.sanction.kind == "suspension"]
    if running and "lift_sanction" in rights:
        for entry in running:
            text_col, button_col = st.columns([4, 1])
            text_col.text(f"Suspendu·e jusqu'au {when(entry.sanction.ends_at)} : {entry.name} — {entry.email}")
            clicked = button_col.button("Lever", key=f"lift-{entry.sanction.id}")
            if clicked and attempt(partial(member_service.lift, actor, None, entry.email or "")) is not None:
                done("Suspension levée.")
    st.dataframe(
        [
            {
                "Date": when(e.sanction.starts_at),
                "Membre": safe_cell(e.name),
                "E-mail": safe_cell(e.email or ""),
                "Sanction": KINDS.get(e.sanction.kind, e.sanction.kind),
                "Motif": safe_cell(e.sanction.reason),
                "Jusqu'au": when(e.sanction.ends_at),
                "Levée le": when(e.sanction.lifted_at),
                "En cours": "oui" if e.in_force else "non",
            }
            for e in history
        ],
        hide_index=True,
        width="stretch",
    )

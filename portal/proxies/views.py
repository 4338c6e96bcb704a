"""Spaces one may open ("acting for"), and Mes proches: who acts for whom."""
from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.forms import EmptyForm
from ..accounts.models import Account, UserSession, utcnow
from ..htmx import render
from ..policy import (PROXIES_MANAGE, PROXIES_VIEW, SPACE_KEY, SPACES_LIST, open_space,
                      relations_for, requires, scoped_or_404)
from .models import Delegation, Guardianship, Mandate
from .presenters import scope_labels

bp = Blueprint("proxies", __name__)


@bp.route("/espaces")
@requires(SPACES_LIST)
def spaces():
    """Every space this person may open, with the relationship and what it allows."""
    relations = relations_for(current_user._get_current_object())
    return render("proxies/spaces.html", relations=relations, form=EmptyForm(),
                  scope_labels=scope_labels)


@bp.route("/espaces/<int:person_id>", methods=["POST"])
@requires(SPACES_LIST)
def switch(person_id):
    """Open another space; outside one's relationships it is a 404 (nothing is revealed)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    relation = open_space(current_user._get_current_object(), person_id)
    if relation is None:
        abort(404)
    g.space, g.relation = relation.person, relation
    if relation.kind == "grant":  # the patient's page shows each professional's last access
        from ..access.models import Grant
        Grant.update(last_access_at=utcnow()).where(Grant.id == relation.record_id).execute()
    audit.record("space.open", obj_type="person", obj_id=person_id)
    flash(_("Vous êtes dans l’espace de %(name)s.", name=relation.person.full_name), "info")
    target = "dossier.home" if "dossier_read" in relation.scopes else "proxies.spaces"
    return redirect(url_for(target))


@bp.route("/proches")
@requires(PROXIES_VIEW)
def relatives():
    """Who may act in this space, and (in one's own space) whose spaces one may open."""
    person = g.space
    guardians = (Guardianship.select().where(Guardianship.ward == person.id,
                                             Guardianship.ended_at.is_null()))
    wards = (Guardianship.select().where(Guardianship.guardian == person.id,
                                         Guardianship.ended_at.is_null()))
    given = (Delegation.select().where(Delegation.patient == person.id,
                                       Delegation.ended_at.is_null())
             .order_by(Delegation.created_at))
    received = (Delegation.select().where(Delegation.caregiver == person.id,
                                          Delegation.ended_at.is_null())
                .order_by(Delegation.created_at))
    mandates = (Mandate.select(Mandate, Account).join(Account)
                .where(Mandate.patient == person.id, Mandate.ended_at.is_null(),
                       Mandate.ends_at > utcnow()).order_by(Mandate.starts_at))
    return render("proxies/relatives.html", person=person, guardians=list(guardians),
                  wards=list(wards), given=list(given), received=list(received),
                  mandates=list(mandates), form=EmptyForm(), scope_labels=scope_labels)


@bp.route("/proches/delegations/<int:delegation_id>/fin", methods=["POST"])
@requires(PROXIES_MANAGE)
def end_delegation(delegation_id):
    """Either side ends a delegation; the caregiver's sessions acting under it end at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    person = g.space
    delegation = scoped_or_404(Delegation.select().where(
        Delegation.id == delegation_id, Delegation.ended_at.is_null(),
        (Delegation.patient == person.id) | (Delegation.caregiver == person.id)))
    Delegation.update(ended_at=utcnow()).where(Delegation.id == delegation.id).execute()
    ended = end_acting_sessions(delegation.caregiver, delegation.patient_id)
    audit.record("delegation.ended", patient=delegation.patient, obj_type="delegation",
                 obj_id=delegation.id, detail=f"sessions_ended={ended}")
    flash(_("La délégation a pris fin. %(name)s n’a plus accès à cet espace.",
            name=delegation.caregiver.full_name if delegation.patient_id == person.id
            else delegation.patient.full_name), "success")
    return redirect(url_for(".relatives"))


def end_acting_sessions(actor_person, patient_id):
    """End the sessions of `actor_person`'s accounts that have `patient_id`'s space open."""
    import json
    ended = 0
    rows = (UserSession.select().join(Account).where(Account.person == actor_person))
    for row in rows:
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        if data.get(SPACE_KEY) == patient_id:
            ended += UserSession.delete().where(UserSession.key == row.key).execute()
    return ended

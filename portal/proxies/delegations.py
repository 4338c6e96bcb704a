"""Caregivers (proches aidants): the patient's delegations, from invitation to end."""
from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from .. import audit
from ..accounts.forms import EmptyForm
from ..accounts.models import utcnow
from ..policy import PROXIES_MANAGE, requires, scoped_or_404
from .models import Delegation
from .views import bp, end_acting_sessions


def relatives_context(person):
    """This space's caregivers ('given') and the patients this person helps ('received')."""
    given = (Delegation.select().where(Delegation.patient == person.id,
                                       Delegation.ended_at.is_null())
             .order_by(Delegation.created_at))
    received = (Delegation.select().where(Delegation.caregiver == person.id,
                                          Delegation.ended_at.is_null())
                .order_by(Delegation.created_at))
    return {"given": list(given), "received": list(received)}


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

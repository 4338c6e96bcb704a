"""Caregivers (proches aidants): the pages. The rules, e-mails, attestations and tasks are in
delegations.py; here are the requests, forms, messages and redirects."""
from datetime import timedelta

from flask import abort, flash, g, redirect, url_for
from flask_login import current_user

from ..accounts.models import utcnow
from ..forms.base import EmptyForm
from ..htmx import render
from ..i18n import _n, feminine, format_date
from ..policy import PROXIES_MANAGE, requires, scoped_or_404
from . import bp
from .delegation_forms import NEVER, SCOPE_TEXTS, SWORN_POINTS, InviteForm, scope_names
from .delegations import (Refused, accept, at_limit, finish, invite, lapsed, patient_limit_message,
                          relatives)
from .models import INVITATION_VALID_FOR, Delegation


def relatives_context(person):
    """This space's caregivers and invitations ('given'), and those of the patients this
    person helps or is invited to help ('received'), newest last."""
    now = utcnow()
    given, received = relatives(person, now)
    return {"given": given, "received": received,
            "delegation_lapsed": lambda d: lapsed(d, now), "delegation_scopes": scope_names,
            "delegation_today": now.date()}


def _back():
    return redirect(url_for(".relatives"))


@bp.route("/proches/delegations/inviter", methods=["GET", "POST"])
@requires(PROXIES_MANAGE)
def invite_delegation():
    """Invite a caregiver: identified by NIR + birth date, scopes, dates, sworn statement."""
    patient = g.space
    form = InviteForm()
    if form.validate_on_submit():
        caregiver = form.find_person()
        try:
            delegation = invite(patient, caregiver, current_user.person_id, form.scopes.data,
                                form.starts_on.data, form.ends_on.data)
        except Refused as refused:
            form.nir.errors.append(str(refused))
        else:
            flash(_n("L’invitation a été envoyée à %(name)s, qui a jusqu’au %(date)s pour "
                     "l’accepter.", name=caregiver.full_name,
                     date=format_date(delegation.invitation_expires_at, "long")), "success")
            return _back()
    return render("proxies/delegation_invite.html", form=form,
                  limit_message=patient_limit_message() if at_limit(patient) else None,
                  scope_help={s: text for s, (_name, text) in SCOPE_TEXTS.items()},
                  sworn_points=SWORN_POINTS, never=NEVER,
                  valid_days=INVITATION_VALID_FOR // timedelta(days=1))


@bp.route("/proches/delegations/<int:delegation_id>/accepter", methods=["POST"])
@requires(PROXIES_MANAGE)
def accept_delegation(delegation_id):
    """The invited caregiver accepts (own space, own invitation only; else 404)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    delegation = scoped_or_404(Delegation.select().where(
        Delegation.id == delegation_id, Delegation.caregiver == g.space.id,
        # only the person themselves answers an invitation made to them
        Delegation.caregiver == current_user.person_id))
    try:
        delegation = accept(delegation.id, g.space.id, current_user.id)
    except Refused as refused:
        flash(str(refused), "error")
        return _back()
    flash((_n("Vous êtes maintenant proche aidante de %(name)s. Une attestation est "
              "enregistrée dans vos documents.", name=delegation.patient.full_name)
           if feminine(current_user.person) else
           _n("Vous êtes maintenant proche aidant de %(name)s. Une attestation est enregistrée "
              "dans vos documents.", name=delegation.patient.full_name)), "success")
    return _back()


def _finish(delegation):
    """End a delegation or an invitation from the side whose space is open."""
    return finish(delegation, delegation.patient_id == g.space.id,
                  current_user._get_current_object())


def _unended(delegation_id, caregiver_side):
    """An unended delegation of this space, seen from one side (the caregiver: only their
    own, in their own space); anything else is a 404."""
    query = Delegation.select().where(Delegation.id == delegation_id,
                                      Delegation.ended_at.is_null())
    if caregiver_side:
        return scoped_or_404(query.where(Delegation.caregiver == g.space.id,
                                         Delegation.caregiver == current_user.person_id))
    return scoped_or_404(query.where(Delegation.patient == g.space.id))


@bp.route("/proches/delegations/<int:delegation_id>/refuser", methods=["POST"])
@requires(PROXIES_MANAGE)
def decline_delegation(delegation_id):
    """The invited caregiver declines (own space, own invitation only; else 404); if it was
    accepted meanwhile (another tab), this ends it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    flash(_finish(_unended(delegation_id, caregiver_side=True)), "success")
    return _back()


@bp.route("/proches/delegations/<int:delegation_id>/annuler", methods=["POST"])
@requires(PROXIES_MANAGE)
def cancel_delegation(delegation_id):
    """The patient's side withdraws an invitation (or, if accepted meanwhile, ends it)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    flash(_finish(_unended(delegation_id, caregiver_side=False)), "success")
    return _back()


@bp.route("/proches/delegations/<int:delegation_id>/fin", methods=["GET", "POST"])
@requires(PROXIES_MANAGE)
def end_delegation(delegation_id):
    """Either side ends a delegation, after a confirmation page; the caregiver's sessions
    acting under it end at once, the other side is told, an attestation is stored."""
    form = EmptyForm()
    delegation = scoped_or_404(Delegation.select().where(
        Delegation.id == delegation_id, Delegation.ended_at.is_null(),
        (Delegation.patient == g.space.id) | (Delegation.caregiver == g.space.id)))
    if form.is_submitted():
        if not form.validate():
            abort(400)
        flash(_finish(delegation), "success")
        return _back()
    return render("proxies/delegation_end.html", form=form, delegation=delegation,
                  patient_side=delegation.patient_id == g.space.id,
                  scopes=scope_names(delegation.scope_set))

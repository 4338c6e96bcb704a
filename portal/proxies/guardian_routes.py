"""Legal representatives: the parents' pages (inviting the second parent, answering an
invitation). The rules, e-mails and the majority task are in guardians.py; here are the
requests, forms, messages and redirects."""
from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.base import EmptyForm
from ..htmx import render
from ..i18n import _n, feminine, format_date
from ..policy import PROXIES_MANAGE, SELF, closed_spaces, refuse, requires, scoped_or_404
from . import bp
from .guardian_forms import InviteGuardianForm
from .guardians import (EXPIRED, OF_AGE, accept, cancel_invitation, decline, invite,
                        managing_parent, representatives)
from .guardianship import KIND_LABELS, MAX_PARENTS, _parents_count
from .models import INVITATION_VALID_FOR, Guardianship


def relatives_context(person):
    """This space's legal representatives (with invitations waiting), and the people this
    person represents (with invitations addressed to them)."""
    guardians, wards = representatives(person)
    manager = _managing_parent(person)
    return {"guardians": guardians,
            "wards": wards,
            "closed_wards": closed_spaces({w.ward_id for w in wards}),
            "guardian_kinds": KIND_LABELS,
            "can_cancel_guardian_invitation": manager is not None,
            "can_invite_guardian": manager is not None and _parents_count(person) < MAX_PARENTS}


def _managing_parent(ward):
    """The actor's own parental guardianship of the open space (a minor's), or None."""
    return managing_parent(ward, g.get("relation"), current_user.person_id)


@bp.route("/proches/representants/inviter", methods=["GET", "POST"])
@requires(PROXIES_MANAGE)
def invite_guardian():
    """The managing parent invites the other parent (NIR + birth date); they must accept."""
    ward = g.space
    manager = _managing_parent(ward)
    if manager is None:
        refuse(_("On ne peut inviter un second représentant légal que depuis l’espace d’un "
                 "enfant mineur dont on est le parent représentant légal."))
    if _parents_count(ward) >= MAX_PARENTS:
        flash(_n("%(name)s a déjà deux représentants légaux (ou une invitation en attente) : "
                 "il n’est pas possible d’en inviter un autre.", name=ward.full_name), "error")
        return redirect(url_for(".relatives"))
    form = InviteGuardianForm()
    if form.validate_on_submit():
        invitation, problem = invite(ward, form.find_person(), form.relationship.data,
                                     current_user.person)
        if invitation is not None:
            flash(_n("L’invitation a été envoyée. %(name)s doit l’accepter depuis son compte "
                     "avant le %(date)s.", name=invitation.guardian.full_name,
                     date=_date(invitation.invitation_expires_at)), "success")
            return redirect(url_for(".relatives"), 303)
        form.nir.errors.append(problem)
    return render("proxies/guardian_invite.html", form=form, ward=ward,
                  days=INVITATION_VALID_FOR.days)


def _date(value):
    return format_date(value, "long")


def _own_invitation(guardianship_id):
    """An invitation addressed to the person acting in their own space; otherwise a 404."""
    if g.relation.kind != SELF:
        abort(404)
    return scoped_or_404(Guardianship.select().where(
        Guardianship.id == guardianship_id, Guardianship.guardian == g.space.id,
        Guardianship.accepted_at.is_null(), Guardianship.ended_at.is_null()))


@bp.route("/proches/representants/<int:guardianship_id>/accepter", methods=["POST"])
@requires(PROXIES_MANAGE)
def accept_guardianship(guardianship_id):
    """The invited parent accepts: the child's space opens to them."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = _own_invitation(guardianship_id)
    ward = invitation.ward
    outcome = accept(invitation, g.space)
    if outcome == OF_AGE:
        flash(_n("%(name)s est majeure : cette invitation n’a plus d’objet.",
                 name=ward.full_name) if feminine(ward) else
              _n("%(name)s est majeur : cette invitation n’a plus d’objet.",
                 name=ward.full_name), "error")
        return redirect(url_for(".relatives"), 303)
    if outcome == EXPIRED:
        flash(_n("Cette invitation a expiré le %(date)s : elle ne peut plus être acceptée. "
                 "Demandez à %(inviter)s de vous inviter à nouveau.",
                 date=_date(invitation.invitation_expires_at),
                 inviter=invitation.invited_by.full_name if invitation.invited_by
                 else _("l’autre parent")), "error")
        return redirect(url_for(".relatives"), 303)
    flash(_n("Vous êtes maintenant représentante légale de %(name)s. Vous pouvez ouvrir son "
             "espace ci-dessous.", name=ward.full_name) if feminine(g.space) else
          _n("Vous êtes maintenant représentant légal de %(name)s. Vous pouvez ouvrir son "
             "espace ci-dessous.", name=ward.full_name), "success")
    return redirect(url_for(".relatives"), 303)


@bp.route("/proches/representants/<int:guardianship_id>/refuser", methods=["POST"])
@requires(PROXIES_MANAGE)
def decline_guardianship(guardianship_id):
    """The invited person declines; the inviting parent is told."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not decline(_own_invitation(guardianship_id), g.space):
        abort(404)
    flash(_("Vous avez refusé l’invitation."), "success")
    return redirect(url_for(".relatives"), 303)


@bp.route("/proches/representants/<int:guardianship_id>/annuler", methods=["POST"])
@requires(PROXIES_MANAGE)
def cancel_guardian_invitation(guardianship_id):
    """The managing parent withdraws an invitation not answered yet."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _managing_parent(g.space) is None:
        abort(404)
    invitation = scoped_or_404(Guardianship.select().where(
        Guardianship.id == guardianship_id, Guardianship.ward == g.space.id,
        Guardianship.accepted_at.is_null(), Guardianship.ended_at.is_null()))
    if not cancel_invitation(invitation, g.space):
        abort(404)
    flash(_n("L’invitation de %(name)s est annulée.", name=invitation.guardian.full_name),
          "success")
    return redirect(url_for(".relatives"), 303)

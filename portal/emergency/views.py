"""Emergency access: the professional's declaration and summary, the patient's settings."""
from flask import abort, flash, g, redirect, session, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user

from .. import audit, mail
from ..access.models import Grant
from ..forms.base import EmptyForm
from ..accounts.models import Account, Person, utcnow
from ..db import Prepared, write_tx
from ..entourage.presenters import donation_text, entourage_for
from ..htmx import render
from ..i18n import LazyDate, _n, feminine, format_datetime
from ..notifications import email_body, notify, recipients
from ..policy import (CLOSED_SPACE, EMERGENCY, EMERGENCY_DECLARE, EMERGENCY_SETTINGS,
                      EMERGENCY_SUMMARY, SPACE_KEY, emergency_eligible, open_space, requires,
                      space_is_open)
from ..profile.essentials import essentials
from ..profile.models import AdvanceDirectives
from . import bp
from .forms import DeclareForm, SettingsForm
from .models import DURATION, EmergencyAccess, EmergencySettings


SWITCHES = ("samu_allowed", "others_allowed", "masked_visible")


def emergency_time(moment):
    """HH:MM in the reader's time zone (the end of an emergency access)."""
    return format_datetime(moment, "HH:mm") if moment else ""


def notices_context():
    """`emergency_notices(relation)`: emergency accesses the patient has not yet acknowledged
    (only in their own space), for the notice on the record's first page."""
    return {"emergency_notices": unseen_accesses, "emergency_ack_form": EmptyForm}


def _unseen_query(patient_id):
    return (EmergencyAccess.select(EmergencyAccess, Account, Person)
            .join(Account, on=(EmergencyAccess.professional == Account.id)).join(Person)
            .where(EmergencyAccess.patient == patient_id,
                   EmergencyAccess.patient_seen_at.is_null())
            .order_by(EmergencyAccess.started_at.desc()))


# Asked by the record's first page, the page most opened: built once (see db.Prepared).
_UNSEEN = Prepared(_unseen_query, 0)


def unseen_accesses(relation):
    if relation is None or relation.kind != "self":
        return []
    return list(_UNSEEN(relation.person.id))


# --- the professional's side ---------------------------------------------------------------

def _treating_doctors(patient):
    return [gr.professional.email for gr in Grant.select(Grant, Account).join(
        Account, on=(Grant.professional == Account.id)).where(
        Grant.patient == patient.id, Grant.treating_doctor == True)]  # noqa: E712


def _notify(patient, access, professional):
    """E-mails without medical content: who, when, and where the reason can be read. Sent to
    the patient and their legal representatives (kind "emergency_access": cannot be turned
    off), to the e-mail on file of a patient without an account, and to the médecin
    traitant."""
    when = LazyDate(access.started_at, "d MMMM yyyy, HH:mm", kind="datetime")
    facts = {"pro": professional.display_name, "when": when, "name": patient.full_name}
    subject = _l("Carnet : accès en urgence à un espace santé")

    def sentence(is_self):
        return (_n("%(pro)s a déclaré une urgence le %(when)s et a ouvert votre espace santé "
                   "pour 2 heures.", **facts) if is_self else
                _n("%(pro)s a déclaré une urgence le %(when)s et a ouvert l’espace santé de "
                   "%(name)s pour 2 heures.", **facts)) + "\n" + _(
            "Le motif est inscrit dans l’historique d’activité de Carnet. Vous pouvez régler "
            "l’accès en urgence dans Paramètres, « Accès en urgence ».")

    notify(patient.id, "emergency_access", subject, sentence)
    if patient.email and not any(is_self for _account, is_self in recipients(patient.id)):
        # No account: written in the language of the professional who declared the emergency.
        mail.send(patient.email, subject, LazyString(lambda: email_body(sentence(True))),
                  caused_by=professional)
    for address in _treating_doctors(patient):
        mail.send(address, _l("Carnet : accès en urgence au dossier d’un de vos patients"),
                  LazyString(_treating_doctor_body, patient, facts))


def _treating_doctor_body(patient, facts):
    """The médecin traitant's e-mail, in their language (called under it by mail.send)."""
    if feminine(patient):
        return _n("Bonjour,\n\n%(pro)s a déclaré une urgence le %(when)s et a ouvert l’espace "
                  "santé de %(name)s, dont vous êtes le médecin traitant.\nLe motif est "
                  "inscrit dans l’historique d’activité de la patiente.\n", **facts)
    return _n("Bonjour,\n\n%(pro)s a déclaré une urgence le %(when)s et a ouvert l’espace "
              "santé de %(name)s, dont vous êtes le médecin traitant.\nLe motif est "
              "inscrit dans l’historique d’activité du patient.\n", **facts)


@bp.route("/urgence/", methods=["GET", "POST"])
@requires(EMERGENCY_DECLARE)
def declare():
    """Declare an emergency: identify the patient, state the reason, confirm."""
    form = DeclareForm()
    professional = current_user._get_current_object()
    if form.validate_on_submit():
        patient = form.find_person()
        if patient is None:
            form.nir.errors.append(_("Aucun dossier ne correspond à ce numéro de sécurité "
                                     "sociale et à cette date de naissance. Vérifiez-les."))
            return render("emergency/declare.html", form=form), 200
        if not space_is_open(patient.id):
            # A closed space opens to no one, not even in an emergency: nothing is created.
            audit.record("emergency.declared", patient=patient, via=EMERGENCY, outcome="denied",
                         detail="closed space")
            form.nir.errors.append(str(CLOSED_SPACE))
            return render("emergency/declare.html", form=form), 403
        with write_tx():
            settings = EmergencySettings.for_patient(patient.id)
            blocked = Grant.get_or_none(Grant.patient == patient.id,
                                        Grant.professional == professional.id,
                                        Grant.blocked == True)  # noqa: E712
            active = EmergencyAccess.get_or_none(
                EmergencyAccess.patient == patient.id,
                EmergencyAccess.professional == professional.id,
                EmergencyAccess.ended_at.is_null(), EmergencyAccess.ends_at > utcnow())
            access = None
            if emergency_eligible(settings, professional, blocked is not None) \
                    and active is None:
                now = utcnow()
                access = EmergencyAccess.create(patient=patient.id, professional=professional.id,
                                                reason=form.reason.data.strip(), started_at=now,
                                                ends_at=now + DURATION)
        if active is not None:
            flash(_("Votre accès en urgence à ce dossier est déjà ouvert jusqu’à %(until)s : il "
                    "ne peut pas être prolongé. Une fois terminé, déclarez une nouvelle "
                    "urgence.", until=emergency_time(active.ends_at)), "info")
            open_space(professional, patient.id)
            return redirect(url_for(".summary"), 303)
        if access is None:
            audit.record("emergency.declared", patient=patient, via=EMERGENCY, outcome="denied",
                         detail=form.reason.data.strip())
            form.nir.errors.append(
                _("Cette patiente s’est opposée à l’accès en urgence à son dossier : l’accès "
                  "vous est refusé.") if feminine(patient) else
                _("Ce patient s’est opposé à l’accès en urgence à son dossier : l’accès vous "
                  "est refusé."))
            return render("emergency/declare.html", form=form), 403
        relation = open_space(professional, patient.id)
        g.space, g.relation = relation.person, relation
        audit.record("emergency.declared", patient=patient, via=EMERGENCY,
                     obj_type="emergency_access", obj_id=access.id, detail=access.reason)
        _notify(patient, access, professional)
        flash(_("Accès en urgence ouvert jusqu’à %(until)s.",
                until=emergency_time(access.ends_at)), "success")
        return redirect(url_for(".summary"), 303)
    return render("emergency/declare.html", form=form)


@bp.route("/urgence/synthese")
@requires(EMERGENCY_SUMMARY)
def summary():
    """What matters first in an emergency."""
    pid = g.space.id
    return render(
        "emergency/summary.html", person=g.space,
        **essentials(pid),
        directives=AdvanceDirectives.get_or_none(AdvanceDirectives.patient == pid),
        entourage=entourage_for(pid), donation_text=donation_text, form=EmptyForm())


# --- the patient's side --------------------------------------------------------------------

def _past(patient_id):
    return list(EmergencyAccess.select(EmergencyAccess, Account, Person)
                .join(Account, on=(EmergencyAccess.professional == Account.id)).join(Person)
                .where(EmergencyAccess.patient == patient_id)
                .order_by(EmergencyAccess.started_at.desc()))


@bp.route("/parametres/urgence", methods=["GET", "POST"])
@requires(EMERGENCY_SETTINGS)
def settings():
    """The three switches and the past emergency accesses."""
    current = EmergencySettings.for_patient(g.space.id)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        values = {name: bool(getattr(form, name).data) for name in SWITCHES}
        with write_tx():
            row = EmergencySettings.get_or_none(EmergencySettings.patient == g.space.id)
            if row is None:
                row = EmergencySettings.create(patient=g.space.id, **values)
            else:
                EmergencySettings.update(**values).where(
                    EmergencySettings.id == row.id).execute()
        audit.record("emergency.settings_changed", obj_type="emergency_settings", obj_id=row.id,
                     detail=", ".join(f"{k}={'oui' if v else 'non'}" for k, v in values.items()))
        flash(_("Vos choix d’accès en urgence sont enregistrés."), "success")
        return redirect(url_for(".settings"), 303)
    return render("emergency/settings.html", form=form, accesses=_past(g.space.id))


@bp.route("/parametres/urgence/<int:access_id>/vu", methods=["POST"])
@requires(EMERGENCY_SETTINGS)
def acknowledge(access_id):
    """The patient read the notice of an emergency access."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    updated = EmergencyAccess.update(patient_seen_at=utcnow()).where(
        EmergencyAccess.id == access_id, EmergencyAccess.patient == g.space.id,
        EmergencyAccess.patient_seen_at.is_null()).execute()
    if not updated:
        abort(404)
    audit.record("emergency.acknowledged", obj_type="emergency_access", obj_id=access_id)
    flash(_("C’est noté : vous avez pris connaissance de cet accès en urgence."), "success")
    return redirect(url_for("dossier.home"), 303)


@bp.route("/urgence/terminer", methods=["POST"])
@requires(EMERGENCY_SUMMARY)
def end():
    """The professional ends their emergency access before its time."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    EmergencyAccess.update(ended_at=utcnow()).where(
        EmergencyAccess.patient == g.space.id, EmergencyAccess.professional == current_user.id,
        EmergencyAccess.ended_at.is_null()).execute()
    audit.record("emergency.ended", obj_type="emergency_access", obj_id=g.relation.record_id)
    session.pop(SPACE_KEY, None)
    flash(_("L’accès en urgence est terminé."), "success")
    return redirect(url_for(".declare"), 303)

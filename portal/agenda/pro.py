"""A professional authorised in a patient's space adds an appointment with themselves to the
patient's agenda; the patient (and their legal representatives) are told by e-mail, without any
detail. The professional does not read the agenda: they see only what they added."""
from flask import flash, g, redirect, url_for
from ..rendering import lazy_gettext as _l

from .. import audit
from ..accounts.models import utcnow
from ..db import write_tx
from ..htmx import render
from ..i18n import _n
from ..notifications import notify
from ..policy import AGENDA_PRO_ADD, requires
from . import presenters
from .forms import ProAppointmentForm
from .models import Appointment
from . import bp
from .views import ORDER_UPCOMING, PAGE_SIZE, acting_account, picker_state, submitted

@bp.route("/pro/ajouter", methods=["GET", "POST"])
@requires(AGENDA_PRO_ADD)
def pro_add():
    """An authorised professional adds an appointment with themselves to the patient's agenda;
    the patient (and their legal representatives) are told by e-mail, without any detail."""
    me = acting_account()
    form = ProAppointmentForm(professional_name=me.display_name,
                              specialty=str(me.role_label))
    picker = picker_state(form)
    if submitted(form, picker):
        with write_tx():
            appointment = Appointment(patient=g.space.id, created_by=me, professional=me)
            form.apply(appointment)
            appointment.save()
            audit.record("agenda.pro_add", obj_type="appointment", obj_id=appointment.id)
        name = g.space.full_name
        # Who and when, in each recipient's language: never the specialty, place or note.
        notify(g.space.id, "appointment", _l("Carnet : un rendez-vous a été ajouté à l’agenda"),
               lambda is_self: _n("%(pro)s a ajouté un rendez-vous à votre agenda Carnet, le "
                                  "%(when)s.", pro=me.display_name,
                                  when=presenters.when(appointment)) if is_self else
               _n("%(pro)s a ajouté un rendez-vous à l’agenda Carnet de %(name)s, le %(when)s.",
                  pro=me.display_name, name=name, when=presenters.when(appointment)))
        flash(_n("Le rendez-vous du %(when)s est ajouté à l’agenda de %(name)s. Un e-mail le "
                 "signale au patient, sans aucun détail médical.",
                 when=presenters.when(appointment), name=name), "success")
        return redirect(url_for(".pro_add"), 303)
    mine = list(Appointment.of_patient(g.space.id).where(
        Appointment.created_by == me.id, Appointment.starts_at > utcnow())
        .order_by(*ORDER_UPCOMING).limit(PAGE_SIZE))
    return render("agenda/pro_form.html", form=form, picker=picker, mine=mine)

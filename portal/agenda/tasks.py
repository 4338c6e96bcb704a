"""Appointment reminders by e-mail: a periodic task, every 10 minutes.

Each reminder is sent once. The task first *claims* a due reminder with one conditional UPDATE
(`reminder_sent_at` set where it is still empty) in its own committed transaction, then sends.
Two runs at once (two workers, or a run started again after a crash) cannot both claim it.
The trade-off is deliberate: a crash between the claim and the sending loses that reminder
rather than risking a second e-mail (at most once). Sending inside the claiming transaction
would not help: the e-mail is queued for the mail worker, which could read the outbox before
the commit, and a crash after queueing but before the commit would send it twice.

E-mails go through `notify`: the patient's accounts and their legal representatives (parents
receive their children's reminders), each according to their notification preferences
(kind "appointment"). They say when, and what the person chose to show outside Carnet
(by default nothing else: never the specialty nor the note).
"""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit
from ..accounts.models import Person, utcnow
from ..db import write_tx
from ..extensions import huey
from ..i18n import _n
from ..notifications import notify
from . import presenters
from .models import Appointment

SUBJECT = _l("Carnet : rappel de rendez-vous")


def _sentence(appointment, person):
    """The reminder, said to the person or to their representative, in their language."""
    def say(is_self):
        when = presenters.when(appointment)
        text = _("Rappel : vous avez un rendez-vous de santé le %(when)s (heure de Paris).",
                 when=when) if is_self else _n(
            "Rappel : %(name)s a un rendez-vous de santé le %(when)s (heure de Paris).",
            name=person.full_name, when=when)
        name, place = presenters.outside(appointment)
        if name:
            text += " " + _n("Avec : %(name)s.", name=name)
        if place:
            text += " " + _("Lieu : %(place)s.", place=place)
        return text
    return say


def send_appointment_reminders(now=None):
    """Send every reminder due at `now` (default: now) exactly once; returns how many
    appointments were reminded. Cancelled and past appointments are skipped."""
    now = now or utcnow()
    reminded = 0
    for row in list(Appointment.due_reminders(now)):
        with write_tx():
            claimed = Appointment.claim_reminder(row.id, now)
        if not claimed:
            continue  # another run has it, or it was cancelled meanwhile
        appointment = Appointment.get_by_id(row.id)
        person = Person.get_by_id(appointment.patient_id)
        sent = notify(person.id, "appointment", SUBJECT, _sentence(appointment, person))
        audit.record("agenda.reminder", patient=person, obj_type="appointment",
                     obj_id=appointment.id, detail=f"emails={sent}")
        reminded += 1
    return reminded


@huey.periodic_task(crontab(minute="*/10"))
def appointment_reminders():
    """Every 10 minutes: the reminders that are due."""
    from ..worker import app_context
    with app_context():
        send_appointment_reminders()

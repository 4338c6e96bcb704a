"""Appointment reminders: sent once (run twice, or two runs at once), not when the person opted
out, not for a cancelled or past appointment, to a child's parents, when due and not before,
and saying no more than the person chose to show outside Carnet. Run on SQLite and PostgreSQL."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

pytestmark = pytest.mark.db

SUBJECT = "Carnet : rappel de rendez-vous"
JEAN_EMAIL = "jean.dupont@example.org"
CAMILLE_EMAIL = "camille.martin@example.org"
START = datetime(2026, 11, 23, 13, 30)        # Monday 23 November, 14:30 in Paris
DAY_BEFORE = datetime(2026, 11, 22, 17, 0)    # Sunday, 18:00 in Paris


@pytest.fixture
def context(app):
    from portal.extensions import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app


def appointment(person, reminder="day_before", hours=None, **fields):
    from portal.agenda.models import Appointment
    made = Appointment(patient=person, professional_name="Dr Marc Lacombe",
                       specialty="Cardiologie", place="Centre hospitalier de Tulle",
                       note="Apporter l’électrocardiogramme", starts_at=START,
                       reminder=reminder, reminder_hours=hours, **fields)
    made.remind_at = made.compute_remind_at()
    made.save()
    return made


def reminders(address):
    from portal.mail import OutboxMessage
    return list(OutboxMessage.select().where(OutboxMessage.to == address,
                                             OutboxMessage.subject == SUBJECT))


def run(now):
    from portal.agenda.tasks import send_appointment_reminders
    return send_appointment_reminders(now)


@pytest.fixture(autouse=True)
def no_demo_appointments(context):
    """The demo's own reminders are not the subject here."""
    from portal.agenda.models import Appointment
    Appointment.delete().execute()


def test_a_reminder_is_sent_once_even_when_the_task_runs_again(context, person):
    from portal.agenda.models import Appointment
    made = appointment(person("Jean"))
    assert made.remind_at == DAY_BEFORE
    assert run(DAY_BEFORE + timedelta(minutes=5)) == 1
    assert run(DAY_BEFORE + timedelta(minutes=15)) == 0  # the next run, or after a crash
    (mail,) = reminders(JEAN_EMAIL)
    assert "Rappel : vous avez un rendez-vous de santé le lundi 23 novembre 2026 à 14:30 " \
           "(heure de Paris)." in mail.body
    for secret in ("Lacombe", "Cardiologie", "Tulle", "électrocardiogramme"):
        assert secret not in mail.body  # the default: nothing but the date and time
    sent = Appointment.get_by_id(made.id)
    assert sent.reminder_sent_at == DAY_BEFORE + timedelta(minutes=5)
    from portal.audit import ActivityEvent
    (event,) = ActivityEvent.select().where(ActivityEvent.action == "agenda.reminder")
    assert event.patient_id == person("Jean").id and event.detail == "emails=1"


def test_two_runs_at_once_send_one_reminder(context, person):
    from portal.extensions import db
    appointment(person("Jean"))
    appointment(person("Jean"), reminder="hours_before", hours=24)
    db.close()
    counts, errors = [], []
    barrier = threading.Barrier(3)

    def worker():
        try:
            with context.app_context():
                db.connect(reuse_if_open=True)
                barrier.wait()
                counts.append(run(DAY_BEFORE + timedelta(minutes=30)))
                db.close()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.connect(reuse_if_open=True)
    assert not errors, errors
    assert sum(counts) == 2
    assert len(reminders(JEAN_EMAIL)) == 2  # one per appointment, never two


def test_not_sent_when_the_person_opted_out(context, person):
    from portal.accounts.models import Account
    from portal.notifications import save_preferences
    save_preferences(Account.get(Account.email == JEAN_EMAIL), {"appointment": False})
    appointment(person("Jean"))
    run(DAY_BEFORE)
    assert reminders(JEAN_EMAIL) == []


def test_not_sent_for_a_cancelled_appointment(context, person):
    from portal.accounts.models import utcnow
    from portal.agenda.models import Appointment
    made = appointment(person("Jean"))
    Appointment.update(cancelled_at=utcnow()).where(Appointment.id == made.id).execute()
    assert run(DAY_BEFORE + timedelta(minutes=5)) == 0
    assert Appointment.get_by_id(made.id).reminder_sent_at is None
    assert reminders(JEAN_EMAIL) == []


def test_not_sent_once_the_appointment_has_begun(context, person):
    """The worker was down all evening: a reminder after the fact would only confuse."""
    from portal.agenda.models import Appointment
    made = appointment(person("Jean"))
    assert run(START + timedelta(minutes=1)) == 0
    assert Appointment.get_by_id(made.id).reminder_sent_at is None
    assert reminders(JEAN_EMAIL) == []


def test_parents_receive_their_childs_reminders(context, person):
    from portal.agenda.models import SHOW_PLACE
    appointment(person("Lina"), reminder="hours_before", hours=3, show_in_feed=SHOW_PLACE)
    assert run(START - timedelta(hours=3)) == 1
    (mail,) = reminders(CAMILLE_EMAIL)
    assert "Rappel : Lina Martin a un rendez-vous de santé le lundi 23 novembre 2026 à 14:30 " \
           "(heure de Paris). Avec : Dr Marc Lacombe. Lieu : Centre hospitalier de Tulle." \
           in mail.body  # she chose to show the name and the place
    assert "Cardiologie" not in mail.body and "électrocardiogramme" not in mail.body


def test_sent_when_due_and_not_before(context, person):
    from portal.agenda.tasks import send_appointment_reminders
    appointment(person("Jean"), reminder="hours_before", hours=2)
    with time_machine.travel(datetime(2026, 11, 23, 11, 20, tzinfo=timezone.utc), tick=False):
        assert send_appointment_reminders() == 0  # 10 minutes early
    with time_machine.travel(datetime(2026, 11, 23, 11, 30, tzinfo=timezone.utc), tick=False):
        assert send_appointment_reminders() == 1
    with time_machine.travel(datetime(2026, 11, 23, 11, 40, tzinfo=timezone.utc), tick=False):
        assert send_appointment_reminders() == 0
    assert len(reminders(JEAN_EMAIL)) == 1


def test_the_periodic_task_runs_every_ten_minutes(context, person):
    from portal.agenda.tasks import appointment_reminders
    validate = appointment_reminders.s().validate_datetime
    assert validate(datetime(2026, 11, 23, 11, 30)) and validate(datetime(2026, 11, 23, 11, 40))
    assert not validate(datetime(2026, 11, 23, 11, 35))
    appointment(person("Jean"), reminder="hours_before", hours=1)
    with time_machine.travel(datetime(2026, 11, 23, 12, 40, tzinfo=timezone.utc), tick=False):
        appointment_reminders.call_local()
    assert len(reminders(JEAN_EMAIL)) == 1

"""Prevention reminders by e-mail: a daily periodic task.

Each reminder concerns one person, one item and one due cycle (a season for the flu, the due
date of a screening), and is sent once. The task first claims it: an insert into
PreventionReminder that the unique key (person, item, cycle) ignores when it is already there,
in its own committed transaction; only the run whose insert counted sends. Two runs at once, or
a run started again after a crash, never send twice; a crash between the claim and the sending
loses that reminder rather than risking a second e-mail (at most once).

E-mails go through `notify`: the person's accounts and their legal representatives (parents get
their children's reminders), each according to their own choices: kind "prevention", and the
item's theme (vaccinations, dépistages, bilan, bucco-dentaire) — one e-mail per theme with new
reminders. They say that a prevention reminder waits in Carnet and its theme, nothing else.
"""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from huey import crontab

from ..accounts.models import ROLE_PATIENT, Account, Person
from ..db import write_tx
from ..extensions import db, huey
from ..i18n import _n
from ..notifications import notify
from ..proxies.models import Guardianship
from .models import PreventionReminder, calendar_for, paris_today
from .rules import THEMES

SUBJECT = _l("Carnet : un rappel de prévention vous attend")


def _sentence(person, theme):
    def say(is_self):
        if is_self:
            return _("Un rappel de prévention vous attend dans votre espace santé Carnet "
                     "(thème : %(theme)s).", theme=THEMES[theme])
        return _n("Un rappel de prévention attend dans l’espace santé Carnet de %(name)s "
                  "(thème : %(theme)s).", name=person.full_name, theme=THEMES[theme])
    return say


def _people():
    """Whose calendars are reminded: holders of a patient account, and people (minors,
    protected adults) with an active legal representative. Professionals', mediators' and
    operators' own persons are not: nothing of their record is e-mailed to them here."""
    holders = Account.select(Account.person).where(Account.role == ROLE_PATIENT,
                                                   Account.is_active == True)  # noqa: E712
    wards = Guardianship.active().select(Guardianship.ward)
    return Person.select().where(Person.id.in_(holders) | Person.id.in_(wards)) \
        .order_by(Person.id)


def _claim(person_id, item):
    """True when this run claimed the reminder (nobody had before)."""
    query = PreventionReminder.insert(patient=person_id, code=item.code, cycle=item.cycle,
                                      theme=item.rule.theme).on_conflict_ignore()
    with write_tx():
        return db.execute(query).rowcount == 1


def send_prevention_reminders(today=None):
    """Remind every item due on `today` (default: today in Paris) once; returns the count of
    reminders claimed by this run."""
    today = today or paris_today()
    claimed = 0
    for person in list(_people()):
        by_theme = {}
        for item in calendar_for(person, today).due:
            if _claim(person.id, item):
                by_theme.setdefault(item.rule.theme, []).append(item)
        for theme, items in by_theme.items():
            sent = notify(person.id, "prevention", SUBJECT, _sentence(person, theme),
                          theme=theme)
            for item in items:
                PreventionReminder.update(emails=sent).where(
                    PreventionReminder.patient == person.id,
                    PreventionReminder.code == item.code,
                    PreventionReminder.cycle == item.cycle).execute()
            claimed += len(items)
    return claimed


@huey.periodic_task(crontab(hour="8", minute="30"))
def prevention_reminders():
    """Every morning: the prevention reminders of the day."""
    from ..worker import app_context
    with app_context():
        send_prevention_reminders()

"""How appointments read: who, when, the reminder, and what may be shown outside Carnet
(subscribed calendar, reminder e-mails); the weeks of a month view."""
import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_babel import ngettext

from ..accounts.models import ROLE_PROFESSIONAL
from ..i18n import _n, format_date, format_datetime
from ..measures.forms import to_utc
from .models import REMINDER_DAY_BEFORE, REMINDER_HOURS, SHOW_PLACE, SHOW_PROFESSIONAL

GENERIC_TITLE = _l("Rendez-vous de santé")


def agenda_title(relation):
    """"Mon agenda" in one's own space, "Agenda de Jean Dupont" in another's."""
    if relation.kind == "self":
        return _("Mon agenda")
    return _n("Agenda de %(name)s", name=relation.person.full_name)


def professional(appointment):
    """The professional's name: the directory account's when chosen, else as typed."""
    if appointment.professional_id and appointment.professional:
        return appointment.professional.display_name
    return appointment.professional_name


def specialty(appointment):
    """The specialty typed, else the directory professional's profession."""
    if appointment.specialty:
        return appointment.specialty
    if appointment.professional_id and appointment.professional:
        return str(appointment.professional.role_label)
    return ""


def added_by(appointment):
    """"Dr Nadia Benali" when a professional added it from the patient's space, else None."""
    author = appointment.created_by if appointment.created_by_id else None
    if author is not None and author.role == ROLE_PROFESSIONAL:
        return author.display_name
    return None


def when(appointment):
    """lundi 23 novembre 2026 à 14:30 (Paris time)."""
    return format_datetime(appointment.starts_at, _("EEEE d MMMM yyyy 'à' HH:mm"))


def reminder(appointment):
    if appointment.reminder == REMINDER_DAY_BEFORE:
        return _("La veille, à 18 h")
    if appointment.reminder == REMINDER_HOURS and appointment.reminder_hours:
        return ngettext("%(num)s heure avant", "%(num)s heures avant",
                        appointment.reminder_hours)
    return _("Pas de rappel")


def title(appointment):
    """The full title, for the person's own downloads: "Dr Lacombe – Cardiologie"."""
    parts = [p for p in (professional(appointment), specialty(appointment)) if p]
    return " – ".join(parts) or str(GENERIC_TITLE)


def outside(appointment):
    """(professional, place) as they may appear outside Carnet (subscribed calendar, reminder
    e-mails): empty unless the person chose to show the name (and the place)."""
    shown = appointment.show_in_feed
    name = professional(appointment) if shown in (SHOW_PROFESSIONAL, SHOW_PLACE) else ""
    return name, appointment.place if shown == SHOW_PLACE else ""


def outside_title(appointment):
    """The feed's event title: "Rendez-vous de santé", with the name only if chosen."""
    name, _place = outside(appointment)
    return f"{GENERIC_TITLE} – {name}" if name else str(GENERIC_TITLE)


# --- the month view -------------------------------------------------------------------------

@dataclass
class Day:
    day: date
    in_month: bool
    appointments: list = field(default_factory=list)

    @property
    def short(self):
        """"lun." (its weekday, shown on narrow screens where the column headers are not)."""
        return format_date(self.day, "EEE")

    @property
    def full(self):
        """"lundi 23 novembre 2026"."""
        return format_date(self.day, "EEEE d MMMM yyyy")


def weekdays(short="EEE"):
    """(short, full) names of the days of the week, Monday first ("EEEEE": one letter)."""
    monday = date(2024, 1, 1)
    return [(format_date(monday + timedelta(days=i), short),
             format_date(monday + timedelta(days=i), "EEEE")) for i in range(7)]


def start_time(appointment):
    """14:30, in Paris."""
    return appointment.local_start.strftime("%H:%M")


def duration(appointment):
    minutes = appointment.duration_minutes
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("%(num)s minute", "%(num)s minutes", rest)
    text = ngettext("%(num)s heure", "%(num)s heures", hours)
    return f"{text} {rest:02d}" if rest else text


def month_bounds(year, month):
    """The month's first and last instants as naive UTC (its days are Paris days)."""
    first = date(year, month, 1)
    after = first + timedelta(days=calendar.monthrange(year, month)[1])
    return to_utc(datetime.combine(first, time.min)), to_utc(datetime.combine(after, time.min))


def shift_month(year, month, delta):
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def neighbours(year, month):
    """{"before": ("2026-10", "octobre 2026"), "after": ("2026-12", "décembre 2026")}."""
    found = {}
    for name, delta in (("before", -1), ("after", 1)):
        y, m = shift_month(year, month, delta)
        found[name] = (f"{y:04d}-{m:02d}", month_label(y, m))
    return found


def month_weeks(year, month, appointments):
    """Weeks (Monday first) of Day, each with its appointments in time order."""
    by_day = {}
    for appointment in appointments:
        by_day.setdefault(appointment.local_start.date(), []).append(appointment)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([Day(d, d.month == month, by_day.get(d, []) if d.month == month else [])
                      for d in week])
    return weeks


def month_label(year, month):
    return format_date(date(year, month, 1), "MMMM yyyy")

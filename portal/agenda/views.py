"""Agenda, the patient's side: upcoming and past appointments, a month view, adding, changing
and cancelling (a cancelled appointment stays, marked as such), and iCalendar downloads. A
professional's adding is in pro.py, the private subscription URL in feed.py.

Everything works without JavaScript. The form's calendar is drawn by the server: its days are
submit buttons of the form itself, so picking a day keeps everything already typed.
"""
from datetime import date

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user
from peewee import fn

from .. import audit
from ..access.models import Grant
from ..forms.base import EmptyForm
from ..accounts.models import ROLE_PROFESSIONAL, Account, Person, utcnow
from ..db import Prepared, write_tx
from ..htmx import render
from ..i18n import _n
from ..measures.forms import local_now
from ..pages_of import paged, requested_page
from ..policy import (AGENDA_EDIT, AGENDA_FEED_MANAGE, AGENDA_VIEW, allowed, requires,
                      scoped_or_404, shows)
from . import bp
from . import ics, presenters
from .forms import AppointmentForm
from .models import Appointment


PAGE_SIZE = 20
ORDER_UPCOMING = (Appointment.starts_at, Appointment.id)
ORDER_PAST = (Appointment.starts_at.desc(), Appointment.id.desc())


def acting_account():
    """The account acting (never the patient's, when someone acts for them)."""
    return current_user._get_current_object()


def _can(action):
    return allowed(acting_account(), action, g.relation)


def _load(appointment_id):
    """An appointment of the open space (cancelled ones too); another id is a 404."""
    return scoped_or_404(Appointment.of_patient(g.space.id).where(
        Appointment.id == appointment_id))


def _read(appointment):
    """Name the appointment a form page shows, for the reading @requires journals (AGENDA_EDIT
    reads AGENDA_VIEW)."""
    shows("appointment", appointment.id)


def _when(upcoming, now):
    return Appointment.starts_at > now if upcoming else Appointment.starts_at <= now


def _counted(upcoming):
    def build(patient_id, now):
        # Without the listing's joins: each is to one row at most, so the count is the same.
        return Appointment.select(fn.COUNT(Appointment.id).alias("n")).where(
            Appointment.patient == patient_id, _when(upcoming, now))
    return build


def _listed(upcoming):
    def build(patient_id, now, limit, offset):
        return (Appointment.listed(patient_id).where(_when(upcoming, now))
                .order_by(*(ORDER_UPCOMING if upcoming else ORDER_PAST))
                .limit(limit).offset(offset))
    return build


# The agenda's first page, the one opened most: its four queries built once (see db.Prepared).
# The listing joins five tables through aliases: building its tree and finding its SQL again
# took a fifth of the page.
_UPCOMING = (Prepared(_counted(True), 0, utcnow()), Prepared(_listed(True), 0, utcnow(), 1, 0))
_PAST = (Prepared(_counted(False), 0, utcnow()), Prepared(_listed(False), 0, utcnow(), 1, 0))


def _page(queries, patient_id, now, param):
    """One page of a list whose page number is the query-string parameter `param`."""
    counted, listed = queries
    rows, page, pages, total = paged(
        requested_page(param), PAGE_SIZE,
        lambda limit, offset: list(listed(patient_id, now, limit, offset)),
        lambda: counted.first(patient_id, now).n)
    return {"rows": rows, "page": page, "pages": pages, "total": total, "param": param}


def _today_link():
    today = local_now().date()
    return url_for(".month", month=today.strftime("%Y-%m"), _anchor=f"jour-{today.isoformat()}")


@bp.route("/")
@requires(AGENDA_VIEW)
def home():
    """Upcoming appointments (soonest first) and past ones (latest first), 20 per page each."""
    now = utcnow()
    return render("agenda/home.html",
                  upcoming=_page(_UPCOMING, g.space.id, now, "a_venir"),
                  past=_page(_PAST, g.space.id, now, "passes"),
                  today_link=_today_link(), month=local_now().strftime("%Y-%m"),
                  can_edit=_can(AGENDA_EDIT), can_feed=_can(AGENDA_FEED_MANAGE))


@bp.route("/mois/<month>")
@requires(AGENDA_VIEW)
def month(month):
    """One month, as a table of weeks (a list of days on a narrow screen)."""
    try:
        year, number = (int(part) for part in month.split("-"))
        if len(month) != 7 or not 1900 <= year <= 2200 or not 1 <= number <= 12:
            raise ValueError
    except ValueError:
        abort(404)
    start, end = presenters.month_bounds(year, number)
    appointments = list(Appointment.listed(g.space.id).where(
        Appointment.starts_at >= start, Appointment.starts_at < end).order_by(*ORDER_UPCOMING))
    return render("agenda/month.html", weeks=presenters.month_weeks(year, number, appointments),
                  label=presenters.month_label(year, number), count=len(appointments),
                  today=local_now().date(), today_link=_today_link(),
                  can_edit=_can(AGENDA_EDIT), **presenters.neighbours(year, number))


# --- adding and changing --------------------------------------------------------------------

def _directory(current=None):
    """The directory for the form's list: the professionals who follow this record first."""
    pros = list(Account.select(Account, Person).join(Person).where(
        Account.role == ROLE_PROFESSIONAL, Account.is_active == True)  # noqa: E712
        .order_by(Person.family_name, Person.given_names))
    team = {grant.professional_id for grant in Grant.select(Grant.professional).where(
        Grant.patient == g.space.id, Grant.blocked == False,  # noqa: E712
        Grant.expires_at.is_null() | (Grant.expires_at > utcnow()))}
    if current is not None and current.id not in {a.id for a in pros}:
        pros.append(current)  # a professional no longer listed stays chosen
    return [(_l("Professionnels qui suivent ce dossier"), [a for a in pros if a.id in team]),
            (_l("Annuaire de Carnet"), [a for a in pros if a.id not in team])]


PICKER_BUTTONS = (("jour", "day"), ("mois_precedent", "picker-prev"),
                  ("mois_suivant", "picker-next"))


def picker_state(form):
    """The form's own calendar: which month it shows, whether it is open, and what gets the
    focus. A POST of one of its buttons (a day, another month) only redraws the form: the day
    picked is written into the date field, nothing is saved, everything typed is kept."""
    today = local_now().date()
    shown = form.day.data or today
    state = {"open": False, "focus": None, "clicked": False}
    for name, focus in PICKER_BUTTONS:
        if request.method != "POST" or name not in request.form:
            continue
        state["clicked"] = True
        try:
            picked = date.fromisoformat(request.form[name] + ("" if name == "jour" else "-01"))
        except ValueError:
            break
        shown, state["focus"] = picked, focus
        if name == "jour":
            form.day.data, form.day.raw_text, form.day.parse_error = picked, "", None
            form.day.render_kw = dict(form.day.render_kw or {}, autofocus=True)
        else:
            state["open"] = True
    state.update(weeks=presenters.month_weeks(shown.year, shown.month, []), today=today,
                 label=presenters.month_label(shown.year, shown.month),
                 **presenters.neighbours(shown.year, shown.month))
    return state


def submitted(form, picker):
    """A real submission (not a click in the form's calendar) that validates."""
    return not picker["clicked"] and form.validate_on_submit()


@bp.route("/ajouter", methods=["GET", "POST"])
@requires(AGENDA_EDIT)
def add():
    """Add an appointment to the open space's agenda."""
    form = AppointmentForm()
    form.set_professionals(_directory())
    if request.method == "GET" and request.args.get("date"):
        try:
            form.day.data = date.fromisoformat(request.args["date"])
        except ValueError:
            pass
    picker = picker_state(form)
    if submitted(form, picker):
        with write_tx():
            appointment = Appointment(patient=g.space.id, created_by=acting_account())
            form.apply(appointment)
            appointment.save()
            audit.record("agenda.add", obj_type="appointment", obj_id=appointment.id)
        flash(_("Le rendez-vous du %(when)s est ajouté à l’agenda.",
                when=presenters.when(appointment)), "success")
        return redirect(url_for(".show", appointment_id=appointment.id), 303)
    return render("agenda/form.html", form=form, picker=picker, appointment=None)


@bp.route("/<int:appointment_id>")
@requires(AGENDA_VIEW)
def show(appointment_id):
    """One appointment, with what may be shown outside Carnet and the actions."""
    appointment = _load(appointment_id)
    return render("agenda/show.html", appointment=appointment,
                  outside=presenters.outside(appointment), can_edit=_can(AGENDA_EDIT),
                  now=utcnow())


@bp.route("/<int:appointment_id>/modifier", methods=["GET", "POST"])
@requires(AGENDA_EDIT)
def edit(appointment_id):
    """Change an appointment; a new time or reminder makes its reminder due again."""
    appointment = _load(appointment_id)
    if appointment.is_cancelled:
        flash(_("Ce rendez-vous est annulé : il ne peut plus être modifié. Ajoutez un nouveau "
                "rendez-vous si besoin."), "info")
        return redirect(url_for(".show", appointment_id=appointment.id), 303)
    form = AppointmentForm(obj=appointment if request.method == "GET" else None)
    form.original = appointment
    form.set_professionals(_directory(appointment.professional
                                      if appointment.professional_id else None))
    if request.method == "GET":
        form.load(appointment)
        _read(appointment)
    picker = picker_state(form)
    if submitted(form, picker):
        with write_tx():
            if form.apply(appointment):
                appointment.reminder_sent_at = None
            appointment.sequence += 1
            appointment.updated_at = utcnow()
            appointment.save()
            audit.record("agenda.edit", obj_type="appointment", obj_id=appointment.id)
        flash(_("Le rendez-vous est modifié."), "success")
        return redirect(url_for(".show", appointment_id=appointment.id), 303)
    return render("agenda/form.html", form=form, picker=picker, appointment=appointment)


@bp.route("/<int:appointment_id>/annuler", methods=["GET", "POST"])
@requires(AGENDA_EDIT)
def cancel(appointment_id):
    """Cancel an appointment (asked first): it stays in the agenda, marked as cancelled, and
    its reminder is not sent."""
    appointment = _load(appointment_id)
    form = EmptyForm()
    if appointment.is_cancelled:
        flash(_("Ce rendez-vous est déjà annulé."), "info")
        return redirect(url_for(".show", appointment_id=appointment.id), 303)
    if form.validate_on_submit():
        now = utcnow()
        with write_tx():
            Appointment.update(cancelled_at=now, cancelled_by=acting_account(), updated_at=now,
                               sequence=Appointment.sequence + 1).where(
                Appointment.id == appointment.id, Appointment.cancelled_at.is_null()).execute()
            audit.record("agenda.cancel", obj_type="appointment", obj_id=appointment.id)
        flash(_("Le rendez-vous du %(when)s est annulé. Il reste dans l’agenda, marqué comme "
                "annulé.", when=presenters.when(appointment)), "success")
        return redirect(url_for(".home"), 303)
    _read(appointment)
    return render("agenda/cancel.html", appointment=appointment, form=form)


# --- iCalendar downloads --------------------------------------------------------------------

def _full_event(appointment):
    """Everything the person sees in Carnet: the file is theirs, downloaded while logged in."""
    return ics.event_lines(appointment, presenters.title(appointment), appointment.place,
                           appointment.note)


def ics_response(text, filename, attachment=True):
    disposition = "attachment" if attachment else "inline"
    return Response(text, mimetype="text/calendar", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.route("/<int:appointment_id>/rendez-vous.ics")
@requires(AGENDA_VIEW)
def download(appointment_id):
    """One appointment as an .ics file, to add to a calendar application."""
    appointment = _load(appointment_id)
    audit.record("agenda.download", obj_type="appointment", obj_id=appointment.id)
    day = appointment.local_start.date().isoformat()
    return ics_response(ics.calendar([_full_event(appointment)], _("Carnet – rendez-vous")),
                        f"rendez-vous-{day}.ics")


@bp.route("/export.ics")
@requires(AGENDA_VIEW)
def export():
    """The whole agenda (cancelled appointments marked so) as one .ics file."""
    rows = Appointment.of_patient(g.space.id).order_by(*ORDER_UPCOMING)
    audit.record("agenda.export", obj_type="appointment")
    return ics_response(ics.calendar([_full_event(a) for a in rows],
                                     _n("Carnet – agenda de %(name)s", name=g.space.full_name)),
                        "agenda-carnet.ics")

"""Agenda › Prévention: the person's calendar (due, upcoming, done) and one page per item to say
it is done (on a date), to plan, or not done.

Every action is a link or a POST form that redirects and flashes. Marking a vaccine done may add
it to the medical profile, only when the actor may write the profile (PROFILE_EDIT); otherwise
the page says why it stays here only.
"""
from datetime import date, timedelta

from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import utcnow
from ..db import write_tx
from ..htmx import render
from ..i18n import _n, format_date
from ..policy import (PREVENTION_EDIT, PREVENTION_VIEW, PROFILE_EDIT, SELF, allowed, refuse,
                      requires, scoped_or_404)
from ..profile.models import NotConcerned, Vaccination
from . import bp
from . import engine
from .forms import MarkForm
from .models import PreventionMark, calendar_for, paris_today
from .rules import BY_CODE, SEASON_DOSES_FROM, SEASONAL, THEMES


def _account():
    return current_user._get_current_object()


def _may(action):
    return allowed(_account(), action, g.relation)


def _context(**extra):
    """What every page of the area shows: whose calendar, what the actor may do."""
    agenda = url_for("agenda.home") if "agenda.home" in current_app.view_functions else None
    return dict(themes=THEMES, own=g.relation.kind == SELF, person=g.space,
                can_edit=_may(PREVENTION_EDIT), agenda_url=agenda, today=paris_today(),
                engine=engine, last_day=lambda day: day - timedelta(days=1), **extra)


@bp.route("")
@requires(PREVENTION_VIEW)
def index():
    """The calendar: what is due now, what comes in the next years, what is done."""
    calendar = calendar_for(g.space)
    return render("prevention/index.html", calendar=calendar, form=EmptyForm(),
                  **_context())


def _item(code):
    """The item of `code` in the open space's calendar (due, upcoming or done); a code this
    person has no item for is a 404."""
    if code not in BY_CODE:
        abort(404)
    item = calendar_for(g.space).current(code)
    if item is None:
        abort(404)
    return item


def _form(item):
    form = MarkForm(cycle=item.cycle)
    form.patient = g.space
    form.status.label.text = _("Où en êtes-vous ?") if g.relation.kind == SELF else \
        _n("Où en est %(name)s ?", name=g.space.full_name)
    if item.rule.kind == SEASONAL:
        start = date(int(item.cycle), *SEASON_DOSES_FROM)
        form.earliest = (start, _("Pour la %(season)s, indiquez une date à partir du %(date)s.",
                                  season=item.detail, date=format_date(start, "long")))
    return form


def _item_page(item, form, status=200):
    return render("prevention/item.html", item=item, form=form,
                  may_profile=item.rule.is_vaccine and _may(PROFILE_EDIT),
                  **_context()), status


@bp.route("/<code>")
@requires(PREVENTION_VIEW)
def item(code):
    """One item: what it is, why, its source, and (for those who may) the form to update it."""
    item = _item(code)
    form = _form(item)
    if item.mark is not None:
        form.status.data = item.mark.status
    if item.done_on is not None:
        form.done_on.data = item.done_on
    return _item_page(item, form)


@bp.route("/<code>", methods=["POST"])
@requires(PREVENTION_EDIT)
def mark(code):
    """Store what the person's side says about the item; for a vaccine done, optionally add it
    to the medical profile (only for those who may write the profile)."""
    item = _item(code)
    form = _form(item)
    if not form.validate_on_submit():
        return _item_page(item, form)
    if form.cycle.data != item.cycle:
        flash(_("Ce suivi a changé depuis l’ouverture de la page : rien n’a été enregistré. "
                "Vérifiez-le, puis recommencez."), "error")
        return redirect(url_for(".item", code=code), 303)
    status = form.status.data
    done_on = form.done_on.data if status == engine.MARK_DONE else None
    to_profile = status == engine.MARK_DONE and item.rule.is_vaccine and form.add_to_profile.data
    if to_profile and not _may(PROFILE_EDIT):
        refuse(_n("Votre relation avec %(name)s (%(relation)s) ne permet pas de modifier le profil "
                  "médical : la vaccination ne peut pas y être ajoutée.",
                  name=g.space.full_name, relation=g.relation.label))
    with write_tx():
        vaccination = _add_to_profile(item.rule, done_on) if to_profile else None
        values = {"status": status, "done_on": done_on, "marked_by": _account().id,
                  "marked_at": utcnow()}
        if vaccination is not None:
            values["vaccination"] = vaccination.id
        PreventionMark.insert(patient=g.space.id, code=code, cycle=item.cycle, **values) \
            .on_conflict(conflict_target=[PreventionMark.patient, PreventionMark.code,
                                          PreventionMark.cycle],
                         update={getattr(PreventionMark, k): v for k, v in values.items()}) \
            .execute()
        audit.record("prevention.marked", obj_type="prevention",
                     obj_id=f"{code}:{item.cycle}" if item.cycle else code,
                     detail=status + (f" {done_on.isoformat()}" if done_on else ""))
    flash(_message(item, status, done_on, vaccination is not None), "success")
    return redirect(url_for(".index"), 303)


def _add_to_profile(rule, done_on):
    """The vaccination, written in the profile's Vaccinations section by this actor."""
    account = _account()
    entry = Vaccination.create(
        patient=g.space.id, author=account, author_is_professional=False,
        vaccine=str(rule.profile_name), given_on=done_on, dose_type=rule.dose_type,
        requirement="obligatoire" if rule.mandatory else "recommande")
    NotConcerned.delete().where(NotConcerned.patient == g.space.id,
                                NotConcerned.section == "vaccinations").execute()
    audit.record("profile.vaccinations.add", obj_type="vaccinations", obj_id=entry.id)
    return entry


def _message(item, status, done_on, added):
    label = item.rule.label
    if status == engine.MARK_DONE:
        text = _("C’est noté : « %(label)s » est fait depuis le %(date)s.", label=label,
                 date=format_date(done_on, "long"))
        if added:
            text += " " + _("La vaccination est ajoutée au profil médical.")
        return text
    if status == engine.MARK_TO_PLAN:
        return _("C’est noté : « %(label)s » est à planifier.", label=label)
    return _("C’est noté : « %(label)s » n’est pas fait.", label=label)


@bp.route("/suivi/<int:mark_id>/effacer", methods=["POST"])
@requires(PREVENTION_EDIT)
def unmark(mark_id):
    """Forget what was said about an item (another person's id: 404); the calendar goes back
    to what the profile says. A vaccination added to the profile stays there."""
    found = scoped_or_404(PreventionMark.select().where(PreventionMark.id == mark_id,
                                                         PreventionMark.patient == g.space.id))
    with write_tx():
        found.delete_instance()
        audit.record("prevention.mark_removed", obj_type="prevention",
                     obj_id=f"{found.code}:{found.cycle}" if found.cycle else found.code)
    rule = BY_CODE.get(found.code)
    message = _("Ce qui avait été indiqué pour « %(label)s » est effacé.",
                label=rule.label if rule else found.code)
    if found.vaccination_id:
        message += " " + _("La vaccination ajoutée au profil médical y reste ; vous pouvez la "
                           "supprimer dans la rubrique « Vaccinations ».")
    flash(message, "success")
    return redirect(url_for(".index"), 303)


def prevention_summary():
    """For the agenda's home page: how many prevention items are due in the open space (None
    when the actor may not see the calendar)."""
    space, relation = g.get("space"), g.get("relation")
    if space is None or not current_user.is_authenticated or \
            not allowed(current_user._get_current_object(), PREVENTION_VIEW, relation):
        return None
    calendar = calendar_for(space)
    return {"due": len(calendar.due),
            "late": sum(1 for i in calendar.due if i.status == engine.LATE),
            "next": calendar.upcoming[0] if calendar.upcoming else None,
            "url": url_for("prevention.index")}

"""Mesures: every kind's latest value and trend, one page per kind with its chart (drawn on the
server), its data table, the add form and the personal target."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import ROLE_PROFESSIONAL, utcnow
from ..db import write_tx
from ..htmx import render, wants_fragment
from ..policy import MEASURES_EDIT, MEASURES_VIEW, refuse, requires, scoped_or_404, shows
from . import bp
from . import presenters
from .forms import MeasureForm, TargetForm
from .models import (BY_CODE, BY_SLUG, KINDS, Measure, MeasureTarget, latest_bmi, trend,
                     trend_points)
from .page import can_edit, errors_announcement, render_kind, when


def _kind_or_404(slug, entered=False):
    kind = BY_SLUG.get(slug)
    if kind is None or (entered and not kind.entered):
        abort(404)
    return kind


@bp.route("/")
@requires(MEASURES_VIEW)
def index():
    """Each kind with its latest value, date and trend; the BMI (adults) with its category."""
    person = g.space
    by_kind, counts = Measure.latest_of(person.id)
    cards, empty = [], []
    for kind in KINDS:
        series = by_kind.get(kind.code, [])
        if not kind.entered:
            if by_kind.get("weight") or by_kind.get("height"):
                cards.append({"kind": kind, "bmi": True})
            continue
        if not series:
            empty.append(kind)
            continue
        latest = series[-1]
        cards.append({"kind": kind, "latest": latest, "count": counts[kind.code],
                      "text": presenters.measure_text(kind, latest),
                      "trend": presenters.trend_text(trend(trend_points(series),
                                                           kind.stable))})
    current_bmi = None if person.is_minor else latest_bmi(person.id)
    return render("measures/index.html", person=person, cards=cards, empty=empty,
                  bmi=current_bmi, presenters=presenters,
                  can_edit=can_edit())


@bp.route("/<kind>/", endpoint="kind")
@requires(MEASURES_VIEW)
def kind_page(kind):
    """One kind: chart, target, data table, and the add form for those who may write."""
    if kind not in BY_SLUG and kind in BY_CODE:  # /mesures/weight/ -> /mesures/poids/
        return redirect(url_for(".kind", kind=BY_CODE[kind].slug), 301)
    return render_kind(_kind_or_404(kind))


@bp.route("/<kind>/ajouter", methods=["POST"])
@requires(MEASURES_EDIT)
def add(kind):
    """Record a measure; htmx gets the refreshed chart and table, a plain POST a redirect."""
    kind = _kind_or_404(kind, entered=True)
    person = g.space
    form = MeasureForm(kind, person)
    if not form.validate_on_submit():
        return render_kind(kind, form=form, announce=errors_announcement(form))
    account = current_user._get_current_object()
    measure = Measure.create(patient=person.id, kind=kind.code, value=form.parsed_value,
                             value2=form.parsed_value2, measured_at=form.measured_at,
                             author=account.id,
                             author_is_professional=account.role == ROLE_PROFESSIONAL)
    audit.record("measures.add", obj_type="measure", obj_id=measure.id, detail=kind.code)
    message = _("Mesure enregistrée : %(value)s, le %(date)s.",
                value=presenters.measure_text(kind, measure),
                date=when(measure.measured_at))
    if wants_fragment():
        return render_kind(kind, announce=message)
    flash(message, "success")
    return redirect(url_for(".kind", kind=kind.slug), 303)


@bp.route("/<kind>/<int:measure_id>/supprimer", methods=["GET", "POST"])
@requires(MEASURES_EDIT)
def delete(kind, measure_id):
    """Confirm, then delete a measure one may remove (never a professional's, for patients)."""
    kind = _kind_or_404(kind, entered=True)
    measure = scoped_or_404(Measure.of(g.space.id, kind.code).where(Measure.id == measure_id))
    if not measure.removable_by(current_user._get_current_object()):
        refuse(_("Cette mesure a été saisie par un professionnel de santé : elle reste dans le "
                 "dossier et seul son auteur peut la supprimer."))
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        Measure.delete().where(Measure.id == measure.id, Measure.patient == g.space.id).execute()
        audit.record("measures.delete", obj_type="measure", obj_id=measure.id, detail=kind.code)
        flash(_("La mesure du %(date)s (%(value)s) a été supprimée.",
                date=when(measure.measured_at),
                value=presenters.measure_text(kind, measure)), "success")
        return redirect(url_for(".kind", kind=kind.slug), 303)
    shows("measure", measure.id)
    return render("measures/delete.html", kind=kind, measure=measure, form=form,
                  text=presenters.measure_text(kind, measure))


@bp.route("/<kind>/objectif", methods=["POST"])
@requires(MEASURES_EDIT)
def set_target(kind):
    """Set (or change) the personal target of this kind."""
    kind = _kind_or_404(kind, entered=True)
    person = g.space
    form = TargetForm(kind)
    if not form.validate_on_submit():
        return render_kind(kind, target_form=form, announce=errors_announcement(form))
    values = {"low": form.parsed.get("low"), "high": form.parsed.get("high"),
              "high2": form.parsed.get("high2")}
    with write_tx():
        target = MeasureTarget.of(person.id, kind.code)
        if target is None:
            target = MeasureTarget.create(patient=person.id, kind=kind.code,
                                          set_by=current_user.id, **values)
        else:
            MeasureTarget.update(set_by=current_user.id, updated_at=utcnow(), **values).where(
                MeasureTarget.id == target.id).execute()
    audit.record("measures.target", obj_type="measure_target", obj_id=target.id,
                 detail=kind.code)
    message = _("L’objectif est enregistré.")
    if wants_fragment():
        return render_kind(kind, announce=message)
    flash(message, "success")
    return redirect(url_for(".kind", kind=kind.slug), 303)


@bp.route("/<kind>/objectif/supprimer", methods=["POST"])
@requires(MEASURES_EDIT)
def remove_target(kind):
    """Remove the personal target of this kind."""
    kind = _kind_or_404(kind, entered=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = scoped_or_404(MeasureTarget.select().where(
        MeasureTarget.patient == g.space.id, MeasureTarget.kind == kind.code))
    MeasureTarget.delete().where(MeasureTarget.id == target.id).execute()
    audit.record("measures.target_removed", obj_type="measure_target", obj_id=target.id,
                 detail=kind.code)
    flash(_("L’objectif a été retiré."), "success")
    return redirect(url_for(".kind", kind=kind.slug), 303)

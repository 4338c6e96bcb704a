"""Mesures: every kind's latest value and trend, one page per kind with its chart (drawn on the
server), its data table, the add form and the personal target."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import format_date, format_datetime, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.forms import EmptyForm
from ..accounts.models import ROLE_PROFESSIONAL, utcnow
from ..db import write_tx
from ..htmx import render, wants_fragment
from ..policy import MEASURES_EDIT, MEASURES_VIEW, allowed, requires, scoped_or_404
from . import presenters
from .charts import Chart, Level, Point, Series, age_domain, day_number
from .forms import MeasureForm, TargetForm
from .growth import DAYS_PER_MONTH, DAYS_PER_YEAR, SOURCE_NOTES, centile, curves
from .models import (BMI_NORMAL, BY_CODE, BY_SLUG, KINDS, Measure, MeasureTarget, bmi_series,
                     latest_bmi, trend, trend_points)

bp = Blueprint("measures", __name__, url_prefix="/dossier/mesures")

BLOCK = "measure_body"
EARLY_DAYS = 36 * DAYS_PER_MONTH  # the "0 à 3 ans" growth chart, as in the carnet de santé


def _kind_or_404(slug, entered=False):
    kind = BY_SLUG.get(slug)
    if kind is None or (entered and not kind.entered):
        abort(404)
    return kind


def _can_edit():
    return allowed(current_user._get_current_object(), MEASURES_EDIT, g.relation)


@bp.route("/")
@requires(MEASURES_VIEW)
def index():
    """Each kind with its latest value, date and trend; the BMI (adults) with its category."""
    person = g.space
    by_kind = {}
    for measure in Measure.of(person.id):
        by_kind.setdefault(measure.kind, []).append(measure)
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
        cards.append({"kind": kind, "latest": latest, "count": len(series),
                      "text": presenters.measure_text(kind, latest),
                      "trend": presenters.trend_text(trend(trend_points(series),
                                                           kind.stable))})
    current_bmi = None if person.is_minor else latest_bmi(person.id)
    return render("measures/index.html", person=person, cards=cards, empty=empty,
                  bmi=current_bmi, presenters=presenters,
                  can_edit=_can_edit())


@bp.route("/<slug>/")
@requires(MEASURES_VIEW)
def kind(slug):
    """One kind: chart, target, data table, and the add form for those who may write."""
    return _kind_page(_kind_or_404(slug))


@bp.route("/<slug>/ajouter", methods=["POST"])
@requires(MEASURES_EDIT)
def add(slug):
    """Record a measure; htmx gets the refreshed chart and table, a plain POST a redirect."""
    kind = _kind_or_404(slug, entered=True)
    person = g.space
    form = MeasureForm(kind, person)
    if not form.validate_on_submit():
        return _kind_page(kind, form=form, announce=_errors_announcement(form))
    account = current_user._get_current_object()
    measure = Measure.create(patient=person.id, kind=kind.code, value=form.parsed_value,
                             value2=form.parsed_value2, measured_at=form.measured_at,
                             author=account.id,
                             author_is_professional=account.role == ROLE_PROFESSIONAL)
    audit.record("measures.add", obj_type="measure", obj_id=measure.id, detail=kind.code)
    message = _("Mesure enregistrée : %(value)s, le %(date)s.",
                value=presenters.measure_text(kind, measure),
                date=_when(measure.measured_at))
    if wants_fragment():
        return _kind_page(kind, announce=message)
    flash(message, "success")
    return redirect(url_for(".kind", slug=slug), 303)


@bp.route("/<slug>/<int:measure_id>/supprimer", methods=["GET", "POST"])
@requires(MEASURES_EDIT)
def delete(slug, measure_id):
    """Confirm, then delete a measure one may remove (never a professional's, for patients)."""
    kind = _kind_or_404(slug, entered=True)
    measure = scoped_or_404(Measure.of(g.space.id, kind.code).where(Measure.id == measure_id))
    if not measure.removable_by(current_user._get_current_object()):
        abort(403)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        Measure.delete().where(Measure.id == measure.id, Measure.patient == g.space.id).execute()
        audit.record("measures.delete", obj_type="measure", obj_id=measure.id, detail=kind.code)
        flash(_("La mesure du %(date)s (%(value)s) a été supprimée.",
                date=_when(measure.measured_at),
                value=presenters.measure_text(kind, measure)), "success")
        return redirect(url_for(".kind", slug=slug), 303)
    audit.record(MEASURES_VIEW, obj_type="measure", obj_id=measure.id, detail=request.path)
    return render("measures/delete.html", kind=kind, measure=measure, form=form,
                  text=presenters.measure_text(kind, measure))


@bp.route("/<slug>/objectif", methods=["POST"])
@requires(MEASURES_EDIT)
def set_target(slug):
    """Set (or change) the personal target of this kind."""
    kind = _kind_or_404(slug, entered=True)
    person = g.space
    form = TargetForm(kind)
    if not form.validate_on_submit():
        return _kind_page(kind, target_form=form, announce=_errors_announcement(form))
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
        return _kind_page(kind, announce=message)
    flash(message, "success")
    return redirect(url_for(".kind", slug=slug), 303)


@bp.route("/<slug>/objectif/supprimer", methods=["POST"])
@requires(MEASURES_EDIT)
def remove_target(slug):
    """Remove the personal target of this kind."""
    kind = _kind_or_404(slug, entered=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = scoped_or_404(MeasureTarget.select().where(
        MeasureTarget.patient == g.space.id, MeasureTarget.kind == kind.code))
    MeasureTarget.delete().where(MeasureTarget.id == target.id).execute()
    audit.record("measures.target_removed", obj_type="measure_target", obj_id=target.id,
                 detail=kind.code)
    flash(_("L’objectif a été retiré."), "success")
    return redirect(url_for(".kind", slug=slug), 303)


# --- the kind page --------------------------------------------------------------------------

def _kind_page(kind, form=None, target_form=None, announce=None):
    """The page of one kind (or, for htmx, its body): the submitted form keeps what was typed."""
    person = g.space
    account = current_user._get_current_object()
    can_edit = _can_edit() and kind.entered
    growth = bool(kind.growth and person.is_minor)
    if kind.entered:
        measures = list(Measure.of(person.id, kind.code))
        rows = [_row(kind, m, account, person, growth) for m in measures]
        target = MeasureTarget.of(person.id, kind.code)
    else:
        pairs = bmi_series(list(Measure.of(person.id, "weight")),
                           list(Measure.of(person.id, "height")))
        measures = [_BmiMeasure(w, h, value) for w, h, value in pairs]
        rows = [_row(kind, m, account, person, False) for m in measures]
        target = None
    # A child's growth since birth squeezes the first years: offer the 0–3 years view too.
    early = [m for m in measures if growth and _age_days(person, m.measured_at) <= EARLY_DAYS]
    periods = growth and early and len(early) < len(measures)
    first_years = bool(periods and request.args.get("ages") == "0-3")
    shown = early if first_years else measures
    chart = _chart(kind, person, shown, target, growth, first_years) if shown else None
    measure_form = form or (MeasureForm(kind, person, formdata=None) if can_edit else None)
    if target_form is None and can_edit:
        target_form = TargetForm(kind, formdata=None, **_target_data(kind, target))
    submitted = form if form is not None else (
        target_form if target_form is not None and target_form.errors else None)
    return render(
        "measures/kind.html", block=BLOCK, kind=kind, person=person, rows=list(reversed(rows)),
        chart=chart, target=target, target_text=presenters.target_text(kind, target),
        target_author=_author(target.set_by, account, with_role=False) if target else "",
        measure_form=measure_form, target_form=target_form, form=submitted,
        can_edit=can_edit, growth=growth, removable=any(r["removable"] for r in rows),
        announce=announce if wants_fragment() else None,
        growth_source=SOURCE_NOTES.get(kind.growth, ""),
        trend=presenters.trend_text(trend(trend_points(measures), kind.stable)),
        latest=rows[-1] if rows else None, presenters=presenters,
        bmi_now=latest_bmi(person.id) if not kind.entered else None,
        bmi_scale=presenters.bmi_scale() if not kind.entered else None,
        weight_kind=BY_CODE["weight"], height_kind=BY_CODE["height"],
        periods=periods, first_years=first_years)


class _BmiMeasure:
    """A computed BMI shaped like a measure (for the chart and the table)."""

    def __init__(self, weight, height, value):
        self.id, self.value, self.value2 = None, value, None
        self.measured_at, self.author = weight.measured_at, weight.author
        self.author_is_professional = weight.author_is_professional
        self.weight, self.height = weight, height


def _row(kind, measure, account, person, growth):
    row = {"id": measure.id, "when": measure.measured_at,
           "when_text": format_datetime(measure.measured_at, "d MMM yyyy, HH:mm"),
           "text": presenters.measure_text(kind, measure),
           "author": _author(measure.author, account),
           "professional": measure.author_is_professional,
           "removable": bool(measure.id) and measure.removable_by(account)}
    if growth:
        age = _age_days(person, measure.measured_at)
        row["age"] = _age_text(age)
        value = centile(kind.growth, person.sex, age, measure.value)
        row["centile"] = _centile_text(value)
    if not kind.entered:
        row["basis"] = _("%(weight)s et %(height)s", weight=presenters.measure_text(
            BY_CODE["weight"], measure.weight), height=presenters.measure_text(
            BY_CODE["height"], measure.height))
    return row


def _chart(kind, person, measures, target, growth, first_years=False):
    label = str(kind.label)
    first, last = measures[0], measures[-1]
    count = ngettext("%(num)s mesure", "%(num)s mesures", len(measures))
    desc = [_("%(count)s, du %(first)s (%(first_value)s) au %(last)s (%(last_value)s).",
              count=count, first=_day(first.measured_at), last=_day(last.measured_at),
              first_value=presenters.measure_text(kind, first),
              last_value=presenters.measure_text(kind, last))]
    levels = []
    if target is not None:
        desc.append(presenters.target_text(kind, target) + ".")
        if kind.paired:
            levels += [Level(None, target.high, _("objectif systolique")),
                       Level(None, target.high2, _("objectif diastolique"))]
        else:
            levels.append(Level(target.low, target.high, _("objectif")))
    if not kind.entered and not person.is_minor:
        levels.append(Level(BMI_NORMAL[0], BMI_NORMAL[1], _("corpulence normale"), "normal"))
    reference, x_domain = [], None
    if growth:
        ages = [_age_days(person, m.measured_at) for m in measures]
        x_domain = (0, EARLY_DAYS) if first_years else age_domain(max(ages))
        reference = curves(kind.growth, person.sex, *x_domain)
        desc.append(_("Les mesures sont placées selon l’âge, sur les courbes de référence de "
                      "l’OMS (3e, 50e et 97e percentiles)."))
        xs = ages
    else:
        xs = [day_number(_local(m.measured_at)) for m in measures]
    desc.append(_("Toutes les valeurs figurent dans le tableau sous le graphique."))
    first_series = [Point(x, m.value, f"{_day(m.measured_at)} : "
                                      f"{presenters.measure_text(kind, m)}")
                    for x, m in zip(xs, measures)]
    series = [Series(first_series)]
    if kind.paired:
        series.append(Series([Point(x, m.value2, f"{_day(m.measured_at)} : "
                                                 f"{presenters.measure_text(kind, m)}")
                              for x, m in zip(xs, measures)], alt=True))
    return Chart(title=_("%(label)s – %(name)s", label=label, name=person.full_name),
                 desc=" ".join(desc), unit=str(kind.unit), series=series,
                 x_axis="age" if growth else "date", x_domain=x_domain, levels=levels,
                 reference=reference, y_floor=kind.axis_floor, y_ceiling=kind.axis_ceiling,
                 decimals=kind.decimals).render()


def _target_data(kind, target):
    if target is None:
        return {}
    data = {}
    for name in ("low", "high", "high2"):
        value = getattr(target, name)
        if value is not None:
            data[name] = presenters.number(value, kind.decimals)
    return data


def _errors_announcement(form):
    messages = [f.errors[0] for f in form if f.errors]
    return ngettext("Le formulaire contient une erreur : %(list)s",
                    "Le formulaire contient %(num)s erreurs : %(list)s",
                    len(messages), list=" ".join(str(m) for m in messages))


def _author(author, account, with_role=True):
    if author.id == account.id:
        return _("vous")
    if author.role == ROLE_PROFESSIONAL and with_role:
        return f"{author.display_name} ({author.role_label})"
    return author.display_name


def _local(utc_naive):
    return to_user_timezone(utc_naive).replace(tzinfo=None)


def _day(utc_naive):
    return format_date(_local(utc_naive).date(), "long")


def _when(utc_naive):
    return format_datetime(utc_naive, "d MMMM yyyy 'à' HH:mm")


def _age_days(person, utc_naive):
    local = _local(utc_naive)
    return (local.date() - person.birth_date).days + local.hour / 24


def _age_text(days):
    """"naissance", "12 jours", "9 mois", "3 ans", "10 ans et 2 mois"."""
    if days < 1:
        return _("naissance")
    if days < 28:
        return ngettext("%(num)s jour", "%(num)s jours", int(days))
    months = max(1, int((days + 2) / DAYS_PER_MONTH))  # a visit a day or two early counts
    if months < 24:
        return ngettext("%(num)s mois", "%(num)s mois", months)
    years, rest = months // 12, months % 12
    text = ngettext("%(num)s an", "%(num)s ans", years)
    if rest:
        text = _("%(years)s et %(months)s", years=text,
                 months=ngettext("%(num)s mois", "%(num)s mois", rest))
    return text


def _centile_text(value):
    if value is None:
        return _("pas de courbe à cet âge")
    if value < 1:
        return _("sous le 1er percentile")
    if value > 99:
        return _("au-dessus du 99e percentile")
    return _("%(num)se percentile", num=int(round(value)))

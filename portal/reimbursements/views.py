"""Mon histoire de santé: the reimbursed care of the open space as a timeline by year and
category (filters and pages in the address, so it works without JavaScript), masking from
professionals, and a delivered medicine copied into "Traitements" after a confirmation."""
from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from .. import audit
from ..htmx import render
from ..i18n import _n
from ..pages_of import page_of
from ..policy import (REIMBURSEMENTS_MASK, REIMBURSEMENTS_TO_TREATMENT, REIMBURSEMENTS_VIEW,
                      allowed, refuse, requires, scoped_or_404, shows, visible_reimbursements)
from . import bp, presenters, service
from ..forms.base import EmptyForm
from .forms import FilterForm, TreatmentForm
from .models import CATEGORIES, Reimbursement

PAGE_SIZE = 20


def _account():
    return current_user._get_current_object()


def _visible():
    return visible_reimbursements(g.relation, _account())


def _filters(args):
    """The valid filters of the address (an unknown value is ignored, not an error)."""
    year = args.get("annee", "")
    category = args.get("categorie", "")
    return {"annee": year if year.isdigit() and len(year) == 4 else "",
            "categorie": category if category in CATEGORIES else ""}


def _filtered(query, filters):
    if filters["annee"]:
        year = int(filters["annee"])
        query = query.where(Reimbursement.care_date >= date(year, 1, 1),
                            Reimbursement.care_date <= date(year, 12, 31))
    if filters["categorie"]:
        query = query.where(Reimbursement.category == filters["categorie"])
    return query


def _back(filters):
    """The timeline with the filters the person was looking at."""
    return redirect(url_for(".index", **{k: v for k, v in filters.items() if v}), 303)


@bp.route("/")
@requires(REIMBURSEMENTS_VIEW)
def index():
    """The reimbursed care this actor may see, newest first, by year, filtered and paged."""
    filters = _filters(request.args)
    visible = _visible()
    span = visible.select(fn.MIN(Reimbursement.care_date).alias("first"),
                          fn.MAX(Reimbursement.care_date).alias("last")).dicts().get()
    years = []
    if span["first"] is not None:
        first, last = (date.fromisoformat(str(span[k])[:10]) for k in ("first", "last"))
        years = list(range(last.year, first.year - 1, -1))
    form = FilterForm(data=filters)
    form.prepare(years)
    query = _filtered(visible, filters)
    lines, page, pages, total = page_of(
        query, (Reimbursement.care_date.desc(), Reimbursement.id.desc()), size=PAGE_SIZE)
    account = _account()
    can_add = allowed(account, REIMBURSEMENTS_TO_TREATMENT, g.relation)
    known = service.treatment_names(g.space.id) if can_add and any(
        line.is_medicine for line in lines) else set()
    params = {k: v for k, v in filters.items() if v}
    return render("reimbursements/index.html", block="timeline", person=g.space, form=form,
                  groups=presenters.by_year(lines), total=total, page=page, pages=pages,
                  params=params, filters=filters, categories=CATEGORIES,
                  can_mask=allowed(account, REIMBURSEMENTS_MASK, g.relation),
                  can_add=can_add, known=known, amount=presenters.amount,
                  mask_form=EmptyForm())


@bp.route("/<int:line_id>/masquage", methods=["POST"])
@requires(REIMBURSEMENTS_MASK)
def mask(line_id):
    """Mask one line from professionals (masquer=1), or show it to them again (masquer=0);
    back to the timeline with the filters it was showing."""
    form = EmptyForm()
    filters = _filters(request.form)
    line = scoped_or_404(_visible().where(Reimbursement.id == line_id))
    if not form.validate_on_submit():
        refuse(_("La demande n’est plus valable : rechargez la page."))
    masked = request.form.get("masquer") == "1"
    service.set_masked(_visible().where(Reimbursement.id == line.id), masked)
    audit.record("reimbursements.mask" if masked else "reimbursements.unmask",
                 obj_type="reimbursement", obj_id=line.id)
    flash(_n("« %(label)s » est masqué aux professionnels de santé.", label=line.label)
          if masked else
          _n("« %(label)s » est de nouveau visible par les professionnels de santé.",
             label=line.label), "success")
    return _back(filters)


@bp.route("/masquage-categorie", methods=["POST"])
@requires(REIMBURSEMENTS_MASK)
def mask_category():
    """Mask every line of a category from professionals, or show them again."""
    form = EmptyForm()
    filters = _filters(request.form)
    category = filters["categorie"]
    if not form.validate_on_submit() or not category:
        refuse(_("La demande n’est plus valable : rechargez la page."))
    masked = request.form.get("masquer") == "1"
    changed = service.set_masked(
        _visible().where(Reimbursement.category == category), masked)
    audit.record("reimbursements.mask_category" if masked else
                 "reimbursements.unmask_category", obj_type="reimbursement_category",
                 obj_id=category, detail=str(changed))
    label = CATEGORIES[category]
    flash(_("Catégorie « %(category)s » : toutes ses lignes sont masquées aux professionnels "
            "de santé.", category=label) if masked else
          _("Catégorie « %(category)s » : toutes ses lignes sont de nouveau visibles par les "
            "professionnels de santé.", category=label), "success")
    return _back(filters)


@bp.route("/<int:line_id>/traitement", methods=["GET", "POST"])
@requires(REIMBURSEMENTS_TO_TREATMENT)
def to_treatment(line_id):
    """Copy a delivered medicine into the profile's treatments, after a confirmation: the name
    (and dose, when the feed gave it) pre-filled; never twice the same name."""
    account = _account()
    if not allowed(account, REIMBURSEMENTS_VIEW, g.relation):
        refuse(_n("Votre relation avec %(name)s (%(relation)s) ne permet pas de lire son "
                  "histoire de santé.", name=g.space.full_name, relation=g.relation.label))
    line = scoped_or_404(_visible().where(Reimbursement.id == line_id,
                                          Reimbursement.category == "medicaments"))
    shows("reimbursement", line.id)
    form = TreatmentForm(data={"name": line.label, "dose": line.dose}
                         if request.method == "GET" else None)
    existing = service.existing_treatment(g.space.id, line.label)
    if request.method == "POST" and form.validate_on_submit():
        treatment, created = service.add_treatment(line, form.name.data, form.dose.data or "",
                                                   account)
        if created:
            audit.record("profile.treatments.add", obj_type="treatments", obj_id=treatment.id,
                         detail=f"reimbursement {line.id}")
            flash(_n("« %(name)s » a été ajouté aux traitements.", name=treatment.name),
                  "success")
        else:
            flash(_n("« %(name)s » figure déjà dans les traitements : rien n’a été ajouté.",
                     name=treatment.name), "info")
        return redirect(url_for(".index"), 303)
    return render("reimbursements/to_treatment.html", person=g.space, line=line, form=form,
                  existing=existing, amount=presenters.amount)

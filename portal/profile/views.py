"""Profil médical: an overview, then the same few routes for every section of the registry.

Without JavaScript every action is a page or a POST that redirects and flashes. With htmx,
writes answer with the section's entries (block "entries", announced), a refused form with
itself (HX-Retarget), and "Modifier"/"Supprimer" open in place of the entry.
"""
from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import utcnow
from ..db import write_tx
from ..htmx import render, wants_fragment
from ..i18n import _n
from ..policy import (PROFILE_EDIT, PROFILE_VIEW, SELF, allowed, refuse, requires,
                      scoped_or_404, shows)
from . import bp
from . import presenters
from .models import NotConcerned
from .sections import BY_SLUG, SECTIONS


def _account():
    return current_user._get_current_object()


def _section(slug):
    section = BY_SLUG.get(slug)
    if section is None:
        abort(404)
    return section


def _applies(section):
    """Advance directives concern adults only."""
    return not (section.adults_only and g.space.is_minor)


def _may_write(section):
    return (allowed(_account(), PROFILE_EDIT, g.relation) and _applies(section)
            and (section.writer_kinds is None or g.relation.kind in section.writer_kinds))


def _may_opt_out(section):
    """"Pas concerné(e)" is the patient's side's statement, never a professional's."""
    return section.opt_out and _may_write(section) and \
        not presenters.is_professional(_account())


def _writable(section):
    """For a write route: a section that does not apply is not there (404); a relation that
    may not write it is refused (403)."""
    if not _applies(section):
        abort(404)
    if not _may_write(section):
        refuse(_n("Votre relation avec %(name)s (%(relation)s) ne permet pas de modifier la "
                  "rubrique « %(section)s ».", name=g.space.full_name, relation=g.relation.label,
                  section=section.title))


def _entry(section, entry_id):
    """An entry of the open space; another patient's id is a 404."""
    return scoped_or_404(section.model.of_patient(g.space.id)
                         .where(section.model.id == entry_id))


def _changeable(slug, entry_id):
    """(section, entry, refusal): the section and one of its entries, with None, when this
    actor may change it; a 404 (not there) or a 403 (may not write here) otherwise; and for
    another author's entry, the answer explaining whose it is, for the view to return (never
    raised through abort, which takes status codes only)."""
    section = _section(slug)
    _writable(section)
    entry = _entry(section, entry_id)
    shows(section.key, entry.id)
    if not entry.changeable_by(_account()):
        return section, entry, _not_theirs(section, entry)
    return section, entry, None


def _single(section):
    return section.model.of_patient(g.space.id).first() if section.single else None


def _form(section, entry=None, blank=False, id_prefix=""):
    """The section's form, for `entry` if given, choices filled from the record; field ids
    get `id_prefix` so that an edit form open inside the list repeats no id of the page."""
    form = section.form(formdata=None, obj=entry) if blank else section.form(obj=entry)
    form.patient = g.space
    form.prepare(g.relation, _account())
    if entry is not None and (blank or request.method == "GET"):
        form.load(entry)
    for f in form:
        f.id = f.label.field_id = id_prefix + f.id
    return form


def _marked(section):
    return NotConcerned.select().where(NotConcerned.patient == g.space.id,
                                       NotConcerned.section == section.key).exists()


def _page(section, form, block="entries", message=None, error=None, **inline):
    """The section's page (or its block "entries"/"add_form" for htmx); `inline` may name an
    entry shown as its edit form (editing=, edit=) or as the deletion question (confirming=)."""
    entries = list(section.entries(g.space.id))
    if section.annotate:
        section.annotate(entries, g.relation, _account())
    texts = presenters.not_concerned_texts(g.space, g.relation.kind == SELF)
    return render("profile/section.html", block=block, section=section, entries=entries,
                  form=form, message=message, error=error, inline=wants_fragment(),
                  applies=_applies(section), can_write=_may_write(section),
                  can_opt_out=_may_opt_out(section), marked=_marked(section),
                  not_concerned=texts, author_line=presenters.author_line,
                  extras=section.extras(g.relation, _account()) if section.extras else None,
                  **inline)


def _retarget(body, target, select=None):
    """A refused htmx form replaces itself (`select`: taken from a larger fragment), not the
    list it would have updated."""
    response = make_response(body)
    if wants_fragment():
        response.headers["HX-Retarget"] = target
        response.headers["HX-Reswap"] = "outerHTML"
        if select:
            response.headers["HX-Reselect"] = select
    return response


def _done(section, message):
    """After a write: the entries with the result announced (htmx), or redirect and flash."""
    if wants_fragment():
        return _page(section, _form(section, _single(section), blank=True), message=message)
    flash(str(message), "success")
    return redirect(url_for(".section", slug=section.slug), 303)


def _refuse(section, message, entry_id=""):
    """A change the actor may not make: nothing changes, and they are told why."""
    audit.record(f"profile.{section.key}.change", outcome="denied", obj_type=section.key,
                 obj_id=entry_id)
    if wants_fragment():
        return _page(section, _form(section, _single(section), blank=True), error=message)
    flash(str(message), "error")
    return redirect(url_for(".section", slug=section.slug), 303)


def _not_theirs(section, entry):
    return _refuse(section, _n("Cet élément a été ajouté par %(name)s : seul son auteur peut "
                               "le modifier ou le supprimer.", name=entry.author.display_name),
                   entry.id)


def _save(section, form, entry):
    """Write the entry and journal it; a list's author stays who added it, a single value's
    author is who gave its current value."""
    account = _account()
    action = "add" if entry.id is None else "edit"
    with write_tx():
        form.apply(entry)
        if action == "add" or section.single:
            entry.patient = g.space.id
            entry.author = account
            entry.author_is_professional = presenters.is_professional(account)
        entry.updated_at = utcnow()
        entry.save()
        form.after_save(entry, g.relation, account)
        if action == "add":
            NotConcerned.delete().where(NotConcerned.patient == g.space.id,
                                        NotConcerned.section == section.key).execute()
        audit.record(f"profile.{section.key}.{action}", obj_type=section.key, obj_id=entry.id)
    return action


def _section_counts(patient_id):
    """How many entries each section holds, in one query (section key -> count)."""
    from peewee import Value, fn
    query = None
    for section in SECTIONS:
        model = section.model
        part = model.select(Value(section.key).alias("section"),
                            fn.COUNT(model.id).alias("entries")).where(model.patient == patient_id)
        query = part if query is None else query.union_all(part)
    return {row["section"]: row["entries"] for row in query.dicts()}


@bp.route("/")
@requires(PROFILE_VIEW)
def overview():
    """What is filled and what is missing, section by section, with a link to each."""
    patient_id = g.space.id
    marked = {row.section for row in NotConcerned.select(NotConcerned.section)
              .where(NotConcerned.patient == patient_id)}
    tag = presenters.not_concerned_texts(g.space, g.relation.kind == SELF)[2]
    counts = _section_counts(patient_id)
    items = []
    for section in SECTIONS:
        model = section.model
        count = counts.get(section.key, 0)
        if not _applies(section):
            state, text = "na", _("Réservé aux personnes majeures")
        elif count and section.single:
            entry = model.get(model.patient == patient_id)
            state = "filled"
            text = presenters.single_status(section, entry)
        elif count:
            state, text = "filled", ngettext("%(num)d élément", "%(num)d éléments", count)
        elif section.key in marked:
            state, text = "not_concerned", tag
        else:
            state, text = "missing", _("Non renseigné")
        items.append({"section": section, "state": state, "text": text})
    done = sum(1 for i in items if i["state"] in ("filled", "not_concerned", "na"))
    return render("profile/overview.html", items=items, done=done, total=len(items),
                  missing=[i for i in items if i["state"] == "missing"])


@bp.route("/<slug>/")
@requires(PROFILE_VIEW)
def section(slug):
    """One section: its entries (or single value) and, for those who may write, the form."""
    section = _section(slug)
    return _page(section, _form(section, _single(section)))


@bp.route("/<slug>/", methods=["POST"])
@requires(PROFILE_EDIT)
def add(slug):
    """Add an entry (a single-value section: save its value)."""
    section = _section(slug)
    _writable(section)
    existing = _single(section)
    if existing is not None and not existing.changeable_by(_account()):
        return _not_theirs(section, existing)
    form = _form(section, existing)
    if form.validate_on_submit():
        action = _save(section, form, existing or section.model())
        return _done(section, section.words.added if action == "add" else section.words.updated)
    return _retarget(_page(section, form, block="add_form"), "#profil-ajout")


@bp.route("/<slug>/<int:entry_id>/modifier", methods=["GET", "POST"])
@requires(PROFILE_EDIT)
def edit(slug, entry_id):
    """Edit one's own entry (the patient's side: any entry not written by a professional)."""
    section, entry, refusal = _changeable(slug, entry_id)
    if refusal is not None:
        return refusal
    form = _form(section, entry, id_prefix=f"e{entry.id}-")
    if form.validate_on_submit():
        _save(section, form, entry)
        return _done(section, section.words.updated)
    if not wants_fragment():
        return render("profile/edit.html", section=section, entry=entry, form=form)
    # With htmx the form opens in place of the entry (the rest of the list is redrawn, so
    # that only one thing at a time asks for focus); refused, only the entry is replaced.
    body = _page(section, _form(section, _single(section), blank=True), editing=entry, edit=form)
    return _retarget(body, f"#entree-{entry.id}", f"#entree-{entry.id}") \
        if request.method == "POST" else body


@bp.route("/<slug>/<int:entry_id>/supprimer")
@requires(PROFILE_EDIT)
def confirm_delete(slug, entry_id):
    """Ask before deleting (a page without JavaScript, in place of the entry with htmx)."""
    section, entry, refusal = _changeable(slug, entry_id)
    if refusal is not None:
        return refusal
    if wants_fragment():
        return _page(section, _form(section, _single(section), blank=True), confirming=entry,
                     edit=EmptyForm())
    return render("profile/delete.html", section=section, entry=entry, form=EmptyForm())


@bp.route("/<slug>/<int:entry_id>/supprimer", methods=["POST"])
@requires(PROFILE_EDIT)
def delete(slug, entry_id):
    """Delete an entry once confirmed."""
    section, entry, refusal = _changeable(slug, entry_id)
    if refusal is not None:
        return refusal
    if not EmptyForm().validate_on_submit():
        abort(400)
    with write_tx():
        entry.delete_instance()
        audit.record(f"profile.{section.key}.delete", obj_type=section.key, obj_id=entry_id)
    return _done(section, section.words.deleted)


@bp.route("/<slug>/pas-concerne", methods=["POST"])
@requires(PROFILE_EDIT)
def not_concerned(slug):
    """Mark a section as not applying (only while it is empty), or take the mark back."""
    section = _section(slug)
    if not section.opt_out:
        abort(404)
    _writable(section)
    if not _may_opt_out(section):
        refuse(_("Seul le titulaire, ou quelqu’un qui agit pour lui, peut indiquer ne pas être "
                 "concerné par une rubrique."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    mark = request.form.get("pas_concerne") == "1"
    model = section.model
    if mark and model.select().where(model.patient == g.space.id).exists():
        return _refuse(section, _("Cette rubrique contient déjà des éléments : elle ne peut "
                                  "pas être indiquée comme sans objet."))
    with write_tx():
        if mark:
            NotConcerned.insert(patient=g.space.id, section=section.key,
                                marked_by=_account().id).on_conflict_ignore().execute()
            audit.record(f"profile.{section.key}.not_concerned", obj_type=section.key)
            message = _("C’est noté : la rubrique « %(title)s » est indiquée comme sans "
                        "objet.", title=section.title)
        else:
            NotConcerned.delete().where(NotConcerned.patient == g.space.id,
                                        NotConcerned.section == section.key).execute()
            audit.record(f"profile.{section.key}.concerned", obj_type=section.key)
            message = _("La rubrique « %(title)s » est de nouveau à renseigner.",
                        title=section.title)
    return _done(section, message)

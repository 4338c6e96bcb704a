"""Entourage et volontés: one page to read, and small form pages to change it.

Everything works without JavaScript: every change is a form page (or a POST button) that
redirects to the page and flashes; deleting asks first on a page of its own. Only the patient
and their legal representative change anything (ENTOURAGE_EDIT); whoever reads the record
(ENTOURAGE_VIEW: caregivers, mediators and professionals with dossier_read, and in an
emergency) sees the page without the buttons.
"""
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import IntegrityError, fn

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import Person, utcnow
from ..db import is_postgres, write_tx
from ..htmx import render
from ..i18n import _n
from ..policy import (ENTOURAGE_EDIT, ENTOURAGE_VIEW, PROXIES_VIEW, SELF, allowed, requires,
                      scoped_or_404, shows)
from ..profile.presenters import directives_documents
from . import bp
from .forms import ContactForm, TrustedPersonForm, WishesForm
from .models import EMERGENCY, MAX_EMERGENCY_CONTACTS, TRUSTED, Contact, Wishes
from .presenters import directives_status, donation_text, entourage_for


# In the URL: /entourage/personnes/ajouter/a-prevenir, …/confiance
KIND_SLUGS = {"a-prevenir": EMERGENCY, "confiance": TRUSTED}
ANCHORS = {EMERGENCY: "personnes-a-prevenir", TRUSTED: "personne-de-confiance"}


def _account():
    return current_user._get_current_object()


def _back(kind=None, anchor=None):
    return redirect(url_for(".index", _anchor=anchor or ANCHORS.get(kind)), 303)


def _kind(slug):
    """The kind named in the URL; a minor has no trusted person (L1111-6: adults only)."""
    kind = KIND_SLUGS.get(slug)
    if kind is None or (kind == TRUSTED and g.space.is_minor):
        abort(404)
    return kind


def _contact(contact_id):
    """A contact of the open space; another patient's id is a 404."""
    return scoped_or_404(Contact.select().where(Contact.id == contact_id,
                                                Contact.patient == g.space.id))


def _form(kind, contact=None):
    """The form for this kind of contact, its wording in the right person (own space or not)."""
    form = (TrustedPersonForm if kind == TRUSTED else ContactForm)(obj=contact)
    form.patient = g.space
    if g.relation.kind == SELF:
        form.relationship.label.text = _("Lien avec vous")
    else:
        form.relationship.label.text = _n("Lien avec %(name)s", name=g.space.full_name)
        if kind == TRUSTED:
            form.accepted.label.text = _n("La personne a accepté d’être la personne de confiance "
                                          "de %(name)s", name=g.space.full_name)
    if contact is not None and request.method == "GET":
        form.load(contact)
    return form


def _lock_space():
    """Serialise writes to one patient's contacts (SQLite: BEGIN IMMEDIATE already does)."""
    if is_postgres():
        list(Person.select(Person.id).where(Person.id == g.space.id).for_update())


def _limit_problem(kind):
    """Why one more contact of this kind cannot be added, or None."""
    if kind == TRUSTED:
        existing = Contact.of_patient(g.space.id, TRUSTED).first()
        if existing is not None:
            return _n("Une personne de confiance est déjà enregistrée (%(name)s) : il ne peut y "
                      "en avoir qu’une. Modifiez-la, ou supprimez-la avant d’en désigner une "
                      "autre.", name=existing.name)
        return None
    if Contact.of_patient(g.space.id, EMERGENCY).count() >= MAX_EMERGENCY_CONTACTS:
        return _("Il y a déjà %(max)d personnes à prévenir, le maximum. Supprimez-en une avant "
                 "d’en ajouter une autre.", max=MAX_EMERGENCY_CONTACTS)
    return None


def _read(obj_type, obj_id=""):
    """Name what a form page shows, for the reading @requires journals (ENTOURAGE_EDIT reads
    ENTOURAGE_VIEW)."""
    shows(obj_type, obj_id)


@bp.route("")
@requires(ENTOURAGE_VIEW)
def index():
    """Contacts, trusted person, caregivers, organ donation and advance directives."""
    account, relation = _account(), g.relation
    directives_text, directives_url = directives_status(g.space, relation, account)
    return render(
        "entourage/index.html", person=g.space, entourage=entourage_for(g.space.id),
        can_edit=allowed(account, ENTOURAGE_EDIT, relation),
        proxies_url=url_for("proxies.relatives") if "proxies.relatives" in
        current_app.view_functions and allowed(account, PROXIES_VIEW, relation) else None,
        directives_text=directives_text, directives_url=directives_url,
        directives_docs=directives_documents(relation, account),
        donation_text=donation_text, max_contacts=MAX_EMERGENCY_CONTACTS, form=EmptyForm())


@bp.route("/personnes/ajouter/<slug>", methods=["GET", "POST"])
@requires(ENTOURAGE_EDIT)
def add(slug):
    """Add a person to contact in an emergency, or designate the trusted person."""
    kind = _kind(slug)
    form = _form(kind)
    problem = None
    if form.validate_on_submit():
        try:
            with write_tx():
                _lock_space()
                problem = _limit_problem(kind)
                if problem is None:
                    last = (Contact.select(fn.MAX(Contact.position))
                            .where(Contact.patient == g.space.id, Contact.kind == kind).scalar())
                    contact = Contact(patient=g.space.id, kind=kind, created_by=_account(),
                                      position=(last or 0) + 1)
                    form.apply(contact)
                    contact.save()
                    audit.record(f"entourage.{kind}.add", obj_type="contact", obj_id=contact.id)
        except IntegrityError:  # another trusted person saved in the meantime
            problem = _limit_problem(kind)
        if problem is None:
            flash(_("La personne de confiance est enregistrée.") if kind == TRUSTED
                  else _("La personne à prévenir est ajoutée."), "success")
            return _back(kind)
        form.name.errors.append(problem)
    elif request.method == "GET":
        problem = _limit_problem(kind)
    return render("entourage/contact_form.html", form=form, kind=kind, contact=None,
                  full=problem if request.method == "GET" else None)


@bp.route("/personnes/<int:contact_id>/modifier", methods=["GET", "POST"])
@requires(ENTOURAGE_EDIT)
def edit(contact_id):
    """Change a contact's details."""
    contact = _contact(contact_id)
    form = _form(contact.kind, contact)
    if form.validate_on_submit():
        with write_tx():
            form.apply(contact)
            contact.updated_at = utcnow()
            contact.save()
            audit.record(f"entourage.{contact.kind}.edit", obj_type="contact", obj_id=contact.id)
        flash(_n("Les coordonnées de %(name)s sont modifiées.", name=contact.name), "success")
        return _back(contact.kind)
    if request.method == "GET":
        _read("contact", contact.id)
    return render("entourage/contact_form.html", form=form, kind=contact.kind, contact=contact,
                  full=None)


@bp.route("/personnes/<int:contact_id>/supprimer")
@requires(ENTOURAGE_EDIT)
def confirm_delete(contact_id):
    """Ask before deleting (a page of its own: no JavaScript confirmation)."""
    contact = _contact(contact_id)
    _read("contact", contact.id)
    return render("entourage/delete.html", contact=contact, form=EmptyForm())


@bp.route("/personnes/<int:contact_id>/supprimer", methods=["POST"])
@requires(ENTOURAGE_EDIT)
def delete(contact_id):
    """Delete a contact once confirmed."""
    contact = _contact(contact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with write_tx():
        Contact.delete().where(Contact.id == contact.id).execute()
        audit.record(f"entourage.{contact.kind}.delete", obj_type="contact", obj_id=contact.id)
    flash(_n("%(name)s ne figure plus dans l’entourage.", name=contact.name), "success")
    return _back(contact.kind)


@bp.route("/personnes/<int:contact_id>/deplacer", methods=["POST"])
@requires(ENTOURAGE_EDIT)
def move(contact_id):
    """Call an emergency contact earlier ("haut") or later ("bas")."""
    contact = _contact(contact_id)
    if not EmptyForm().validate_on_submit() or contact.kind != EMERGENCY or \
            request.form.get("sens") not in ("haut", "bas"):
        abort(400)
    with write_tx():
        _lock_space()
        ordered = [c.id for c in Contact.of_patient(g.space.id, EMERGENCY)]
        i = ordered.index(contact.id)
        j = i - 1 if request.form["sens"] == "haut" else i + 1
        if 0 <= j < len(ordered):
            ordered[i], ordered[j] = ordered[j], ordered[i]
            for position, cid in enumerate(ordered, start=1):
                Contact.update(position=position).where(Contact.id == cid).execute()
            audit.record("entourage.emergency.reorder", obj_type="contact", obj_id=contact.id,
                         detail=f"position={j + 1}")
    flash(_n("%(name)s est maintenant en position %(n)d.", name=contact.name,
             n=ordered.index(contact.id) + 1), "success")
    return _back(anchor=f"contact-{contact.id}")


@bp.route("/don-d-organes", methods=["GET", "POST"])
@requires(ENTOURAGE_EDIT)
def wishes():
    """The organ-donation wish (with the legal reminder on the same page)."""
    current = Wishes.get_or_none(Wishes.patient == g.space.id)
    form = WishesForm(obj=current)
    if form.validate_on_submit():
        with write_tx():
            row = Wishes.get_or_none(Wishes.patient == g.space.id) or Wishes(patient=g.space.id)
            form.apply(row)
            row.updated_at, row.updated_by = utcnow(), _account()
            row.save()
            audit.record("entourage.wishes.edit", obj_type="wishes", obj_id=row.id,
                         detail=f"organ_donation={row.organ_donation or 'unset'}, "
                                f"registered={'oui' if row.refusal_registered else 'non'}")
        flash(_("Le choix sur le don d’organes est enregistré."), "success")
        return _back(anchor="don-d-organes")
    if request.method == "GET":
        _read("wishes", current.id if current else "")
    return render("entourage/wishes.html", form=form, person=g.space)

"""Ordonnances: a prescriber writes one in a patient's space; a pharmacist verifies its code
and records each dispensation.

The pharmacist's pages need no patient space: holding the signed code is what gives access,
to that prescription only. A code that checks out is remembered in the (server-side)
session, so that the result page and the dispensation form can follow the usual
POST-redirect-GET without the code travelling in URLs.
"""
from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import IntegrityError

from .. import audit
from ..accounts.models import Account, Person
from ..db import write_tx
from ..documents.models import Document
from ..htmx import render, wants_fragment
from ..i18n import _n
from ..policy import (DOCUMENTS_VIEW, PRESCRIPTION_VERIFY, PRESCRIPTION_WRITE, allowed,
                      requires, scoped_or_404, visible_documents)
from . import bp
from .forms import DispenseForm, PrescriptionForm, VerifyForm
from .models import MALFORMED, Dispensation, Prescription, issue, qr_svg


VERIFIED_KEY = "verified_prescriptions"
VERIFIED_KEEP = 20


def _refusal(reason):
    """The French message for a refused code (unknown and forged codes read the same)."""
    if reason == MALFORMED:
        return _("Ce code n’est pas un code d’ordonnance Carnet complet. Vérifiez chaque "
                 "caractère, ou scannez à nouveau le QR code.")
    return _("Ce code ne correspond à aucune ordonnance authentique émise par Carnet : elle a "
             "pu être falsifiée ou modifiée. Ne délivrez pas sur la foi de ce document.")


def _visible_prescriptions():
    """Prescriptions of the open space whose document this actor may see."""
    documents = visible_documents(g.relation, current_user._get_current_object())
    return (Prescription.select(Prescription, Account, Person)
            .join(Account, on=(Prescription.prescriber == Account.id))
            .join(Person, on=(Account.person == Person.id))
            .where(Prescription.patient == g.space.id,
                   Prescription.document.in_(documents.select(Document.id))))


@bp.route("/dossier/ordonnances/")
@requires(DOCUMENTS_VIEW)
def index():
    """The space's prescriptions, newest first, with how many times each was dispensed."""
    prescriptions = Prescription.summaries(_visible_prescriptions().order_by(
        Prescription.prescribed_on.desc(), Prescription.id.desc()))
    can_write = allowed(current_user._get_current_object(), PRESCRIPTION_WRITE, g.relation)
    return render("prescriptions/index.html", prescriptions=prescriptions, can_write=can_write)


@bp.route("/dossier/ordonnances/<public_id>")
@requires(DOCUMENTS_VIEW)
def detail(public_id):
    """One prescription of the space: its lines, its code and its dispensations."""
    prescription = scoped_or_404(_visible_prescriptions().where(
        Prescription.public_id == public_id))
    return render("prescriptions/detail.html", prescription=prescription,
                  lines=list(prescription.ordered_lines()), qr=qr_svg(prescription.code),
                  dispensations=list(prescription.ordered_dispensations()))


@bp.route("/dossier/ordonnances/nouvelle", methods=["GET", "POST"])
@requires(PRESCRIPTION_WRITE)
def new():
    """Write a prescription; "Ajouter une ligne" re-renders the form with one more row."""
    form = PrescriptionForm()
    if request.method == "POST" and "add_line" in request.form:
        added = form.add_line()
        if wants_fragment():
            return render("prescriptions/new.html", block="lines", form=form, added=added)
        return render("prescriptions/new.html", form=form, added=added)
    if form.validate_on_submit():
        prescription = issue(g.space, current_user._get_current_object(), form.filled_lines())
        audit.record("prescriptions.write", obj_type="prescription", obj_id=prescription.id)
        flash(_n("L’ordonnance est enregistrée dans le dossier de %(name)s, avec son PDF "
                 "signé.", name=g.space.full_name), "success")
        return redirect(url_for(".detail", public_id=prescription.public_id), 303)
    return render("prescriptions/new.html", form=form, added=False)


@bp.route("/ordonnance/verifier", methods=["GET", "POST"])
@requires(PRESCRIPTION_VERIFY)
def verify():
    """A pharmacist types or scans a code; an authentic one opens that prescription only."""
    form = VerifyForm()
    refusal = None
    if form.validate_on_submit():
        prescription, reason = Prescription.by_code(form.code.data)
        if reason is None:
            _remember(prescription.public_id)
            return redirect(url_for(".result", public_id=prescription.public_id), 303)
        audit.record("prescriptions.verify", patient=prescription.patient if prescription
                     else None, obj_type="prescription",
                     obj_id=prescription.id if prescription else "", via="code",
                     outcome="refused", detail=reason)
        refusal = _refusal(reason)
        form.code.errors.append(refusal)
    if not form.errors:
        form.code.render_kw = {**form.code.render_kw, "autofocus": True}
    return render("prescriptions/verify.html", form=form, refusal=refusal)


def _remember(public_id):
    """Keep the verified prescription open in this session (a few at most)."""
    verified = [p for p in session.get(VERIFIED_KEY, []) if p != public_id]
    session[VERIFIED_KEY] = (verified + [public_id])[-VERIFIED_KEEP:]


def _verified(public_id):
    """The prescription whose code was verified in this session; re-checked every time."""
    if public_id not in session.get(VERIFIED_KEY, []):
        return None
    prescription = Prescription.get_or_none(Prescription.public_id == public_id)
    if prescription is None:
        return None
    again, reason = Prescription.by_code(prescription.code)
    return again if reason is None else None


@bp.route("/ordonnance/verifier/<public_id>")
@requires(PRESCRIPTION_VERIFY)
def result(public_id):
    """The verified prescription: lines, prescriber, patient, renewals and dispensations."""
    prescription = _verified(public_id)
    if prescription is None:
        flash(_("Saisissez ou scannez le code de l’ordonnance pour l’afficher."), "info")
        return redirect(url_for(".verify"))
    audit.record("prescriptions.verify", patient=prescription.patient,
                 obj_type="prescription", obj_id=prescription.id, via="code")
    return _result_page(prescription, DispenseForm())


def _result_page(prescription, form):
    next_number = prescription.next_renewal_number()
    dispensations = list(prescription.ordered_dispensations())
    return render("prescriptions/result.html", prescription=prescription, form=form,
                  lines=list(prescription.ordered_lines()), dispensations=dispensations,
                  renewals=prescription.renewals,
                  renewals_used=max(len(dispensations) - 1, 0), next_number=next_number,
                  next_lines=prescription.lines_for(next_number) if next_number is not None
                  else [])


@bp.route("/ordonnance/verifier/<public_id>/delivrance", methods=["POST"])
@requires(PRESCRIPTION_VERIFY)
def dispense(public_id):
    """Record one dispensation; refused once the first one and every renewal are done."""
    prescription = _verified(public_id)
    if prescription is None:
        abort(404)
    form = DispenseForm()
    if not form.validate_on_submit():
        return _result_page(prescription, form), 422
    account = current_user._get_current_object()
    try:
        with write_tx():
            number = prescription.next_renewal_number()
            if number is not None:
                dispensation = Dispensation.create(prescription=prescription, pharmacist=account,
                                                   renewal_number=number,
                                                   note=(form.note.data or "").strip())
    except IntegrityError:  # another pharmacist recorded the same one a moment earlier
        number = None
    if number is None:
        audit.record("prescriptions.dispense", patient=prescription.patient,
                     obj_type="prescription", obj_id=prescription.id, via="code",
                     outcome="refused", detail="exhausted")
        flash(_("Cette ordonnance a déjà été entièrement délivrée."), "error")
        return redirect(url_for(".result", public_id=public_id), 303)
    audit.record("prescriptions.dispense", patient=prescription.patient,
                 obj_type="prescription", obj_id=prescription.id, via="code",
                 detail=f"renewal={number} dispensation={dispensation.id}")
    if number == 0:
        flash(_("La délivrance est enregistrée."), "success")
    else:
        flash(_("Le renouvellement n° %(n)s est enregistré.", n=number), "success")
    return redirect(url_for(".result", public_id=public_id), 303)

"""Mediators (aidants numériques): the pages, at the counter (the request, the code the
patient reads out, ending) and in the patient's space (revoking). The rules, e-mails and the
printable mandate's task are in mandates.py; here are the requests, forms, messages and
redirects."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from .. import audit
from ..accounts.models import Person, utcnow
from ..extensions import limiter
from ..forms.base import EmptyForm
from ..htmx import render
from ..i18n import _n, format_date
from ..policy import (CLOSED_SPACE, MANDATE_CREATE, MANDATE_END, PROXIES_MANAGE,
                      _active_mandates, requires, scoped_or_404)
from ..throttle import Throttle
from . import bp
from .mandate_forms import DURATIONS, TASK_LABELS, MandateCodeForm, MandateForm, task_names
from .mandates import (ENDED_CODE_FAILED, refusal, cancel_request, check_code, duration_key,
                       end_by_mediator, in_space, request_mandate, resend_code, revoke, signed)
from .models import ENDED_EXPIRED, MANDATE_CODE_ATTEMPTS, Mandate


def relatives_context(person):
    """The mandates in force in this space, and the requests waiting for the patient's code."""
    return {"mandates": in_space(person), "mandate_tasks": lambda m: task_names(m.task_set)}


@bp.route("/mandats/nouveau", methods=["GET", "POST"])
@requires(MANDATE_CREATE)
def new_mandate():
    """At the counter: identify the patient, choose tasks and duration, send the code."""
    form = MandateForm()
    if form.validate_on_submit():
        patient = form.find_person()
        problem = refusal(patient)
        if problem:
            form.nir.errors.append(problem)
            return render("proxies/mandate_new.html", form=form, task_labels=TASK_LABELS)
        mandate = request_mandate(patient, current_user._get_current_object(), form.tasks.data,
                                  form.duration.data)
        flash(_n("Un code de confirmation vient d’être envoyé par e-mail à %(name)s. Demandez-lui "
                 "de vous le lire, puis saisissez-le ci-dessous.", name=patient.full_name),
              "success")
        return redirect(url_for(".mandate_code", mandate_id=mandate.id), 303)
    return render("proxies/mandate_new.html", form=form, task_labels=TASK_LABELS)


def _own_request(mandate_id):
    """This mediator's request still waiting for its code; anything else is a 404."""
    return scoped_or_404(Mandate.select(Mandate, Person).join(
        Person, on=(Mandate.patient == Person.id)).where(
        Mandate.id == mandate_id, Mandate.mediator == current_user.id,
        Mandate.confirmed_at.is_null(), Mandate.ended_at.is_null()))


def _cancel(mandate, reason):
    """End a waiting request (expired code, too many wrong codes) and say so."""
    cancel_request(mandate, reason)
    flash(_("Le code a expiré : la demande de mandat est annulée. Recommencez avec la "
            "personne.") if reason == ENDED_EXPIRED else
          _("Trop de codes incorrects : la demande de mandat est annulée par sécurité. "
            "Recommencez avec la personne."), "error")
    return redirect(url_for(".new_mandate"), 303)


@bp.route("/mandats/<int:mandate_id>/code", methods=["GET", "POST"])
@requires(MANDATE_CREATE)
def mandate_code(mandate_id):
    """The mediator types the code the patient reads out: the mandate is then signed."""
    mandate = _own_request(mandate_id)
    if mandate.code_expires_at is None or mandate.code_expires_at <= utcnow():
        if request.method == "POST":
            return _cancel(mandate, ENDED_EXPIRED)
        flash(_("Le code a expiré : cette demande de mandat n’est plus valable. Recommencez "
                "avec la personne."), "error")
        return redirect(url_for(".new_mandate"), 303)
    form = MandateCodeForm()
    # Wrong codes count per mediator in the shared throttle, not only per request: a new
    # request (or a new code) never gives new tries.
    attempt = Throttle("mandate-code", current_user.get_id())
    status = 200
    if attempt.holds_back(form, form.code):
        status = 429
    elif form.validate_on_submit():
        result = check_code(mandate, form.code.data)
        if result == "gone":  # confirmed or ended meanwhile (another tab)
            abort(404)
        if result in ("wrong", "exhausted"):
            attempt.failed()
        if result in ("expired", "exhausted"):
            return _cancel(mandate, ENDED_EXPIRED if result == "expired" else ENDED_CODE_FAILED)
        if result == "closed":
            form.code.errors.append(str(CLOSED_SPACE))
        elif result == "wrong":
            left = min(MANDATE_CODE_ATTEMPTS - mandate.code_attempts, attempt.remaining())
            audit.record("mandate.code_failed", patient=mandate.patient, via="",
                         obj_type="mandate", obj_id=mandate.id, outcome="denied")
            form.code.errors.append(attempt.message() if left <= 0 else ngettext(
                "Code incorrect. Vérifiez les 6 chiffres avec la personne. Il vous reste "
                "%(num)s essai.", "Code incorrect. Vérifiez les 6 chiffres avec la personne. "
                "Il vous reste %(num)s essais.", left))
        else:
            return _signed(Mandate.get_by_id(mandate.id))
    return render("proxies/mandate_code.html", form=form, mandate=mandate,
                  tasks=task_names(mandate.task_set), duration=DURATIONS.get(
                      duration_key(mandate), ("",))[0], resend_form=EmptyForm(),
                  replaces=_active_mandates().where(Mandate.mediator == current_user.id,
                                                    Mandate.patient == mandate.patient_id).first()
                  ), status


def _signed(mandate):
    """After the code: the mandate's consequences (mandates.signed), then the notice."""
    signed(mandate)
    flash(_n("Mandat signé avec %(name)s jusqu’au %(date)s. Le mandat imprimable est rangé dans "
             "ses documents (Pièces administratives).", name=mandate.patient.full_name,
             date=format_date(mandate.ends_at, "long")), "success")
    return redirect(url_for(".spaces"), 303)


def _resend_key():
    return f"mandate-code:{current_user.get_id()}:{request.view_args.get('mandate_id')}"


@bp.route("/mandats/<int:mandate_id>/code/nouveau", methods=["POST"])
@requires(MANDATE_CREATE)
@limiter.limit("3 per 15 minutes", key_func=_resend_key)
def resend_mandate_code(mandate_id):
    """Send the patient a new code; the previous one no longer works."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    mandate = _own_request(mandate_id)
    if mandate.code_expires_at is None or mandate.code_expires_at <= utcnow():
        return _cancel(mandate, ENDED_EXPIRED)
    resend_code(mandate)
    flash(_n("Un nouveau code a été envoyé à %(name)s. L’ancien code ne fonctionne plus.",
             name=mandate.patient.full_name), "success")
    return redirect(url_for(".mandate_code", mandate_id=mandate.id), 303)


@bp.route("/mandats/<int:mandate_id>/fin", methods=["GET", "POST"])
@requires(MANDATE_END)
def end_mandate(mandate_id):
    """The mediator ends a mandate in force, or cancels a waiting request, after confirming."""
    mandate = scoped_or_404(Mandate.select(Mandate, Person).join(
        Person, on=(Mandate.patient == Person.id)).where(
        Mandate.id == mandate_id, Mandate.mediator == current_user.id,
        Mandate.ended_at.is_null(),
        Mandate.confirmed_at.is_null() | (Mandate.ends_at > utcnow())))
    form = EmptyForm()
    if form.validate_on_submit():
        end_by_mediator(mandate, current_user._get_current_object())
        if mandate.confirmed_at:
            flash(_n("Le mandat de %(name)s a pris fin. Vous n’avez plus accès à son espace.",
                     name=mandate.patient.full_name), "success")
        else:
            flash(_n("La demande de mandat pour %(name)s est annulée.",
                     name=mandate.patient.full_name), "success")
        return redirect(url_for(".spaces"), 303)
    return render("proxies/mandate_end.html", mandate=mandate, form=form,
                  tasks=task_names(mandate.task_set))


@bp.route("/proches/mandats/<int:mandate_id>/fin", methods=["POST"])
@requires(PROXIES_MANAGE)
def revoke_mandate(mandate_id):
    """The patient (or their legal representative) revokes a mandate or declines a request;
    the mediator's sessions acting in this space end at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    mandate = scoped_or_404(Mandate.select().where(
        Mandate.id == mandate_id, Mandate.patient == g.space.id, Mandate.ended_at.is_null()))
    revoke(mandate, current_user.person_id)
    name = mandate.mediator.display_name
    flash(_n("Le mandat de %(name)s est révoqué : cette personne n’a plus accès à cet espace.",
             name=name) if mandate.confirmed_at else
          _n("La demande de mandat de %(name)s est refusée.", name=name), "success")
    return redirect(url_for(".relatives"), 303)

"""Operators' pages for a space's birth: announce one person (a département's file goes
through `flask announce import`), print the letters waiting (one PDF for a batch, or for one
person), and a new code at the counter for someone in front of them, printed straight away.
An operator sees names, birth dates and addresses only: never any medical content."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.counter_recovery import print_recovery_letter, recoverable_account
from ..accounts.models import ROLE_MEDIATOR, Account, SpaceAnnouncement
from ..documents.download import content_response
from ..htmx import render
from ..i18n import _n, format_datetime
from ..lifecycle.announcements import (SOURCE_OPERATOR, Refused, announce, letters_to_print,
                                       person_values, print_letters, tell_or_queue_letter)
from ..lifecycle.models import closed_among
from ..policy import COUNTER_CODE, SPACE_ANNOUNCE, allowed, requires
from ..throttle import Throttle
from . import bp
from .forms import AnnounceForm, CounterCodeForm, PrintForm

BATCH_LIMIT = 500  # letters in one PDF: a print run, not the whole département at once


def _pdf(data, name):
    return content_response(data, "application/pdf", f'attachment; filename="{name}"')


@bp.route("/operateur/annonces")
@requires(SPACE_ANNOUNCE)
def announcements():
    """The letters waiting to be printed, and the ways to announce a space or give a code."""
    waiting = letters_to_print()
    return render("operator/announcements.html", waiting=list(waiting.limit(50)),
                  count=waiting.count(), form=PrintForm(), limit=BATCH_LIMIT)


@bp.route("/operateur/annonces/courriers", methods=["POST"])
@requires(SPACE_ANNOUNCE)
def print_waiting():
    """One PDF with the waiting letters (up to BATCH_LIMIT), each with its new code."""
    form = PrintForm()
    if not form.validate_on_submit():
        abort(400)
    people = [a.person for a in letters_to_print(form.source.data or None).limit(BATCH_LIMIT)]
    if not people:
        flash(_("Aucun courrier n’est à imprimer."), "info")
        return redirect(url_for(".announcements"), 303)
    return _pdf(print_letters(people), "courriers-carnet.pdf")


@bp.route("/operateur/annonces/nouvelle", methods=["GET", "POST"])
@requires(SPACE_ANNOUNCE)
def announce_one():
    """Announce one person's space: by e-mail when the address is known, else a letter."""
    form = AnnounceForm()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "nir", "family_name", "given_names", "sex", "address_1", "address_2", "address_3",
            "email")}
        values["birth_date"] = form.birth_date.data.isoformat()
        try:
            announcement, created = announce(
                person_values(values),
                source=f"{SOURCE_OPERATOR}:{current_user.get_id()}")
        except Refused as refusal:
            form.nir.errors.append(_("Annonce impossible : %(why)s.", why=refusal.message))
        else:
            if not created:
                form.nir.errors.append(_("Cette personne a déjà un espace annoncé ou un compte "
                                         "Carnet : rien n’a été créé. Pour lui remettre un "
                                         "nouveau code, utilisez « Nouveau code au guichet »."))
            elif tell_or_queue_letter(announcement) == "email":
                flash(_n("L’espace de %(name)s est annoncé : son code lui a été envoyé par "
                         "e-mail.", name=announcement.person.full_name), "success")
                return redirect(url_for(".announcements"), 303)
            else:
                flash(_n("L’espace de %(name)s est annoncé : son courrier est à imprimer.",
                         name=announcement.person.full_name), "success")
                return redirect(url_for(".announcements"), 303)
    return render("operator/announce.html", form=form)


@bp.route("/operateur/annonces/<int:person_id>/courrier", methods=["POST"])
@requires(SPACE_ANNOUNCE)
def print_one(person_id):
    """The letter of one person whose letter is waiting (a new code in it)."""
    if not PrintForm().validate_on_submit():
        abort(400)
    found = letters_to_print().where(SpaceAnnouncement.person == person_id).first()
    if found is None:
        abort(404)
    return _pdf(print_letters([found.person]), f"courrier-carnet-{person_id}.pdf")


def _mediator_letters():
    """The counter letters a France Services mediator printed (COUNTER_CODE_LIMIT_MEDIATOR),
    or None for an operator of the insurer. Each letter voids the code the person was sent:
    a mediator, less bound than the insurer's staff, may not print them without end."""
    if current_user.role != ROLE_MEDIATOR:
        return None
    return Throttle("counter-code", current_user.id, limit="COUNTER_CODE_LIMIT_MEDIATOR",
                    ip=False)


@bp.route("/guichet/nouveau-code", methods=["GET", "POST"])
@requires(COUNTER_CODE)
def counter_code():
    """Someone at the counter (an operator's, or a France Services mediator's) has lost their
    code, or it expired: once their identity is checked, a letter with a new code is printed
    straight away (the old code stops working). Someone who already has an account, and no
    longer reaches its mailbox, gets a letter with a recovery code instead (a new password, a
    new address: counter_recovery.py). Journaled in the person's history, with the operator
    or mediator as actor."""
    form = CounterCodeForm()
    if form.validate_on_submit():
        person = form.find_person()
        refusal = None
        recovering = person is not None and Account.select().where(
            Account.person == person.id).exists()
        if person is None:
            refusal = _("Aucune personne ne correspond à ce numéro de sécurité sociale et à "
                        "cette date de naissance. Vérifiez-les sur la carte Vitale.")
        elif recovering and recoverable_account(person) is None and not closed_among(
                {person.id}):
            refusal = _("Le compte de cette personne n’est pas celui d’un patient (professionnel "
                        "de santé, médiateur ou agent) : il ne se récupère pas au guichet, mais "
                        "auprès de l’organisme qui l’a ouvert.")
        elif closed_among({person.id}):
            refusal = _("L’espace de cette personne est fermé ou elle s’est opposée à son "
                        "ouverture : seule sa caisse d’Assurance Maladie peut le rouvrir, à sa "
                        "demande, après avoir vérifié son identité.")
        elif person.is_minor:
            refusal = _("Cette personne est mineure : son espace s’ouvre avec celui de son "
                        "représentant légal, qui n’a pas de code pour elle.")
        printed = _mediator_letters()
        if refusal:
            form.nir.errors.append(refusal)
        elif printed is not None and printed.blocked():
            audit.record("activation.counter_identity_checked", patient=person,
                         obj_type="person", obj_id=person.id, outcome="denied", detail="limit")
            form.nir.errors.append(_(
                "Vous avez déjà imprimé autant de courriers que le permet la limite fixée aux "
                "médiateurs : réessayez après %(time)s, ou orientez la personne vers l’accueil "
                "de sa caisse d’Assurance Maladie.",
                time=format_datetime(printed.retry_at(), "HH:mm")))
            return render("operator/counter_code.html", form=form,
                          from_announcements=allowed(current_user, SPACE_ANNOUNCE)), 429
        else:
            if printed is not None:
                printed.failed()  # counts one letter printed (events, here not failures)
            audit.record("activation.counter_identity_checked", patient=person,
                         obj_type="person", obj_id=person.id,
                         detail="recovery" if recovering else "")
            if recovering:  # an account whose mailbox is lost: a recovery code instead
                return _pdf(print_recovery_letter(person, recoverable_account(person)),
                            "courrier-carnet-compte.pdf")
            return _pdf(print_letters([person], reason="counter", counter=True),
                        "courrier-carnet.pdf")
    return render("operator/counter_code.html", form=form,
                  from_announcements=allowed(current_user, SPACE_ANNOUNCE))


"""Operators' pages: the professional directory, the representatives of protected adults they
attach, and the activation links of young adults handed over at the counter. An operator sees
names, birth dates and administrative facts only: never any medical content."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.invites import REASON_COUNTER, REASON_MAJORITY
from ..accounts.models import ROLE_PROFESSIONAL, Account, ActivationInvite, Person
from ..documents import store
from ..documents.download import content_response
from ..documents.sniff import IMAGES, PDF, Rejected, identify, sniff
from ..htmx import render
from ..lifecycle.announcements import print_letters
from ..i18n import _n
from ..policy import DIRECTORY_VIEW, GUARDIANSHIP_ATTACH, requires, scoped_or_404
from ..proxies.guardianship import attach, attach_refusal, attached_by, end_attached
from ..proxies.guardian_forms import (ADULT_MEASURE_LABELS, END_REASON_LABELS,
                                      AttachGuardianForm, EndGuardianshipForm, HandOverForm)
from ..proxies.models import Guardianship
from ..uploads import accepts_upload
from . import bp

PAGE_SIZE = 50
JUDGMENT_TYPES = IMAGES | {PDF}


@bp.route("/annuaire/")
@requires(DIRECTORY_VIEW)
def directory():
    """Health professionals registered in Carnet, searchable by name or RPPS number."""
    q = (request.args.get("q") or "").strip()[:100]
    query = (Account.select(Account, Person).join(Person)
             .where(Account.role == ROLE_PROFESSIONAL, Account.is_active == True)  # noqa: E712
             .order_by(Person.family_name, Person.given_names))
    if q:
        query = query.where(Person.family_name.contains(q) | Person.given_names.contains(q)
                            | (Account.rpps == q))
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = query.count()
    rows = list(query.paginate(page, PAGE_SIZE))
    return render("operator/directory.html", rows=rows, q=q, page=page, total=total,
                  pages=max(1, -(-total // PAGE_SIZE)), block="results")


# --- protected adults' representatives ----------------------------------------------------------

def _young_adults_without_email():
    """Young adults invited at 18 whom no e-mail reaches and who have no account yet."""
    invited = (ActivationInvite.select(ActivationInvite.person)
               .where(ActivationInvite.reason == REASON_MAJORITY))
    no_email = Person.email.is_null() | (Person.email == "")
    return (Person.select().where(Person.id.in_(invited), no_email,
                                  ~Person.id.in_(Account.select(Account.person)))
            .order_by(Person.family_name, Person.given_names).limit(100))


@bp.route("/operateur/tutelles")
@requires(GUARDIANSHIP_ATTACH)
def guardianships():
    """The representations this operator attached, and the activation links to hand over."""
    return render("operator/guardianships.html",
                  rows=list(attached_by(current_user._get_current_object())),
                  young_adults=list(_young_adults_without_email()),
                  measures=ADULT_MEASURE_LABELS)


@bp.route("/operateur/tutelles/rattacher", methods=["GET", "POST"])
@accepts_upload
@requires(GUARDIANSHIP_ATTACH)
def attach_guardian():
    """Attach a protected adult's representative, as the judge decided, with the judgment."""
    form = AttachGuardianForm()
    valid = form.validate_on_submit()
    upload = form.fichier.data if form.is_submitted() else None
    data = b""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if upload:
        data = upload.read(limit + 1)
        try:
            if data and len(data) <= limit and sniff(data) not in JUDGMENT_TYPES:
                raise Rejected(_("Ce type de fichier n’est pas accepté : le jugement doit être "
                                 "un fichier PDF ou une image (JPEG, PNG ou TIFF)."))
            identify(data, limit)  # empty, too big, damaged: the documents' own messages
        except Rejected as refusal:
            form.fichier.errors.append(refusal.message)
            valid = False
    if valid:
        adult = form.find_person()
        guardian = form.find_guardian()
        refusal = attach_refusal(adult, guardian)
        if refusal is not None:
            getattr(form, refusal[0]).errors.append(refusal[1])
        else:
            measure = form.measure.data
            title = _("Jugement du %(date)s – %(measure)s – n° %(reference)s",
                      date=form.decision_date.data.strftime("%d/%m/%Y"),
                      measure=ADULT_MEASURE_LABELS[measure],
                      reference=form.decision_reference.data.strip())
            document = store.store_document(
                adult, current_user._get_current_object(), data,
                filename=upload.filename or "", title=title, category="administratif",
                document_date=form.decision_date.data, author_is_professional=False)
            attach(adult, guardian, measure, form.decision_date.data,
                             form.decision_reference.data.strip(), document)
            flash(_n("%(guardian)s représente désormais %(adult)s dans Carnet. Les deux personnes "
                     "sont prévenues par e-mail.", guardian=guardian.full_name,
                     adult=adult.full_name), "success")
            return redirect(url_for(".guardianships"), 303)
    return render("operator/guardianship_attach.html", form=form)


def _attached_or_404(guardianship_id):
    return scoped_or_404(attached_by(current_user._get_current_object()).where(
        Guardianship.id == guardianship_id, Guardianship.ended_at.is_null()))


@bp.route("/operateur/tutelles/<int:guardianship_id>/fin", methods=["GET", "POST"])
@requires(GUARDIANSHIP_ATTACH)
def end_guardianship(guardianship_id):
    """End a representation this operator attached (mainlevée, change of guardian…)."""
    guardianship = _attached_or_404(guardianship_id)
    form = EndGuardianshipForm()
    if form.validate_on_submit():
        if end_attached(guardianship, form.reason.data):
            flash(_n("La représentation de %(adult)s par %(guardian)s a pris fin (%(reason)s).",
                     adult=guardianship.ward.full_name, guardian=guardianship.guardian.full_name,
                     reason=str(END_REASON_LABELS[form.reason.data]).lower()), "success")
        return redirect(url_for(".guardianships"), 303)
    return render("operator/guardianship_end.html", form=form, guardianship=guardianship,
                  measures=ADULT_MEASURE_LABELS)


@bp.route("/operateur/activations/<int:person_id>", methods=["GET", "POST"])
@requires(GUARDIANSHIP_ATTACH)
def hand_over(person_id):
    """A young adult without e-mail, at the counter: after checking their identity, the
    operator prints a letter with a new provisional code for them straight away (no link to
    copy out by hand)."""
    young_adult = scoped_or_404(_young_adults_without_email().where(Person.id == person_id))
    form = HandOverForm()
    if form.validate_on_submit():
        audit.record("account.activation_handed_over", patient=young_adult,
                     obj_type="person", obj_id=young_adult.id)
        data = print_letters([young_adult], reason=REASON_COUNTER, counter=True)
        return content_response(data, "application/pdf",
                                'attachment; filename="courrier-carnet.pdf"')
    return render("operator/guardianship_activation.html", form=form, person=young_adult)

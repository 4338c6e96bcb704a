"""Send a prescription of the record to the pharmacy the patient chooses: a new conversation
with that pharmacist, the prescription as its attachment. The pharmacist gets the file only,
never any access to the record."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from .. import policy
from ..documents.store import read_content
from ..htmx import render
from ..i18n import _n
from ..policy import DOCUMENTS_VIEW, MESSAGING_WRITE, requires, visible_documents
from . import compose, presenters, rules, service
from .forms import PharmacyForm
from . import bp
from .views import can

PRESCRIPTIONS = "ordonnances"


def _prescriptions():
    from ..documents.models import Document
    return list(visible_documents(g.relation, compose.account())
                .where(Document.category == PRESCRIPTIONS)
                .order_by(Document.document_date.desc(), Document.id.desc()).limit(100))


@bp.route("/ordonnance", methods=["GET", "POST"])
@requires(MESSAGING_WRITE)
def send_prescription():
    """Choose a prescription of the record and a pharmacist; it leaves as an attachment."""
    if not can(DOCUMENTS_VIEW):
        policy.refuse(_n("Dans l’espace de %(name)s, votre accès ne permet pas de consulter les "
                         "ordonnances du dossier.", name=g.space.full_name))
    documents = {str(d.id): d for d in _prescriptions()}
    pharmacists = {str(a.id): a for a in rules.pharmacists()}
    form = PharmacyForm()
    if request.method == "GET" and request.args.get("document") in documents:
        form.document.data = request.args["document"]
    form.document.choices = [("", _("Choisissez une ordonnance"))] + [
        (key, _("%(title)s, du %(date)s", title=d.title, date=_date(d.document_date)))
        for key, d in documents.items()]
    form.pharmacist.choices = [("", _("Choisissez un pharmacien"))] + [
        (key, _pharmacy_label(a)) for key, a in pharmacists.items()]
    if form.validate_on_submit():
        document = documents.get(form.document.data)
        pharmacist = pharmacists.get(form.pharmacist.data)
        if document is None:
            form.document.errors.append(_("Choisissez une ordonnance de la liste."))
        if pharmacist is None:
            form.pharmacist.errors.append(_("Choisissez un pharmacien de la liste."))
        if document is not None and pharmacist is not None:
            body = (form.body.data or "").strip() or _(
                "Bonjour,\n\nVoici mon ordonnance. Pouvez-vous la préparer ?\n\nMerci.")
            name = document.original_name or f"{document.title}.pdf"
            conversation = service.start(
                g.space, pharmacist, compose.account(),
                _("Ordonnance à préparer – %(title)s", title=document.title), body,
                from_professional=False, relation_kind=g.relation.kind,
                files=[(read_content(document), name)])
            flash(_n("L’ordonnance est envoyée à %(name)s.", name=pharmacist.display_name),
                  "success")
            return redirect(url_for(".show", conversation_id=conversation.id), 303)
    return render("messaging/pharmacy.html", form=form, documents=documents,
                  pharmacists=pharmacists)


def _date(day):
    from ..i18n import format_date
    return format_date(day, "long")


def _pharmacy_label(account):
    label = presenters.professional_name(account)
    return f"{label} – {account.structure}" if account.structure else label

"""Actions on documents: the patient masks, pins, files and deletes (own uploads only), or
masks everything from professionals; a professional announces a hidden document; anyone with
access reports a problem. Every POST redirects and flashes; every change is journaled."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from .. import audit
from ..forms.base import EmptyForm
from ..db import write_tx
from ..htmx import render
from ..policy import DOCUMENT_ANNOUNCE, DOCUMENT_MANAGE, DOCUMENT_REPORT, requires
from . import store
from .forms import REPORT_LABELS, FolderForm, ReportForm
from .models import Document, DocumentReport, DossierSettings
from .tasks import notify_new_document
from . import bp
from .views import _account, document_page, load


def _checked_form():
    if not EmptyForm().validate_on_submit():
        abort(400)


def _back(document):
    return redirect(url_for(".show", document_id=document.id), 303)


@bp.route("/masquage", methods=["POST"])
@requires(DOCUMENT_MANAGE)
def mask_all():
    """The record-wide switch: mask every document from professionals (except their own
    documents, the médecin traitant and the record's administrators)."""
    _checked_form()
    on = request.form.get("masquer") == "1"
    with write_tx():
        settings = DossierSettings.for_patient(g.space.id)
        settings.mask_all_from_pros = on
        settings.save()
    audit.record("documents.mask_all", detail="on" if on else "off")
    flash(_("Tous les documents sont maintenant masqués aux professionnels de santé, sauf au "
            "médecin traitant et à l’auteur de chaque document.") if on else
          _("Les documents ne sont plus tous masqués : chaque document suit son propre "
            "réglage."), "success")
    return redirect(url_for(".index"), 303)


def _switch(document_id, field, column, action, said_on, said_off):
    """Turn one of the patient's own switches on a document on or off (form field `field`
    is "1" or "0"), journal it as `action` or `action` prefixed "un", and say so."""
    _checked_form()
    document = load(document_id)
    on = request.form.get(field) == "1"
    Document.update({column: on}).where(Document.id == document.id).execute()
    audit.record(f"documents.{'' if on else 'un'}{action}", obj_type="document",
                 obj_id=document.id)
    flash(said_on if on else said_off, "success")
    return _back(document)


@bp.route("/<int:document_id>/masquer", methods=["POST"])
@requires(DOCUMENT_MANAGE)
def mask(document_id):
    """Mask one document from professionals, or show it again."""
    return _switch(document_id, "masquer", Document.masked_from_pros, "mask",
                   _("Le document est masqué aux professionnels de santé (sauf à son auteur et "
                     "au médecin traitant)."),
                   _("Le document est de nouveau visible par les professionnels autorisés."))


@bp.route("/<int:document_id>/epingler", methods=["POST"])
@requires(DOCUMENT_MANAGE)
def pin(document_id):
    """Pin a document at the top of the list, or unpin it."""
    return _switch(document_id, "epingler", Document.pinned, "pin",
                   _("Le document est épinglé en haut de la liste."),
                   _("Le document n’est plus épinglé."))


@bp.route("/<int:document_id>/classer", methods=["POST"])
@requires(DOCUMENT_MANAGE)
def file_in_folder(document_id):
    """Put a document in a folder of the patient's choice (or take it out)."""
    document = load(document_id)
    form = FolderForm()
    if not form.validate_on_submit():
        return document_page(document, folder_form=form)
    folder = " ".join((form.folder.data or "").split())
    Document.update(folder=folder).where(Document.id == document.id).execute()
    audit.record("documents.folder", obj_type="document", obj_id=document.id)
    flash(_("Le document est classé dans « %(folder)s ».", folder=folder) if folder else
          _("Le document n’est plus dans un dossier."), "success")
    return _back(document)


@bp.route("/<int:document_id>/supprimer", methods=["GET", "POST"])
@requires(DOCUMENT_MANAGE)
def delete(document_id):
    """Delete a document the patient's side added, after a confirmation that says it is
    final; a professional's document can only be masked."""
    document = load(document_id)
    if document.author_is_professional:
        flash(_("Ce document a été déposé par un professionnel de santé : il ne peut pas être "
                "supprimé. Vous pouvez le masquer aux professionnels."), "error")
        return _back(document)
    form = EmptyForm()
    if request.method == "POST":
        _checked_form()
        with write_tx():
            deleted = Document.delete().where(Document.id == document.id,
                                              Document.author_is_professional == False  # noqa: E712
                                              ).execute()
        if deleted:
            store.delete_content(document)
            audit.record("documents.delete", obj_type="document", obj_id=document.id,
                         detail=document.mime_type)
            flash(_("Le document « %(title)s » a été supprimé définitivement.",
                    title=document.title), "success")
        return redirect(url_for(".index"), 303)
    return render("documents/delete.html", document=document, form=form)


@bp.route("/<int:document_id>/annoncer", methods=["POST"])
@requires(DOCUMENT_ANNOUNCE)
def announce(document_id):
    """The document was presented in consultation: the patient sees it from now on."""
    _checked_form()
    document = load(document_id)
    claimed = Document.update(hidden_from_patient=False, hidden_until=None).where(
        Document.id == document.id, Document.hidden_from_patient == True).execute()  # noqa: E712
    if claimed:
        audit.record("documents.announce", obj_type="document", obj_id=document.id)
        notify_new_document(document)
        flash(_("Le document est maintenant visible par le patient."), "success")
    return _back(document)


@bp.route("/<int:document_id>/signaler", methods=["GET", "POST"])
@requires(DOCUMENT_REPORT)
def report(document_id):
    """"Signaler un problème": a reason from a list and an optional comment."""
    document = load(document_id)
    form = ReportForm()
    if form.validate_on_submit():
        entry = DocumentReport.create(document=document, reporter=_account(),
                                      reason=form.reason.data,
                                      comment=(form.comment.data or "").strip())
        audit.record("documents.report", obj_type="document", obj_id=document.id,
                     detail=f"report={entry.id} reason={entry.reason}")
        flash(_("Merci. Votre signalement « %(reason)s » a été enregistré.",
                reason=REPORT_LABELS[entry.reason]), "success")
        return _back(document)
    return render("documents/report.html", document=document, form=form)

"""Documents of the open record: list with filters, upload, professional deposit, the document
page and its content (inline, download, preview). Actions on one document: actions.py."""
from urllib.parse import quote

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import Account, Person
from ..i18n import _n
from ..pages_of import first_rows, page_of
from ..uploads import accepts_upload
from . import bp
from .download import content_response
from ..htmx import render, wants_fragment
from ..storage import UNAVAILABLE_MESSAGE, Unavailable
from ..policy import (DOCUMENT_ANNOUNCE, DOCUMENT_DEPOSIT, DOCUMENT_MANAGE, DOCUMENT_REPORT,
                      DOCUMENT_UPLOAD, DOCUMENTS_VIEW, allowed, pending_documents, requires,
                      scoped_or_404, visible_documents)
from . import store
from .forms import DOC_TYPE_LABELS, DepositForm, FilterForm, FolderForm, UploadForm, choices
from .models import Document, DossierSettings
from .previews import meta_facts
from .sniff import DICOM, KINDS, TEXT, format_megabytes
from .tasks import notify_new_document

# Pinned first, then newest: the order of the (patient, [hidden_from_patient,] pinned,
# document_date) indexes read backwards, so a page never sorts the whole record.
LIST_ORDER = (Document.pinned.desc(), Document.document_date.desc(), Document.id.desc())
INLINE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff", TEXT})


def _account():
    return current_user._get_current_object()


def visible():
    """The open record's documents this actor may see (policy.visible_documents)."""
    return visible_documents(g.relation, _account())


def load(document_id):
    """One document of the open record, through the actor's scope: anything else is a 404."""
    return scoped_or_404(visible().where(Document.id == document_id))


def can(action):
    return allowed(_account(), action, g.relation)


def octets(size):
    """A file size in French units: 850 octets, 120 Ko, 1,2 Mo."""
    if size < 1024:
        return _("%(n)s octets", n=size)
    if size < 1024 * 1024:
        return _("%(n)s Ko", n=round(size / 1024))
    return _("%(n)s Mo", n=f"{size / (1024 * 1024):.1f}".replace(".", ","))


def kind_label(document):
    return str(KINDS.get(document.mime_type, ("", document.mime_type))[1])


def _filtered(form):
    """The visible documents narrowed by the filters that are valid."""
    query = visible()
    if form.categorie.data:
        query = query.where(Document.category == form.categorie.data)
    if form.dossier.data:
        query = query.where(Document.folder == form.dossier.data)
    if form.du.data and not form.du.errors:
        query = query.where(Document.document_date >= form.du.data)
    if form.au.data and not form.au.errors:
        query = query.where(Document.document_date <= form.au.data)
    text = (form.q.data or "").strip()[:100]
    if text:
        query = query.where(Document.title.contains(text))
    return query


@bp.route("/")
@requires(DOCUMENTS_VIEW)
def index():
    """The record's documents, pinned first then newest; filters by category, folder, date
    range and title, paginated (LIMIT/OFFSET on indexed columns, never every row)."""
    form = FilterForm(request.args)
    # The rest of the page (the filter form, pending documents, the masking button) only for
    # the whole page: htmx asks for the results alone when a filter changes.
    whole_page = not wants_fragment()
    if whole_page:  # a folder is any text (validate_choice=False): the choices are for the menu
        form.dossier.choices = choices([("", _("Tous"))] + [(f, f) for f in _folders()])
    form.validate()
    query = _filtered(form)
    # Every document has its author (a required key), so the joins change no count.
    rows, page, pages, total = page_of(
        query.select_extend(Account, Person)
        .join(Account, on=(Document.author == Account.id))
        .join(Person, on=(Account.person == Person.id)), LIST_ORDER, counted=query)
    pending = pending_documents(g.relation) if whole_page else None
    pending_rows = []
    pending_total = 0
    if pending is not None:
        pending_rows, pending_total = first_rows(
            pending.select_extend(Account, Person)
            .join(Account, on=(Document.author == Account.id))
            .join(Person, on=(Account.person == Person.id))
            .order_by(Document.created_at.desc()), 10, pending)
    manage = whole_page and can(DOCUMENT_MANAGE)
    settings = DossierSettings.for_patient(g.space.id) if manage else None
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("documents/index.html", block="results", form=form, rows=rows, total=total,
                  page=page, pages=pages, args=args, filtering=bool(args),
                  pending_rows=pending_rows, pending_total=pending_total, settings=settings,
                  can_upload=can(DOCUMENT_UPLOAD), can_deposit=can(DOCUMENT_DEPOSIT),
                  can_manage=manage, toggle=EmptyForm() if manage else None,
                  kind_label=kind_label)


def _receive(form, **extra):
    """Validate the form and store the submitted file; a refused file gets its message on
    the file field, with the other fields' problems (nothing is stored)."""
    valid = form.validate_on_submit()
    upload = form.fichier.data if form.is_submitted() else None
    if not upload:
        return None
    # The whole file (the request was bounded by MAX_UPLOAD_REQUEST_BYTES): one over the
    # limit gets the form's own message, or is reduced when it is a photo.
    data = upload.read(current_app.config["MAX_UPLOAD_REQUEST_BYTES"] + 1)
    try:
        if not valid:
            store.check_upload(data)  # say everything that is wrong at once
            return None
        return store.store_document(
            g.space, _account(), data, filename=upload.filename or "",
            title=form.title.data, category=form.category.data,
            document_date=form.document_date.data, **extra)
    except store.Rejected as refusal:
        form.fichier.errors.append(refusal.message)
        return None
    except Unavailable:
        # The document's row rolled back with its savepoint: nothing points to a missing
        # object, and the form comes back with what the person typed.
        current_app.logger.error("upload refused: the object store is unavailable")
        form.fichier.errors.append(UNAVAILABLE_MESSAGE)
        return None


def _reduced(document):
    """The sentence that says a photo over the limit was reduced to fit (else nothing)."""
    if not getattr(document, "reduced_from", None):
        return ""
    return " " + _("La photo dépassait %(max)s Mo : elle a été réduite (de %(before)s à "
                   "%(after)s) pour être enregistrée.",
                   max=format_megabytes(current_app.config["MAX_UPLOAD_BYTES"]),
                   before=octets(document.reduced_from), after=octets(document.size))


def _folders():
    return [row.folder for row in visible().select(Document.folder).where(
        Document.folder > "").distinct().order_by(Document.folder).limit(200)]


@bp.route("/ajouter", methods=["GET", "POST"])
@accepts_upload
@requires(DOCUMENT_UPLOAD)
def upload():
    """The patient's side adds a document (PDF, image, text or DICOM), checked by content."""
    form = UploadForm()
    document = _receive(form, author_is_professional=False,
                        folder=" ".join((form.folder.data or "").split()))
    if document is not None:
        audit.record("documents.upload", obj_type="document", obj_id=document.id,
                     detail=document.mime_type)
        flash(_("Le document « %(title)s » a été ajouté au dossier.",
                title=document.title) + _reduced(document), "success")
        return redirect(url_for(".show", document_id=document.id), 303)
    return render("documents/upload.html", form=form, folders=_folders(), deposit=False)


@bp.route("/deposer", methods=["GET", "POST"])
@accepts_upload
@requires(DOCUMENT_DEPOSIT)
def deposit():
    """An authorised professional deposits a document, possibly hidden until announced in
    consultation; the patient is told by e-mail (who deposited, nothing more)."""
    form = DepositForm()
    del form.folder  # folders are the patient's own way of sorting
    minor = g.space.is_minor
    if not minor:
        del form.hidden_from_guardians
    document = _receive(
        form, author_is_professional=True, doc_type=form.doc_type.data,
        hidden_from_patient=form.hide_until_announced.data,
        hidden_from_guardians=bool(minor and form.hidden_from_guardians.data))
    if document is not None:
        audit.record("documents.deposit", obj_type="document", obj_id=document.id,
                     detail=document.mime_type)
        if not document.hidden_from_patient:
            notify_new_document(document)
        flash(_n("Le document « %(title)s » a été déposé dans le dossier de %(name)s.",
                 title=document.title, name=g.space.full_name) + _reduced(document), "success")
        return redirect(url_for(".show", document_id=document.id), 303)
    return render("documents/upload.html", form=form, folders=_folders(), deposit=True)


@bp.route("/<int:document_id>")
@requires(DOCUMENTS_VIEW)
def show(document_id):
    """One document: what it is, who added it, its preview, and what this actor may do."""
    return document_page(load(document_id))


def document_page(document, folder_form=None):
    """The document page (also re-rendered with the folder form's errors)."""
    manage = can(DOCUMENT_MANAGE)
    if manage and folder_form is None:
        folder_form = FolderForm(formdata=None, folder=document.folder)
    return render("documents/show.html", document=document, facts=meta_facts(document),
                  doc_type=DOC_TYPE_LABELS.get(document.doc_type, document.doc_type),
                  kind=kind_label(document), inline=document.mime_type in INLINE,
                  mask_all=DossierSettings.for_patient(g.space.id).mask_all_from_pros,
                  form=folder_form or EmptyForm(), folder_form=folder_form, folders=_folders(),
                  can_manage=manage, can_report=can(DOCUMENT_REPORT),
                  can_announce=can(DOCUMENT_ANNOUNCE) and document.hidden_from_patient,
                  pro=_account().role == "professional")


def _disposition(kind, document, extension=None):
    """`inline` or `attachment` with the title as file name and the extension of its real
    type (RFC 6266: an ASCII fallback plus the UTF-8 name)."""
    extension = extension or KINDS.get(document.mime_type, ("bin",))[0]
    stem = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in document.title)
    stem = " ".join(stem.split())[:80] or "document"
    name = f"{stem}.{extension}"
    ascii_name = name.encode("ascii", "ignore").decode() or f"document.{extension}"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.route("/<int:document_id>/fichier")
@requires(DOCUMENTS_VIEW)
def content(document_id):
    """Open the document in the browser (PDF, images, text); DICOM files are downloaded."""
    document = load(document_id)
    attach = document.mime_type not in INLINE or document.mime_type == DICOM
    audit.record("documents.download" if attach else "documents.open", obj_type="document",
                 obj_id=document.id)
    return content_response(store.read_content(document), document.mime_type,
                             _disposition("attachment" if attach else "inline", document))


@bp.route("/<int:document_id>/telecharger")
@requires(DOCUMENTS_VIEW)
def download(document_id):
    """Download the document as a file."""
    document = load(document_id)
    audit.record("documents.download", obj_type="document", obj_id=document.id)
    return content_response(store.read_content(document), document.mime_type,
                             _disposition("attachment", document))


@bp.route("/<int:document_id>/apercu")
@requires(DOCUMENTS_VIEW)
def preview(document_id):
    """The light preview image (resized, re-encoded), for the document page."""
    document = load(document_id)
    body = store.read_preview(document)
    if body is None:
        abort(404)
    audit.record("documents.open", obj_type="document", obj_id=document.id, detail="preview")
    mime = store.preview_mime(body)
    return content_response(body, mime, _disposition("inline", document, KINDS[mime][0]))

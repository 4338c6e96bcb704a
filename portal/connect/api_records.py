"""The FHIR API's documents (DocumentReference, Binary) and agenda (Appointment) routes. Each
goes through api.api (live token, consented right, journal with the service as actor); the
JSON is made and checked in fhir_records.py.

What a document route may reach is the person's own policy narrowed further: the documents
the consenting account sees (policy.visible_documents: never one hidden from the patient, nor
from a legal representative when a guardian consented), minus every document the person masks
from professionals (one by one, or all at once): an app is no professional the person chose,
and what they keep from their doctors they keep from apps too."""
from flask import current_app, request, url_for
from flask_babel import force_locale
from werkzeug.exceptions import RequestEntityTooLarge

from .. import policy
from ..accounts.models import utcnow
from ..documents import store
from ..documents.models import Document, DossierSettings
from ..extensions import csrf
from ..storage import Unavailable
from ..uploads import accepts_upload
from . import bp, fhir_records
from .api import (api, date_condition, fhir_base, fhir_response, outcome, read_json,
                  search_bundle)
from .fhir import Invalid


def _texts(lazy):
    """A lazy French message in French and in English (for an OperationOutcome)."""
    with force_locale("fr"):
        french = str(lazy)
    with force_locale("en"):
        english = str(lazy)
    return french, english


# --- documents --------------------------------------------------------------------------------

def documents_of(token):
    """The documents an app may reach for this token (see the module's docstring)."""
    relation = policy.relation_to(token.account, token.person_id)
    if relation is None:
        return Document.select().where(Document.id.is_null())
    query = policy.visible_documents(relation, token.account).where(
        Document.masked_from_pros == False)  # noqa: E712
    if DossierSettings.for_patient(token.person_id).mask_all_from_pros:
        return query.where(Document.id.is_null())
    return query


def _document(token, document_id):
    if not document_id.isdigit():
        return None
    return documents_of(token).where(Document.id == int(document_id)).first()


@bp.route("/fhir/DocumentReference", methods=["GET"])
@api("DocumentReference", "s", "api.document.search")
def document_search(token):
    """The person's documents by category and date (the document's date), newest first."""
    query = documents_of(token)
    try:
        for value in request.args.getlist("category"):
            codes = [c.split("|")[-1] for c in value.split(",")]
            query = query.where(Document.category.in_(codes))
        for value in request.args.getlist("date"):
            query = query.where(date_condition(value, Document.document_date, day_column=True))
    except (ValueError, TypeError):
        return outcome(400, "search")
    base = fhir_base()
    return search_bundle(query, (Document.document_date.desc(), Document.id.desc()),
                         "connect.document_search",
                         lambda d: fhir_records.document_reference(d, base))


@bp.route("/fhir/DocumentReference/<document_id>", methods=["GET"])
@api("DocumentReference", "r", "api.document.read")
def document_read(token, document_id):
    """One document's metadata; one the app may not reach is a 404, as if it did not exist."""
    found = _document(token, document_id)
    if found is None:
        return outcome(404, "not_found")
    return fhir_response(fhir_records.document_reference(found, fhir_base()))


@bp.route("/fhir/Binary/<document_id>", methods=["GET"])
@api("DocumentReference", "r", "api.document.content")
def binary_read(token, document_id):
    """A document's content, under the same right and the same filter as its metadata."""
    found = _document(token, document_id)
    if found is None:
        return outcome(404, "not_found")
    try:
        data = store.read_content(found)
    except Unavailable:
        return outcome(503, "unavailable")
    return fhir_response(fhir_records.binary(found, data))


@bp.route("/fhir/DocumentReference", methods=["POST"])
@accepts_upload
@api("DocumentReference", "c", "api.document.create")
def document_create(token):
    """Add a document to the person's record, its content checked as an upload's: size (413),
    type from the content and integrity (422)."""
    try:
        resource = read_json()
    except RequestEntityTooLarge:
        return outcome(413, "too_big")
    except ValueError:
        return outcome(400, "not_json")
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        title, category, day, data, filename = fhir_records.document_values(
            resource, token.person_id, max_bytes, utcnow().date())
    except Invalid as error:
        return outcome(error.status, error.key)
    try:
        document = store.store_document(
            token.person, token.account, data, filename=filename, title=title,
            category=category, document_date=day, author_is_professional=False)
    except store.Rejected as refusal:
        return outcome(422, "attachment", _texts(refusal.args[0]))
    except Unavailable:
        return outcome(503, "unavailable")
    location = url_for("connect.document_read", document_id=document.id, _external=True)
    return fhir_response(fhir_records.document_reference(document, fhir_base()), 201,
                         {"Location": location})


csrf.exempt(document_create)

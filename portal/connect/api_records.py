"""The FHIR API's documents (DocumentReference, Binary) and agenda (Appointment) routes. Each
goes through api.api (live token, consented right, journal with the service as actor); the
JSON is made and checked in fhir_records.py.

What a document route may reach is the person's own policy narrowed further: the documents
the consenting account sees (policy.visible_documents: never one hidden from the patient, nor
from a legal representative when a guardian consented), minus every document the person masks
from professionals (one by one, or all at once): an app is no professional the person chose,
and what they keep from their doctors they keep from apps too."""
from flask import current_app, g, request, url_for
from flask_babel import force_locale
from werkzeug.exceptions import RequestEntityTooLarge

from .. import policy
from ..accounts.models import utcnow
from ..agenda.models import Appointment
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


# --- agenda -----------------------------------------------------------------------------------

APPOINTMENT_STATUSES = {"booked": False, "cancelled": True}


def _appointment(token, appointment_id):
    if not appointment_id.isdigit():
        return None
    return Appointment.of_patient(token.person_id).where(
        Appointment.id == int(appointment_id)).first()


def _etag(item):
    return f'W/"{item.sequence}"'


def _appointment_response(item, status=200):
    headers = {"ETag": _etag(item)}
    if status == 201:
        headers["Location"] = url_for("connect.appointment_read", appointment_id=item.id,
                                      _external=True)
    return fhir_response(fhir_records.appointment(item), status, headers)


def _version_conflict(item):
    """An If-Match naming another version than the stored one (W/"3", "3" or 3)."""
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return False
    return wanted.strip().removeprefix("W/").strip('"') != str(item.sequence)


@bp.route("/fhir/Appointment", methods=["GET"])
@api("Appointment", "s", "api.appointment.search")
def appointment_search(token):
    """The person's appointments by date and status (booked, cancelled), soonest first."""
    query = Appointment.of_patient(token.person_id)
    try:
        for value in request.args.getlist("date"):
            query = query.where(date_condition(value, Appointment.starts_at))
        for value in request.args.getlist("status"):
            wanted = {APPOINTMENT_STATUSES.get(s.split("|")[-1]) for s in value.split(",")}
            conditions = [Appointment.cancelled_at.is_null(False) if w else
                          Appointment.cancelled_at.is_null() for w in wanted if w is not None]
            if not conditions:
                query = query.where(Appointment.id.is_null())
            elif len(conditions) == 1:
                query = query.where(conditions[0])
    except (ValueError, TypeError):
        return outcome(400, "search")
    return search_bundle(query, (Appointment.starts_at, Appointment.id),
                         "connect.appointment_search", fhir_records.appointment)


@bp.route("/fhir/Appointment/<appointment_id>", methods=["GET"])
@api("Appointment", "r", "api.appointment.read")
def appointment_read(token, appointment_id):
    """One appointment of the token's person, with its version as ETag."""
    found = _appointment(token, appointment_id)
    if found is None:
        return outcome(404, "not_found")
    return _appointment_response(found)


def _values(token):
    """The checked fields of the Appointment sent, or the OperationOutcome refusing it."""
    try:
        resource = read_json()
    except ValueError:
        return None, outcome(400, "not_json")
    try:
        return fhir_records.appointment_values(resource, token.person_id), None
    except Invalid as error:
        return None, outcome(error.status, error.key)


@bp.route("/fhir/Appointment", methods=["POST"])
@api("Appointment", "c", "api.appointment.create")
def appointment_create(token):
    """Add an appointment to the person's agenda (no reminder: the person chooses one)."""
    values, refusal = _values(token)
    if refusal is not None:
        return refusal
    if values.pop("cancel"):
        return outcome(422, "status")
    item = Appointment.create(patient=token.person_id, created_by=token.account_id, **values)
    return _appointment_response(item, 201)


def _change(token, appointment_id, values):
    """Apply `values` (or cancel) to one appointment, if its version is still the one the app
    read: one conditional UPDATE, so two apps (or the person and an app) never both win."""
    item = _appointment(token, appointment_id)
    if item is None:
        return outcome(404, "not_found")
    if _version_conflict(item):
        return outcome(409, "conflict")
    if item.is_cancelled:
        return outcome(409, "cancelled")
    now = utcnow()
    if values.pop("cancel"):
        changes = {"cancelled_at": now, "cancelled_by": token.account_id}
        g.api_action = "api.appointment.cancel"
    else:
        # The person's choice of what leaves Carnet stands; a professional or a place the app
        # does not send (it may not have been shown them) is kept, not erased.
        changes = {k: v for k, v in values.items()
                   if k != "show_in_feed" and (v or k not in ("professional_name", "place"))}
        if values["starts_at"] != item.starts_at:
            # A new time makes the person's reminder due again, at its new time.
            moved = Appointment(starts_at=values["starts_at"], reminder=item.reminder,
                                reminder_hours=item.reminder_hours)
            changes.update(remind_at=moved.compute_remind_at(), reminder_sent_at=None)
    changed = Appointment.update(sequence=Appointment.sequence + 1, updated_at=now,
                                 **changes).where(Appointment.id == item.id,
                                                  Appointment.sequence == item.sequence,
                                                  Appointment.cancelled_at.is_null()).execute()
    if not changed:
        return outcome(409, "conflict")
    return _appointment_response(Appointment.get_by_id(item.id))


@bp.route("/fhir/Appointment/<appointment_id>", methods=["PUT"])
@api("Appointment", "u", "api.appointment.update")
def appointment_update(token, appointment_id):
    """Replace an appointment's time, duration, professional and place, or cancel it (status
    "cancelled"); If-Match with another version than the stored one is a 409."""
    values, refusal = _values(token)
    if refusal is not None:
        return refusal
    return _change(token, appointment_id, values)


@bp.route("/fhir/Appointment/<appointment_id>", methods=["DELETE"])
@api("Appointment", "d", "api.appointment.cancel")
def appointment_delete(token, appointment_id):
    """Cancel: the appointment stays in the agenda, marked as cancelled, as in Carnet's own
    agenda (nothing is erased from the person's record by an app)."""
    return _change(token, appointment_id, {"cancel": True})


for _view in (appointment_create, appointment_update, appointment_delete):
    csrf.exempt(_view)

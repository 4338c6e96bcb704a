"""FHIR R4 JSON for the record's documents (DocumentReference, with its content as a Binary)
and its agenda (Appointment), and the checks on what an app sends: pure functions on models,
no request handling here (the routes are in api_records.py)."""
import base64
import binascii
from datetime import date

from ..agenda.models import SHOW_MINIMAL, SHOW_PLACE, SHOW_PROFESSIONAL
from ..documents.models import CATEGORIES
from .fhir import Invalid, instant, parse_date

# Carnet's own document categories (documents.models.CATEGORIES), as a code system of its own:
# no national code system maps one to one onto what people file their documents under.
CATEGORY_SYSTEM = "urn:carnet:document-category"
DEFAULT_CATEGORY = "autres"


def document_reference(document, base_url):
    """A document's metadata; its content is the Binary of the same id."""
    day = document.document_date.isoformat()
    return {
        "resourceType": "DocumentReference", "id": str(document.id), "status": "current",
        "meta": {"lastUpdated": instant(document.created_at)},
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": document.category,
                                  "display": str(CATEGORIES.get(document.category,
                                                                document.category))}]}],
        "subject": {"reference": f"Patient/{document.patient_id}"},
        "date": instant(document.created_at),
        "description": document.title,
        "content": [{"attachment": {"contentType": document.mime_type, "size": document.size,
                                    "title": document.title,
                                    "url": f"{base_url}Binary/{document.id}"}}],
        "context": {"period": {"start": day, "end": day}},
    }


def binary(document, data):
    """A document's content, base64 in JSON (the API speaks application/fhir+json only)."""
    return {"resourceType": "Binary", "id": str(document.id), "contentType": document.mime_type,
            "data": base64.b64encode(data).decode("ascii")}


def _dict(value):
    """An app's JSON object, or {} for anything else (a malformed resource is refused by the
    checks that follow, never a server error)."""
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _shapes(resource, expected):
    """Refuse a resource whose element has the wrong JSON shape: {name: (type, error key)}."""
    for name, (kind, key) in expected.items():
        if name in resource and not isinstance(resource[name], kind):
            raise Invalid(key)


def _subject(resource, person_id):
    _shapes(resource, {"subject": (dict, "subject")})
    subject = _dict(resource.get("subject")).get("reference")
    if subject is not None and subject != f"Patient/{person_id}":
        raise Invalid("subject")


def document_values(resource, person_id, max_bytes, today):
    """(title, category, document_date, content bytes, file name) from a DocumentReference an
    app sends with its content inline (attachment.data). The size is checked before decoding
    (413); the content's type and integrity are the upload's checks, made when it is stored."""
    if not isinstance(resource, dict):
        raise Invalid("not_json", 400)
    if resource.get("resourceType") != "DocumentReference":
        raise Invalid("wrong_type", 400)
    _subject(resource, person_id)
    _shapes(resource, {"category": (list, "category"), "context": (dict, "date"),
                       "content": (list, "attachment")})
    contents = _list(resource.get("content"))
    attachment = _dict(_dict(contents[0]).get("attachment")) if contents else {}
    encoded = attachment.get("data")
    if not isinstance(encoded, str) or not encoded:
        raise Invalid("attachment")
    if len(encoded) * 3 // 4 > max_bytes + 2:
        raise Invalid("too_big", 413)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("attachment") from None
    if len(data) > max_bytes:
        raise Invalid("too_big", 413)
    category = DEFAULT_CATEGORY
    for concept in _list(resource.get("category")):
        for coding in _list(_dict(concept).get("coding")):
            if _dict(coding).get("system") == CATEGORY_SYSTEM:
                category = coding.get("code")
    if not isinstance(category, str) or category not in CATEGORIES:
        raise Invalid("category")
    title = attachment.get("title") or resource.get("description") or ""
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > 200:
        raise Invalid("title")
    title = title.strip()
    start = _dict(_dict(resource.get("context")).get("period")).get("start")
    try:
        document_date = date.fromisoformat(start[:10]) if start else today
    except (TypeError, ValueError):
        raise Invalid("date") from None
    if document_date > today:
        raise Invalid("date")
    return title, category, document_date, data, title


# --- Appointment ------------------------------------------------------------------------------

def appointment(item):
    """An appointment as the app may see it: its time, its status, and who and where only as
    far as the person lets it leave Carnet (the same choice as for the calendar feed and the
    reminders: never the specialty nor the note)."""
    participants = [{"actor": {"reference": f"Patient/{item.patient_id}"},
                     "status": "accepted", "required": "required"}]
    if item.show_in_feed in (SHOW_PROFESSIONAL, SHOW_PLACE) and item.professional_name:
        participants.append({"actor": {"display": item.professional_name},
                             "status": "accepted"})
    if item.show_in_feed == SHOW_PLACE and item.place:
        participants.append({"actor": {"display": item.place},
                             "type": [{"text": "location"}], "status": "accepted"})
    resource = {
        "resourceType": "Appointment", "id": str(item.id),
        "meta": {"versionId": str(item.sequence), "lastUpdated": instant(item.updated_at)},
        "status": "cancelled" if item.is_cancelled else "booked",
        "start": instant(item.starts_at), "participant": participants,
        "created": instant(item.created_at),
    }
    if item.duration_minutes:
        resource["end"] = instant(item.ends_at)
        resource["minutesDuration"] = item.duration_minutes
    return resource


def appointment_values(resource, person_id):
    """The fields an app may set on an appointment, checked: {starts_at, duration_minutes,
    professional_name, place, show_in_feed, cancel}. A professional or a place the app gives
    may be shown back to it (it knows them already)."""
    if not isinstance(resource, dict):
        raise Invalid("not_json", 400)
    if resource.get("resourceType") != "Appointment":
        raise Invalid("wrong_type", 400)
    status = resource.get("status")
    if status not in ("proposed", "pending", "booked", "cancelled"):
        raise Invalid("status")
    try:
        starts_at = parse_date(resource.get("start"))
    except (ValueError, TypeError):
        raise Invalid("start") from None
    if len(resource.get("start")) == 10:
        raise Invalid("start")  # an appointment has a time
    duration = resource.get("minutesDuration")
    if resource.get("end") is not None:
        try:
            end = parse_date(resource["end"])
        except (ValueError, TypeError):
            raise Invalid("start") from None
        duration = int((end - starts_at).total_seconds() // 60)
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 1 <= duration <= 24 * 60):
        raise Invalid("duration")
    _shapes(resource, {"participant": (list, "subject")})
    patient_seen, professional, place = False, "", ""
    for participant in _list(resource.get("participant")):
        participant = _dict(participant)
        actor = _dict(participant.get("actor"))
        reference = actor.get("reference")
        if reference is not None:
            if reference != f"Patient/{person_id}":
                raise Invalid("subject")
            patient_seen = True
            continue
        kinds = [_dict(t).get("text") for t in _list(participant.get("type"))]
        if "location" in kinds:
            place = str(actor.get("display") or "").strip()
        else:
            professional = str(actor.get("display") or "").strip()
    if not patient_seen:
        raise Invalid("subject")
    if len(professional) > 200 or len(place) > 300:
        raise Invalid("text_length")
    show = SHOW_PLACE if place else SHOW_PROFESSIONAL if professional else SHOW_MINIMAL
    return {"starts_at": starts_at, "duration_minutes": duration,
            "professional_name": professional, "place": place, "show_in_feed": show,
            "cancel": status == "cancelled"}

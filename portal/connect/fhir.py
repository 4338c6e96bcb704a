"""FHIR R4 JSON for the API: Patient, Observation (the record's measures, LOINC codes as in the
ANS "Mesures de santé" guide), Bundle searchsets, OperationOutcome errors in French and
English, and the CapabilityStatement. Pure functions on models: no request handling here."""
from datetime import datetime, timezone

from ..measures.models import BY_CODE

FHIR_JSON = "application/fhir+json"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                     "observation-category", "code": "vital-signs",
                           "display": "Vital Signs"}]}

# kind -> (LOINC code, display, UCUM unit code); blood pressure: a panel with two components.
LOINC_CODES = {
    "weight": ("29463-7", "Body weight", "kg"),
    "height": ("8302-2", "Body height", "cm"),
    "bmi": ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2"),
    "blood_pressure": ("85354-9", "Blood pressure panel with all children optional", "mm[Hg]"),
    "heart_rate": ("8867-4", "Heart rate", "/min"),
    "temperature": ("8310-5", "Body temperature", "Cel"),
    "glucose": ("2339-0", "Glucose [Mass/volume] in Blood", "g/L"),
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%"),
    "pain": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
             "{score}"),
    "steps": ("55423-8", "Number of steps in unspecified time Pedometer", "/d"),
    "waist": ("8280-0", "Waist Circumference at umbilicus by Tape measure", "cm"),
    "head": ("9843-4", "Head Occipital-frontal circumference", "cm"),
}
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
KIND_OF_LOINC = {code: kind for kind, (code, _d, _u) in LOINC_CODES.items()}

# Error messages: key -> (French, English).
MESSAGES = {
    "unauthorized": ("Jeton d’accès absent, invalide, expiré ou révoqué.",
                     "Access token missing, invalid, expired or revoked."),
    "consent": ("Consentement non donné : la personne n’a pas autorisé ce service à faire "
                "cela.", "Consent not given: the person has not allowed this service to do "
                "this."),
    "not_found": ("Ressource introuvable.", "Resource not found."),
    "not_json": ("Le corps de la requête doit être une ressource FHIR en JSON.",
                 "The request body must be a FHIR resource in JSON."),
    "wrong_type": ("Le type de ressource ne correspond pas à l’adresse.",
                   "The resource type does not match the address."),
    "unknown_code": ("Code LOINC non pris en charge pour une mesure.",
                     "LOINC code not supported for a measure."),
    "bmi": ("L’IMC ne se saisit pas : il est calculé à partir du poids et de la taille.",
            "BMI cannot be entered: it is computed from weight and height."),
    "value": ("Valeur absente, dans une autre unité ou hors des limites plausibles.",
              "Value missing, in another unit, or outside plausible limits."),
    "date": ("Date de mesure absente, invalide ou dans le futur.",
             "Measurement date missing, invalid or in the future."),
    "subject": ("La mesure doit concerner le patient du jeton.",
                "The measure must be about the token's patient."),
    "search": ("Paramètre de recherche invalide.", "Invalid search parameter."),
    "too_many": ("Trop de requêtes : réessayez plus tard.", "Too many requests: try later."),
    "method": ("Opération non prise en charge.", "Operation not supported."),
    "attachment": ("Le document doit porter son contenu en base64 (content[0].attachment.data).",
                   "The document must carry its content in base64 (content[0].attachment.data)."),
    "too_big": ("Le fichier dépasse la taille maximale des documents.",
                "The file is larger than the maximum size of a document."),
    "category": ("Catégorie de document inconnue.", "Unknown document category."),
    "title": ("Le document doit avoir un titre (au plus 200 caractères).",
              "The document needs a title (200 characters at most)."),
    "status": ("Statut de rendez-vous non pris en charge.", "Appointment status not supported."),
    "start": ("Date et heure de début absentes ou invalides.",
              "Start date and time missing or invalid."),
    "duration": ("Durée invalide (de 1 minute à 24 heures).",
                 "Invalid duration (from 1 minute to 24 hours)."),
    "text_length": ("Texte trop long.", "Text too long."),
    "conflict": ("La ressource a changé depuis sa lecture (version différente) : relisez-la "
                 "avant de la modifier.", "The resource changed since it was read (another "
                 "version): read it again before changing it."),
    "unavailable": ("Le stockage des documents est momentanément indisponible : réessayez plus "
                    "tard.", "Document storage is unavailable for a moment: try again later."),
    "cancelled": ("Ce rendez-vous est annulé : il ne peut plus être modifié.",
                  "This appointment is cancelled: it can no longer be changed."),
}
ISSUE_CODES = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 413: "too-long", 422: "invalid", 429: "throttled", 503: "transient",
               400: "invalid"}


class Invalid(Exception):
    """A resource sent by an app that cannot be accepted: the OperationOutcome's message key
    and HTTP status."""

    def __init__(self, key, status=422):
        super().__init__(key)
        self.key, self.status = key, status


def operation_outcome(status, key, language="fr", texts=None):
    """An OperationOutcome for an error, its text in the asked language (French by default);
    `texts` (French, English) replaces the key's own when the message is more precise."""
    french, english = texts or MESSAGES[key]
    text = english if language == "en" else french
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "processing"),
                       "details": {"text": text}, "diagnostics": text}]}


def instant(moment):
    """A naive UTC datetime as a FHIR instant."""
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def patient(person):
    """The Patient resource of the token's person: the least the apps need (no NIR)."""
    resource = {"resourceType": "Patient", "id": str(person.id), "active": True,
                "name": [{"use": "official", "family": person.family_name,
                          "given": person.given_names.split()}],
                "birthDate": person.birth_date.isoformat()}
    gender = {"F": "female", "M": "male"}.get(person.sex)
    if gender:
        resource["gender"] = gender
    return resource


def _quantity(value, kind_code):
    _code, _display, unit = LOINC_CODES[kind_code]
    return {"value": value, "unit": str(BY_CODE[kind_code].unit) if kind_code != "steps"
            else "/d", "system": UCUM, "code": unit}


def observation(measure):
    """A measure as an Observation (blood pressure: a panel with its two components)."""
    code, display, unit = LOINC_CODES[measure.kind]
    resource = {"resourceType": "Observation", "id": str(measure.id), "status": "final",
                "category": [VITAL_SIGNS],
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "subject": {"reference": f"Patient/{measure.patient_id}"},
                "effectiveDateTime": instant(measure.measured_at),
                "meta": {"lastUpdated": instant(measure.created_at)}}
    if measure.kind == "blood_pressure":
        resource["component"] = [
            {"code": {"coding": [{"system": LOINC, "code": c, "display": d}]},
             "valueQuantity": {"value": v, "unit": "mmHg", "system": UCUM, "code": unit}}
            for (c, d), v in ((SYSTOLIC, measure.value), (DIASTOLIC, measure.value2))]
    else:
        resource["valueQuantity"] = _quantity(measure.value, measure.kind)
    return resource


def _loinc_codes(concept):
    return [c.get("code") for c in (concept or {}).get("coding", [])
            if isinstance(c, dict) and c.get("system") == LOINC]


def _value(quantity, kind_code, low, high):
    """The number of a valueQuantity in the kind's UCUM unit and plausible range."""
    if not isinstance(quantity, dict) or quantity.get("code") != LOINC_CODES[kind_code][2] \
            or quantity.get("system", UCUM) != UCUM:
        raise Invalid("value")
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not low <= value <= high:
        raise Invalid("value")
    return float(value)


def parse_date(text):
    """A FHIR dateTime with a time zone (or a date), as naive UTC."""
    if not isinstance(text, str) or len(text) < 10:
        raise ValueError(text)
    if len(text) == 10:
        return datetime.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def measure_values(resource, person_id, now):
    """(kind code, value, value2, measured_at) from an Observation an app sends, checked as
    the record's own form checks a measure (same plausible ranges; BMI refused)."""
    if not isinstance(resource, dict):
        raise Invalid("not_json", 400)
    if resource.get("resourceType") != "Observation":
        raise Invalid("wrong_type", 400)
    kinds = [KIND_OF_LOINC[c] for c in _loinc_codes(resource.get("code")) if c in KIND_OF_LOINC]
    if not kinds:
        raise Invalid("unknown_code")
    kind_code = kinds[0]
    kind = BY_CODE[kind_code]
    if not kind.entered:
        raise Invalid("bmi")
    subject = (resource.get("subject") or {}).get("reference")
    if subject is not None and subject != f"Patient/{person_id}":
        raise Invalid("subject")
    try:
        measured_at = parse_date(resource.get("effectiveDateTime"))
    except (ValueError, TypeError):
        raise Invalid("date") from None
    if measured_at > now:
        raise Invalid("date")
    if kind_code == "blood_pressure":
        parts = {}
        for component in resource.get("component") or []:
            for code in _loinc_codes(component.get("code")):
                parts[code] = component.get("valueQuantity")
        value = _value(parts.get(SYSTOLIC[0]), kind_code, kind.low, kind.high)
        value2 = _value(parts.get(DIASTOLIC[0]), kind_code, kind.low2, kind.high2)
        return kind_code, value, value2, measured_at
    return kind_code, _value(resource.get("valueQuantity"), kind_code, kind.low, kind.high), \
        None, measured_at


def bundle(resources, base_url, total, links):
    """A searchset Bundle; `links` is [(relation, url)]."""
    return {"resourceType": "Bundle", "type": "searchset", "total": total,
            "link": [{"relation": rel, "url": url} for rel, url in links],
            "entry": [{"fullUrl": f"{base_url}{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]}


def capability_statement(base_url, software_version, date):
    """What this server offers (R4), with its SMART security extension."""
    oauth = base_url.rsplit("/fhir/", 1)[0] + "/oauth/"
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": date,
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "Carnet", "version": software_version},
        "implementation": {"description": "Carnet FHIR API", "url": base_url.rstrip("/")},
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR"}]}],
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/"
                           "oauth-uris",
                    "extension": [{"url": "authorize", "valueUri": oauth + "authorize"},
                                  {"url": "token", "valueUri": oauth + "token"},
                                  {"url": "revoke", "valueUri": oauth + "revoke"},
                                  {"url": "introspect", "valueUri": oauth + "introspect"}]}]},
            "resource": [
                {"type": "Patient", "interaction": [{"code": "read"}]},
                {"type": "Observation",
                 "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "create"}],
                 "searchParam": [{"name": "code", "type": "token"},
                                 {"name": "date", "type": "date"},
                                 {"name": "_count", "type": "number"}]},
                {"type": "DocumentReference",
                 "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "create"}],
                 "searchParam": [{"name": "category", "type": "token"},
                                 {"name": "date", "type": "date"},
                                 {"name": "_count", "type": "number"}]},
                {"type": "Binary", "interaction": [{"code": "read"}]},
                {"type": "Appointment",
                 "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "create"},
                                 {"code": "update"}, {"code": "delete"}],
                 "versioning": "versioned-update", "conditionalUpdate": False,
                 "searchParam": [{"name": "date", "type": "date"},
                                 {"name": "status", "type": "token"},
                                 {"name": "_count", "type": "number"}]},
            ]}]}

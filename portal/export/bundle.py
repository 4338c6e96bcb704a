"""The export's FHIR R4 Bundle (type "collection"), written with fhir.resources' R4B models:
the Patient, a Composition laid out as the International Patient Summary's sections where the
record has data (allergies, medications, problems, immunizations, vital signs, documents), and
the resources they list. Observations and DocumentReferences come from the API's own builders
(portal/connect); each DocumentReference points at its file inside the ZIP."""
import uuid

from fhir.resources.R4B.bundle import Bundle

from ..connect.fhir import LOINC, instant, observation, patient as patient_resource
from ..connect.fhir_records import document_reference

# Stable identifiers: the same record exported twice gives the same fullUrls.
NAMESPACE = uuid.UUID("6c1f1c55-8a3f-4f8e-9d55-5c0a2e1e7c17")
IPS_SECTIONS = {
    # key: (LOINC code, display, title)
    "allergies": ("48765-2", "Allergies and adverse reactions Document", "Allergies"),
    "medications": ("10160-0", "History of Medication use Narrative", "Traitements"),
    "problems": ("11450-4", "Problem list - Reported", "Maladies et problèmes de santé"),
    "immunizations": ("11369-6", "History of Immunization Narrative", "Vaccinations"),
    "vital_signs": ("8716-3", "Vital signs", "Mesures"),
    "documents": ("55107-7", "Addendum Document", "Documents"),
}
CLINICAL = "http://terminology.hl7.org/CodeSystem/"


def _urn(kind, key):
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


class _Builder:
    def __init__(self, person):
        self.person = person
        self.patient_urn = _urn("Patient", person.id)
        self.entries = []
        self.sections = {key: [] for key in IPS_SECTIONS}

    def add(self, section, resource):
        kind = resource["resourceType"]
        url = _urn(kind, resource.get("id") or len(self.entries))
        for field in ("subject", "patient"):
            if field in resource:
                resource[field] = {"reference": self.patient_urn}
        self.entries.append({"fullUrl": url, "resource": resource})
        if section:
            self.sections[section].append({"reference": url})


def _date(value):
    return value.isoformat() if value else None


def _allergy(allergy):
    resource = {"resourceType": "AllergyIntolerance", "id": f"allergy-{allergy.id}",
                "type": "intolerance" if allergy.kind == "intolerance" else "allergy",
                "code": {"text": allergy.substance}, "patient": {},
                "recordedDate": instant(allergy.created_at)}
    if allergy.severity in ("mild", "moderate", "severe"):
        resource["criticality"] = "high" if allergy.severity == "severe" else "low"
    if allergy.reaction:
        reaction = {"manifestation": [{"text": allergy.reaction}]}
        if allergy.severity in ("mild", "moderate", "severe"):
            reaction["severity"] = allergy.severity
        resource["reaction"] = [reaction]
    if allergy.comment:
        resource["note"] = [{"text": allergy.comment}]
    return resource


def _medication(treatment):
    resource = {"resourceType": "MedicationStatement", "id": f"treatment-{treatment.id}",
                "status": "active", "medicationCodeableConcept": {"text": treatment.name},
                "subject": {}, "dateAsserted": instant(treatment.created_at)}
    if treatment.dose:
        resource["dosage"] = [{"text": treatment.dose}]
    if treatment.comment or treatment.duration:
        resource["note"] = [{"text": " ".join(filter(None, (treatment.duration,
                                                            treatment.comment)))}]
    return resource


def _condition(condition):
    ended = condition.ended_on is not None
    resource = {"resourceType": "Condition", "id": f"condition-{condition.id}",
                "clinicalStatus": {"coding": [{
                    "system": CLINICAL + "condition-clinical",
                    "code": "resolved" if ended else "active"}]},
                "code": {"text": condition.name}, "subject": {},
                "recordedDate": instant(condition.created_at)}
    if condition.started_on:
        resource["onsetDateTime"] = _date(condition.started_on)
    if ended:
        resource["abatementDateTime"] = _date(condition.ended_on)
    if condition.comment:
        resource["note"] = [{"text": condition.comment}]
    return resource


def _immunization(vaccination):
    resource = {"resourceType": "Immunization", "id": f"vaccination-{vaccination.id}",
                "status": "completed", "vaccineCode": {"text": vaccination.vaccine},
                "patient": {}, "occurrenceDateTime": _date(vaccination.given_on)}
    if vaccination.lot_number:
        resource["lotNumber"] = vaccination.lot_number
    if vaccination.vaccinator:
        resource["performer"] = [{"actor": {"display": vaccination.vaccinator}}]
    return resource


def build(person, *, allergies, treatments, conditions, vaccinations, measures, documents,
          generated_at):
    """The Bundle as JSON text, validated by fhir.resources (R4B). `documents` are
    (Document, path in the ZIP) pairs; the other arguments are iterables of rows."""
    builder = _Builder(person)
    builder.add(None, patient_resource(person))
    for rows, section, make in ((allergies, "allergies", _allergy),
                                (treatments, "medications", _medication),
                                (conditions, "problems", _condition),
                                (vaccinations, "immunizations", _immunization),
                                (measures, "vital_signs", observation)):
        for row in rows:
            builder.add(section, make(row))
    for document, path in documents:
        resource = document_reference(document, "")
        resource["content"][0]["attachment"]["url"] = path
        builder.add("documents", resource)
    sections = []
    for key, (code, display, title) in IPS_SECTIONS.items():
        if builder.sections[key]:  # only the sections where the record has data
            sections.append({"title": title,
                             "code": {"coding": [{"system": LOINC, "code": code,
                                                  "display": display}]},
                             "entry": builder.sections[key]})
    composition = {
        "resourceType": "Composition", "id": f"export-{person.id}", "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5",
                             "display": "Patient summary Document"}]},
        "subject": {"reference": builder.patient_urn}, "date": instant(generated_at),
        "author": [{"reference": builder.patient_urn}],
        "title": "Carnet – export des données de l’espace santé", "section": sections}
    entries = [{"fullUrl": _urn("Composition", person.id), "resource": composition}]
    bundle = Bundle.model_validate({
        "resourceType": "Bundle", "type": "collection", "timestamp": instant(generated_at),
        "identifier": {"system": "urn:carnet:export",
                       "value": f"{person.id}-{generated_at:%Y%m%d%H%M%S}"},
        "entry": entries + builder.entries})
    return bundle.model_dump_json(indent=1)

"""The operator's bulk import of reimbursed care (README, "Reimbursement history").

Two formats carry the same fields: FHIR R4 `ExplanationOfBenefit` resources, one JSON object a
line (ndjson, validated with fhir.resources' R4B models, wire-compatible with R4 for this
resource), and a CSV with a header line. Each line stands alone: a malformed one is refused
with its line number and the field at fault, and the others still import. Importing the same
feed again adds nothing (the insurer's identifier of the line is unique), and a person is found
by NIR only: a line for an unknown NIR is refused.
"""
import csv
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..accounts.models import Person
from ..accounts.nir import is_valid_nir, normalise
from ..db import write_tx
from .models import CATEGORIES, Reimbursement

# FHIR systems of the feed (documented in the README). The NIR is the INS-NIR OID.
NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
CATEGORY_SYSTEM = "urn:carnet:categorie"
CODE_SYSTEMS = {"urn:carnet:cip13": "cip13", "urn:carnet:nabm": "nabm",
                "urn:carnet:ccam": "ccam"}
DOSE_EXTENSION = "urn:carnet:dose"
CSV_COLUMNS = ("nir", "identifier", "date", "category", "label", "provider", "cip13", "nabm",
               "ccam", "dose", "charged", "reimbursed")
REQUIRED = ("nir", "identifier", "date", "category", "label")
CODE_LENGTHS = {"cip13": 13, "nabm": 4}
# A field's FHIR element, to name it in a refusal of an ndjson line (not the CSV column).
FHIR_PATHS = {"nir": f"patient.identifier (system {NIR_SYSTEM})", "identifier": "identifier",
              "date": "item[0].servicedDate",
              "category": f"item[0].category (system {CATEGORY_SYSTEM})",
              "label": "item[0].productOrService.text", "provider": "provider.display",
              "cip13": "item[0].productOrService.coding (urn:carnet:cip13)",
              "nabm": "item[0].productOrService.coding (urn:carnet:nabm)",
              "ccam": "item[0].productOrService.coding (urn:carnet:ccam)",
              "dose": f"item[0].extension ({DOSE_EXTENSION})", "charged": "item[0].net",
              "reimbursed": "item[0].adjudication (benefit)"}
BATCH = 500  # lines resolved and written together (one NIR lookup, one existence check)


class Refused(ValueError):
    """A line that cannot be imported: which field, and why."""

    def __init__(self, field_name, reason):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class Report:
    """What an import did: counts, and one message per refused line."""

    imported: int = 0
    skipped: int = 0
    refusals: list = field(default_factory=list)  # (line number, message)
    patients: dict = field(default_factory=dict)  # person id -> lines imported

    @property
    def refused(self):
        return len(self.refusals)

    def refuse(self, line, error):
        self.refusals.append((line, f"line {line}: field {error.field}: {error.reason}"))

    def messages(self):
        """One message per refused line, in the file's order."""
        return [message for _line, message in sorted(self.refusals)]

    def summary(self):
        return (f"{self.imported} imported, {self.skipped} skipped (already there), "
                f"{self.refused} refused")


def _amount(text, field_name):
    """Euros (a decimal number, '.' or ',') to cents; empty is None."""
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise Refused(field_name, "not an amount in euros (for example 26.50)") from None
    if value < 0 or value > 10_000_000:
        raise Refused(field_name, "amount out of range")
    return int((value * 100).to_integral_value())


def check(fields):
    """Validate one line's fields (both formats end here) into Reimbursement's columns, with
    the NIR apart; raise Refused naming the first field at fault."""
    for name in REQUIRED:
        if not str(fields.get(name) or "").strip():
            raise Refused(name, "missing")
    nir = normalise(fields["nir"])
    if not is_valid_nir(nir):
        raise Refused("nir", "not a valid NIR (15 characters, key included)")
    when = fields["date"]
    if not isinstance(when, date):
        try:
            when = date.fromisoformat(str(when).strip())
        except ValueError:
            raise Refused("date", "not a date YYYY-MM-DD") from None
    category = str(fields["category"]).strip()
    if category not in CATEGORIES:
        raise Refused("category", f"unknown category {category!r} (one of: "
                      f"{', '.join(CATEGORIES)})")
    row = {"external_id": str(fields["identifier"]).strip(), "care_date": when,
           "category": category, "label": str(fields["label"]).strip(),
           "provider": str(fields.get("provider") or "").strip(),
           "dose": str(fields.get("dose") or "").strip()}
    for name, limit in (("external_id", 100), ("label", 200), ("provider", 200), ("dose", 200)):
        if len(row[name]) > limit:
            raise Refused("identifier" if name == "external_id" else name,
                          f"longer than {limit} characters")
    for name in ("cip13", "nabm", "ccam"):
        code = str(fields.get(name) or "").strip().upper()
        expected = CODE_LENGTHS.get(name)
        if code and (expected and (len(code) != expected or not code.isdigit())):
            raise Refused(name, f"expected {expected} digits")
        if name == "ccam" and code and (len(code) != 7 or not code[:4].isalpha()):
            raise Refused(name, "expected a CCAM code (4 letters, 3 digits)")
        row[name] = code
    row["charged_cents"] = _amount(fields.get("charged"), "charged")
    row["reimbursed_cents"] = _amount(fields.get("reimbursed"), "reimbursed")
    return nir, row


def _fhir_path(loc):
    """pydantic's error location as a FHIR path: ('item', 0, 'servicedDate') becomes
    item[0].servicedDate."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "resource"


def eob_fields(text):
    """One ndjson line (an ExplanationOfBenefit) to the fields `check` validates."""
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
    from pydantic import ValidationError
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Refused("(json)", f"not valid JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(data, dict) or data.get("resourceType") != "ExplanationOfBenefit":
        raise Refused("resourceType", "expected ExplanationOfBenefit")
    try:
        eob = ExplanationOfBenefit.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise Refused(_fhir_path(first["loc"]), first["msg"]) from None
    identifier = next((i.value for i in eob.identifier or [] if i.value), None)
    patient = eob.patient.identifier
    nir = patient.value if patient is not None and patient.system == NIR_SYSTEM else None
    if not eob.item:
        raise Refused("item", "missing (one item per line)")
    item = eob.item[0]
    category = next((c.code for c in (item.category.coding if item.category else []) or []
                     if c.system == CATEGORY_SYSTEM), None)
    codes = {CODE_SYSTEMS[c.system]: c.code for c in item.productOrService.coding or []
             if c.system in CODE_SYSTEMS}
    label = item.productOrService.text or next(
        (c.display for c in item.productOrService.coding or [] if c.display), None)
    dose = next((e.valueString for e in item.extension or [] if e.url == DOSE_EXTENSION), "")
    benefit = next((a.amount.value for a in item.adjudication or []
                    if a.amount is not None and any(c.code == "benefit" for c in
                                                    a.category.coding or [])), None)
    fields = {"nir": nir, "identifier": identifier, "date": item.servicedDate,
              "category": category, "label": label,
              "provider": eob.provider.display if eob.provider else "", "dose": dose,
              "charged": item.net.value if item.net else None, "reimbursed": benefit, **codes}
    for name, path in FHIR_PATHS.items():
        if name in REQUIRED and not str(fields.get(name) or "").strip():
            raise Refused(path, "missing")
    fields["_paths"] = FHIR_PATHS
    return fields


def read_lines(handle, kind):
    """(line number, fields or Refused) for each line of the file."""
    if kind == "ndjson":
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                yield number, eob_fields(text)
            except Refused as error:
                yield number, error
        return
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        yield 1, Refused(missing[0], "column missing from the header line")
        return
    for row in reader:
        yield reader.line_num, row


def kind_of(path, given=None):
    """The format: given, else from the file's extension."""
    if given:
        return given
    lower = str(path).lower()
    if lower.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if lower.endswith(".csv"):
        return "csv"
    raise ValueError("cannot tell the format from the file name: pass --format ndjson|csv")


def import_lines(lines):
    """Import (line number, fields or Refused) pairs; returns the Report."""
    report = Report()
    batch = []
    for number, fields in lines:
        if isinstance(fields, Refused):
            report.refuse(number, fields)
            continue
        paths = fields.get("_paths") or {}
        try:
            batch.append((number, *check(fields), paths))
        except Refused as error:
            report.refuse(number, Refused(paths.get(error.field, error.field), error.reason))
            continue
        if len(batch) >= BATCH:
            _write(batch, report)
            batch = []
    if batch:
        _write(batch, report)
    return report


def _write(batch, report):
    """Resolve a batch's NIRs and known identifiers in one query each, then insert the new
    lines together. A line already there is skipped; one whose identifier belongs to another
    person is refused (the insurer's identifier names one line of one person)."""
    nirs = {nir for _n, nir, _r, _p in batch}
    people = {p.nir: p.id for p in Person.select(Person.id, Person.nir).where(
        Person.nir.in_(sorted(nirs)))}
    ids = {row["external_id"] for _n, _nir, row, _p in batch}
    known = {r.external_id: r.patient_id for r in Reimbursement.select(
        Reimbursement.external_id, Reimbursement.patient).where(
        Reimbursement.external_id.in_(sorted(ids)))}
    rows = []
    for number, nir, row, paths in batch:
        person_id = people.get(nir)
        if person_id is None:
            report.refuse(number, Refused(paths.get("nir", "nir"),
                                          f"no person with this NIR ({nir})"))
            continue
        owner = known.get(row["external_id"])
        if owner is not None:
            if owner != person_id:
                report.refuse(number, Refused(paths.get("identifier", "identifier"),
                                              "already used for another person"))
            else:
                report.skipped += 1
            continue
        known[row["external_id"]] = person_id
        rows.append({**row, "patient": person_id})
    if not rows:
        return
    with write_tx():
        # ON CONFLICT DO NOTHING: a line another import wrote meanwhile is not a failure.
        Reimbursement.insert_many(rows).on_conflict_ignore().execute()
    report.imported += len(rows)
    for row in rows:
        report.patients[row["patient"]] = report.patients.get(row["patient"], 0) + 1


def journal(report):
    """One journal entry per person whose history grew (the insurer fed it; no account acted)."""
    from .. import audit
    for person_id, count in report.patients.items():
        audit.record("reimbursements.import", patient=person_id, obj_type="reimbursement",
                     detail=f"{count} ligne(s)")

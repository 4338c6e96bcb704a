"""Mon histoire de santé: the operator's import and the person's timeline as the feed grows.

- import: TOTAL lines for the demo people, as ndjson (FHIR ExplanationOfBenefit, validated by
  fhir.resources) and as CSV, then the same files again (idempotent: nothing added), in lines
  per second;
- the timeline: Jean's first page with his demo history beside the same page once he has
  TOTAL more lines (the page reads one page of lines and counts: it should not grow).

`python -m benchmarks.reimbursements` prints the rows (SQLite, a throw-away database).
"""
import json
import os
import tempfile
import time
from datetime import date, timedelta

TOTAL = int(os.environ.get("REIMBURSEMENTS_TOTAL", "10000"))
RUNS = int(os.environ.get("REIMBURSEMENTS_RUNS", "20"))
EMAIL = "jean.dupont@example.org"
URL = "/dossier/histoire/"


def _lines(nirs, total, prefix):
    """(ndjson text, csv text) of `total` lines spread over `nirs`, one a day going back."""
    from portal.reimbursements.importer import CSV_COLUMNS
    start = date(2026, 1, 1)
    ndjson, csv = [], [",".join(CSV_COLUMNS)]
    for i in range(total):
        nir, day = nirs[i % len(nirs)], (start - timedelta(days=i // len(nirs))).isoformat()
        ndjson.append(json.dumps({
            "resourceType": "ExplanationOfBenefit",
            "identifier": [{"value": f"{prefix}N-{i}"}], "status": "active",
            "type": {"coding": [{"code": "pharmacy"}]}, "use": "claim",
            "patient": {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": nir}},
            "created": day, "insurer": {"display": "CPAM"}, "provider": {"display": "Pharmacie"},
            "outcome": "complete",
            "insurance": [{"focal": True, "coverage": {"display": "Assurance Maladie"}}],
            "item": [{"sequence": 1, "category": {"coding": [
                {"system": "urn:carnet:categorie", "code": "medicaments"}]},
                "productOrService": {"text": f"Médicament {i % 50}"}, "servicedDate": day,
                "net": {"value": 2.18, "currency": "EUR"}}]}))
        csv.append(f"{nir},{prefix}C-{i},{day},biologie,Analyse {i % 40},Labo,,0592,,,2.70,1.89")
    return "\n".join(ndjson) + "\n", "\n".join(csv) + "\n"


def _import(app, path):
    runner = app.test_cli_runner()
    start = time.perf_counter()
    result = runner.invoke(args=["reimbursements", "import", path])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    return elapsed, result.output.strip().splitlines()[-1]


def rows():
    from benchmarks.common import logged_in_client, median_ms, seeded_sqlite
    from portal.accounts.models import Person
    from portal.extensions import db
    app, workdir = seeded_sqlite()
    with app.app_context():
        db.connect(reuse_if_open=True)
        nirs = [p.nir for p in Person.select().where(Person.given_names.in_(
            ["Jean", "Camille", "Lina", "Amina"]))]
        db.close()
    client = logged_in_client(app, EMAIL)
    demo_ms = median_ms(client, URL, RUNS)
    ndjson, csv = _lines(nirs, TOTAL, "B")
    files = {}
    for kind, text in (("ndjson", ndjson), ("csv", csv)):
        files[kind] = os.path.join(tempfile.mkdtemp(prefix="carnet-bench-"), f"feed.{kind}")
        with open(files[kind], "w", encoding="utf-8") as handle:
            handle.write(text)
    found = []
    for kind in ("ndjson", "csv"):
        first, said = _import(app, files[kind])
        again, said_again = _import(app, files[kind])
        found.append((f"import {TOTAL} {kind} lines", f"{TOTAL / first:,.0f} lines/s ({said})"))
        found.append((f"import the same {kind} again", f"{TOTAL / again:,.0f} lines/s "
                                                       f"({said_again})"))
    grown_ms = median_ms(client, URL, RUNS)
    found.append(("timeline, first page, demo history", f"{demo_ms:.1f} ms"))
    found.append((f"timeline, first page, +{2 * TOTAL // len(nirs)} lines",
                  f"{grown_ms:.1f} ms ({grown_ms / demo_ms:.2f}×)"))
    return found


if __name__ == "__main__":
    for label, value in rows():
        print(f"{label:<45} {value}")

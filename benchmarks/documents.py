"""The documents list as a record grows: 10, 1,000 and 10,000 documents in one dossier.

Rows are inserted directly in bulk (the list page never reads the files). For each size the
median server time of the first page, of a title search and of the last page is reported
against the bare Flask baseline measured in the same run.
"""
import time
import uuid
from datetime import date, timedelta

SIZES = (10, 1_000, 10_000)
PATIENT_EMAIL = "amina.diallo@example.org"
CATEGORIES = ("biologie", "comptes_rendus", "ordonnances", "imagerie", "autres")
BATCH = 500  # rows per INSERT (SQLite's limit on bound variables)


def fill(app, total):
    """Top Amina's record up to `total` documents; returns the seconds taken."""
    from portal.accounts.models import Account
    from portal.db import write_tx
    from portal.documents.models import Document
    from portal.extensions import db
    started = time.perf_counter()
    with app.app_context():
        db.connect(reuse_if_open=True)
        author = Account.get(Account.email == PATIENT_EMAIL)
        have = Document.select().where(Document.patient == author.person_id).count()
        rows = [{"patient": author.person_id, "author": author.id,
                 "title": f"{'Tension artérielle' if i % 7 == 0 else 'Analyse'} n° {i}",
                 "document_date": date(2000, 1, 1) + timedelta(days=i % 9000),
                 "category": CATEGORIES[i % len(CATEGORIES)], "pinned": i % 2500 == 0,
                 "storage_key": uuid.uuid4().hex, "mime_type": "application/pdf",
                 "size": 50_000 + i, "sha256": "0" * 64} for i in range(have, total)]
        with write_tx():
            for start in range(0, len(rows), BATCH):
                Document.insert_many(rows[start:start + BATCH]).execute()
        db.close()
    return time.perf_counter() - started


def rows(app, baseline_ms, runs):
    """The documents page's median server time for each record size, against the bare page."""
    from benchmarks.common import Row, logged_in_client, median_ms
    client = logged_in_client(app, PATIENT_EMAIL)
    result = []
    for total in SIZES:
        seconds = fill(app, total)
        last_page = -(-total // 20)
        for label, url in (("first page", "/dossier/documents/"),
                           ("title search", "/dossier/documents/?q=tension"),
                           ("last page", f"/dossier/documents/?page={last_page}")):
            ms = median_ms(client, url, runs)
            result.append(Row(f"documents list, {total:,} documents, {label} (server time)",
                              f"{ms:.2f} ms", f"{baseline_ms:.3f} ms (bare page)",
                              ms / baseline_ms))
        result.append(Row(f"documents list, {total:,} documents (bench set-up)",
                          f"rows inserted in {seconds:.2f} s"))
    return result

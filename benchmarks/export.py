"""Télécharger mes données: the worker's real path (build the ZIP into a spooled temporary file,
store it encrypted in parts) for a 500-document record, against the demo person's small
record in the same run. Reported: wall time, the ZIP's size, the Python heap's peak during
the build (tracemalloc) and the process's peak resident memory. Ma synthèse is rendered in
its own limited child process (portal/pdf.py), not counted in this process's memory."""
import os
import resource
import time
import tracemalloc

DOCUMENTS = 500
DOCUMENT_BYTES = 200 * 1024  # a scanned letter or a lab report: 200 KB each, 100 MB in all


def _pdf(index, size):
    """A well-formed one-page PDF of about `size` bytes (random padding: incompressible)."""
    body = b"%PDF-1.4\n% " + os.urandom(size // 2).hex().encode()[:size] + b"\n"
    return body + f"%%doc {index}\n%%EOF\n".encode()


def _fill(person, author):
    """A record of DOCUMENTS documents, written as store_document writes them (encrypted)."""
    import hashlib
    import secrets
    from datetime import date, timedelta

    from portal.documents.models import Document
    from portal.documents.store import _encrypt, object_key
    from portal.storage import storage
    store = storage()
    for i in range(DOCUMENTS):
        data = _pdf(i, DOCUMENT_BYTES)
        key = secrets.token_hex(16)
        store.put(object_key(key), _encrypt(key, data))
        Document.create(patient=person, author=author, title=f"Compte rendu {i}",
                        document_date=date(2020, 1, 1) + timedelta(days=i), category="autres",
                        storage_key=key, mime_type="application/pdf", size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), original_name=f"cr-{i}.pdf")


def _export(person, account):
    from portal.export.models import ExportJob
    from portal.export.tasks import run_export
    job = ExportJob.create(patient=person, requested_by=account, language="fr")
    tracemalloc.start()
    started = time.perf_counter()
    assert run_export(job.id), "the export failed"
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, ExportJob.get_by_id(job.id)


def rows(app):
    from benchmarks.common import Row
    from portal.accounts.models import Account, Person
    from portal.extensions import db
    from portal.proxies.models import Guardianship
    from portal.accounts.models import utcnow

    with app.app_context():
        db.connect(reuse_if_open=True)
        camille = Account.get(Account.email == "camille.martin@example.org")
        base_seconds, base_peak, base_job = _export(camille.person, camille)
        full = Person.create(family_name="Complet", given_names="Dossier",
                             birth_date=camille.person.birth_date, sex="F")
        # Camille answers for this person (a legal representative may export the space).
        Guardianship.create(guardian=camille.person, ward=full, kind="parent",
                            accepted_at=utcnow())
        _fill(full, camille)
        seconds, peak, job = _export(full, camille)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db.close()
    return [Row(f"data export, {DOCUMENTS} documents of {DOCUMENT_BYTES // 1024} KB "
                f"({job.files} files, ZIP {job.size / 1024 / 1024:.0f} MB, {job.parts} "
                "encrypted parts)",
                f"{seconds:.1f} s, Python heap peak {peak / 1024 / 1024:.1f} MB",
                f"{base_seconds:.1f} s, heap peak {base_peak / 1024 / 1024:.1f} MB (demo "
                f"record, {base_job.files} files)", seconds / base_seconds,
                "bounded memory (largest document + parts of 4 MB), within the worker's lease "
                "(15 min)", seconds < 15 * 60),
            Row("data export, the benchmark process's peak resident memory",
                f"{rss_mb:.0f} MB")]


if __name__ == "__main__":
    import shutil

    from benchmarks.common import seeded_sqlite
    from benchmarks.report import print_table
    bench_app, workdir = seeded_sqlite()
    try:
        print_table(rows(bench_app))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

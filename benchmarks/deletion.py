"""Deleting a closed space (portal/lifecycle/deletion.py) as the record grows: Jean's space
topped up to N documents, each with its stored (encrypted) file, N journal entries about him,
then closed and deleted at its date; the time of one delete_space() is reported, and the store
and the journal checked afterwards.

    .venv/bin/python -m benchmarks.deletion               # 500 documents
    .venv/bin/python -m benchmarks.deletion --documents 5000

Target: a space of 500 documents is deleted well within a worker's task (seconds, not minutes).
"""
import argparse
import os
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from benchmarks.common import seeded_sqlite  # noqa: E402

JEAN = "jean.dupont@example.org"


def run(documents):
    import time_machine

    from portal.accounts.models import Account
    from portal.audit import record
    from portal.audit.seal import seal_pending
    from portal.audit.verify import verify
    from portal.documents.store import store_document
    from portal.extensions import db
    from portal.lifecycle.deletion import delete_space
    from portal.lifecycle.service import close_space
    from portal.storage import storage
    from helpers import tiny_pdf
    app, _folder = seeded_sqlite()
    with app.app_context():
        db.connect(reuse_if_open=True)
        account = Account.get(Account.email == JEAN)
        started = time.perf_counter()
        for number in range(documents):
            stored = store_document(account.person, account, tiny_pdf(f"Compte rendu {number}"),
                                    filename=f"cr-{number}.pdf", title=f"Compte rendu {number}",
                                    category="autres",
                                    document_date=account.person.created_at.date())
            record("document.view", actor=account, patient=account.person, obj_type="document",
                   obj_id=stored.id)
        filled = time.perf_counter() - started
        closure, _token = close_space(account, "", "fr", delete_early=True)
        seal_pending()
        objects_before = len(storage().keys())
        with time_machine.travel(closure.delete_after + timedelta(minutes=1), tick=False):
            started = time.perf_counter()
            tombstone = delete_space(closure.id)
            took = time.perf_counter() - started
            seal_pending()
            report = verify(full=True)
        objects_after = len(storage().keys())
        db.close()
    print(f"filled {documents} documents (+ {documents} journal entries) in {filled:.1f} s")
    print(f"delete_space: {took * 1000:.0f} ms; objects {objects_before} -> {objects_after} "
          f"({tombstone.objects_deleted} stored keys); journal entries erased: "
          f"{tombstone.entries_erased}; journal intact: {report.intact}")
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500)
    run(parser.parse_args().documents)


if __name__ == "__main__":
    main()

"""Deletion is real: Jean, with every kind of data the demo and the builders give (documents
with previews, a print file, messages with attachments, measures, agenda, access rules, a
delegation, a mandate, a connected service's consent, reimbursements…), closes his space and
asks for its deletion; once it ran, every table of the database is scanned (walked from the
database's own catalogue, not a hand list) for his id, NIR, name and e-mail, and the object
store (the disk, and the S3 server) for any of his objects: only the documented tombstone is
left, the journal still verifies, and the others' data is whole."""
import secrets
from datetime import timedelta

import pytest
import time_machine
from conftest import hidden_fields
from helpers import ask, image_bytes, job_id_of, the_job

JEAN = "jean.dupont@example.org"


@pytest.fixture(params=["disk", "s3"])
def where(request):
    return request.param


@pytest.fixture
def storage_settings(request, where):
    """The test runs on the disk and on the S3 server the tests start (tests/s3server.py)."""
    if where == "disk":
        return {}
    from conftest import s3_settings
    return s3_settings(request.getfixturevalue("s3_server"), f"deletion-{secrets.token_hex(6)}")


def _give_jean_everything(app, client, jean, jean_account):
    """What the demo does not give Jean yet: a photo (with its preview), an attachment, a
    print file, a connected service's consent."""
    from portal.connect.models import Service
    from portal.connect.rights import give_consent, purposes_of
    from portal.documents.store import store_blob, store_document
    from portal.messaging.models import Attachment, Conversation, Message
    with app.app_context():
        photo = store_document(jean, jean_account, image_bytes("JPEG"), filename="plaie.jpg",
                               title="Photo de la plaie", category="autres",
                               document_date=jean.created_at.date())
        assert photo.has_preview
        conversation = Conversation.get(Conversation.patient == jean.id)
        message = Message.create(conversation=conversation, author=jean_account,
                                 body="Voici le compte rendu.")
        Attachment.create(message=message, **store_blob(image_bytes("PNG"), filename="cr.png"))
        service = Service.select().first()
        give_consent(jean, service, [p.id for p in purposes_of(service)], jean_account)
    job = the_job(job_id_of(ask(client)))
    assert job.storage_key  # the worker (immediate in tests) made the print file
    # A data export (a ZIP stored in encrypted parts, another shape of stored object).
    client.post("/mes-donnees/demander", data=hidden_fields(client.get("/mes-donnees/")))
    from portal.export.models import DONE, ExportJob
    assert ExportJob.get(ExportJob.patient == jean.id).status == DONE


def _scan(app, jean, jean_account_id):
    """Every value of every row of every table that names Jean: (table, column, value)."""
    from portal.extensions import db
    needles = [jean.nir, "Jean Dupont", "DUPONT", "Dupont Jean", JEAN]
    found = []
    for table in db.get_tables():
        references = {fk.column: fk.dest_table for fk in db.get_foreign_keys(table)}
        columns = [c.name for c in db.get_columns(table)]
        cursor = db.execute_sql(f'SELECT * FROM "{table}"')
        for row in cursor.fetchall():
            for column, value in zip(columns, row):
                target = references.get(column)
                if target == "person" and value == jean.id:
                    found.append((table, column, value))
                elif target == "account" and value == jean_account_id:
                    found.append((table, column, value))
                elif isinstance(value, (str, bytes)):
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if any(n.lower() in text.lower() for n in needles):
                        found.append((table, column, text[:80]))
    return found


def _jean_keys(jean_id, account_id):
    """The object-store keys of every stored object of Jean's (before the deletion)."""
    from portal.documents.models import Document
    from portal.documents.store import file_part_keys, object_key
    from portal.export.models import ExportJob
    from portal.lifecycle.models import Proof, SpaceClosure
    from portal.messaging.models import Attachment, Conversation, Message
    from portal.summary.models import PrintJob
    keys = set()
    for document in Document.select().where(Document.patient == jean_id):
        keys.add(object_key(document.storage_key))
        if document.has_preview:
            keys.add(object_key(document.storage_key, preview=True))
    for attachment in Attachment.select().join(Message).join(Conversation).where(
            Conversation.patient == jean_id):
        keys.add(object_key(attachment.storage_key))
    for job in PrintJob.select().where(PrintJob.patient == jean_id,
                                       PrintJob.storage_key.is_null(False)):
        keys.add(object_key(job.storage_key))
    for proof in Proof.select().join(SpaceClosure).where(SpaceClosure.person == jean_id,
                                                         Proof.storage_key.is_null(False)):
        keys.add(object_key(proof.storage_key))
    for export in ExportJob.select().where(ExportJob.patient == jean_id,
                                           ExportJob.storage_key.is_null(False)):
        keys.update(file_part_keys(export.storage_key, export.parts))
    return keys


@pytest.mark.db
def test_after_deletion_nothing_of_jean_is_left_but_the_tombstone(app, ctx, person, login_as,
                                                                  where):
    from portal.accounts.models import Account, Person
    from portal.audit import ActivityEvent
    from portal.audit.seal import seal_pending
    from portal.audit.verify import verify
    from portal.documents.models import Document
    from portal.lifecycle.deletion import delete_due_spaces
    from portal.lifecycle.models import SpaceClosure, SpaceTombstone
    from portal.measures.models import Measure
    from portal.storage import storage
    jean = person("Jean")
    account = Account.get(Account.email == JEAN)
    client = login_as(JEAN)
    _give_jean_everything(app, client, jean, account)
    others_documents = Document.select().where(Document.patient != jean.id).count()
    others_measures = Measure.select().where(Measure.patient != jean.id).count()
    # close, asking for the deletion (the real form)
    page = client.get("/parametres/fermer-mon-espace")
    answer = client.post("/parametres/fermer-mon-espace", data={
        **hidden_fields(page), "understood": "y", "delete_early": "y",
        "password": "demo-carnet-2026"})
    assert answer.status_code == 303
    closure = SpaceClosure.get(SpaceClosure.person == jean.id)
    keys = _jean_keys(jean.id, account.id)
    assert len(keys) >= 9  # 5 documents, a preview, attachments, print file, proof, export
    with app.app_context():
        before = set(storage().keys())
    assert keys <= before
    assert _scan(app, jean, account.id)  # the scan finds him before: it can fail
    with time_machine.travel(closure.delete_after + timedelta(minutes=1), tick=False):
        with app.app_context():
            assert delete_due_spaces() == 1
            assert delete_due_spaces() == 0  # a second run finds nothing to do
            seal_pending()
            report = verify(full=True)
    assert report.intact, (report.problem, report.broken_seal, report.broken_entry)
    assert Person.get_or_none(Person.id == jean.id) is None
    assert _scan(app, jean, account.id) == []
    with app.app_context():
        after = set(storage().keys())
    assert after == before - keys  # his objects, and only his, are gone
    tombstone = SpaceTombstone.get()
    assert (tombstone.closure_id, tombstone.cause) == (closure.id, "request")
    assert tombstone.objects_deleted == len({k.split("/")[-1].split(".")[0] for k in keys})
    # the journal entries about him are erased, not deleted: their hashes stay
    erased = ActivityEvent.select().where(ActivityEvent.erased_at.is_null(False))
    assert erased.count() == tombstone.entries_erased > 0
    assert all(e.entry_hash and e.detail == "" and e.patient_id is None for e in erased
               if e.object_type == "erased:space")
    # the others' records are whole
    assert Document.select().where(Document.patient != jean.id).count() == others_documents
    assert Measure.select().where(Measure.patient != jean.id).count() == others_measures
    assert Account.get(Account.email == "camille.martin@example.org").is_active

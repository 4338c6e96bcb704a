"""Objects no row names any more (portal/documents/orphans.py): found past a grace period,
deleted only on request, never when the database looks wrong, never outside the layout; on the
disk and on a real S3 server."""
import secrets
from datetime import timedelta

import pytest
from helpers import tiny_pdf

from portal.storage import storage

LATER = timedelta(hours=2)  # past the one-hour grace of what was written


def _stray(app):
    """An object in the documents' layout that no row names (as a failed clean-up leaves), and
    when the store says it was written (the store's clock, not the tests' frozen one)."""
    key = f"documents/ab/ab{secrets.token_hex(15)}.bin"
    with app.app_context():
        storage().put(key, b"ciphertext of a row that rolled back")
        written = dict(storage().listing("documents/ab/"))[key].replace(tzinfo=None)
    return key, written


def _find(app, now, **kwargs):
    from portal.documents.orphans import find_orphans
    with app.app_context():
        return find_orphans(now=now, **kwargs)


@pytest.fixture(params=["disk", "s3"], autouse=True)
def where(request):
    """Every test runs on the disk and on the S3 server."""
    return request.param


@pytest.fixture
def storage_settings(request, where):
    if where == "disk":
        return {}
    server = request.getfixturevalue("s3_server")
    return {"STORAGE_URL": f"s3://{server.bucket}/orphans-{secrets.token_hex(6)}",
            "STORAGE_ENDPOINT_URL": server.endpoint_url,
            "AWS_ACCESS_KEY_ID": server.access_key, "AWS_SECRET_ACCESS_KEY": server.secret_key}


def test_an_unnamed_object_is_an_orphan_and_named_ones_are_not(app, store_as_jean):
    from portal.documents.store import object_key
    document = store_as_jean(tiny_pdf(), filename="cr.pdf")
    stray, written = _stray(app)
    findings = _find(app, written + LATER)
    assert findings.orphans == [stray]
    assert findings.named >= 1 and not findings.unknown
    with app.app_context():
        assert object_key(document.storage_key) not in findings.orphans


def test_an_upload_in_flight_is_never_an_orphan(app):
    stray, written = _stray(app)
    findings = _find(app, written + timedelta(minutes=5))  # written five minutes ago
    assert stray not in findings.orphans and findings.recent == 1


def test_a_message_attachment_a_print_file_and_a_proof_are_named_too(app, ctx, login_as):
    """Every table that names objects is asked, not only the documents'."""
    from portal.lifecycle.models import Proof
    from portal.messaging.models import Attachment
    from portal.summary.models import PrintJob
    from portal.documents.orphans import _owners
    assert set(_owners()) >= {Attachment, PrintJob, Proof}
    _stray_key, written = _stray(app)
    findings = _find(app, written - timedelta(seconds=1), grace=timedelta(0))
    assert findings.orphans == []  # the seeded demo's attachments and documents are named


def test_delete_removes_orphans_only_and_rechecks_each_batch(app, store_as_jean):
    from portal.documents.orphans import delete_orphans
    from portal.documents.store import object_key
    document = store_as_jean(tiny_pdf(), filename="cr.pdf")
    stray, written = _stray(app)
    findings = _find(app, written + LATER)
    # A row saved after the walk, naming an object the walk saw unnamed: kept.
    findings.orphans.append(object_key(document.storage_key))
    with app.app_context():
        assert delete_orphans(findings) == 1
        assert not storage().exists(stray)
        assert storage().exists(object_key(document.storage_key))


def test_keys_outside_the_layout_are_reported_and_kept(app):
    with app.app_context():
        storage().put("exports/someone-else.txt", b"not ours to judge")
    _stray_key, written = _stray(app)
    findings = _find(app, written - timedelta(seconds=1), grace=timedelta(0))
    assert findings.unknown == ["exports/someone-else.txt"]
    assert findings.orphans == []  # (the stray was written after "now": not judged)


def test_the_command_reports_then_deletes(app, monkeypatch):
    import portal.documents.orphans as orphans
    stray, written = _stray(app)
    monkeypatch.setattr(orphans, "utcnow", lambda: written + LATER)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "orphans", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert f"orphan  {stray}" in result.output and "1 orphaned" in result.output
    with app.app_context():
        assert storage().exists(stray)  # reporting deletes nothing
    result = runner.invoke(args=["storage", "orphans", "--grace-minutes", "0", "--delete"])
    assert result.exit_code == 0, result.output
    assert "1 orphaned object(s) deleted" in result.output
    with app.app_context():
        assert not storage().exists(stray)


def test_a_database_that_names_nothing_deletes_nothing(app, monkeypatch):
    """Pointed at the wrong (empty) database, every object looks orphaned: refused."""
    import portal.documents.orphans as orphans
    _stray_key, written = _stray(app)
    monkeypatch.setattr(orphans, "utcnow", lambda: written + LATER)
    monkeypatch.setattr(orphans, "_owners", lambda: ())
    with app.app_context():
        kept = storage().keys()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "orphans", "--delete"])
    assert result.exit_code == 1 and "nothing deleted" in result.output
    with app.app_context():
        assert storage().keys() == kept
    result = runner.invoke(args=["storage", "orphans", "--delete", "--force"])
    assert result.exit_code == 0 and result.output.count("orphan  ") == len(kept)
    with app.app_context():
        assert storage().keys() == []


def test_the_nightly_task_reports_and_never_deletes(app, monkeypatch, caplog):
    import portal.documents.orphans as orphans
    stray, written = _stray(app)
    monkeypatch.setattr(orphans, "utcnow", lambda: written + LATER)
    with app.app_context():
        assert orphans.report_orphans.call_local() == 1
        assert storage().exists(stray)
    assert "1 orphaned object(s)" in caplog.text


def test_a_data_exports_parts_are_named_by_their_job_and_orphans_once_it_is_gone(app, ctx):
    """A data export's ZIP is stored in parts (exports/xx/<key>.NNNNN.bin): its job names them;
    once the job's row is gone, they are orphans like any other object."""
    import io

    from portal.accounts.models import Account, Person
    from portal.documents.store import file_part_keys, store_file
    from portal.export.models import DONE, ExportJob
    with app.app_context():
        stored = store_file(io.BytesIO(b"PK a zip of a whole record"))
        jean = Person.get(Person.given_names == "Jean")
        job = ExportJob.create(patient=jean, requested_by=Account.get(Account.person == jean),
                               status=DONE, storage_key=stored["storage_key"],
                               parts=stored["parts"], size=stored["size"])
        parts = file_part_keys(job.storage_key, job.parts)
        written = max(modified for key, modified in storage().listing("exports/")
                      if key in parts).replace(tzinfo=None)
    findings = _find(app, written + LATER)
    assert not set(parts) & set(findings.orphans) and not findings.unknown
    with app.app_context():
        job.delete_instance()
    findings = _find(app, written + LATER)
    assert set(parts) <= set(findings.orphans) and not findings.unknown

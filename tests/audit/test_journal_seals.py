"""The journal at scale: appends are plain INSERTs, a sealer seals them once in signed batches,
the verifier checks seals, Merkle roots and patient chains, and catches every rewrite."""
import hashlib
import threading

import pytest

# SQLite's RAISE(ABORT) and PostgreSQL's RAISE EXCEPTION, as peewee reports them.
from peewee import IntegrityError, InternalError, OperationalError

DB_ERRORS = (IntegrityError, InternalError, OperationalError)


def sql(statement, *params):
    """Run raw SQL written with `?` placeholders on either database."""
    from portal.extensions import db
    return db.execute_sql(statement.replace("?", db.param), params)


def unguard():
    """What an attacker with database access does first: remove the append-only guard."""
    from portal.db import is_postgres
    if is_postgres():
        sql('ALTER TABLE "activity_event" DISABLE TRIGGER "activity_event_no_change"')
    else:
        sql('DROP TRIGGER "activity_event_no_update"')
        sql('DROP TRIGGER "activity_event_no_delete"')


def append(count, patient=None, action="dossier.view"):
    """`count` entries through audit.record (outside a request)."""
    from portal import audit
    return [audit.record(action, patient=patient, detail=f"n{i}") for i in range(count)]


@pytest.fixture(autouse=True)
def keys(app):
    """The app's journal key, for sealing and verifying outside a request (no app context is
    pushed: the test client's requests must each get their own)."""
    from portal.audit.seal import signing_key
    KEY["private"] = signing_key(app)
    yield
    KEY.clear()


KEY = {}


def seal(**kwargs):
    from portal.audit.seal import seal_pending
    return seal_pending(**{"key": KEY["private"], **kwargs})


def verify(**kwargs):
    from portal.audit.verify import verify as run
    return run(public_key=KEY["private"].public_key(), **kwargs)


def patients(ctx):
    from portal.accounts.models import Person
    return list(Person.select().order_by(Person.id).limit(3))


def fill(ctx, count=30):
    """Entries for three patients and for nobody, interleaved, all sealed."""
    people = patients(ctx) + [None]
    for i in range(count):
        append(1, patient=people[i % len(people)])
    seal(batch_size=7)


# ---------------------------------------------------------------- appends, seals, exactly once

@pytest.mark.db
def test_an_entry_is_a_plain_insert_reported_pending_until_the_sealer_runs(ctx):
    """Kill the worker between an append and its seal: the entry waits, reported as pending
    (not broken), and the next sealer run seals it."""
    from portal.audit import ActivityEvent, JournalSeal
    (event,) = append(1)
    stored = ActivityEvent.get_by_id(event.id)
    assert stored.seal_id is None and stored.entry_hash is None and stored.patient_prev is None
    report = verify(full=True)
    assert report.intact and report.pending >= 1 and report.oldest_pending_at is not None
    waiting = report.pending
    assert seal() == waiting
    stored = ActivityEvent.get_by_id(event.id)
    assert stored.seal_id == JournalSeal.select().count() and len(stored.entry_hash) == 64
    from portal.audit.seal import COLUMNS, entry_hash
    row = sql(f'SELECT {", ".join(COLUMNS)} FROM "activity_event" WHERE "id" = ?',
              event.id).fetchone()
    assert entry_hash(row) == stored.entry_hash  # the database's spelling of the time is ours
    report = verify(full=True)
    assert report.intact and report.pending == 0 and report.checked == report.tree_size
    assert seal() == 0  # nothing sealed twice


@pytest.mark.db
def test_appends_take_no_lock_two_open_transactions_both_append(ctx, backend):
    """Two transactions that each append and stay open do not wait for each other (the old
    design serialised every append on one locked head row)."""
    from portal import audit
    from portal.db import is_postgres
    from portal.extensions import db
    if not is_postgres():
        pytest.skip("SQLite has one writer at a time whatever the journal does")
    appended, release, errors = threading.Event(), threading.Event(), []

    def first():
        try:
            with db.connection_context(), db.atomic():
                audit.record("dossier.view", detail="first")
                appended.set()
                release.wait(15)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
            appended.set()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert appended.wait(10)
        with db.atomic():
            sql("SET LOCAL lock_timeout = '2s'")
            audit.record("dossier.view", detail="second")
    finally:
        release.set()
        thread.join(15)
    assert not errors
    assert seal() >= 2 and verify(full=True).intact


@pytest.mark.db
def test_a_sealer_killed_mid_batch_leaves_nothing_and_the_next_run_seals_once(ctx, monkeypatch):
    from portal.audit import ActivityEvent, JournalSeal, seal as sealer
    append(12)
    real = sealer._write_entries

    def dies_after_writing(rows):
        real(rows)
        raise KeyboardInterrupt("worker killed")
    monkeypatch.setattr(sealer, "_write_entries", dies_after_writing)
    with pytest.raises(KeyboardInterrupt):
        seal(batch_size=5)
    assert JournalSeal.select().count() == 0
    assert not ActivityEvent.select().where(ActivityEvent.seal.is_null(False)).exists()
    monkeypatch.setattr(sealer, "_write_entries", real)
    total = ActivityEvent.select().count()
    assert seal(batch_size=5) == total
    assert sum(s.count for s in JournalSeal.select()) == total
    assert verify(full=True).intact


@pytest.mark.db
def test_two_sealers_at_once_seal_each_entry_once_and_the_seals_stay_one_chain(app, ctx):
    from portal.audit import ActivityEvent, JournalSeal
    from portal.extensions import db
    append(150)
    key = KEY["private"]
    start, counts, errors = threading.Barrier(2), [], []

    def sealer():
        from portal.audit.seal import seal_pending
        try:
            with db.connection_context():
                start.wait(10)
                counts.append(seal_pending(key=key, batch_size=3))
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    total = ActivityEvent.select().count()
    assert not errors and sum(counts) == total
    seals = list(JournalSeal.select().order_by(JournalSeal.seq))
    assert [s.seq for s in seals] == list(range(1, len(seals) + 1))
    assert all(b.prev_hash == a.seal_hash for a, b in zip(seals, seals[1:]))
    assert seals[-1].tree_size == total
    assert verify(full=True).intact


@pytest.mark.db
def test_an_entry_committed_after_a_later_id_was_sealed_is_sealed_next(ctx, person):
    """PostgreSQL hands out ids before commit: an entry with a lower id can appear after a
    higher one was sealed. It is sealed in the next batch, in the same patient chain."""
    from portal import audit
    from portal.audit import ActivityEvent
    from portal.db import is_postgres
    from portal.extensions import db
    if not is_postgres():
        pytest.skip("SQLite commits one writer at a time, in id order")
    jean = person("Jean")
    appended, release, early = threading.Event(), threading.Event(), []

    def slow():
        with db.connection_context(), db.atomic():
            early.append(audit.record("dossier.view", patient=jean, detail="slow").id)
            appended.set()
            release.wait(15)

    thread = threading.Thread(target=slow)
    thread.start()
    assert appended.wait(10)
    late = audit.record("dossier.view", patient=jean, detail="fast")
    assert late.id > early[0]
    seal()
    assert ActivityEvent.get_by_id(late.id).seal_id is not None
    assert verify(full=True).intact  # a write still open is no false alarm
    release.set()
    thread.join(15)
    assert ActivityEvent.get_by_id(early[0]).seal_id is None
    assert seal() == 1
    first, second = ActivityEvent.get_by_id(late.id), ActivityEvent.get_by_id(early[0])
    assert second.seal_id > first.seal_id and second.patient_prev == first.entry_hash
    report = verify(full=True)
    assert report.intact and report.pending == 0


def test_merkle_root_is_rfc6962s():
    from portal.audit.seal import merkle_root

    def reference(leaves):
        if len(leaves) == 1:
            return hashlib.sha256(b"\x00" + leaves[0]).digest()
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return hashlib.sha256(b"\x01" + reference(leaves[:k]) + reference(leaves[k:])).digest()
    for n in range(1, 40):
        leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
        assert merkle_root([leaf.hex() for leaf in leaves]) == reference(leaves).hex()


@pytest.mark.db
def test_the_database_lets_the_sealer_set_seal_columns_once_and_nothing_else(ctx):
    from portal.audit import ActivityEvent
    from portal.extensions import db
    (event,) = append(1)
    with pytest.raises(DB_ERRORS):
        with db.atomic():
            ActivityEvent.update(detail="x").where(ActivityEvent.id == event.id).execute()
    with pytest.raises(DB_ERRORS):  # sealing while changing content
        with db.atomic():
            sql('UPDATE "activity_event" SET "seal_id" = NULL, "entry_hash" = ?, '
                '"patient_prev" = ?, "detail" = ? WHERE "id" = ?', "a" * 64, "b" * 64, "x",
                event.id)
    seal()
    with pytest.raises(DB_ERRORS):  # sealed once: never again
        with db.atomic():
            ActivityEvent.update(entry_hash="c" * 64).where(ActivityEvent.id == event.id).execute()
    with pytest.raises(DB_ERRORS):
        with db.atomic():
            ActivityEvent.delete().where(ActivityEvent.id == event.id).execute()
    assert verify(full=True).intact


# ---------------------------------------------------------------- attacks

@pytest.mark.db
def test_an_edited_row_is_detected(app, ctx):
    from portal.audit import ActivityEvent
    fill(ctx)
    target = ActivityEvent.select().order_by(ActivityEvent.id).offset(10).first()
    unguard()
    sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', "/rien", target.id)
    report = verify(full=True)
    assert not report.intact and report.problem == "entry_hash"
    assert report.broken_entry == target.id and report.broken_seal == target.seal_id
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--full"])
    assert result.exit_code == 1 and f"entry {target.id}" in result.output


@pytest.mark.db
def test_an_edited_row_with_its_stored_hash_recomputed_breaks_the_merkle_root(ctx):
    from portal.audit import ActivityEvent
    from portal.audit.seal import COLUMNS, entry_hash
    fill(ctx)
    target = ActivityEvent.select().order_by(ActivityEvent.id).offset(10).first()
    unguard()
    sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', "/rien", target.id)
    row = sql(f'SELECT {", ".join(COLUMNS)} FROM "activity_event" WHERE "id" = ?',
              target.id).fetchone()
    sql('UPDATE "activity_event" SET "entry_hash" = ? WHERE "id" = ?', entry_hash(row), target.id)
    report = verify(full=True)
    assert not report.intact and report.problem in ("patient_chain", "merkle")


@pytest.mark.db
def test_the_verifiers_worker_processes_find_the_same_break(app, ctx, monkeypatch):
    """`audit verify` hashes chunks of seals in worker processes and links the patients'
    chains across chunks; the result is the same as in one process."""
    from portal.audit import ActivityEvent
    from portal.audit import verify as verifier
    fill(ctx, count=60)
    monkeypatch.setattr(verifier, "CHUNK_ENTRIES", 5)
    url = app.config["DATABASE_URL"]
    report = verify(full=True, database_url=url, workers=2)
    assert report.intact and report.checked == report.tree_size >= 60
    target = ActivityEvent.select().order_by(ActivityEvent.id).offset(40).first()
    unguard()
    sql('DELETE FROM "activity_event" WHERE "id" = ?', target.id)
    report = verify(full=True, database_url=url, workers=2)
    assert not report.intact and report.problem in ("patient_chain", "count")
    assert report.broken_seal in (target.seal_id, target.seal_id + 1)


@pytest.mark.db
def test_a_deleted_row_is_detected(ctx):
    from portal.audit import ActivityEvent
    fill(ctx)
    victim = ActivityEvent.select().order_by(ActivityEvent.id).offset(8).first()
    unguard()
    sql('DELETE FROM "activity_event" WHERE "id" = ?', victim.id)
    report = verify(full=True)
    assert not report.intact and report.problem in ("patient_chain", "count")


@pytest.mark.db
def test_a_truncated_tail_with_its_seals_deleted_is_detected(app, ctx, tmp_path):
    """Deleting the last entries and their seals leaves a journal consistent in itself: the
    verifier's kept checkpoint catches it, and so does the witness file outside the database
    even when the verifier's row is rewound too."""
    from portal.audit import JournalSeal, JournalVerification
    from portal.audit.verify import check
    app.config["JOURNAL_WITNESS_FILE"] = str(tmp_path / "journal-checkpoints")
    fill(ctx)
    with app.app_context():
        assert check().intact
    last = JournalSeal.select().order_by(JournalSeal.seq.desc()).first()
    unguard()
    sql('DELETE FROM "activity_event" WHERE "seal_id" = ?', last.seq)
    sql('DELETE FROM "journal_seal" WHERE "seq" = ?', last.seq)
    from portal.audit.verify import walk
    assert walk(public_key=KEY["private"].public_key()).intact  # consistent in itself
    with app.app_context():
        report = check()
    assert not report.intact and report.problem == "truncated"
    # The attacker rewinds the verifier's row as well: the witness file still knows.
    previous = JournalSeal.select().order_by(JournalSeal.seq.desc()).first()
    JournalVerification.update(seq=previous.seq, seal_hash=previous.seal_hash,
                               tree_size=previous.tree_size, intact=True, problem="").execute()
    with app.app_context():
        report = check()
    assert not report.intact and report.problem == "truncated" and "witness file" in report.detail
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "truncated" in result.output


def _reseal_tail(key, from_seq):
    """The attacker's rewrite: drop seals from `from_seq` and seal those entries again."""
    from portal.audit.seal import seal_pending
    sql('UPDATE "activity_event" SET "seal_id" = NULL, "entry_hash" = NULL, '
        '"patient_prev" = NULL WHERE "seal_id" >= ?', from_seq)
    sql('DELETE FROM "journal_seal" WHERE "seq" >= ?', from_seq)
    return seal_pending(key=key, batch_size=7)


@pytest.mark.db
def test_a_rewrite_rehashed_and_resealed_without_the_key_is_detected(app, ctx):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from portal.audit import ActivityEvent, JournalSeal
    fill(ctx)
    target = ActivityEvent.select().order_by(ActivityEvent.id.desc()).offset(3).first()
    unguard()
    sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', "/rien", target.id)
    assert _reseal_tail(Ed25519PrivateKey.generate(), target.seal_id)
    report = verify(full=True)
    assert not report.intact and report.problem == "signature"
    assert report.broken_seal == target.seal_id
    assert JournalSeal.select().count() >= target.seal_id


@pytest.mark.db
def test_a_rewrite_resealed_with_the_key_is_caught_by_a_published_checkpoint(app, ctx, tmp_path):
    """Whoever holds the key and the database can fork the journal (another history with
    valid signatures); a checkpoint published before tells the two apart."""
    from portal.audit import ActivityEvent
    from portal.audit.seal import signing_key
    fill(ctx)
    runner = app.test_cli_runner()
    published = runner.invoke(args=["audit", "checkpoint"])
    assert published.exit_code == 0
    note = tmp_path / "checkpoint.txt"
    note.write_text(published.output)
    assert runner.invoke(args=["audit", "verify", "--checkpoint", str(note)]).exit_code == 0
    target = ActivityEvent.select().order_by(ActivityEvent.id.desc()).offset(3).first()
    unguard()
    sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', "/rien", target.id)
    sql('DELETE FROM "journal_verification"')
    _reseal_tail(signing_key(app), target.seal_id)
    from portal.audit.verify import walk
    assert walk(public_key=KEY["private"].public_key()).intact  # a fork, signed with the key
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(note)])
    assert result.exit_code == 1 and "truncated" in result.output
    forged = published.output.replace(published.output.split("\n")[1], "999999", 1)
    note.write_text(forged)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(note)])
    assert result.exit_code == 1 and "checkpoint refused" in result.output


@pytest.mark.db
def test_a_forked_seal_chain_is_detected(ctx):
    from portal.audit import JournalSeal
    fill(ctx)
    middle = JournalSeal.select().order_by(JournalSeal.seq).offset(2).first()
    sql('UPDATE "journal_seal" SET "prev_hash" = ? WHERE "seq" = ?', "f" * 64, middle.seq)
    report = verify(full=True)
    assert not report.intact and report.problem == "seal_chain"
    assert report.broken_seal == middle.seq


@pytest.mark.db
def test_the_background_verifier_checks_only_new_seals_and_alerts_once(app, ctx):
    from portal.audit import ActivityEvent, JournalVerification
    from portal.audit.verify import ALERT_ACTION, check
    fill(ctx)
    with app.app_context():
        first = check()
    assert first.intact and first.checked == first.tree_size
    append(5)
    seal()
    with app.app_context():
        second = check()
    assert second.intact and second.checked == 5
    assert JournalVerification.get_by_id(1).tree_size == second.tree_size
    newest = ActivityEvent.select().where(ActivityEvent.seal.is_null(False)).order_by(
        ActivityEvent.id.desc()).first()
    unguard()
    sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', "/rien", newest.id)
    with app.app_context():
        assert check(full=True).problem == "entry_hash"
        check(full=True)
    alerts = list(ActivityEvent.select().where(ActivityEvent.action == ALERT_ACTION))
    assert len(alerts) == 1 and alerts[0].object_id == str(newest.id)
    state = JournalVerification.get_by_id(1)
    assert not state.intact and state.broken_entry == newest.id


# ---------------------------------------------------------------- pages

@pytest.mark.db
def test_history_shows_each_entrys_seal_status_without_verifying(login_as, ctx, monkeypatch):
    from portal.audit import seal as sealer, verify as verifier

    def forbidden(*args, **kwargs):
        raise AssertionError("the journal was verified or sealed inside a request")
    client = login_as("jean")
    client.get("/dossier/")
    for module, name in ((verifier, "walk"), (verifier, "verify"), (verifier, "check"),
                         (sealer, "seal_batch")):
        monkeypatch.setattr(module, name, forbidden)
    html = client.get("/dossier/historique/").get_data(as_text=True)
    assert "En attente de scellement" in html and "Scellée le" not in html
    monkeypatch.undo()
    seal()
    monkeypatch.setattr(verifier, "walk", forbidden)
    html = client.get("/dossier/historique/").get_data(as_text=True)
    assert "Scellée le" in html
    page = login_as("operateur").get("/operateur/journal")
    assert page.status_code == 200


@pytest.mark.db
def test_operator_page_shows_the_last_verification_and_what_waits(app, login_as, ctx):
    from portal.audit.verify import check
    operator = login_as("operateur")
    assert "pas encore été vérifié" in operator.get("/operateur/journal").get_data(as_text=True)
    seal()
    append(2)
    with app.app_context():
        check()
    html = operator.get("/operateur/journal").get_data(as_text=True)
    assert "Le journal est intact" in html and "2 entrées, la plus ancienne du" in html


def test_the_worker_tasks_seal_then_verify(app, ctx, monkeypatch):
    """The periodic tasks as the huey worker runs them: the minute's task seals at once and
    schedules the minute's other passes, each a short task (no thread held for the minute)."""
    from portal.audit import ActivityEvent, JournalVerification
    from portal.audit import tasks
    scheduled = []
    monkeypatch.setattr(tasks.seal_pass, "schedule",
                        lambda delay=None, **kw: scheduled.append(delay))
    append(3)
    with app.app_context():
        assert tasks.seal_journal.call_local() >= 3
        assert scheduled == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]
        append(2)
        assert tasks.seal_pass.call_local() == 2
        assert tasks.verify_journal.call_local() is True
    assert not ActivityEvent.select().where(ActivityEvent.seal.is_null()).exists()
    state = JournalVerification.get_by_id(1)
    assert state.intact and state.tree_size == ActivityEvent.select().count()


def test_the_journal_key_is_its_own(app):
    """Derived outside production from SECRET_KEY, but never the prescriptions' key; a
    configured seed is used as it is."""
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from portal.audit.seal import signing_key
    from portal.prescriptions.signing import signing_key as prescription_key

    def raw(key):
        return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert raw(signing_key(app)) != raw(prescription_key(app))
    app.config["JOURNAL_SIGNING_KEY"] = base64.urlsafe_b64encode(b"j" * 32).decode()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    assert raw(signing_key(app)) == raw(Ed25519PrivateKey.from_private_bytes(b"j" * 32))

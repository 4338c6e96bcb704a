"""Nothing is lost when the worker dies. E-mail is delivered at least once: a message is
claimed (queued → sending, with the time of the claim) by a conditional UPDATE, so two workers
never both send it; a sweeper hands back what a dead worker left "sending" or what the queue
lost, and never touches a sent message. A print job whose worker stopped being heard from fails
within a minute and its page says so (with a way to ask again); a closure proof is made again.

The crash is simulated: a claim that is never finished, then the clock moves on. The real kill
of a real consumer is in test_mail_and_queue.py."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import hidden_fields

CAMILLE = "camille.martin@example.org"


def now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture
def smtp(app, smtp_sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.server_address[1],
                      MAIL_USE_TLS=False)
    return smtp_sink


@pytest.fixture
def held(monkeypatch):
    """Messages are stored but the queue does not deliver them (as when the worker is down);
    returns the ids handed to the queue."""
    from portal import mail
    handed = []
    monkeypatch.setattr(mail, "deliver", handed.append)
    return handed


def message_ids(sent):
    return [re.search(r"^Message-ID: (.+)$", m, re.M | re.I).group(1) for m in sent]


# --- e-mail ----------------------------------------------------------------------------------

@pytest.mark.db
def test_a_second_claim_of_the_same_message_loses(app, ctx, held):
    from portal import mail
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        assert mail.claim(message.id) is True
        assert mail.claim(message.id) is False
    row = mail.OutboxMessage.get_by_id(message.id)
    assert (row.status, row.attempts) == ("sending", 1) and row.claimed_at is not None


@pytest.mark.db
def test_of_workers_claiming_the_same_messages_at_once_one_wins_each(app, ctx, held):
    """Six threads (own connections), started together, each try to claim the same 10
    messages (as when the queue delivers a task twice): every message is claimed once."""
    import threading

    from portal import mail
    from portal.extensions import db
    with app.app_context():
        ids = [mail.send(f"p{i}@example.org", "Test", "Bonjour").id for i in range(10)]
    start, won, errors = threading.Barrier(6), [], []

    def worker():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                start.wait(10)
                won.extend(i for i in ids if mail.claim(i))
                db.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(won) == sorted(ids)
    assert {m.attempts for m in mail.OutboxMessage.select().where(
        mail.OutboxMessage.id.in_(ids))} == {1}


@pytest.mark.db
def test_a_message_not_yet_committed_is_tried_again_in_a_moment(app, ctx, held, backend):
    """A message queued inside a transaction can reach a worker before the commit: the worker
    does not see the row yet. The task then fails and huey tries it again a few seconds later
    (instead of leaving it to the sweeper, minutes later)."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: the worker's claim waits for the commit")
    import threading

    from portal import mail
    from portal.extensions import db
    outcome = []

    def worker(message_id):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                outcome.append(mail.deliver_now(app, message_id))
            except mail.NotStoredYet:
                outcome.append("again")
            db.close()

    with app.app_context():
        with db.atomic():
            message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
            thread = threading.Thread(target=worker, args=(message.id,))
            thread.start()
            thread.join(30)
        assert outcome == ["again"]
        task = mail.huey._registry.string_to_task("portal.mail.deliver")  # (held: patched)
        assert task.default_retries >= 1 and task.default_retry_delay <= 10
        assert mail.deliver_now(app, message.id) is True  # committed: the retry sends it


@pytest.mark.db
def test_a_message_whose_worker_died_while_sending_is_sent_by_the_sweeper(app, ctx, smtp, held):
    from portal import mail
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        assert mail.claim(message.id)  # the worker claims it, then dies before sending
        handed = len(held)
        assert mail.sweep() == 0  # within its lease: still the dead worker's
        assert len(held) == handed
        assert mail.sweep(now() + timedelta(minutes=3)) == 1
        assert held[-1] == message.id  # handed back to the queue
        assert mail.OutboxMessage.get_by_id(message.id).status == "queued"
        mail.deliver_now(app, held[-1])
    row = mail.OutboxMessage.get_by_id(message.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1


@pytest.mark.db
def test_a_message_the_queue_lost_is_queued_again(app, ctx, smtp, held):
    from portal import mail
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        held.clear()  # the queue lost the task: the row stays "queued"
        assert mail.sweep(now() + timedelta(seconds=30)) == 0
        assert mail.sweep(now() + timedelta(minutes=3)) == 1
        assert held == [message.id]
        assert mail.sweep(now() + timedelta(minutes=3)) == 0  # handed over once per lease
        mail.deliver_now(app, message.id)
    assert mail.OutboxMessage.get_by_id(message.id).status == "sent"
    assert len(smtp.messages) == 1


def test_a_sent_message_is_never_sent_again(app, ctx, smtp):
    from portal import mail
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        assert mail.sweep(now() + timedelta(hours=1)) == 0
        mail.deliver.call_local(message.id)
        assert mail.deliver_now(app, message.id) is False
    assert len(smtp.messages) == 1


def test_a_resend_after_a_crash_between_accept_and_update_keeps_its_message_id(
        app, ctx, smtp, held):
    """At-least-once has one price: a worker that dies after the SMTP server accepted the
    message but before recording it makes a second copy. It carries the same Message-ID, so
    that mail systems can recognise it as the same message."""
    from portal import mail
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        assert mail.claim(message.id)
        mail._smtp_send(app, mail.OutboxMessage.get_by_id(message.id))  # then the worker dies
        assert mail.sweep(now() + timedelta(minutes=3)) == 1
        mail.deliver_now(app, message.id)
    first, second = message_ids(smtp.messages)
    assert first == second and first.startswith("<") and first.endswith(">")
    other = mail.send("amina.diallo@example.org", "Test", "Bonjour")
    with app.app_context():
        mail.deliver_now(app, other.id)
    assert message_ids(smtp.messages)[2] != first


def test_a_refused_send_is_tried_again_later_then_given_up(app, ctx, held):
    from portal import mail
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)  # refused
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        assert mail.deliver_now(app, message.id) is False
        row = mail.OutboxMessage.get_by_id(message.id)
        assert (row.status, row.attempts, row.claimed_at) == ("queued", 1, None)
        later = now()
        for _ in range(mail.MAX_ATTEMPTS - 1):
            later += timedelta(minutes=3)
            with time_machine.travel(later, tick=False):
                assert mail.sweep() == 1
                mail.deliver_now(app, message.id)
        with time_machine.travel(later + timedelta(minutes=3), tick=False):
            assert mail.sweep() == 0
    row = mail.OutboxMessage.get_by_id(message.id)
    assert (row.status, row.attempts) == ("failed", mail.MAX_ATTEMPTS)


def test_the_migration_gives_existing_messages_a_key_and_keeps_them_queued(tmp_path):
    import importlib

    from peewee import SqliteDatabase

    from portal.migrations import available
    database = SqliteDatabase(str(tmp_path / "old.db"))
    versions = [(v, name) for v, name, _ in available()]
    target = next(v for v, name in versions if "worker" in name)
    for version, name in versions:
        if version == target:
            for i in (1, 2):
                database.execute_sql(
                    "INSERT INTO outbox_message (\"to\", subject, body, created_at, attempts, "
                    f"status) VALUES ('a{i}@example.org', 's', 'b', '2026-11-01 10:00:00', 0, "
                    "'queued')")
        importlib.import_module(f"portal.migrations.{name}").upgrade(database)
        if version == target:
            break
    rows = database.execute_sql(
        "SELECT message_key, status, enqueued_at FROM outbox_message").fetchall()
    keys = {row[0] for row in rows}
    assert len(keys) == 2 and all(key and len(key) == 32 for key in keys)
    assert {row[1] for row in rows} == {"queued"}
    assert all(row[2] == "2026-11-01 10:00:00" for row in rows)


# --- print jobs ------------------------------------------------------------------------------

def ask_card(client):
    page = client.get("/imprimer/")
    response = client.post("/imprimer/carte", data={**hidden_fields(page),
                                                    "carte-language": "fr"})
    assert response.status_code == 303
    return int(re.search(r"/imprimer/(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture
def print_queue(monkeypatch):
    from portal.summary import views
    handed = []
    monkeypatch.setattr(views, "render_job", handed.append)
    monkeypatch.setattr("portal.summary.tasks.render_job", handed.append)
    return handed


def test_a_job_whose_worker_died_fails_within_a_minute_and_says_so(app, client, login_as, ctx,
                                                                   print_queue):
    from portal.summary.models import PrintJob
    from portal.summary.tasks import claim, sweep
    login_as(CAMILLE, client)
    job_id = ask_card(client)
    with app.app_context():
        assert claim(job_id) is True  # the worker starts it, then dies
        assert claim(job_id) is False  # a second delivery loses
        assert sweep(now() + timedelta(seconds=30)) == 0
        assert sweep(now() + timedelta(seconds=61)) == 1
    job = PrintJob.get_by_id(job_id)
    assert (job.status, job.error) == ("failed", "interrupted")
    html = client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    assert "L’impression a été interrompue" in html
    status = re.search(r'<div id="etat-impression"[^>]*>', html).group(0)
    assert "data-hx-get" not in status  # no more polling
    # asking again: one button, the same document
    response = client.post(f"/imprimer/{job_id}/relancer",
                           data=hidden_fields(client.get(f"/imprimer/{job_id}")))
    assert response.status_code == 303
    again = int(re.search(r"/imprimer/(\d+)$", response.headers["Location"]).group(1))
    new = PrintJob.get_by_id(again)
    assert again != job_id and (new.status, new.kind, new.language) == ("queued", "carte", "fr")
    assert print_queue[-1] == again


def test_the_job_page_says_it_was_interrupted_without_waiting_for_the_sweeper(
        app, client, login_as, ctx, print_queue):
    from portal.summary.tasks import claim
    login_as(CAMILLE, client)
    job_id = ask_card(client)
    with app.app_context():
        claim(job_id)
    assert "Mise en page en cours" in client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    with time_machine.travel(now() + timedelta(seconds=70), tick=False):
        html = client.get(f"/imprimer/{job_id}?etat=running",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "L’impression a été interrompue" in html


def test_a_worker_still_rendering_keeps_its_job_alive(app, ctx, person, monkeypatch):
    """The worker beats while its child process renders, so a long render is not failed."""
    from portal.accounts.models import Account
    from portal.summary import tasks
    from portal.summary.models import PrintJob
    camille = person("Camille")
    account = Account.get(Account.person == camille.id)
    job = PrintJob.create(patient=camille.id, requested_by=account.id, kind="carte")
    real = tasks.render_isolated
    beats = []

    def slow_render(html, heartbeat=None, **kwargs):
        # the worker is 10 minutes into a render: the sweeper, run now, must leave it alone
        with time_machine.travel(now() + timedelta(minutes=10), tick=False):
            heartbeat()
            beats.append(tasks.sweep())
        return real(html, heartbeat=heartbeat, **kwargs)
    monkeypatch.setattr(tasks, "render_isolated", slow_render)
    with app.app_context():
        assert tasks.run_job(job.id) is True
    assert beats == [0]
    assert PrintJob.get_by_id(job.id).status == "done"


def test_render_isolated_calls_the_heartbeat_while_the_child_works(app):
    from portal.pdf import render_isolated
    beats = []
    html = "<html lang='fr'><body>" + "<p>ligne</p>" * 400 + "</body></html>"
    render_isolated(html, static_root=app.static_folder, timeout=60, memory_mb=1024,
                    heartbeat=lambda: beats.append(1), heartbeat_every=0.05)
    assert len(beats) >= 2


@pytest.mark.db
def test_a_job_the_queue_lost_is_handed_over_again(app, client, login_as, ctx, print_queue):
    from portal.summary.tasks import sweep
    login_as(CAMILLE, client)
    job_id = ask_card(client)
    print_queue.clear()
    with app.app_context():
        assert sweep(now() + timedelta(seconds=30)) == 0
        sweep(now() + timedelta(minutes=3))
    assert print_queue == [job_id]


# --- closure proofs --------------------------------------------------------------------------

@pytest.mark.db
def test_a_proof_whose_worker_died_is_made_again(app, ctx, person, monkeypatch):
    from portal.lifecycle import tasks
    from portal.lifecycle.models import Proof, SpaceClosure
    handed = []
    monkeypatch.setattr(tasks, "render_proof", handed.append)
    closure = SpaceClosure.create(person=person("Amina").id, kind="closure")
    proof = Proof.create(closure=closure, token_hash="x" * 64, expires_at=now() + timedelta(days=7))
    with app.app_context():
        assert tasks.claim_proof(proof.id) is True  # then the worker dies
        assert tasks.claim_proof(proof.id) is False
        assert tasks.sweep_proofs(now() + timedelta(seconds=30)) == 0
        assert tasks.sweep_proofs(now() + timedelta(minutes=3)) == 1
        assert handed == [proof.id]
        assert tasks.run_proof(proof.id) is True
    assert Proof.get_by_id(proof.id).status == "done"

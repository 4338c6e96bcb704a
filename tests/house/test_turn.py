"""The turn (portal/turn.py): on SQLite one request at a time runs the app in a process, and a
request gives its turn back while it waits for something outside the process. Each test makes
a request wait (for its client, for argon2, for SQLite's write lock) and checks that another
request is answered meanwhile; if the waiting request kept its turn, the other one would wait
for it and the test fails."""
import io
import threading

import pytest

from conftest import DEMO_PASSWORD, csrf_from

WAIT = 10  # seconds a blocked request waits before the test gives up on it


def answered_meanwhile(app, path="/connexion"):
    """Whether another client's GET of `path` is answered while the test holds a request."""
    done = []

    def get():
        done.append(app.test_client().get(path).status_code)
    other = threading.Thread(target=get, daemon=True)
    other.start()
    other.join(WAIT / 2)
    return done == [200]


def in_background(call):
    """Run `call` in a thread; returns (thread, results)."""
    results = []
    thread = threading.Thread(target=lambda: results.append(call()), daemon=True)
    thread.start()
    return thread, results


def test_the_turn_is_on_with_sqlite_and_off_with_postgresql_by_default():
    from portal.turn import enabled
    assert enabled({}, sqlite=True) and enabled({"REQUEST_TURN": "auto"}, sqlite=True)
    assert not enabled({"REQUEST_TURN": "auto"}, sqlite=False)
    assert not enabled({"REQUEST_TURN": "off"}, sqlite=False)
    with pytest.raises(ValueError, match="needs SQLite"):  # a row lock could stop both
        enabled({"REQUEST_TURN": "on"}, sqlite=False)
    assert not enabled({"REQUEST_TURN": "OFF"}, sqlite=True)
    with pytest.raises(ValueError):
        enabled({"REQUEST_TURN": "yes"}, sqlite=True)


def test_the_app_runs_in_the_turn_on_sqlite(app):
    from portal.turn import TurnMiddleware
    assert isinstance(app.wsgi_app, TurnMiddleware)


class SlowBody(io.RawIOBase):
    """A client that sends half its body, then nothing until `go` is set."""

    def __init__(self, body):
        self.body, self.sent, self.go, self.waiting = body, 0, threading.Event(), threading.Event()

    def readable(self):
        return True

    def readinto(self, buffer):
        half = len(self.body) // 2
        if self.sent >= half:
            self.waiting.set()
            self.go.wait(WAIT)
        end = len(self.body) if self.sent >= half else half
        data = self.body[self.sent:min(end, self.sent + len(buffer))]
        buffer[:len(data)] = data
        self.sent += len(data)
        return len(data)


def test_a_request_waiting_for_its_body_does_not_hold_the_turn(app):
    """A phone uploading at 50 KB/s must not stop the other requests of the process: the body is
    read before the request takes its turn."""
    client = app.test_client()
    body = f"csrf_token={csrf_from(client.get('/connexion'))}&email=camille.martin%40example.org" \
           f"&password={DEMO_PASSWORD}".encode()
    slow = SlowBody(body)
    from werkzeug.test import EnvironBuilder
    cookies = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    environ = EnvironBuilder("/connexion", method="POST", headers={"Cookie": cookies},
                             content_type="application/x-www-form-urlencoded").get_environ()
    environ.update({"wsgi.input": io.BufferedReader(slow), "CONTENT_LENGTH": str(len(body))})
    statuses = []

    def post():
        app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        return statuses[0][:3]
    thread, results = in_background(post)
    assert slow.waiting.wait(WAIT)
    try:
        assert answered_meanwhile(app)
    finally:
        slow.go.set()
        thread.join(WAIT)
    assert results == ["302"]  # the whole body arrived: the login went on


def test_a_password_check_gives_the_turn_back(app, monkeypatch):
    """argon2 runs outside the interpreter's lock for tens of milliseconds per login: the other
    requests of the process run meanwhile."""
    from portal.accounts import passwords
    inside, go = threading.Event(), threading.Event()
    real = passwords._hasher

    class Waiting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, stored, password):
            inside.set()
            go.wait(WAIT)
            return real.verify(stored, password)
    monkeypatch.setattr(passwords, "_hasher", Waiting())
    client = app.test_client()
    token = csrf_from(client.get("/connexion"))
    thread, results = in_background(lambda: client.post("/connexion", data={
        "csrf_token": token, "email": "camille.martin@example.org",
        "password": DEMO_PASSWORD}).status_code)
    assert inside.wait(WAIT)
    try:
        assert answered_meanwhile(app)
    finally:
        go.set()
        thread.join(WAIT)
    assert results == [302]


def test_a_write_gives_the_turn_back_while_a_request_away_holds_sqlites_lock(app, login_as):
    """A request gives its turn back inside its transaction (an upload writing its object):
    it may hold SQLite's write lock meanwhile. Another request's journal entry then waits for
    that lock without its turn; holding the turn, it would stop the first request from coming
    back, and both would wait until SQLite gave up ("database is locked")."""
    from portal import turn
    from portal.db import write_tx
    from portal.extensions import db
    away, go = threading.Event(), threading.Event()

    @app.route("/_away", methods=["POST"])
    def away_in_transaction():
        with write_tx():
            db.execute_sql("UPDATE person SET phone = phone WHERE id = 1")
            with turn.given_back():
                away.set()
                go.wait(WAIT)
        return "", 204
    away_in_transaction._policy_action = "public"
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    client = login_as("camille")
    thread, results = in_background(lambda: app.test_client().post("/_away").status_code)
    assert away.wait(WAIT)
    try:
        reader, read = in_background(lambda: client.get("/dossier/").status_code)
        reader.join(0.5)
        assert reader.is_alive(), "the dossier's journal entry did not wait for the lock"
    finally:
        go.set()
    thread.join(WAIT)
    reader.join(WAIT)
    assert results == [204] and read == [200]


def test_a_page_keeps_its_turn_for_its_journal_entry(app, login_as, monkeypatch):
    """No request of the process holds SQLite's write lock: a page writes its journal entry
    without handing the turn over and back (each hand-over wakes another thread)."""
    from portal import turn
    client = login_as("camille")
    given = []
    real = turn._give
    monkeypatch.setattr(turn, "_give", lambda: (given.append(1), real())[1])
    assert client.get("/dossier/").status_code == 200
    assert len(given) == 1  # at the end of the request only


def test_reading_ahead_leaves_a_body_over_the_limit_to_flask():
    """A declared length over the largest accepted body is not read (Flask refuses it with 413
    without reading it); a chunked body over it is read up to the limit, and the rest stays
    readable, so that werkzeug's own limit sees it and refuses it."""
    from portal.turn import read_ahead
    stream = io.BytesIO(b"x" * 50)
    environ = {"wsgi.input": stream, "CONTENT_LENGTH": "50"}
    read_ahead(environ, limit=10)
    assert environ["wsgi.input"] is stream and stream.tell() == 0
    environ = {"wsgi.input": io.BytesIO(b"y" * 50), "wsgi.input_terminated": True}
    read_ahead(environ, limit=10)
    assert environ["wsgi.input"].read() == b"y" * 50
    environ = {"wsgi.input": io.BytesIO(b"z" * 8), "wsgi.input_terminated": True}
    read_ahead(environ, limit=10)
    assert environ["wsgi.input"].read() == b"z" * 8
    environ = {"wsgi.input": io.BytesIO(b"w" * 8), "CONTENT_LENGTH": "8"}
    read_ahead(environ, limit=10)
    assert environ["wsgi.input"].read() == b"w" * 8


def test_a_body_over_the_limit_is_still_refused(app):
    client = app.test_client()
    limit = max(app.config["MAX_CONTENT_LENGTH"], app.config["MAX_UPLOAD_REQUEST_BYTES"])
    response = client.post("/connexion", data=b"a" * (limit + 1),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_a_long_request_lets_the_waiting_ones_through(app, monkeypatch):
    """A long page (a big history, an import) holds the turn for seconds: past LONG_TURN it
    lets the requests waiting for the turn go first, at its next database statement, and the
    turn goes to them in the order they came (a plain lock could be taken back at once by the
    long request). Here the long request reads until the short one has been answered."""
    from portal import turn
    from portal.extensions import db
    short_done, long_saw = threading.Event(), []

    @app.route("/_long")
    def long_page():
        started = turn.time.monotonic()
        while not short_done.is_set() and turn.time.monotonic() - started < WAIT:
            db.execute_sql("SELECT 1").fetchone()
        long_saw.append(short_done.is_set())
        return "long"
    long_page._policy_action = "public"
    thread, results = in_background(lambda: app.test_client().get("/_long").status_code)
    while not turn._turn._held:  # the long request holds the turn
        threading.Event().wait(0.01)
    assert answered_meanwhile(app)
    short_done.set()
    thread.join(WAIT)
    assert results == [200] and long_saw == [True]


def test_the_turn_goes_to_its_waiters_in_the_order_they_came():
    from portal.turn import _FifoTurn
    fifo, order = _FifoTurn(), []
    fifo.acquire()

    def wait(n):
        fifo.acquire()
        order.append(n)
        fifo.release()
    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=wait, args=(n,), daemon=True))
        threads[-1].start()
        while len(fifo._waiting) < n + 1:
            threading.Event().wait(0.005)
    fifo.release()
    for thread in threads:
        thread.join(WAIT)
    assert order == [0, 1, 2, 3, 4]
    assert not fifo._held and not fifo.has_waiters()


def test_a_request_that_took_the_write_lock_away_is_counted_before_it_has_it(app, monkeypatch):
    """A request that gives its turn back to write (writers were away) may take SQLite's write
    lock while away, then wait for the turn with the lock. It counts among writers_away from
    the moment it gives its turn back: a request holding the turn then writes without it.
    Counted only once back (or not at all), the one holding the turn would wait for the lock
    with its turn, and both would wait until SQLite gave up ("database is locked")."""
    from peewee import SqliteDatabase

    from portal import turn
    from portal.db import write_tx
    from portal.extensions import db
    a_go, b_locked, b_go = threading.Event(), threading.Event(), threading.Event()
    real_begin = SqliteDatabase.begin
    b_thread = []

    def begin(self, lock_type=None):
        real_begin(self, lock_type)
        if threading.current_thread() in b_thread:  # B has the lock, away: it stays so
            b_locked.set()
            b_go.wait(WAIT)
    monkeypatch.setattr(SqliteDatabase, "begin", begin)
    outcomes = {}

    def run(name, work):
        def target():
            with app.app_context():
                try:
                    with turn.taken():
                        work()
                    outcomes[name] = "ok"
                except Exception as error:  # noqa: BLE001 - reported below
                    outcomes[name] = repr(error)
                finally:
                    db.close()
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    def a_work():  # away inside its transaction (an upload writing its object)
        with write_tx():
            db.execute_sql("UPDATE person SET phone = phone WHERE id = 1")
            with turn.given_back():
                a_go.wait(WAIT)

    def b_work():  # begins its own transaction while A is away: gives its turn back to wait
        with write_tx():
            db.execute_sql("UPDATE person SET phone = phone WHERE id = 2")

    def c_work():  # a page's journal entry, while B holds the lock, away
        db.execute_sql("UPDATE person SET phone = phone WHERE id = 3")
    a = run("a", a_work)
    while not turn.writers_away():
        threading.Event().wait(0.01)
    b = run("b", b_work)
    b_thread.append(b)
    threading.Event().wait(0.2)  # B waits for A's lock, away
    a_go.set()
    assert b_locked.wait(WAIT)
    a.join(WAIT)
    c = run("c", c_work)
    threading.Event().wait(0.3)  # C writes: without its turn, or stuck with it
    b_go.set()
    for thread in (b, c):
        thread.join(WAIT)
    assert outcomes == {"a": "ok", "b": "ok", "c": "ok"}, outcomes

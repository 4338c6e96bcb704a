"""The turn: on SQLite, one request at a time runs the app in a process; the others wait for
their turn without competing for the interpreter, and every request gives its turn back while
it waits for something outside the process.

Why. A Carnet page is CPU-bound Python, and one process runs Python on one core at a time (the
GIL). gunicorn serves each process with threads (gunicorn.conf.py: 8), which are there to wait
for clients: a phone uploading a photo at 50 KB/s, a slow reader. But the threads that are not
waiting all run pages at once, and every call into SQLite releases the GIL and wakes another
thread: a dossier page passed the interpreter from thread to thread about a thousand times
(futex calls under strace), so with 8 busy threads the process served ~100 dossiers/s where
one thread served ~160, for the same CPU time per request. With the turn, a page runs from
start to end without handing the interpreter over, and threads are left with what they are good
at. (A request that waits on a database server does better with threads overlapping its waits:
on PostgreSQL the turn is off by default, see REQUEST_TURN.)

What a request waits for, and where it gives the turn back (`gives_way`):
- its client: the body of a POST is read in full before the request takes its turn (up to the
  largest body any route accepts: a larger one is refused by Flask without being read);
  the response is written after the request gave its turn back;
- the database's write lock, when a request of this process may hold it (it gave its turn back
  inside a transaction, see writers_away): every SQLite statement that may write then gives
  the turn back (portal/db.py). Otherwise a write keeps the turn: no request of this process
  holds the lock, and a write waits only for another process (the worker's short batches),
  so a page's journal entry does not hand the turn over and back;
- long work, mostly outside the interpreter's lock: password hashing, PDF rendering, reducing a
  photo and making a document's preview, storage I/O and sending mail.
And a request that has held its turn for LONG_TURN (50 ms) lets the waiting ones go first at
its next database statement, then goes on (`pause`): the turn is handed over in the order the
requests came. Nothing gives the turn back while it holds another lock (a thread waiting for
the turn while holding a lock that the turn's holder needs would stop both).

REQUEST_TURN: "auto" (the default: on with SQLite, off with PostgreSQL), "on" or "off"."""
import collections
import functools
import io
import tempfile
import threading
import time
from contextlib import contextmanager

SPOOL_IN_MEMORY = 1024 * 1024  # a body up to this size stays in memory, a larger one on disk
_CHUNK = 64 * 1024
# A request that has held the turn this long lets the requests waiting for it go first, at its
# next database statement (pause), then goes on: a long page (a big history, an import) delays
# the short ones by this much at most, instead of by its whole length.
LONG_TURN = 0.05


class _FifoTurn:
    """The turn itself: a lock handed to its waiters in the order they came (a plain lock may
    be taken again at once by the thread that released it, and a request that pauses would
    then never let the others through)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._held = False
        self._waiting = collections.deque()

    def acquire(self):
        with self._mutex:
            if not self._held:
                self._held = True
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiting.append(waiter)
        waiter.acquire()  # released by the holder that hands the turn over: ours now

    def release(self):
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # handed over, still held
            else:
                self._held = False

    def has_waiters(self):
        return bool(self._waiting)


_turn = _FifoTurn()
_local = threading.local()


def holds():
    """Whether this thread holds the turn."""
    return getattr(_local, "held", False)


def _take():
    _turn.acquire()
    _local.held = True
    _local.since = time.monotonic()


def _give():
    _local.held = False
    _turn.release()


# Whether this thread's database connection is inside a transaction (portal/db.py sets it):
# a request that gives its turn back there may hold the database's write lock meanwhile.
in_transaction = bool
_away_in_transaction = [0]  # requests away inside a transaction, or away to write
_away_lock = threading.Lock()


def writers_away():
    """Whether a request of this process gave its turn back inside a transaction, or to write:
    it may hold the database's write lock, so a write made now may have to wait for it
    (portal/db.py then gives the turn back while writing). Otherwise no request of this process
    holds the lock (they write only while holding the turn), and a write waits only for
    another process."""
    return _away_in_transaction[0] > 0


@contextmanager
def taken():
    """Hold the turn (waiting for it) for the block; a thread that holds it already keeps it."""
    if holds():
        yield
        return
    _take()
    try:
        yield
    finally:
        _give()


@contextmanager
def given_back(writing=False):
    """Give the turn back for the block (a wait outside the interpreter), then wait for it
    again; nothing when this thread does not hold it (the worker, a shell, the turn off).
    `writing`: the block writes to the database (so it may take the write lock meanwhile).

    A request away inside a transaction, or writing, counts among writers_away until it holds
    the turn again, counted before its write may take the lock: a request holding the turn
    then never waits, with its turn, for a lock held by one waiting for the turn."""
    if not holds():
        yield
        return
    away = writing or in_transaction()
    if away:
        _count_away(1)
    _give()
    try:
        yield
    finally:
        if not away and in_transaction():  # began a transaction while away
            away = True
            _count_away(1)
        _take()
        if away:
            _count_away(-1)


def _count_away(step):
    with _away_lock:
        _away_in_transaction[0] += step


def pause():
    """A point where a request that has held the turn for LONG_TURN lets those waiting go
    first (portal/db.py calls it before each statement)."""
    if holds() and _turn.has_waiters() and time.monotonic() - _local.since > LONG_TURN:
        with given_back():
            pass


def gives_way(function):
    """Decorator: `function` runs with the turn given back (see given_back)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not holds():
            return function(*args, **kwargs)
        with given_back():
            return function(*args, **kwargs)
    return wrapper


class _Chained(io.RawIOBase):
    """What was read ahead, then the rest of the client's stream (a body over the limit:
    werkzeug stops reading it at the limit and refuses it)."""

    def __init__(self, first, rest):
        self._streams = [first, rest]

    def readable(self):
        return True

    def readinto(self, buffer):
        while self._streams:
            data = self._streams[0].read(len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)
            self._streams.pop(0)
        return 0


def read_ahead(environ, limit):
    """Read the request's body into a spooled file and put it in place of `wsgi.input`, so that
    the app never waits for the client. A declared length over `limit` is left unread (Flask
    refuses it without reading); a chunked body is read up to `limit` + 1 bytes, and what
    follows is left to the client's stream."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length = environ.get("CONTENT_LENGTH")
    terminated = environ.get("wsgi.input_terminated")
    if length:
        try:
            wanted = int(length)
        except ValueError:
            return  # werkzeug answers 400
        if wanted <= 0 or wanted > limit:
            return
    elif terminated:
        wanted = limit + 1
    else:
        return  # no body
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    left = wanted
    while left > 0:
        data = stream.read(min(_CHUNK, left))
        if not data:
            break  # the client stopped: werkzeug sees a short body (400)
        spool.write(data)
        left -= len(data)
    spool.seek(0)
    if not length and left == 0:  # a chunked body over the limit: the rest stays with the client
        environ["wsgi.input"] = io.BufferedReader(_Chained(spool, stream))
    else:
        environ["wsgi.input"] = spool


class TurnMiddleware:
    """WSGI: read the body ahead, then run the app holding the turn. The response's body is
    iterated (and written to the client) after the turn is given back."""

    def __init__(self, wsgi_app, body_limit):
        self.wsgi_app = wsgi_app
        self.body_limit = body_limit

    def __call__(self, environ, start_response):
        read_ahead(environ, self.body_limit)
        with taken():
            return self.wsgi_app(environ, start_response)


def enabled(config, sqlite):
    """Whether the turn is on for this configuration (see the module's docstring). Only with
    SQLite: a PostgreSQL statement may wait for a row another request locked, and that request
    could be waiting for the turn (it gave its turn back mid-transaction, to write an object,
    say): both would wait for ever."""
    setting = str(config.get("REQUEST_TURN") or "auto").strip().lower()
    if setting not in ("auto", "on", "off"):
        raise ValueError("REQUEST_TURN must be auto, on or off")
    if setting == "on" and not sqlite:
        raise ValueError("REQUEST_TURN=on needs SQLite: with PostgreSQL leave it to auto (off)")
    return setting == "on" or (setting == "auto" and sqlite)


def init_app(app, sqlite):
    """Wrap the app's WSGI callable when the turn is on (`sqlite`: the app's database is)."""
    if not enabled(app.config, sqlite):
        return
    limit = max(app.config.get("MAX_UPLOAD_REQUEST_BYTES") or 0,
                app.config.get("MAX_CONTENT_LENGTH") or 0)
    app.wsgi_app = TurnMiddleware(app.wsgi_app, limit)

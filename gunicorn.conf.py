"""gunicorn settings for every way Carnet is served: scripts/serve.sh (`make run`), the
Procfile, deploy/carnet-web.service and benchmarks/throughput.py (Carnet and its bare Flask
baseline alike) all start gunicorn with `-c gunicorn.conf.py` and set nothing else but the
address (`--bind`). WEB_CONCURRENCY (processes) and WEB_THREADS (threads per process) override
the choices below.

Why these numbers (measured on a 2-core machine shared with other jobs; the throughput bench's
thread rows, `python -m benchmarks.throughput threads [sqlite|postgresql]`, show them again):

- A Carnet page is CPU-bound Python (SQL text building, Jinja), and one process runs Python on
  one core at a time (the GIL). Threads add no capacity to a process: the CPU time of a dossier
  request is the same with 1, 2, 4 or 8 threads serving at once (in-process, SQLite 6.8 / 6.5 /
  7.0 ms at 1 / 2 / 8 threads; PostgreSQL 7.8 / 7.6 / 7.4 / 7.2 ms at 1 / 2 / 4 / 8), so no
  lock, thread-local lookup or pool in Carnet grows with threads. What grows is GIL hand-offs:
  every sqlite3 or psycopg2 call releases the GIL and wakes a waiting thread (voluntary
  context switches per dossier request under gunicorn: about 4 with 1 thread, 7-10 with 2,
  19-28 with 4, 27-30 with 8; futex calls per request under strace: 17 with 1 thread, 51
  with 2, 1,100-1,400 with 8), and while the woken thread gets a core the GIL does nothing.
  That is the lead's gap on a quiet machine (one process, 157-172 dossiers/s with
  `--threads 1`, 97-113 with 8), together with a different server: `--threads 1` alone is
  gunicorn's sync worker, without keep-alive.
  Capacity comes from processes: one per core, as soon as the throttles' counters are shared.
  (On a machine busy with other programs, 8 threads do serve more requests/s than 2 at the
  same CPU time per request: they take a larger share of the cores from the other programs,
  which a web machine running one process per core has no spare of.)
- With SQLite, the hand-offs are avoided rather than endured: portal/turn.py lets one request
  at a time run the app in a process, and a request gives its turn back only while it waits
  (its client, SQLite's write lock, argon2, a PDF, the object store, mail). With PostgreSQL
  the turn is off by default: there a request's waits for the server are worth overlapping.
- Threads stay for what they are good at: waiting. A PostgreSQL request waits 4-7 ms per dossier
  for the server (12 round trips; more when the server is another machine) for 8-9 ms of CPU.
  And on either database a request waits for its client: gthread reads a request's body in its
  worker thread, so an upload from a phone on a slow network (a 5 MB photo at 50 KB/s: 100 s)
  holds a thread that long. With 2 threads, two such uploads would stop the embedded server
  for everyone. So 8 threads per process, on both databases: the hand-offs above cost CPU only
  while threads compete, and on the shared machine the bench ran on, 8 threads served the
  most dossiers per second (SQLite 74-84 req/s against 48-57 with 2).
- Worker class gthread even with one thread: gunicorn would otherwise pick its sync worker,
  which closes the connection after every response (no keep-alive).
- Processes: as many as cores when the throttles count in shared storage (Redis); one with
  `memory://` counters (the embedded default), since each process would count only its own
  failed logins and an attacker would get one set of tries per process (README: Running
  several machines)."""
import os

# Threads per process by database (see above).
THREADS = {"sqlite": 8, "postgresql": 8}


def database_kind(environ):
    """The database, "postgresql" or "sqlite", as portal/db.py reads DATABASE_URL (SQLite
    when unset)."""
    url = environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgresql", "postgres:")) else "sqlite"


def shared_throttle(environ):
    """Whether the throttles count in storage every process shares (portal/config.py's
    RATELIMIT_STORAGE_URI: given, or Redis when the queue is on Redis, else memory://)."""
    uri = environ.get("RATELIMIT_STORAGE_URI") or (
        environ.get("HUEY_URL", "") if environ.get("HUEY_URL", "").startswith("redis") else "")
    return bool(uri) and not uri.startswith("memory:")


def cores():
    """The CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def choose(environ):
    """{"workers", "threads"} for this environment (WEB_CONCURRENCY / WEB_THREADS override)."""
    workers = environ.get("WEB_CONCURRENCY") or (cores() if shared_throttle(environ) else 1)
    threads = environ.get("WEB_THREADS") or THREADS[database_kind(environ)]
    return {"workers": int(workers), "threads": int(threads)}


_chosen = choose(os.environ)
workers = _chosen["workers"]
threads = _chosen["threads"]
worker_class = "gthread"
accesslog = "-"

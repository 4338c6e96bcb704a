"""`make bench` and `make bench-scale`: every figure of issue 14's table, each measured as a
ratio against its baseline measured in the same run, printed as a Markdown table and written to
bench-results.md (bench-results-scale.md for the scale run; both git-ignored).

    python -m benchmarks            the embedded setup (SQLite), about 10 minutes
    python -m benchmarks --scale    starts a throw-away PostgreSQL 15 cluster, Redis and the S3
                                    server (tests/s3server.py), runs the PostgreSQL figures, and
                                    stops every one of them by PID, even on failure

Modules measuring a figure expose `rows(...)` returning benchmarks.common.Row items (or
(label, value) pairs). Where a module takes a database, it is "sqlite" for the embedded setup
(the module builds its own SQLite database) or the URL of the PostgreSQL server the scale run
started (the module creates its own databases in it).
"""
import atexit
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.common import (Row, bare_client, logged_in_client, median_ms,  # noqa: E402
                               seeded_sqlite)
from benchmarks.report import print_table  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "100"))
WIRE_GOAL = 30 * 1024
YEAR = 365 * 24 * 3600
FAILED = []


def optional(module, label, *args, fn="rows", **kwargs):
    """Rows of a module another part of issue 14 writes. Until those branches are merged the
    module may be absent: the row then says so instead of stopping the run (this is only so
    that this branch runs on its own; once merged every module is present)."""
    try:
        found = importlib.import_module(f"benchmarks.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"benchmarks.{module}":
            raise
        return [Row(label, "not measured (module missing)")]
    return list(getattr(found, fn)(*args, **kwargs))


def section(title, measure):
    """Run one group of figures; a failure is reported in the table (and in the exit status),
    and the other groups still run."""
    print(f"… {title}", flush=True)
    started = time.perf_counter()
    try:
        rows = list(measure())
    except Exception as exc:  # noqa: BLE001 (reported, and the run exits non-zero)
        traceback.print_exc()
        FAILED.append(title)
        return [Row(title, f"failed: {type(exc).__name__}: {exc}"[:200], met=False)]
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return rows


# --- the embedded setup (SQLite) ----------------------------------------------------------

def server_time_rows(app, camille, anonymous, baseline):
    from benchmarks.weight import on_the_wire
    rows = []
    for label, client, url in (("login", anonymous, "/connexion"),
                               ("dossier", camille, "/dossier/")):
        plain, _ = on_the_wire(client, url, encodings="identity")
        sent, max_age = on_the_wire(client, url)
        rows.append(Row(f"bytes on the wire, first load, {label} (headers + bodies)",
                        f"{sent / 1024:.1f} KB", f"{plain / 1024:.1f} KB uncompressed",
                        sent / plain, "≤ 30 KB (and the 40 KB page budget)",
                        sent <= WIRE_GOAL))
        rows.append(Row(f"static files' cache lifetime, {label} page",
                        f"{max_age / 86400:.0f} days", "—", None, "a year",
                        max_age >= YEAR))
    for label, client, url in (("login page", anonymous, "/connexion"),
                               ("dossier page", camille, "/dossier/"),
                               ("settings page", camille, "/parametres/")):
        ms = median_ms(client, url, RUNS)
        rows.append(Row(f"server time, {label} (in-process, median of {RUNS})", f"{ms:.2f} ms",
                        f"{baseline:.3f} ms (bare page)", ms / baseline))
    return rows


def fresh(measure):
    """Run `measure(app)` on a seeded database of its own (it grows it), then remove it."""
    app, workdir = seeded_sqlite()
    try:
        return measure(app)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def embedded():
    from benchmarks import documents, export, history, sessions, summary
    results = {}
    # The figures measured on this process's app first: a module that builds an app of its
    # own rebinds the one database proxy (portal.extensions.db) to its database.
    app, workdir = seeded_sqlite()
    baseline = median_ms(bare_client(), "/", RUNS)
    anonymous = app.test_client()
    camille = logged_in_client(app, "camille.martin@example.org")
    results["pages"] = section("page weights and server times",
                               lambda: server_time_rows(app, camille, anonymous, baseline))
    results["sessions"] = section("anonymous sessions", lambda: sessions.rows(app))
    results["documents"] = section("documents list",
                                   lambda: documents.rows(app, baseline, RUNS))
    results["summary"] = section("Ma synthèse", lambda: summary.rows(app))
    results["export"] = section("Télécharger mes données", lambda: export.rows(app))
    shutil.rmtree(workdir, ignore_errors=True)

    results["throughput"] = section("throughput (SQLite)", lambda: optional(
        "throughput", "logged-in page throughput / bare Flask page (SQLite)", "sqlite",
        processes=1))
    # The dossier at 1, 2, 4 and 8 threads in one process: why gunicorn.conf.py chose its
    # threads (the figures behind its comment).
    results["throughput"] += section("throughput by threads (SQLite)", lambda: optional(
        "throughput", "dossier throughput by gunicorn threads (SQLite)", "sqlite",
        fn="thread_rows"))
    # The turn on and off (portal/turn.py): why it is on by default with SQLite.
    results["throughput"] += section("the turn on and off (SQLite)", lambda: optional(
        "throughput", "dossier and agenda throughput, the turn on and off (SQLite)", "sqlite",
        fn="turn_rows"))
    results["history"] = section("history page", lambda: fresh(history.rows))
    results["journal"] = section("audit verify", lambda: optional(
        "journal", "journal: audit verify entries/s, 1 M entries", "sqlite"))
    results["slow3g"] = section("Slow 3G", lambda: optional(
        "slow3g", "Slow 3G + 4× CPU, navigation → load, dossier / bare page"))
    results["measures"] = section("measures page", lambda: optional(
        "measures", "measures page, 5,000 vs 13 values (time and bytes)"))
    results["reimbursements"] = section("reimbursement history", lambda: optional(
        "reimbursements", "reimbursement import (lines/s) and timeline"))
    results["postgresql"] = [Row("PostgreSQL figures (throughput with 1 and 2 processes, "
                                 "journal appends, connections)", "see `make bench-scale`")]
    # In the order of issue 14's table, then the figures kept from earlier benches.
    order = ("throughput", "postgresql", "history", "journal", "pages", "slow3g", "measures",
             "sessions", "documents", "summary", "export", "reimbursements")
    return [row for key in order for row in results[key]]


# --- several machines (PostgreSQL, Redis, S3) ---------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Everything the scale run starts, stopped by PID at the end (finally, and atexit for an
    interpreter that exits some other way)."""

    def __init__(self):
        self.stops = []
        atexit.register(self.stop_all)

    def add(self, stop):
        self.stops.append(stop)

    def stop_all(self):
        while self.stops:
            stop = self.stops.pop()
            try:
                stop()
            except Exception:  # noqa: BLE001 (the others must still be stopped)
                traceback.print_exc()


def _start_redis(processes):
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is missing (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL,
                               start_new_session=True)

    def stop():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    processes.add(stop)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return f"redis://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def scale():
    from tests.pgcluster import PgCluster
    processes = Processes()
    rows = []
    try:
        cluster = PgCluster()
        processes.add(cluster.stop)
        database = cluster.start()
        redis = _start_redis(processes)
        # Modules start gunicorn and consumers of their own: they inherit the queue, the
        # throttles' storage and the object store through the environment.
        os.environ.update(HUEY_URL=f"{redis}/0", RATELIMIT_STORAGE_URI=f"{redis}/1")
        try:
            from tests.s3server import start_s3
        except ModuleNotFoundError:  # until the storage branch is merged (see optional())
            rows.append(Row("S3 object store", "not started (tests/s3server.py missing)"))
        else:
            import tempfile
            s3 = start_s3(tempfile.mkdtemp(prefix="carnet-bench-s3-"))
            processes.add(s3.stop)
            os.environ.update(s3.env())
        from benchmarks import connections
        rows += section("PostgreSQL connections", lambda: connections.rows(database))
        for count in (1, 2):
            rows += section(f"throughput, PostgreSQL, {count} process(es)",
                             lambda c=count: optional(
                "throughput", f"logged-in page throughput / bare Flask page (PostgreSQL, "
                f"{c} gunicorn process(es))", database, processes=c))
        rows += section("prepared statements on and off, PostgreSQL", lambda: optional(
            "throughput", "dossier throughput and server CPU, prepared statements on and off "
            "(PostgreSQL, 1 and 2 processes)", database, fn="prepared_rows"))
        rows += section("throughput by threads, PostgreSQL", lambda: optional(
            "throughput", "dossier throughput by gunicorn threads (PostgreSQL)", database,
            fn="thread_rows"))
        rows += section("journal appends", lambda: optional(
            "journal", "journal appends/s on PostgreSQL, 1 and 16 writers / plain INSERT",
            database))
    finally:
        processes.stop_all()
    return rows


def main(argv):
    at_scale = "--scale" in argv
    started = time.perf_counter()
    rows = scale() if at_scale else embedded()
    path = os.path.join(ROOT, "bench-results-scale.md" if at_scale else "bench-results.md")
    title = ("Carnet benchmarks, several machines (PostgreSQL 15, Redis, S3)" if at_scale
             else "Carnet benchmarks, embedded setup (SQLite)")
    print_table(rows, path, f"{title}, {time.perf_counter() - started:.0f} s")
    print(f"written to {os.path.relpath(path, ROOT)}")
    if FAILED:
        print("failed: " + ", ".join(FAILED), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

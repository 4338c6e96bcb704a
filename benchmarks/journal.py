"""The journal at scale: sealing and verification speed on N entries, and appends/s with 1 and 16
writers against plain INSERTs into a table of the same shape (same run, same database).

    .venv/bin/python -m benchmarks.journal                      # SQLite, 1,000,000 entries
    .venv/bin/python -m benchmarks.journal --postgres           # also PostgreSQL, + appends/s
    .venv/bin/python -m benchmarks.journal --entries 100000 --seconds 5

PostgreSQL is a throw-away cluster started here on 127.0.0.1 (tests/pgcluster.py) and stopped
at the end. Targets (issue 14): verify >= 200,000 entries/s; 16 writers >= 0.7x plain INSERT.
"""
import argparse
import multiprocessing
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

CHUNK = 10_000


def make_app(url):
    from portal import create_app
    from portal.config import TestConfig
    return create_app(TestConfig, DATABASE_URL=url, STORAGE_DIR=tempfile.mkdtemp())


def prepare(url):
    """Migrate and seed (a few patients for the per-patient chains)."""
    from portal.extensions import db
    from portal.migrations import upgrade
    from portal.seed import seed_demo
    app = make_app(url)
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(echo=lambda *_: None)
        seed_demo()
        db.close()
    return app


def fill(app, count):
    """`count` entries by bulk INSERT, spread over the demo patients and "no patient"."""
    from portal.accounts.models import Person, utcnow
    from portal.audit import ActivityEvent
    from portal.extensions import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        people = [p.id for p in Person.select(Person.id)] + [None]
        now = utcnow()
        started = time.perf_counter()
        for low in range(0, count, CHUNK):
            rows = [{"at": now, "actor": None, "actor_name": "Benchmark", "action": "dossier.view",
                     "patient": people[i % len(people)], "object_type": "document",
                     "object_id": str(i), "via": "self", "outcome": "ok",
                     "detail": f"/dossier/documents/{i}", "ip": "127.0.0.1"}
                    for i in range(low, min(count, low + CHUNK))]
            with db.atomic():
                ActivityEvent.insert_many(rows).execute()
        elapsed = time.perf_counter() - started
        db.close()
    return elapsed


def seal_and_verify(app):
    from portal.audit.seal import seal_pending, signing_key
    from portal.audit.verify import verify
    from portal.extensions import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        key = signing_key()
        started = time.perf_counter()
        sealed = seal_pending(key=key)
        seal_s = time.perf_counter() - started
        report = verify(full=True, public_key=key.public_key(),
                        database_url=app.config["DATABASE_URL"], workers=os.cpu_count() or 1)
        # The same in this one process, in CPU seconds: what a core does, whatever else the
        # machine runs (PostgreSQL's own work for the SELECTs is not counted).
        cpu = time.process_time()
        alone = verify(full=True, public_key=key.public_key())
        cpu = time.process_time() - cpu
        db.close()
    assert report.intact and report.pending == 0 and alone.intact, report
    return sealed, seal_s, report.checked, report.duration_ms / 1000, cpu


# ------------------------------------------------------------------ appends/s (PostgreSQL)

def _writer(url, table, seconds, start, counter):
    """One writer process: appends (autocommit, one entry per transaction, as a request does)
    until `seconds` have passed after `start`."""
    from portal import audit
    from portal.audit import ActivityEvent
    from portal.extensions import db
    app = make_app(url)

    class Plain(ActivityEvent):
        class Meta:
            table_name = "bench_plain"

    with app.app_context():
        db.connect(reuse_if_open=True)
        start.wait()  # every process imported and connected: they all append at once
        stop = time.perf_counter() + seconds
        done = 0
        while time.perf_counter() < stop:
            if table == "journal":
                audit.record("dossier.view", detail="/dossier/", via="self")
            else:
                Plain.insert(at=audit.utcnow(), actor_name="", action="dossier.view",
                             object_type="", object_id="", via="self", outcome="ok",
                             detail="/dossier/", ip="").execute()
            done += 1
        db.close()
    with counter.get_lock():
        counter.value += done


def _sealer(url, seconds, start):
    """The worker sealing every second while the writers append."""
    from portal.audit.seal import seal_for
    from portal.extensions import db
    app = make_app(url)
    with app.app_context():
        db.connect(reuse_if_open=True)
        start.wait()
        seal_for(seconds, every=1.0)
        db.close()


def appends_per_second(url, table, writers, seconds):
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers + (1 if table == "journal" else 0))
    counter = context.Value("l", 0)
    procs = [context.Process(target=_writer, args=(url, table, seconds, start, counter))
             for _ in range(writers)]
    if table == "journal":
        procs.append(context.Process(target=_sealer, args=(url, seconds + 1, start)))
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return counter.value / seconds


def append_table(url, seconds):
    from portal.extensions import db
    app = make_app(url)
    with app.app_context():
        db.connect(reuse_if_open=True)
        db.execute_sql('CREATE TABLE IF NOT EXISTS "bench_plain" '
                       '(LIKE "activity_event" INCLUDING DEFAULTS INCLUDING INDEXES)')
        db.execute_sql('CREATE SEQUENCE IF NOT EXISTS "bench_plain_seq" '
                       'OWNED BY "bench_plain"."id"')
        db.execute_sql('ALTER TABLE "bench_plain" ALTER COLUMN "id" '
                       "SET DEFAULT nextval('bench_plain_seq')")
        db.close()
    rows = []
    for writers in (1, 16):
        plain = appends_per_second(url, "plain", writers, seconds)
        journal = appends_per_second(url, "journal", writers, seconds)
        rows.append((writers, plain, journal))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--seconds", type=float, default=10.0, help="per append measurement")
    args = parser.parse_args()
    results = []
    cluster = None
    backends = [] if args.no_sqlite else ["sqlite"]
    if args.postgres:
        backends.append("postgresql")
    try:
        appends = None
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='carnet-journal-')}/journal.db"
            else:
                from pgcluster import PgCluster
                cluster = PgCluster()
                url = cluster.start()
            app = prepare(url)
            fill_s = fill(app, args.entries)
            sealed, seal_s, checked, verify_s, cpu_s = seal_and_verify(app)
            results.append((backend, args.entries, fill_s, sealed, seal_s, checked, verify_s,
                            cpu_s))
            if backend == "postgresql":
                appends = append_table(url, args.seconds)
        print(f"\nJournal, {args.entries:,} entries")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'backend':<11} {'bulk insert/s':>14} {'seal/s':>10} {'verify/s':>10} "
              f"{'verify s':>9} {'1 core CPU/s':>13}  target verify >= 200,000/s")
        for backend, count, fill_s, sealed, seal_s, checked, verify_s, cpu_s in results:
            print(f"{backend:<11} {count / fill_s:>14,.0f} {sealed / seal_s:>10,.0f} "
                  f"{checked / verify_s:>10,.0f} {verify_s:>9.2f} {checked / cpu_s:>13,.0f}  "
                  f"{'ok' if checked / verify_s >= 200_000 else 'BELOW'}")
        if appends:
            print("\nAppends/s on PostgreSQL (one entry per transaction; sealer running)")
            print(f"{'writers':>7} {'plain INSERT/s':>15} {'journal/s':>10} {'ratio':>6}  "
                  "target 16 writers >= 0.7x")
            for writers, plain, journal in appends:
                print(f"{writers:>7} {plain:>15,.0f} {journal:>10,.0f} {journal / plain:>6.2f}")
    finally:
        if cluster is not None:
            cluster.stop()


def _own_database(url, name):
    """A fresh database `name` on the PostgreSQL server of `url` (the bench driver's cluster):
    the journal figures migrate and seed their own."""
    from urllib.parse import urlparse, urlunparse
    import psycopg2
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _read_rate(app):
    """Entries/s of a plain SELECT of the whole journal (the verifier's floor: it reads them)."""
    from portal.audit import ActivityEvent
    from portal.extensions import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        started = time.perf_counter()
        count = sum(1 for _ in ActivityEvent.select().tuples().iterator())
        elapsed = time.perf_counter() - started
        db.close()
    return count / elapsed


def rows(database, entries=None, seconds=None):
    """The bench driver's rows: with "sqlite", `audit verify` on BENCH_JOURNAL_SIZE entries
    (1 M) against a plain read of the same rows; with a PostgreSQL URL, appends/s with 1 and 16
    writers against plain INSERTs into a table of the same shape."""
    from benchmarks.common import Row
    entries = entries or int(os.environ.get("BENCH_JOURNAL_SIZE", "1000000"))
    seconds = seconds or float(os.environ.get("BENCH_APPEND_SECONDS", "10"))
    if database == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='carnet-journal-')}/journal.db"
        app = prepare(url)
        fill(app, entries)
        sealed, seal_s, checked, verify_s, cpu_s = seal_and_verify(app)
        read = _read_rate(app)
        rate = checked / verify_s
        return [
            Row(f"journal: seal, {entries:,} entries (SQLite)", f"{sealed / seal_s:,.0f}/s"),
            Row(f"journal: audit verify --full, {entries:,} entries (SQLite, "
                f"{os.cpu_count()} processes)", f"{rate:,.0f}/s",
                f"{read:,.0f}/s (SELECT of the same rows)", rate / read, "≥ 200,000/s",
                rate >= 200_000),
            Row("journal: audit verify, one core's CPU", f"{checked / cpu_s:,.0f}/s"),
        ]
    url = _own_database(database, "bench_journal")
    prepare(url)
    out = []
    for writers, plain, journal in append_table(url, seconds):
        out.append(Row(f"journal appends/s on PostgreSQL, {writers} writer(s), sealer running",
                       f"{journal:,.0f}/s", f"{plain:,.0f}/s plain INSERT", journal / plain,
                       "≥ 0.7× (16 writers)", journal / plain >= 0.7 if writers == 16 else None))
    return out


if __name__ == "__main__":
    main()

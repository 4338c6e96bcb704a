"""The history page (GET /dossier/historique/ as the patient) with a journal of 1 k entries,
then of 1 M entries (BENCH_JOURNAL_SIZE lowers the big one), on SQLite.

The patient's own entries stay the same: the other entries belong to 1,000 other people, as
in a national service where one person's page must not pay for everyone's journal. Entries
are bulk-inserted (executemany, in chunks, one transaction) from the columns of real entries
the seed wrote, so that the rows have the shape the app gives them. A journal that links its
entries at append time (a hash chain with a head row) is linked here the same way; one sealed
later by a worker is sealed here with that worker's function before measuring.

"Cold" is the first request for the page in a fresh process (after a login in that process,
which every visit needs); "warm" is the median of the requests after it.

`python -m benchmarks.history` prints the rows on their own.
"""
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from benchmarks.common import Row

PATIENT = "camille.martin@example.org"
URL = "/dossier/historique/"
SMALL = 1_000
BIG = int(os.environ.get("BENCH_JOURNAL_SIZE", "1000000"))
OTHERS = 1_000          # people the other entries belong to
CHUNK = 2_000           # rows per executemany batch
WARM_RUNS = int(os.environ.get("BENCH_HISTORY_RUNS", "30"))
TEMPLATE_ACTIONS = (("dossier.view", ""), ("documents.open", "document"),
                    ("messaging.read", "conversation"))
GOAL = 1.2              # issue 14: the 1 M page costs at most 1.2x the 1 k page


def _other_people():
    """Create the 1,000 other people the filler entries are about; returns their ids."""
    from portal.accounts.models import Person
    first = Person.select().where(Person.family_name == "Témoin").count()
    if first < OTHERS:
        Person.insert_many([{"family_name": "Témoin", "given_names": f"Personne {i}",
                             "birth_date": date(1950, 1, 1) + timedelta(days=i * 17),
                             "sex": "F" if i % 2 else "M"} for i in range(first, OTHERS)]
                           ).execute()
    return [p.id for p in Person.select(Person.id).where(Person.family_name == "Témoin")]


def fill(app, total):
    """Top the journal up to `total` entries; returns (entries added, seconds)."""
    from portal import audit
    from portal.extensions import db
    model = audit.ActivityEvent
    started = time.perf_counter()
    with app.app_context():
        db.connect(reuse_if_open=True)
        have = model.select().count()
        if have >= total:
            db.close()
            return 0, 0.0
        people = _other_people()
        templates = list(model.select().where(model.patient.in_(people)).limit(10))
        if not templates:  # a few entries through the app's own append path, to copy
            from portal.accounts.models import Person
            for action, kind in TEMPLATE_ACTIONS:
                audit.record(action, patient=Person.get_by_id(people[0]), obj_type=kind,
                             obj_id="1")
            templates = list(model.select().where(model.patient.in_(people)))
        fields = [f for f in model._meta.sorted_fields if f.name != "id"]
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        marks = ", ".join("?" for _ in fields)
        sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
        chained = "prev_hash" in model._meta.fields  # linked at append time (head row)
        head = audit.AuditHead.get_or_none(audit.AuditHead.id == 1) if chained else None
        prev = head.last_hash if head else getattr(audit, "GENESIS", "")
        start_at = datetime(2020, 1, 1)
        raw = db.connection()
        count = total - have
        # Each row is a template's values (as the database holds them) with its own time and
        # person; only those columns, and the chain's when there is one, change per row.
        names = [f.name for f in fields]
        shapes = [[f.db_value(t.__data__.get(f.name)) for f in fields] for t in templates]
        for shape in shapes:
            shape[names.index("actor")] = None
            shape[names.index("actor_name")] = "Agent d’accueil"
            shape[names.index("ip")] = ""
            shape[names.index("detail")] = ""
        at, patient = names.index("at"), names.index("patient")
        with db.atomic():
            for chunk_start in range(0, count, CHUNK):
                batch = []
                for i in range(chunk_start, min(count, chunk_start + CHUNK)):
                    row = list(shapes[i % len(shapes)])
                    row[at] = start_at + timedelta(seconds=i * 7)
                    row[patient] = people[i % len(people)]
                    if chained:
                        prev = _link(audit, names, row, prev)
                    batch.append(row)
                raw.executemany(sql, batch)
            if chained:
                audit.AuditHead.update(last_hash=prev, count=model.select().count()).where(
                    audit.AuditHead.id == 1).execute()
        db.close()
    return count, time.perf_counter() - started


def _link(audit, names, row, prev):
    """Give `row` its place in a chain linked at append time; returns its hash."""
    event = SimpleNamespace(**dict(zip(names, row)))
    event.actor_id, event.patient_id = event.actor, event.patient
    row[names.index("prev_hash")] = prev
    row[names.index("hash")] = digest = audit._digest(prev, audit._fields(event))
    return digest


def seal(app):
    """Seal every pending entry with the journal's own sealer, when it has one; seconds."""
    try:
        from portal.audit.seal import seal_pending
    except ImportError:
        return None  # a journal linked at append time: nothing waits for a worker
    from portal.extensions import db
    started = time.perf_counter()
    with app.app_context():
        db.connect(reuse_if_open=True)
        seal_pending()
        db.close()
    return time.perf_counter() - started


def measure(database_url):
    """In a fresh process: log in, time the first history page (cold), then warm ones."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.history", "--measure", database_url],
                         capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_here(database_url):
    from benchmarks.common import logged_in_client, make_app
    app = make_app(database_url)
    client = logged_in_client(app, PATIENT)
    started = time.perf_counter()
    response = client.get(URL)
    cold = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    samples = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        response = client.get(URL)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(json.dumps({"cold_ms": cold, "warm_ms": statistics.median(samples)}))


def rows(app):
    """The history rows, on the seeded SQLite app given (its journal is grown in place)."""
    url = app.config["DATABASE_URL"]
    added, seconds = fill(app, SMALL)
    sealed = seal(app)
    small = measure(url)
    added, build = fill(app, BIG)
    sealed = seal(app)
    big = measure(url)
    note = f"{added:,} entries inserted in {build:.1f} s"
    if sealed is not None:
        note += f", sealed in {sealed:.1f} s"
    result = []
    for kind in ("warm", "cold"):
        ratio = big[f"{kind}_ms"] / small[f"{kind}_ms"]
        result.append(Row(f"history page, journal of {BIG:,} vs {SMALL:,} entries, {kind}",
                          f"{big[f'{kind}_ms']:.1f} ms", f"{small[f'{kind}_ms']:.1f} ms",
                          ratio, f"≤ {GOAL}×", ratio <= GOAL))
    result.append(Row(f"journal of {BIG:,} entries built (bench set-up)", note))
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        _measure_here(sys.argv[2])
    else:
        import shutil

        from benchmarks.common import seeded_sqlite
        from benchmarks.report import print_table
        app, workdir = seeded_sqlite()
        try:
            print_table(rows(app))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

"""Verifying the sealed journal, never inside a page request.

For each seal, in order: its number follows the previous one, it names the previous seal's hash,
its tree size adds up, its hash covers its fields and its signature (JOURNAL_SIGNING_KEY, which
the database does not hold) is valid; the Merkle root recomputed from its entries matches; each
entry's stored hash is its content's; each entry links to its patient's previous entry.

The background verifier (`check()`, a periodic task) starts where it last stopped (the
JournalVerification row) and checks only new seals; `flask --app wsgi audit verify --full`
walks everything. Truncation (entries and seals deleted from the end, the verifier's row rewound
too) is caught against checkpoints witnessed outside the database: the last one the verifier
saw is appended to JOURNAL_WITNESS_FILE, and a published checkpoint is checked with
`audit verify --checkpoint FILE`. Unsealed entries are counted as pending, never as broken.
"""
import base64
import hashlib
import os
import time
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidSignature
from flask import current_app

from ..accounts.models import utcnow
from ..extensions import db
from . import ERASED_SPACE, GENESIS, ActivityEvent, JournalSeal, JournalVerification
from .seal import (ORIGIN, canonical_json, checkpoint_body, key_id, merkle_root_of,
                   not_in_a_deleted_chain,
                   seal_text, select_columns, signing_key, timestamp)

ALERT_ACTION = "audit.broken"
ALERT_EVERY = timedelta(hours=1)
CHUNK_ENTRIES = 50_000
SEAL_COLUMNS = ("seq", "first_entry_id", "last_entry_id", "count", "tree_size", "root",
                "prev_hash", "seal_hash", "sealed_at", "signature")
def entry_sql(postgres, low, high):
    """The entries of seals low to high, in the journal's order."""
    return (f'SELECT "seal_id", "entry_hash", "patient_prev", {select_columns(postgres)}, '
            f'"erased_at" IS NOT NULL FROM "activity_event" '
            f'WHERE "seal_id" >= {int(low)} AND "seal_id" <= {int(high)} '
            'ORDER BY "seal_id", "id"')


@dataclass
class Report:
    intact: bool = True
    problem: str = ""
    broken_seal: int | None = None
    broken_entry: int | None = None
    detail: str = ""
    checked: int = 0          # entries verified in this run
    seals: int = 0            # seals verified in this run
    seq: int = 0              # the last seal found intact …
    seal_hash: str = GENESIS  # … its hash
    tree_size: int = 0        # … and the entries sealed up to it
    pending: int = 0
    oldest_pending_at: object = None
    duration_ms: float = 0.0

    def fail(self, problem, seal=None, entry=None, detail=""):
        if self.intact:
            self.intact, self.problem = False, problem
            self.broken_seal, self.broken_entry, self.detail = seal, entry, detail
        return self


def _sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seal_ok(seal, public_key):
    """A seal's own hash and signature (seal: a tuple in SEAL_COLUMNS order)."""
    seq, first, last, count, size, root, prev, seal_hash, sealed_at, signature = seal
    if _sha(seal_text(seq, first, last, count, size, root, prev, sealed_at)) != seal_hash:
        return "seal_hash"
    try:
        public_key.verify(base64.b64decode(signature),
                          checkpoint_body(size, seal_hash).encode("utf-8"))
    except (InvalidSignature, ValueError):
        return "signature"
    return None


class _Heads(dict):
    """Each patient's last verified entry hash; before the first seal checked in this run,
    read from the database (entries already verified), GENESIS for a new chain."""

    def __init__(self, before_seq):
        super().__init__()
        self.before_seq = before_seq

    def __missing__(self, patient):
        value = GENESIS
        if self.before_seq:
            query = (ActivityEvent.select(ActivityEvent.entry_hash)
                     .where(ActivityEvent.seal.is_null(False),
                            ActivityEvent.seal <= self.before_seq)
                     .order_by(ActivityEvent.seal.desc(), ActivityEvent.id.desc()).limit(1))
            query = query.where(not_in_a_deleted_chain(patient))
            row = query.tuples().first()
            value = row[0] if row else GENESIS
        self[patient] = value
        return value


def check_chunk(seals, rows):
    """The entries of consecutive seals ((seq, count, root) each), rows ordered by (seal, id):
    each stored hash is its content's, each patient link inside the chunk holds, each seal's
    count and Merkle root match. Returns (problem or None, first, last): first = {patient:
    (patient_prev, entry id, seal)} of each patient's first entry here, last = {patient: hash}
    of its last one, for the links across chunks. The inner loop is the verifier's speed."""
    sha = hashlib.sha256
    dumps = _DUMPS
    first, last, leaves_of = {}, {}, {}
    for row in rows:
        at = row[4]
        if at.__class__ is str:
            at = at.replace(" ", "T")
            if len(at) == 19:
                at += ".000000"
        else:
            at = timestamp(at)
        digest = sha(dumps((row[3], at) + row[5:-1]).encode()).digest()
        text = digest.hex()
        if text != row[1]:
            if not row[-1]:
                return ("entry_hash", row[0], row[3], ""), first, last
            # An erased entry (its space was deleted): its content is gone, its stored hash
            # is the leaf; the chain of a deleted space ends with it (ERASED_SPACE).
            text = row[1]
            digest = bytes.fromhex(text)
            if row[9] == ERASED_SPACE:
                leaves_of.setdefault(row[0], []).append(digest)
                continue
        patient = row[7]
        before = last.get(patient)
        if before is None:
            first[patient] = (row[2], row[3], row[0])
        elif before != row[2]:
            return ("patient_chain", row[0], row[3], ""), first, last
        last[patient] = text
        leaves = leaves_of.get(row[0])
        if leaves is None:
            leaves = leaves_of[row[0]] = []
        leaves.append(digest)
    for seq, count, root in seals:
        leaves = leaves_of.pop(seq, [])
        if len(leaves) != count:
            return ("count", seq, None, f"{len(leaves)} of {count}"), first, last
        if merkle_root_of(leaves).hex() != root:
            return ("merkle", seq, None, ""), first, last
    return None, first, last


_DUMPS = canonical_json


def _chunk_rows(seals):
    from ..db import is_postgres
    return db.execute_sql(entry_sql(is_postgres(), seals[0][0], seals[-1][0]))


def _chunk_in_worker(task):
    """A chunk checked in a worker process, on a connection of its own."""
    database_url, seals = task
    from ..db import open_database
    database = open_database(database_url)
    try:
        from peewee import PostgresqlDatabase
        postgres = isinstance(database, PostgresqlDatabase)
        rows = database.execute_sql(entry_sql(postgres, seals[0][0], seals[-1][0])).fetchall()
    finally:
        database.close()
    return check_chunk(seals, rows)


def _check_entries(report, chunks, heads, database_url=None, workers=1):
    """Check the entries of each chunk of seals (in worker processes when asked: the hashing
    is CPU-bound), then link each patient's chain across chunks, in order."""
    tasks = [[(s[0], s[3], s[5]) for s in chunk] for chunk in chunks]
    pool = None
    if workers > 1 and database_url and len(chunks) > 1:
        import multiprocessing
        pool = multiprocessing.get_context("fork").Pool(workers)
        results = pool.imap(_chunk_in_worker, [(database_url, t) for t in tasks])
    else:
        results = (check_chunk(t, _chunk_rows(t)) for t in tasks)
    try:
        for chunk, (problem, first, last) in zip(chunks, results):
            for patient, (prev, entry_id, seal_id) in first.items():
                if heads[patient] != prev:
                    return report.fail("patient_chain", seal_id, entry_id)
            if problem:
                return report.fail(*problem)
            heads.update(last)
            for seal in chunk:
                report.checked += seal[3]
                report.seals += 1
                report.seq, report.seal_hash, report.tree_size = seal[0], seal[7], seal[4]
    finally:
        if pool is not None:
            pool.terminate()
    return report


def walk(after_seq=0, after_hash=GENESIS, after_size=0, public_key=None, database_url=None,
         workers=1):
    """Verify every seal after `after_seq` (whose hash and tree size are given): first the
    seals themselves, in order, then their entries by chunks of about CHUNK_ENTRIES."""
    public_key = public_key or signing_key().public_key()
    report = Report(seq=after_seq, seal_hash=after_hash, tree_size=after_size)
    heads = _Heads(after_seq)
    cursor = db.execute_sql(
        f'SELECT {", ".join(SEAL_COLUMNS)} FROM "journal_seal" WHERE "seq" > {int(after_seq)} '
        'ORDER BY "seq"')
    seq, seal_hash, tree_size = after_seq, after_hash, after_size
    chunks, chunk, size, failure = [], [], 0, None
    for seal in cursor.fetchall():
        if seal[0] != seq + 1:
            failure = ("seal_gap", seal[0], None, f"expected {seq + 1}")
        elif seal[6] != seal_hash:
            failure = ("seal_chain", seal[0], None, "")
        elif seal[4] != tree_size + seal[3]:
            failure = ("tree_size", seal[0], None, "")
        else:
            problem = _seal_ok(seal, public_key)
            failure = (problem, seal[0], None, "") if problem else None
        if failure:
            break
        seq, seal_hash, tree_size = seal[0], seal[7], seal[4]
        chunk.append(seal)
        size += seal[3]
        if size >= CHUNK_ENTRIES:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    _check_entries(report, chunks, heads, database_url, workers)
    if failure:
        return report.fail(*failure)
    if report.intact:
        orphans = ActivityEvent.select(ActivityEvent.id).where(
            ActivityEvent.seal > report.seq).order_by(ActivityEvent.id).tuples().first()
        if orphans:
            report.fail("orphan", entry=orphans[0])
    return report


def _pending(report):
    count, oldest = db.execute_sql(
        'SELECT count(*), min("at") FROM "activity_event" WHERE "seal_id" IS NULL').fetchone()
    report.pending = count
    report.oldest_pending_at = ActivityEvent.at.python_value(oldest) if oldest else None
    return report


def witnessed(path):
    """The last checkpoint written to the witness file: (seq, tree size, seal hash) or None."""
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        handle.seek(max(0, os.path.getsize(path) - 4096))
        lines = handle.read().decode("ascii", "replace").strip().splitlines()
    if not lines:
        return None
    seq, size, seal_hash = lines[-1].split()[:3]
    return int(seq), int(size), seal_hash


def _witness(path, report):
    """Append the newest intact checkpoint to the witness file (outside the database)."""
    if not path or not report.seq:
        return
    last = witnessed(path)
    if last and last[0] >= report.seq:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a", encoding="ascii") as handle:
        handle.write(f"{report.seq} {report.tree_size} {report.seal_hash} "
                     f"{utcnow().isoformat(timespec='seconds')}\n")


def contains(tree_size, seal_hash):
    """Whether the journal still holds the checkpoint (tree size, seal hash)."""
    return JournalSeal.select().where(JournalSeal.tree_size == tree_size,
                                      JournalSeal.seal_hash == seal_hash).exists()


def _compare(report, known, source):
    """The journal must still hold each checkpoint known (tree size, seal hash) and reach it."""
    for tree_size, seal_hash in known:
        if not tree_size:
            continue
        if not report.intact:
            return report
        if not contains(tree_size, seal_hash) or tree_size > report.tree_size:
            report.fail("truncated", detail=f"{source}: {tree_size} entries, "
                                            f"journal: {report.tree_size}")
    return report


def verify(full=False, public_key=None, witness_file=None, extra=(), database_url=None,
           workers=1):
    """Verify the journal (from the last verified seal, or all of it) and compare it with the
    checkpoints witnessed (the verifier's row, the witness file, `extra` ones)."""
    started = time.perf_counter()
    state = JournalVerification.get_or_none(JournalVerification.id == 1)
    known = []
    if state is not None and state.seq:
        known.append((state.tree_size, state.seal_hash, "verifier"))
    seen = witnessed(witness_file)
    if seen:
        known.append((seen[1], seen[2], "witness file"))
    known.extend(extra)
    if full or state is None or not state.intact or not state.seq:
        report = walk(public_key=public_key, database_url=database_url, workers=workers)
    elif not contains(state.tree_size, state.seal_hash):
        report = Report().fail("truncated", detail=f"verifier: {state.tree_size} entries")
    else:
        report = walk(state.seq, state.seal_hash, state.tree_size, public_key, database_url,
                      workers)
    for tree_size, seal_hash, source in known:
        _compare(report, [(tree_size, seal_hash)], source)
    _pending(report)
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report


def save(report):
    """Keep the result for the operator's page (and the progress, when intact)."""
    values = dict(intact=report.intact, problem=report.problem, broken_seal=report.broken_seal,
                  broken_entry=report.broken_entry, detail=report.detail[:500],
                  pending=report.pending, oldest_pending_at=report.oldest_pending_at,
                  checked=report.checked, duration_ms=int(report.duration_ms),
                  verified_at=utcnow())
    if report.intact:
        values.update(seq=report.seq, seal_hash=report.seal_hash, tree_size=report.tree_size)
    if not JournalVerification.update(**values).where(JournalVerification.id == 1).execute():
        JournalVerification.insert(id=1, **values).on_conflict_ignore().execute()


def check(full=False, app=None):
    """The background verifier: verify, keep the result, witness the checkpoint, alert."""
    app = app or current_app
    witness_file = app.config.get("JOURNAL_WITNESS_FILE")
    report = verify(full=full, public_key=signing_key(app).public_key(),
                    witness_file=witness_file)
    save(report)
    if report.intact:
        _witness(witness_file, report)
    else:
        alert_operator(report)
    return report


def last_result():
    """The background verifier's last result (None before its first run): one row read."""
    return JournalVerification.get_or_none(JournalVerification.id == 1)


def alert_operator(report):
    """Journal a broken journal for the operator, at most once an hour."""
    from . import record
    since = utcnow() - ALERT_EVERY
    if ActivityEvent.select().where(ActivityEvent.action == ALERT_ACTION,
                                    ActivityEvent.at > since).exists():
        return False
    detail = f"reason={report.problem} seal={report.broken_seal or ''} {report.detail}"
    record(ALERT_ACTION, obj_type="activity_event", obj_id=report.broken_entry or "",
           detail=detail.strip())
    return True


def parse_checkpoint(text, public_key):
    """(tree size, seal hash) from a signed checkpoint note, its signature checked."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
    lines = body.split("\n")
    if len(lines) < 3 or lines[0] != ORIGIN:
        raise ValueError("not a checkpoint of this journal")
    tree_size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    note_body = checkpoint_body(tree_size, root.hex())
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != ORIGIN:
            continue
        raw = base64.b64decode(parts[2])
        if raw[:4] != key_id(public_key):
            continue
        try:
            public_key.verify(raw[4:], note_body.encode("utf-8"))
        except InvalidSignature:
            raise ValueError("bad signature") from None
        return tree_size, root.hex()
    raise ValueError("no signature by this journal's key")

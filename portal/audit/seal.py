"""Sealing the journal: entry hashes, per-patient links, Merkle roots, signed checkpoints.

A sealer takes the unsealed entries (`seal_id IS NULL`, in id order) in batches. For each entry
it computes the entry hash (SHA-256 of its canonical fields, id included) and links it to the
previous sealed entry of the same patient (`patient_prev`; entries naming no patient form one
chain of their own). The batch's Merkle root (RFC 6962: leaf = H(0x00‖entry hash), node =
H(0x01‖left‖right)) goes into a JournalSeal row chained to the previous seal (`prev_hash`), and
the seal's hash is signed inside a checkpoint, in the C2SP "signed note" format that
Certificate Transparency and Trillian-style logs publish: origin, tree size, root hash.

The order of the journal is the order of sealing: (seal, id). An entry whose transaction
committed after a later id was sealed (PostgreSQL hands out ids before commit) is simply
sealed in the next batch; nothing relies on ids growing.

Exactly once: a sealer holds the JournalSealer row (SELECT … FOR UPDATE on PostgreSQL, the
write lock of BEGIN IMMEDIATE on SQLite) for one batch, re-reads the last seal under it, and
writes the seal and its entries' columns in that one transaction; a sealer killed mid-batch
leaves nothing behind. Appends never take that lock.
"""
import base64
import hashlib
import json
import json.encoder
import logging
import time

from flask import current_app

from ..accounts.models import utcnow
from ..db import is_postgres, write_tx
from ..extensions import db
from . import ERASED_SPACE, GENESIS, ActivityEvent, JournalSeal, JournalSealer

LOGGER = logging.getLogger("carnet.journal")
ORIGIN = "carnet/journal"
HKDF_INFO = b"carnet journal signing key v1"
BATCH_SIZE = 5000
# The columns hashed, in this order (the canonical form of an entry).
COLUMNS = ("id", "at", "actor_id", "actor_name", "patient_id", "action", "object_type",
           "object_id", "via", "outcome", "detail", "ip")
# PostgreSQL spells the time itself, in C, as timestamp() would: building a datetime for each
# row only to format it again costs the verifier a third of its time.
PG_AT = """to_char("at", 'YYYY-MM-DD"T"HH24:MI:SS.US')"""


def select_columns(postgres):
    """The hashed columns, in COLUMNS order, for a raw SELECT."""
    return ", ".join(PG_AT if postgres and c == "at" else f'"{c}"' for c in COLUMNS)
NO_PATIENT = None  # the chain key of entries about no patient


def signing_key(app=None):
    """JOURNAL_SIGNING_KEY, else (outside production) a key derived from SECRET_KEY."""
    from ..prescriptions.signing import configured_key
    return configured_key(app or current_app, "JOURNAL_SIGNING_KEY", HKDF_INFO)


def timestamp(value):
    """A stored time in one spelling whatever the database returns (SQLite gives text and
    drops a zero microsecond part, PostgreSQL a datetime)."""
    if isinstance(value, str):
        text = value.replace(" ", "T")
        return text if len(text) > 19 else text + ".000000"
    return value.isoformat(timespec="microseconds")


_ENCODE = json.encoder.c_make_encoder(
    None, None, json.encoder.c_encode_basestring, None, ":", ",", False, False, True)


def canonical_json(values):
    """json.dumps(values, ensure_ascii=False, separators=(",", ":")), without building an
    encoder for each call (the verifier does this a million times)."""
    return "".join(_ENCODE(values, 0))


_dumps = canonical_json


def entry_digest(row):
    """The SHA-256 of an entry's canonical fields (a row in COLUMNS order): the JSON array of
    its values, the time in one spelling (see timestamp)."""
    return hashlib.sha256(_dumps((row[0], timestamp(row[1])) + tuple(row[2:]))
                          .encode("utf-8")).digest()


def entry_hash(row):
    """entry_digest in hex, as stored in entry_hash and patient_prev."""
    return entry_digest(row).hex()


def merkle_root(entry_hashes):
    """The RFC 6962 Merkle tree hash of the entries' hashes (hex in, hex out)."""
    return merkle_root_of([bytes.fromhex(h) for h in entry_hashes]).hex()


def merkle_root_of(digests):
    """The RFC 6962 Merkle tree hash of leaves given as entry-hash bytes. Pairing bottom-up and
    carrying an odd last node up unchanged builds the same tree as RFC 6962's split at the
    largest power of two."""
    sha = hashlib.sha256
    level = [sha(b"\x00" + d).digest() for d in digests]
    if not level:
        return sha(b"").digest()
    while len(level) > 1:
        paired = [sha(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def seal_text(seq, first_id, last_id, count, tree_size, root, prev_hash, sealed_at):
    """The exact text a seal's hash covers: one field a line."""
    return (f"carnet-journal-seal/1\n{seq}\n{first_id}\n{last_id}\n{count}\n{tree_size}\n"
            f"{root}\n{prev_hash}\n{timestamp(sealed_at)}\n")


def checkpoint_body(tree_size, seal_hash):
    """A signed note's body: origin, tree size, root hash (base64), as C2SP checkpoints."""
    root = base64.b64encode(bytes.fromhex(seal_hash)).decode("ascii")
    return f"{ORIGIN}\n{tree_size}\n{root}\n"


def key_id(public_key):
    """The 4-byte key hint of a signed note: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw).digest()[:4]


def checkpoint_note(seal, public_key):
    """The publishable signed checkpoint of a seal (C2SP signed note)."""
    signature = base64.b64decode(seal.signature)
    line = base64.b64encode(key_id(public_key) + signature).decode("ascii")
    return f"{checkpoint_body(seal.tree_size, seal.seal_hash)}\n\u2014 {ORIGIN} {line}\n"


def _lock():
    """Hold the sealers' lock row until the transaction ends (BEGIN IMMEDIATE already holds
    SQLite's write lock)."""
    if is_postgres():
        if JournalSealer.select().where(JournalSealer.id == 1).for_update().first() is None:
            JournalSealer.insert(id=1).on_conflict_ignore().execute()
            JournalSealer.select().where(JournalSealer.id == 1).for_update().first()


def _previous_hashes(patients, cache, last_seq):
    """Each patient's last sealed entry hash (GENESIS if none), from this sealer's memory
    when nobody sealed since, else from the (patient, seal, id) index."""
    if cache.get("seq") != last_seq:
        cache.clear()
        cache["seq"] = last_seq
    heads = cache.setdefault("heads", {})
    for patient in patients:
        if patient in heads:
            continue
        query = (ActivityEvent.select(ActivityEvent.entry_hash)
                 .where(ActivityEvent.seal.is_null(False))
                 .order_by(ActivityEvent.seal.desc(), ActivityEvent.id.desc()).limit(1))
        query = query.where(not_in_a_deleted_chain(patient))
        row = query.tuples().first()
        heads[patient] = row[0] if row else GENESIS
    return heads


def not_in_a_deleted_chain(patient):
    """The condition for the entries of `patient`'s chain (None: entries about no patient),
    leaving out the erased entries of deleted spaces (their patient is gone, their chain ended
    with them)."""
    if patient is not None:
        return ActivityEvent.patient == patient
    return ActivityEvent.patient.is_null() & ~(ActivityEvent.erased_at.is_null(False)
                                               & (ActivityEvent.object_type == ERASED_SPACE))


def _write_entries(rows):
    """Set the seal columns of a batch in one statement; (seal, hash, prev, id) per row.
    Only still-unsealed rows are touched, and all of them must be."""
    cursor = db.cursor()
    if is_postgres():
        from psycopg2.extras import execute_values
        execute_values(cursor, 'UPDATE "activity_event" AS e SET "seal_id" = v.s, '
                       '"entry_hash" = v.h, "patient_prev" = v.p FROM (VALUES %s) AS v(s, h, p, i) '
                       'WHERE e."id" = v.i AND e."seal_id" IS NULL', rows, page_size=len(rows))
        changed = cursor.rowcount
    else:
        cursor.executemany('UPDATE "activity_event" SET "seal_id" = ?, "entry_hash" = ?, '
                           '"patient_prev" = ? WHERE "id" = ? AND "seal_id" IS NULL', rows)
        changed = cursor.rowcount
    if changed != len(rows):
        raise RuntimeError(f"sealed {changed} of {len(rows)} entries: another sealer ran")


def seal_batch(key, batch_size=BATCH_SIZE, cache=None):
    """Seal up to `batch_size` unsealed entries in one transaction; returns the new
    JournalSeal, or None when nothing was waiting."""
    cache = {} if cache is None else cache
    with write_tx():
        _lock()
        last = JournalSeal.select().order_by(JournalSeal.seq.desc()).first()
        cursor = db.execute_sql(
            f'SELECT {select_columns(is_postgres())} FROM "activity_event" WHERE "seal_id" IS NULL '
            f'ORDER BY "id" LIMIT {int(batch_size)}')
        rows = cursor.fetchall()
        if not rows:
            return None
        seq = last.seq + 1 if last else 1
        heads = _previous_hashes({row[4] for row in rows}, cache, last.seq if last else 0)
        hashes, updates = [], []
        for row in rows:
            digest = entry_digest(row)
            hashes.append(digest)
            text = digest.hex()
            updates.append((seq, text, heads[row[4]], row[0]))
            heads[row[4]] = text
        ids = [row[0] for row in rows]
        seal = JournalSeal(seq=seq, first_entry_id=min(ids), last_entry_id=max(ids),
                           count=len(rows), tree_size=(last.tree_size if last else 0) + len(rows),
                           root=merkle_root_of(hashes).hex(),
                           prev_hash=last.seal_hash if last else GENESIS, sealed_at=utcnow())
        seal.seal_hash = hashlib.sha256(seal_text(
            seal.seq, seal.first_entry_id, seal.last_entry_id, seal.count, seal.tree_size,
            seal.root, seal.prev_hash, seal.sealed_at).encode("utf-8")).hexdigest()
        seal.signature = base64.b64encode(key.sign(
            checkpoint_body(seal.tree_size, seal.seal_hash).encode("utf-8"))).decode("ascii")
        seal.save(force_insert=True)
        _write_entries(updates)
    cache["seq"] = seq
    return seal


def seal_pending(key=None, batch_size=BATCH_SIZE, max_batches=None):
    """Seal every entry waiting, batch after batch; returns how many entries were sealed."""
    key = key or signing_key()
    cache, sealed, batches = {}, 0, 0
    while max_batches is None or batches < max_batches:
        try:
            seal = seal_batch(key, batch_size, cache)
        except Exception:
            cache.clear()  # a failed batch left nothing behind, and our memory may be stale
            raise
        if seal is None:
            break
        sealed += seal.count
        batches += 1
    return sealed


def seal_for(seconds, every=5.0, key=None):
    """Seal what is waiting every `every` seconds for `seconds` (the periodic task's loop)."""
    key = key or signing_key()
    stop = time.monotonic() + seconds
    total = 0
    while True:
        try:
            total += seal_pending(key)
        except Exception:  # a database hiccup: the next round, or the next minute, retries
            LOGGER.exception("sealing the journal failed")
        if time.monotonic() + every >= stop:
            return total
        time.sleep(every)

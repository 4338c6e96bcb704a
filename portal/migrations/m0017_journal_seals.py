"""0017: the journal is sealed in batches by a worker instead of chained under a global lock

activity_event: seal_id, entry_hash, patient_prev (set once by the sealer), indexes for the
unsealed entries and each patient's chain; the old global chain (prev_hash, hash, audit_head)
is dropped: the first sealer run seals the existing entries in id order. Before it is dropped,
the old chain is walked once (`check_old_chain`): intact, its head hash and length are written
into a "journal.migrated" entry, which the first seal then signs, so the old chain stays
anchored in the new one; broken, the migration stops and names the first broken entry (an
operator who accepts the break sets CARNET_MIGRATE_BROKEN_JOURNAL=accept, and the break is
written into that entry instead). journal_seal (signed
Merkle batches), journal_sealer (the sealers' lock row), journal_verification (the background
verifier's progress). The triggers now let an UPDATE through only when it sets the seal columns
of an unsealed entry and changes nothing else; DELETE is still refused.
"""
import hashlib
import json
import os
from datetime import datetime, timezone

from . import execute_frozen

GENESIS = "0" * 64
_OLD_FIELDS = ("id", "at", "actor_id", "actor_name", "patient_id", "action", "object_type",
               "object_id", "via", "outcome", "detail", "ip", "prev_hash", "hash")

SEAL_COLUMNS = ("seal_id", "entry_hash", "patient_prev")
OTHER_COLUMNS = ("id", "at", "actor_id", "actor_name", "patient_id", "action", "object_type",
                 "object_id", "via", "outcome", "detail", "ip")

# The same on both databases: the entries' seal columns replace the old chain's, and the indexes
# the sealer (unsealed entries in id order) and the patients' chains read by.
_ENTRY_COLUMNS = [
    'ALTER TABLE "activity_event" ADD COLUMN "seal_id" INTEGER '
    'REFERENCES "journal_seal" ("seq") ON DELETE RESTRICT',
    'ALTER TABLE "activity_event" ADD COLUMN "entry_hash" VARCHAR(64)',
    'ALTER TABLE "activity_event" ADD COLUMN "patient_prev" VARCHAR(64)',
    'ALTER TABLE "activity_event" DROP COLUMN "prev_hash"',
    'ALTER TABLE "activity_event" DROP COLUMN "hash"',
    'DROP TABLE "audit_head"',
    'CREATE INDEX "activity_event_seal_id_id" ON "activity_event" ("seal_id", "id")',
    'CREATE INDEX "activity_event_patient_id_seal_id_id" ON "activity_event" '
    '("patient_id", "seal_id", "id")',
]

SQLITE = [
    'DROP TRIGGER IF EXISTS "activity_event_no_update"',
    'CREATE TABLE "journal_seal" ("seq" INTEGER NOT NULL PRIMARY KEY, '
    '"first_entry_id" INTEGER NOT NULL, "last_entry_id" INTEGER NOT NULL, '
    '"count" INTEGER NOT NULL, "tree_size" INTEGER NOT NULL, "root" VARCHAR(64) NOT NULL, '
    '"prev_hash" VARCHAR(64) NOT NULL, "seal_hash" VARCHAR(64) NOT NULL, '
    '"sealed_at" DATETIME NOT NULL, "signature" VARCHAR(100) NOT NULL)',
    'CREATE UNIQUE INDEX "journal_seal_tree_size" ON "journal_seal" ("tree_size")',
    'CREATE TABLE "journal_sealer" ("id" INTEGER NOT NULL PRIMARY KEY)',
    'INSERT INTO "journal_sealer" ("id") VALUES (1)',
    'CREATE TABLE "journal_verification" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"seq" INTEGER NOT NULL, "seal_hash" VARCHAR(64) NOT NULL, "tree_size" INTEGER NOT NULL, '
    '"intact" INTEGER NOT NULL, "problem" VARCHAR(40) NOT NULL, "broken_seal" INTEGER, '
    '"broken_entry" INTEGER, "detail" TEXT NOT NULL, "pending" INTEGER NOT NULL, '
    '"oldest_pending_at" DATETIME, "checked" INTEGER NOT NULL, "duration_ms" INTEGER NOT NULL, '
    '"verified_at" DATETIME)',
    *_ENTRY_COLUMNS,
    'CREATE TRIGGER "activity_event_no_update" BEFORE UPDATE ON "activity_event" WHEN '
    + " OR ".join([f'OLD."{c}" IS NOT NULL OR NEW."{c}" IS NULL' for c in SEAL_COLUMNS]
                  + [f'NEW."{c}" IS NOT OLD."{c}"' for c in OTHER_COLUMNS])
    + " BEGIN SELECT RAISE(ABORT, 'activity_event is append-only'); END",
]

_SEALING = " AND ".join([f'OLD."{c}" IS NULL AND NEW."{c}" IS NOT NULL' for c in SEAL_COLUMNS])
_UNCHANGED = " - ".join(["to_jsonb(NEW)"] + [f"'{c}'" for c in SEAL_COLUMNS]) + " = " + \
    " - ".join(["to_jsonb(OLD)"] + [f"'{c}'" for c in SEAL_COLUMNS])

POSTGRESQL = [
    'CREATE TABLE "journal_seal" ("seq" INTEGER NOT NULL PRIMARY KEY, '
    '"first_entry_id" INTEGER NOT NULL, "last_entry_id" INTEGER NOT NULL, '
    '"count" INTEGER NOT NULL, "tree_size" INTEGER NOT NULL, "root" VARCHAR(64) NOT NULL, '
    '"prev_hash" VARCHAR(64) NOT NULL, "seal_hash" VARCHAR(64) NOT NULL, '
    '"sealed_at" TIMESTAMP NOT NULL, "signature" VARCHAR(100) NOT NULL)',
    'CREATE UNIQUE INDEX "journal_seal_tree_size" ON "journal_seal" ("tree_size")',
    'CREATE TABLE "journal_sealer" ("id" INTEGER NOT NULL PRIMARY KEY)',
    'INSERT INTO "journal_sealer" ("id") VALUES (1)',
    'CREATE TABLE "journal_verification" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"seq" INTEGER NOT NULL, "seal_hash" VARCHAR(64) NOT NULL, "tree_size" INTEGER NOT NULL, '
    '"intact" BOOLEAN NOT NULL, "problem" VARCHAR(40) NOT NULL, "broken_seal" INTEGER, '
    '"broken_entry" INTEGER, "detail" TEXT NOT NULL, "pending" INTEGER NOT NULL, '
    '"oldest_pending_at" TIMESTAMP, "checked" INTEGER NOT NULL, "duration_ms" INTEGER NOT NULL, '
    '"verified_at" TIMESTAMP)',
    *_ENTRY_COLUMNS,
    "CREATE OR REPLACE FUNCTION activity_event_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN IF TG_OP = 'UPDATE' AND {_SEALING} AND {_UNCHANGED} THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'activity_event is append-only'; END $$",
]


class BrokenOldChain(RuntimeError):
    """The journal's old hash chain does not verify: it is not dropped silently."""


def _old_digest(prev_hash, row):
    """The old chain's hash of one entry (portal/audit.py before 0017, frozen here)."""
    at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"])
    fields = {"at": at.isoformat(timespec="microseconds"), "actor": row["actor_id"],
              "actor_name": row["actor_name"], "patient": row["patient_id"],
              "action": row["action"], "object_type": row["object_type"],
              "object_id": row["object_id"], "via": row["via"], "outcome": row["outcome"],
              "detail": row["detail"], "ip": row["ip"]}
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def check_old_chain(db, batch=5000):
    """Walk the old chain in id order, by batches (a server-side read of the whole table would
    hold it in memory). Returns (entries checked, head hash, None) when intact, or
    (entries checked, last good hash, "entry <id>: <what>") at the first break."""
    prev, checked, last_id = GENESIS, 0, 0
    columns = ", ".join(f'"{name}"' for name in _OLD_FIELDS)
    while True:
        rows = db.execute_sql(f'SELECT {columns} FROM "activity_event" WHERE "id" > %s '
                              f'ORDER BY "id" LIMIT {int(batch)}'.replace(
                                  "%s", db.param), (last_id,)).fetchall()
        if not rows:
            break
        for values in rows:
            row = dict(zip(_OLD_FIELDS, values))
            if row["prev_hash"] != prev:
                return checked, prev, f"entry {row['id']}: does not follow the previous one"
            if _old_digest(prev, row) != row["hash"]:
                return checked, prev, f"entry {row['id']}: its content was changed"
            prev, last_id, checked = row["hash"], row["id"], checked + 1
    head = db.execute_sql('SELECT "last_hash", "count" FROM "audit_head" WHERE "id" = 1').fetchone()
    if head is not None and (head[0] != prev or head[1] != checked):
        return checked, prev, (f"the head names {head[1]} entries ending {head[0][:12]}…, the "
                               f"table holds {checked} ending {prev[:12]}… (entries removed)")
    return checked, prev, None


def upgrade(db):
    checked, head, problem = check_old_chain(db)
    if problem and os.environ.get("CARNET_MIGRATE_BROKEN_JOURNAL") != "accept":
        raise BrokenOldChain(
            f"the journal's hash chain is broken at {problem}; nothing was migrated. Keep a "
            "copy of the database for the investigation, then set "
            "CARNET_MIGRATE_BROKEN_JOURNAL=accept to migrate anyway (the break is recorded).")
    execute_frozen(db, SQLITE, POSTGRESQL)
    if problem:
        detail = f"old chain BROKEN at {problem}; {checked} entries verified before it"
    else:
        detail = f"old chain intact: {checked} entries, head {head}"
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    db.execute_sql(
        'INSERT INTO "activity_event" ("at", "actor_name", "action", "object_type", '
        '"object_id", "via", "outcome", "detail", "ip") VALUES (%s, %s, %s, %s, %s, %s, %s, '
        '%s, %s)'.replace("%s", db.param),
        (now, "Carnet", "journal.migrated", "", "", "", "broken" if problem else "ok", detail,
         ""))

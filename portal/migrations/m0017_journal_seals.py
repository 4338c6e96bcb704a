"""0017: the journal is sealed in batches by a worker instead of chained under a global lock

activity_event: seal_id, entry_hash, patient_prev (set once by the sealer), indexes for the
unsealed entries and each patient's chain; the old global chain (prev_hash, hash, audit_head)
is dropped: the first sealer run seals the existing entries in id order. journal_seal (signed
Merkle batches), journal_sealer (the sealers' lock row), journal_verification (the background
verifier's progress). The triggers now let an UPDATE through only when it sets the seal columns
of an unsealed entry and changes nothing else; DELETE is still refused.
"""
from . import execute_frozen

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


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

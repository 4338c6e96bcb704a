"""0023: a closed space is deleted 10 years after its closing, or within 3 months when the
person asks (portal/lifecycle/deletion.py).

space_closure: delete_after (when the deletion task deletes it; closed_at + 10 years for the
spaces closed before this migration), deletion_requested_at (early deletion asked),
reopen_identity (the identity document the operator checked when reopening). space_tombstone:
what is left of a deleted space (its closure reference and dates; no name, no NIR).
activity_event.erased_at: an entry about a deleted space keeps its hashes (the seals still
verify) while its content is wiped; the triggers let that one UPDATE through (a sealed entry,
its seal columns unchanged) besides the sealer's; DELETE is still refused.
"""
from . import execute_frozen

SEAL_COLUMNS = ("seal_id", "entry_hash", "patient_prev")
OTHER_COLUMNS = ("id", "at", "actor_id", "actor_name", "patient_id", "action", "object_type",
                 "object_id", "via", "outcome", "detail", "ip", "erased_at")
KEPT_BY_ERASURE = SEAL_COLUMNS + ("id", "at")

_SQLITE_SEALING = " AND ".join([f'OLD."{c}" IS NULL AND NEW."{c}" IS NOT NULL'
                                for c in SEAL_COLUMNS]
                               + [f'NEW."{c}" IS OLD."{c}"' for c in OTHER_COLUMNS])
_SQLITE_ERASING = " AND ".join(['OLD."erased_at" IS NULL', 'NEW."erased_at" IS NOT NULL',
                                'OLD."seal_id" IS NOT NULL']
                               + [f'NEW."{c}" IS OLD."{c}"' for c in KEPT_BY_ERASURE])

SQLITE = [
    'ALTER TABLE "space_closure" ADD COLUMN "delete_after" DATETIME',
    'ALTER TABLE "space_closure" ADD COLUMN "deletion_requested_at" DATETIME',
    'ALTER TABLE "space_closure" ADD COLUMN "reopen_identity" VARCHAR(20) NOT NULL DEFAULT \'\'',
    'UPDATE "space_closure" SET "delete_after" = datetime("closed_at", \'+10 years\')',
    'CREATE INDEX "space_closure_delete_after" ON "space_closure" ("delete_after")',
    'CREATE TABLE "space_tombstone" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"closure_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "closed_at" DATETIME NOT NULL, '
    '"deletion_requested_at" DATETIME, "deleted_at" DATETIME NOT NULL, '
    '"cause" VARCHAR(12) NOT NULL, "objects_deleted" INTEGER NOT NULL, '
    '"entries_erased" INTEGER NOT NULL)',
    'CREATE UNIQUE INDEX "space_tombstone_closure_id" ON "space_tombstone" ("closure_id")',
    'ALTER TABLE "activity_event" ADD COLUMN "erased_at" DATETIME',
    'DROP TRIGGER IF EXISTS "activity_event_no_update"',
    'CREATE TRIGGER "activity_event_no_update" BEFORE UPDATE ON "activity_event" WHEN NOT (('
    + _SQLITE_SEALING + ") OR (" + _SQLITE_ERASING + "))"
    + " BEGIN SELECT RAISE(ABORT, 'activity_event is append-only'); END",
]

_PG_SEALING = " AND ".join([f'OLD."{c}" IS NULL AND NEW."{c}" IS NOT NULL' for c in SEAL_COLUMNS])
_PG_UNCHANGED = " - ".join(["to_jsonb(NEW)"] + [f"'{c}'" for c in SEAL_COLUMNS]) + " = " + \
    " - ".join(["to_jsonb(OLD)"] + [f"'{c}'" for c in SEAL_COLUMNS])
_PG_ERASING = " AND ".join(['OLD."erased_at" IS NULL', 'NEW."erased_at" IS NOT NULL',
                            'OLD."seal_id" IS NOT NULL']
                           + [f'NEW."{c}" IS NOT DISTINCT FROM OLD."{c}"'
                              for c in KEPT_BY_ERASURE])

POSTGRESQL = [
    'ALTER TABLE "space_closure" ADD COLUMN "delete_after" TIMESTAMP',
    'ALTER TABLE "space_closure" ADD COLUMN "deletion_requested_at" TIMESTAMP',
    'ALTER TABLE "space_closure" ADD COLUMN "reopen_identity" VARCHAR(20) NOT NULL DEFAULT \'\'',
    'UPDATE "space_closure" SET "delete_after" = "closed_at" + INTERVAL \'10 years\'',
    'CREATE INDEX "space_closure_delete_after" ON "space_closure" ("delete_after")',
    'CREATE TABLE "space_tombstone" ("id" SERIAL NOT NULL PRIMARY KEY, '
    '"closure_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, '
    '"closed_at" TIMESTAMP NOT NULL, "deletion_requested_at" TIMESTAMP, '
    '"deleted_at" TIMESTAMP NOT NULL, "cause" VARCHAR(12) NOT NULL, '
    '"objects_deleted" INTEGER NOT NULL, "entries_erased" INTEGER NOT NULL)',
    'CREATE UNIQUE INDEX "space_tombstone_closure_id" ON "space_tombstone" ("closure_id")',
    'ALTER TABLE "activity_event" ADD COLUMN "erased_at" TIMESTAMP',
    "CREATE OR REPLACE FUNCTION activity_event_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN IF TG_OP = 'UPDATE' AND (({_PG_SEALING} AND {_PG_UNCHANGED}) OR "
    f"({_PG_ERASING})) THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'activity_event is append-only'; END $$",
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

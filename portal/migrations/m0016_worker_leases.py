"""0016: what a worker took, and when it was last heard from (nothing lost when it dies)

outbox_message: message_key (its Message-ID, the same on every try), claimed_at, enqueued_at;
print_job: heartbeat_at, enqueued_at; lifecycle_proof: attempts, claimed_at, enqueued_at.
Existing rows get a key of their own and count as handed to the queue when they were created,
so that the sweeper hands over at once any message a worker left "queued".
"""
from . import execute_frozen

SQLITE = [
    'ALTER TABLE "outbox_message" ADD COLUMN "message_key" VARCHAR(32)',
    'UPDATE "outbox_message" SET "message_key" = lower(hex(randomblob(16))) '
    'WHERE "message_key" IS NULL',
    'CREATE UNIQUE INDEX "outbox_message_message_key" ON "outbox_message" ("message_key")',
    'ALTER TABLE "outbox_message" ADD COLUMN "claimed_at" DATETIME',
    'ALTER TABLE "outbox_message" ADD COLUMN "enqueued_at" DATETIME',
    'UPDATE "outbox_message" SET "enqueued_at" = "created_at"',
    'CREATE INDEX "outbox_message_status" ON "outbox_message" ("status")',
    'ALTER TABLE "print_job" ADD COLUMN "heartbeat_at" DATETIME',
    'ALTER TABLE "print_job" ADD COLUMN "enqueued_at" DATETIME',
    'UPDATE "print_job" SET "enqueued_at" = "created_at"',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "claimed_at" DATETIME',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "enqueued_at" DATETIME',
    'UPDATE "lifecycle_proof" SET "enqueued_at" = "created_at"',
]

POSTGRESQL = [
    'ALTER TABLE "outbox_message" ADD COLUMN "message_key" VARCHAR(32)',
    'UPDATE "outbox_message" SET "message_key" = md5(random()::text || "id"::text) '
    'WHERE "message_key" IS NULL',
    'ALTER TABLE "outbox_message" ALTER COLUMN "message_key" SET NOT NULL',
    'CREATE UNIQUE INDEX "outbox_message_message_key" ON "outbox_message" ("message_key")',
    'ALTER TABLE "outbox_message" ADD COLUMN "claimed_at" TIMESTAMP',
    'ALTER TABLE "outbox_message" ADD COLUMN "enqueued_at" TIMESTAMP',
    'UPDATE "outbox_message" SET "enqueued_at" = "created_at"',
    'ALTER TABLE "outbox_message" ALTER COLUMN "enqueued_at" SET NOT NULL',
    'CREATE INDEX "outbox_message_status" ON "outbox_message" ("status")',
    'ALTER TABLE "print_job" ADD COLUMN "heartbeat_at" TIMESTAMP',
    'ALTER TABLE "print_job" ADD COLUMN "enqueued_at" TIMESTAMP',
    'UPDATE "print_job" SET "enqueued_at" = "created_at"',
    'ALTER TABLE "print_job" ALTER COLUMN "enqueued_at" SET NOT NULL',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "claimed_at" TIMESTAMP',
    'ALTER TABLE "lifecycle_proof" ADD COLUMN "enqueued_at" TIMESTAMP',
    'UPDATE "lifecycle_proof" SET "enqueued_at" = "created_at"',
    'ALTER TABLE "lifecycle_proof" ALTER COLUMN "enqueued_at" SET NOT NULL',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

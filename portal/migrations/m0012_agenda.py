"""0012: Appointment, CalendarFeed

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "appointment" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "uid" VARCHAR(40) NOT NULL, "created_by_id" INTEGER, "professional_id" INTEGER, "professional_name" VARCHAR(200) NOT NULL, "specialty" VARCHAR(120) NOT NULL, "place" VARCHAR(300) NOT NULL, "starts_at" DATETIME NOT NULL, "duration_minutes" INTEGER, "note" TEXT NOT NULL, "reminder" VARCHAR(15) NOT NULL, "reminder_hours" INTEGER, "remind_at" DATETIME, "reminder_sent_at" DATETIME, "show_in_feed" VARCHAR(20) NOT NULL, "cancelled_at" DATETIME, "cancelled_by_id" INTEGER, "sequence" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("cancelled_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "appointment_patient_id" ON "appointment" ("patient_id")',
    'CREATE UNIQUE INDEX "appointment_uid" ON "appointment" ("uid")',
    'CREATE INDEX "appointment_created_by_id" ON "appointment" ("created_by_id")',
    'CREATE INDEX "appointment_professional_id" ON "appointment" ("professional_id")',
    'CREATE INDEX "appointment_remind_at" ON "appointment" ("remind_at")',
    'CREATE INDEX "appointment_cancelled_by_id" ON "appointment" ("cancelled_by_id")',
    'CREATE INDEX "appointment_patient_id_starts_at" ON "appointment" ("patient_id", "starts_at")',
    'CREATE TABLE "calendar_feed" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "created_by_id" INTEGER, "created_at" DATETIME NOT NULL, "revoked_at" DATETIME, "revoked_by_id" INTEGER, "last_fetched_at" DATETIME, "fetch_count" INTEGER NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("revoked_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "calendar_feed_patient_id" ON "calendar_feed" ("patient_id")',
    'CREATE UNIQUE INDEX "calendar_feed_token_hash" ON "calendar_feed" ("token_hash")',
    'CREATE INDEX "calendar_feed_created_by_id" ON "calendar_feed" ("created_by_id")',
    'CREATE INDEX "calendar_feed_revoked_by_id" ON "calendar_feed" ("revoked_by_id")',
    'CREATE UNIQUE INDEX "calendar_feed_one_active" ON "calendar_feed" ("patient_id") WHERE "revoked_at" IS NULL',
]

POSTGRESQL = [
    'CREATE TABLE "appointment" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "uid" VARCHAR(40) NOT NULL, "created_by_id" INTEGER, "professional_id" INTEGER, "professional_name" VARCHAR(200) NOT NULL, "specialty" VARCHAR(120) NOT NULL, "place" VARCHAR(300) NOT NULL, "starts_at" TIMESTAMP NOT NULL, "duration_minutes" INTEGER, "note" TEXT NOT NULL, "reminder" VARCHAR(15) NOT NULL, "reminder_hours" INTEGER, "remind_at" TIMESTAMP, "reminder_sent_at" TIMESTAMP, "show_in_feed" VARCHAR(20) NOT NULL, "cancelled_at" TIMESTAMP, "cancelled_by_id" INTEGER, "sequence" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("cancelled_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "appointment_patient_id" ON "appointment" ("patient_id")',
    'CREATE UNIQUE INDEX "appointment_uid" ON "appointment" ("uid")',
    'CREATE INDEX "appointment_created_by_id" ON "appointment" ("created_by_id")',
    'CREATE INDEX "appointment_professional_id" ON "appointment" ("professional_id")',
    'CREATE INDEX "appointment_remind_at" ON "appointment" ("remind_at")',
    'CREATE INDEX "appointment_cancelled_by_id" ON "appointment" ("cancelled_by_id")',
    'CREATE INDEX "appointment_patient_id_starts_at" ON "appointment" ("patient_id", "starts_at")',
    'CREATE TABLE "calendar_feed" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "created_by_id" INTEGER, "created_at" TIMESTAMP NOT NULL, "revoked_at" TIMESTAMP, "revoked_by_id" INTEGER, "last_fetched_at" TIMESTAMP, "fetch_count" INTEGER NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("revoked_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "calendar_feed_patient_id" ON "calendar_feed" ("patient_id")',
    'CREATE UNIQUE INDEX "calendar_feed_token_hash" ON "calendar_feed" ("token_hash")',
    'CREATE INDEX "calendar_feed_created_by_id" ON "calendar_feed" ("created_by_id")',
    'CREATE INDEX "calendar_feed_revoked_by_id" ON "calendar_feed" ("revoked_by_id")',
    'CREATE UNIQUE INDEX "calendar_feed_one_active" ON "calendar_feed" ("patient_id") WHERE "revoked_at" IS NULL',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

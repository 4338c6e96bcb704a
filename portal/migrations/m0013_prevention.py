"""0013: PreventionMark, PreventionReminder

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "prevention_mark" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "code" VARCHAR(40) NOT NULL, "cycle" VARCHAR(20) NOT NULL, "status" VARCHAR(10) NOT NULL, "done_on" DATE, "vaccination_id" INTEGER, "marked_by_id" INTEGER NOT NULL, "marked_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("vaccination_id") REFERENCES "profile_vaccination" ("id") ON DELETE SET NULL, FOREIGN KEY ("marked_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "prevention_mark_patient_id" ON "prevention_mark" ("patient_id")',
    'CREATE INDEX "prevention_mark_vaccination_id" ON "prevention_mark" ("vaccination_id")',
    'CREATE INDEX "prevention_mark_marked_by_id" ON "prevention_mark" ("marked_by_id")',
    'CREATE UNIQUE INDEX "prevention_mark_patient_id_code_cycle" ON "prevention_mark" ("patient_id", "code", "cycle")',
    'CREATE TABLE "prevention_reminder" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "code" VARCHAR(40) NOT NULL, "cycle" VARCHAR(20) NOT NULL, "theme" VARCHAR(20) NOT NULL, "claimed_at" DATETIME NOT NULL, "emails" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "prevention_reminder_patient_id" ON "prevention_reminder" ("patient_id")',
    'CREATE UNIQUE INDEX "prevention_reminder_patient_id_code_cycle" ON "prevention_reminder" ("patient_id", "code", "cycle")',
]

POSTGRESQL = [
    'CREATE TABLE "prevention_mark" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "code" VARCHAR(40) NOT NULL, "cycle" VARCHAR(20) NOT NULL, "status" VARCHAR(10) NOT NULL, "done_on" DATE, "vaccination_id" INTEGER, "marked_by_id" INTEGER NOT NULL, "marked_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("vaccination_id") REFERENCES "profile_vaccination" ("id") ON DELETE SET NULL, FOREIGN KEY ("marked_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "prevention_mark_patient_id" ON "prevention_mark" ("patient_id")',
    'CREATE INDEX "prevention_mark_vaccination_id" ON "prevention_mark" ("vaccination_id")',
    'CREATE INDEX "prevention_mark_marked_by_id" ON "prevention_mark" ("marked_by_id")',
    'CREATE UNIQUE INDEX "prevention_mark_patient_id_code_cycle" ON "prevention_mark" ("patient_id", "code", "cycle")',
    'CREATE TABLE "prevention_reminder" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "code" VARCHAR(40) NOT NULL, "cycle" VARCHAR(20) NOT NULL, "theme" VARCHAR(20) NOT NULL, "claimed_at" TIMESTAMP NOT NULL, "emails" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "prevention_reminder_patient_id" ON "prevention_reminder" ("patient_id")',
    'CREATE UNIQUE INDEX "prevention_reminder_patient_id_code_cycle" ON "prevention_reminder" ("patient_id", "code", "cycle")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

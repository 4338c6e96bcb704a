"""0007: EmergencySettings, EmergencyAccess

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "emergency_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "samu_allowed" INTEGER NOT NULL, "others_allowed" INTEGER NOT NULL, "masked_visible" INTEGER NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "emergency_settings_patient_id" ON "emergency_settings" ("patient_id")',
    'CREATE TABLE "emergency_access" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "reason" TEXT NOT NULL, "started_at" DATETIME NOT NULL, "ends_at" DATETIME NOT NULL, "ended_at" DATETIME, "patient_seen_at" DATETIME, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "emergency_access_patient_id" ON "emergency_access" ("patient_id")',
    'CREATE INDEX "emergency_access_professional_id" ON "emergency_access" ("professional_id")',
]

POSTGRESQL = [
    'CREATE TABLE "emergency_settings" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "samu_allowed" BOOLEAN NOT NULL, "others_allowed" BOOLEAN NOT NULL, "masked_visible" BOOLEAN NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "emergency_settings_patient_id" ON "emergency_settings" ("patient_id")',
    'CREATE TABLE "emergency_access" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "reason" TEXT NOT NULL, "started_at" TIMESTAMP NOT NULL, "ends_at" TIMESTAMP NOT NULL, "ended_at" TIMESTAMP, "patient_seen_at" TIMESTAMP, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "emergency_access_patient_id" ON "emergency_access" ("patient_id")',
    'CREATE INDEX "emergency_access_professional_id" ON "emergency_access" ("professional_id")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

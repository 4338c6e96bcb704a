"""0005: Prescription, PrescriptionLine, Dispensation

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "prescription" ("id" INTEGER NOT NULL PRIMARY KEY, "public_id" VARCHAR(26) NOT NULL, "patient_id" INTEGER NOT NULL, "prescriber_id" INTEGER NOT NULL, "prescribed_on" DATE NOT NULL, "created_at" DATETIME NOT NULL, "payload" TEXT NOT NULL, "signature" VARCHAR(110) NOT NULL, "document_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("prescriber_id") REFERENCES "account" ("id") ON DELETE RESTRICT, FOREIGN KEY ("document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "prescription_public_id" ON "prescription" ("public_id")',
    'CREATE INDEX "prescription_patient_id" ON "prescription" ("patient_id")',
    'CREATE INDEX "prescription_prescriber_id" ON "prescription" ("prescriber_id")',
    'CREATE INDEX "prescription_document_id" ON "prescription" ("document_id")',
    'CREATE TABLE "prescription_line" ("id" INTEGER NOT NULL PRIMARY KEY, "prescription_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "medicine" VARCHAR(200) NOT NULL, "dosage" VARCHAR(300) NOT NULL, "duration" VARCHAR(60) NOT NULL, "renewals" INTEGER NOT NULL, "instructions" TEXT NOT NULL, FOREIGN KEY ("prescription_id") REFERENCES "prescription" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "prescription_line_prescription_id" ON "prescription_line" ("prescription_id")',
    'CREATE UNIQUE INDEX "prescription_line_prescription_id_position" ON "prescription_line" ("prescription_id", "position")',
    'CREATE TABLE "dispensation" ("id" INTEGER NOT NULL PRIMARY KEY, "prescription_id" INTEGER NOT NULL, "pharmacist_id" INTEGER NOT NULL, "dispensed_at" DATETIME NOT NULL, "renewal_number" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("prescription_id") REFERENCES "prescription" ("id") ON DELETE CASCADE, FOREIGN KEY ("pharmacist_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "dispensation_prescription_id" ON "dispensation" ("prescription_id")',
    'CREATE INDEX "dispensation_pharmacist_id" ON "dispensation" ("pharmacist_id")',
    'CREATE UNIQUE INDEX "dispensation_prescription_id_renewal_number" ON "dispensation" ("prescription_id", "renewal_number")',
]

POSTGRESQL = [
    'CREATE TABLE "prescription" ("id" SERIAL NOT NULL PRIMARY KEY, "public_id" VARCHAR(26) NOT NULL, "patient_id" INTEGER NOT NULL, "prescriber_id" INTEGER NOT NULL, "prescribed_on" DATE NOT NULL, "created_at" TIMESTAMP NOT NULL, "payload" TEXT NOT NULL, "signature" VARCHAR(110) NOT NULL, "document_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("prescriber_id") REFERENCES "account" ("id") ON DELETE RESTRICT, FOREIGN KEY ("document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "prescription_public_id" ON "prescription" ("public_id")',
    'CREATE INDEX "prescription_patient_id" ON "prescription" ("patient_id")',
    'CREATE INDEX "prescription_prescriber_id" ON "prescription" ("prescriber_id")',
    'CREATE INDEX "prescription_document_id" ON "prescription" ("document_id")',
    'CREATE TABLE "prescription_line" ("id" SERIAL NOT NULL PRIMARY KEY, "prescription_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "medicine" VARCHAR(200) NOT NULL, "dosage" VARCHAR(300) NOT NULL, "duration" VARCHAR(60) NOT NULL, "renewals" INTEGER NOT NULL, "instructions" TEXT NOT NULL, FOREIGN KEY ("prescription_id") REFERENCES "prescription" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "prescription_line_prescription_id" ON "prescription_line" ("prescription_id")',
    'CREATE UNIQUE INDEX "prescription_line_prescription_id_position" ON "prescription_line" ("prescription_id", "position")',
    'CREATE TABLE "dispensation" ("id" SERIAL NOT NULL PRIMARY KEY, "prescription_id" INTEGER NOT NULL, "pharmacist_id" INTEGER NOT NULL, "dispensed_at" TIMESTAMP NOT NULL, "renewal_number" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("prescription_id") REFERENCES "prescription" ("id") ON DELETE CASCADE, FOREIGN KEY ("pharmacist_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "dispensation_prescription_id" ON "dispensation" ("prescription_id")',
    'CREATE INDEX "dispensation_pharmacist_id" ON "dispensation" ("pharmacist_id")',
    'CREATE UNIQUE INDEX "dispensation_prescription_id_renewal_number" ON "dispensation" ("prescription_id", "renewal_number")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

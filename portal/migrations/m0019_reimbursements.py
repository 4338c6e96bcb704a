"""0019: Reimbursement

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "reimbursement" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "external_id" VARCHAR(100) NOT NULL, "care_date" DATE NOT NULL, "category" VARCHAR(20) NOT NULL, "label" VARCHAR(200) NOT NULL, "provider" VARCHAR(200) NOT NULL, "cip13" VARCHAR(13) NOT NULL, "nabm" VARCHAR(4) NOT NULL, "ccam" VARCHAR(13) NOT NULL, "dose" VARCHAR(200) NOT NULL, "charged_cents" INTEGER, "reimbursed_cents" INTEGER, "masked_from_pros" INTEGER NOT NULL, "imported_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "reimbursement_patient_id" ON "reimbursement" ("patient_id")',
    'CREATE UNIQUE INDEX "reimbursement_external_id" ON "reimbursement" ("external_id")',
    'CREATE INDEX "reimbursement_patient_id_care_date" ON "reimbursement" ("patient_id", "care_date")',
]

POSTGRESQL = [
    'CREATE TABLE "reimbursement" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "external_id" VARCHAR(100) NOT NULL, "care_date" DATE NOT NULL, "category" VARCHAR(20) NOT NULL, "label" VARCHAR(200) NOT NULL, "provider" VARCHAR(200) NOT NULL, "cip13" VARCHAR(13) NOT NULL, "nabm" VARCHAR(4) NOT NULL, "ccam" VARCHAR(13) NOT NULL, "dose" VARCHAR(200) NOT NULL, "charged_cents" INTEGER, "reimbursed_cents" INTEGER, "masked_from_pros" BOOLEAN NOT NULL, "imported_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "reimbursement_patient_id" ON "reimbursement" ("patient_id")',
    'CREATE UNIQUE INDEX "reimbursement_external_id" ON "reimbursement" ("external_id")',
    'CREATE INDEX "reimbursement_patient_id_care_date" ON "reimbursement" ("patient_id", "care_date")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

"""0014: PrintJob

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "print_job" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "requested_by_id" INTEGER NOT NULL, "kind" VARCHAR(10) NOT NULL, "sections" VARCHAR(300) NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "error" VARCHAR(20) NOT NULL, "created_at" DATETIME NOT NULL, "started_at" DATETIME, "finished_at" DATETIME, "expires_at" DATETIME, "storage_key" VARCHAR(64), "size" INTEGER, "sha256" VARCHAR(64), "pages" INTEGER, "render_ms" INTEGER, "peak_kb" INTEGER, "saved_document_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("requested_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("saved_document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "print_job_patient_id" ON "print_job" ("patient_id")',
    'CREATE INDEX "print_job_requested_by_id" ON "print_job" ("requested_by_id")',
    'CREATE INDEX "print_job_saved_document_id" ON "print_job" ("saved_document_id")',
    'CREATE INDEX "print_job_patient_id_requested_by_id_created_at" ON "print_job" ("patient_id", "requested_by_id", "created_at")',
]

POSTGRESQL = [
    'CREATE TABLE "print_job" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "requested_by_id" INTEGER NOT NULL, "kind" VARCHAR(10) NOT NULL, "sections" VARCHAR(300) NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "error" VARCHAR(20) NOT NULL, "created_at" TIMESTAMP NOT NULL, "started_at" TIMESTAMP, "finished_at" TIMESTAMP, "expires_at" TIMESTAMP, "storage_key" VARCHAR(64), "size" INTEGER, "sha256" VARCHAR(64), "pages" INTEGER, "render_ms" INTEGER, "peak_kb" INTEGER, "saved_document_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("requested_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("saved_document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "print_job_patient_id" ON "print_job" ("patient_id")',
    'CREATE INDEX "print_job_requested_by_id" ON "print_job" ("requested_by_id")',
    'CREATE INDEX "print_job_saved_document_id" ON "print_job" ("saved_document_id")',
    'CREATE INDEX "print_job_patient_id_requested_by_id_created_at" ON "print_job" ("patient_id", "requested_by_id", "created_at")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

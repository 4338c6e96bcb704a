"""0024: ExportJob

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "export_job" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "requested_by_id" INTEGER NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "error" VARCHAR(20) NOT NULL, "attempts" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "claimed_at" DATETIME, "enqueued_at" DATETIME NOT NULL, "finished_at" DATETIME, "expires_at" DATETIME, "storage_key" VARCHAR(64), "parts" INTEGER NOT NULL, "size" INTEGER, "files" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("requested_by_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "export_job_patient_id" ON "export_job" ("patient_id")',
    'CREATE INDEX "export_job_requested_by_id" ON "export_job" ("requested_by_id")',
    'CREATE INDEX "export_job_patient_id_created_at" ON "export_job" ("patient_id", "created_at")',
]

POSTGRESQL = [
    'CREATE TABLE "export_job" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "requested_by_id" INTEGER NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "error" VARCHAR(20) NOT NULL, "attempts" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "claimed_at" TIMESTAMP, "enqueued_at" TIMESTAMP NOT NULL, "finished_at" TIMESTAMP, "expires_at" TIMESTAMP, "storage_key" VARCHAR(64), "parts" INTEGER NOT NULL, "size" INTEGER, "files" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("requested_by_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "export_job_patient_id" ON "export_job" ("patient_id")',
    'CREATE INDEX "export_job_requested_by_id" ON "export_job" ("requested_by_id")',
    'CREATE INDEX "export_job_patient_id_created_at" ON "export_job" ("patient_id", "created_at")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

"""0002: Document, DossierSettings, DocumentReport

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "document" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, "author_is_professional" INTEGER NOT NULL, "title" VARCHAR(200) NOT NULL, "document_date" DATE NOT NULL, "category" VARCHAR(30) NOT NULL, "doc_type" VARCHAR(60) NOT NULL, "folder" VARCHAR(100) NOT NULL, "pinned" INTEGER NOT NULL, "storage_key" VARCHAR(64) NOT NULL, "mime_type" VARCHAR(60) NOT NULL, "size" INTEGER NOT NULL, "sha256" VARCHAR(64) NOT NULL, "original_name" VARCHAR(255) NOT NULL, "has_preview" INTEGER NOT NULL, "meta" TEXT NOT NULL, "masked_from_pros" INTEGER NOT NULL, "hidden_from_patient" INTEGER NOT NULL, "hidden_until" DATETIME, "hidden_notice_sent_at" DATETIME, "hidden_from_guardians" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "document_patient_id" ON "document" ("patient_id")',
    'CREATE INDEX "document_author_id" ON "document" ("author_id")',
    'CREATE UNIQUE INDEX "document_storage_key" ON "document" ("storage_key")',
    'CREATE INDEX "document_patient_id_document_date" ON "document" ("patient_id", "document_date")',
    'CREATE INDEX "document_patient_id_category_document_date" ON "document" ("patient_id", "category", "document_date")',
    'CREATE INDEX "document_patient_id_pinned_document_date" ON "document" ("patient_id", "pinned", "document_date")',
    'CREATE INDEX "document_patient_id_hidden_from_patient_pinned_document_date" ON "document" ("patient_id", "hidden_from_patient", "pinned", "document_date")',
    'CREATE INDEX "document_patient_id_folder" ON "document" ("patient_id", "folder")',
    'CREATE TABLE "dossier_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "mask_all_from_pros" INTEGER NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "dossier_settings_patient_id" ON "dossier_settings" ("patient_id")',
    'CREATE TABLE "document_report" ("id" INTEGER NOT NULL PRIMARY KEY, "document_id" INTEGER NOT NULL, "reporter_id" INTEGER NOT NULL, "reason" VARCHAR(40) NOT NULL, "comment" TEXT NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("document_id") REFERENCES "document" ("id") ON DELETE CASCADE, FOREIGN KEY ("reporter_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "document_report_document_id" ON "document_report" ("document_id")',
    'CREATE INDEX "document_report_reporter_id" ON "document_report" ("reporter_id")',
]

POSTGRESQL = [
    'CREATE TABLE "document" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, "author_is_professional" BOOLEAN NOT NULL, "title" VARCHAR(200) NOT NULL, "document_date" DATE NOT NULL, "category" VARCHAR(30) NOT NULL, "doc_type" VARCHAR(60) NOT NULL, "folder" VARCHAR(100) NOT NULL, "pinned" BOOLEAN NOT NULL, "storage_key" VARCHAR(64) NOT NULL, "mime_type" VARCHAR(60) NOT NULL, "size" INTEGER NOT NULL, "sha256" VARCHAR(64) NOT NULL, "original_name" VARCHAR(255) NOT NULL, "has_preview" BOOLEAN NOT NULL, "meta" TEXT NOT NULL, "masked_from_pros" BOOLEAN NOT NULL, "hidden_from_patient" BOOLEAN NOT NULL, "hidden_until" TIMESTAMP, "hidden_notice_sent_at" TIMESTAMP, "hidden_from_guardians" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "document_patient_id" ON "document" ("patient_id")',
    'CREATE INDEX "document_author_id" ON "document" ("author_id")',
    'CREATE UNIQUE INDEX "document_storage_key" ON "document" ("storage_key")',
    'CREATE INDEX "document_patient_id_document_date" ON "document" ("patient_id", "document_date")',
    'CREATE INDEX "document_patient_id_category_document_date" ON "document" ("patient_id", "category", "document_date")',
    'CREATE INDEX "document_patient_id_pinned_document_date" ON "document" ("patient_id", "pinned", "document_date")',
    'CREATE INDEX "document_patient_id_hidden_from_patient_pinned_document_date" ON "document" ("patient_id", "hidden_from_patient", "pinned", "document_date")',
    'CREATE INDEX "document_patient_id_folder" ON "document" ("patient_id", "folder")',
    'CREATE TABLE "dossier_settings" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "mask_all_from_pros" BOOLEAN NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "dossier_settings_patient_id" ON "dossier_settings" ("patient_id")',
    'CREATE TABLE "document_report" ("id" SERIAL NOT NULL PRIMARY KEY, "document_id" INTEGER NOT NULL, "reporter_id" INTEGER NOT NULL, "reason" VARCHAR(40) NOT NULL, "comment" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("document_id") REFERENCES "document" ("id") ON DELETE CASCADE, FOREIGN KEY ("reporter_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "document_report_document_id" ON "document_report" ("document_id")',
    'CREATE INDEX "document_report_reporter_id" ON "document_report" ("reporter_id")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

"""0010: Conversation, Message, Attachment, Draft, MessagingSettings

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "conversation" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "subject" VARCHAR(200) NOT NULL, "started_by_id" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "last_message_at" DATETIME NOT NULL, "closed_at" DATETIME, "closed_by_id" INTEGER, "patient_trashed_at" DATETIME, "patient_deleted_at" DATETIME, "professional_trashed_at" DATETIME, "professional_deleted_at" DATETIME, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("started_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("closed_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "conversation_patient_id" ON "conversation" ("patient_id")',
    'CREATE INDEX "conversation_professional_id" ON "conversation" ("professional_id")',
    'CREATE INDEX "conversation_started_by_id" ON "conversation" ("started_by_id")',
    'CREATE INDEX "conversation_closed_by_id" ON "conversation" ("closed_by_id")',
    'CREATE INDEX "conversation_patient_id_last_message_at" ON "conversation" ("patient_id", "last_message_at")',
    'CREATE INDEX "conversation_professional_id_last_message_at" ON "conversation" ("professional_id", "last_message_at")',
    'CREATE TABLE "message" ("id" INTEGER NOT NULL PRIMARY KEY, "conversation_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, "from_professional" INTEGER NOT NULL, "relation_kind" VARCHAR(20) NOT NULL, "body" TEXT NOT NULL, "no_reply" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "read_at" DATETIME, FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "message_conversation_id" ON "message" ("conversation_id")',
    'CREATE INDEX "message_author_id" ON "message" ("author_id")',
    'CREATE INDEX "message_conversation_id_created_at" ON "message" ("conversation_id", "created_at")',
    'CREATE TABLE "attachment" ("id" INTEGER NOT NULL PRIMARY KEY, "message_id" INTEGER NOT NULL, "storage_key" VARCHAR(64) NOT NULL, "mime_type" VARCHAR(60) NOT NULL, "size" INTEGER NOT NULL, "sha256" VARCHAR(64) NOT NULL, "original_name" VARCHAR(255) NOT NULL, "filed_document_id" INTEGER, FOREIGN KEY ("message_id") REFERENCES "message" ("id") ON DELETE CASCADE, FOREIGN KEY ("filed_document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "attachment_message_id" ON "attachment" ("message_id")',
    'CREATE UNIQUE INDEX "attachment_storage_key" ON "attachment" ("storage_key")',
    'CREATE INDEX "attachment_filed_document_id" ON "attachment" ("filed_document_id")',
    'CREATE TABLE "draft" ("id" INTEGER NOT NULL PRIMARY KEY, "author_id" INTEGER NOT NULL, "patient_id" INTEGER NOT NULL, "conversation_id" INTEGER, "professional_id" INTEGER, "subject" VARCHAR(200) NOT NULL, "body" TEXT NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "draft_author_id" ON "draft" ("author_id")',
    'CREATE INDEX "draft_patient_id" ON "draft" ("patient_id")',
    'CREATE INDEX "draft_conversation_id" ON "draft" ("conversation_id")',
    'CREATE INDEX "draft_professional_id" ON "draft" ("professional_id")',
    'CREATE TABLE "messaging_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "professional_id" INTEGER NOT NULL, "patients_may_write" INTEGER NOT NULL, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "messaging_settings_professional_id" ON "messaging_settings" ("professional_id")',
]

POSTGRESQL = [
    'CREATE TABLE "conversation" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "subject" VARCHAR(200) NOT NULL, "started_by_id" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "last_message_at" TIMESTAMP NOT NULL, "closed_at" TIMESTAMP, "closed_by_id" INTEGER, "patient_trashed_at" TIMESTAMP, "patient_deleted_at" TIMESTAMP, "professional_trashed_at" TIMESTAMP, "professional_deleted_at" TIMESTAMP, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("started_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("closed_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "conversation_patient_id" ON "conversation" ("patient_id")',
    'CREATE INDEX "conversation_professional_id" ON "conversation" ("professional_id")',
    'CREATE INDEX "conversation_started_by_id" ON "conversation" ("started_by_id")',
    'CREATE INDEX "conversation_closed_by_id" ON "conversation" ("closed_by_id")',
    'CREATE INDEX "conversation_patient_id_last_message_at" ON "conversation" ("patient_id", "last_message_at")',
    'CREATE INDEX "conversation_professional_id_last_message_at" ON "conversation" ("professional_id", "last_message_at")',
    'CREATE TABLE "message" ("id" SERIAL NOT NULL PRIMARY KEY, "conversation_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, "from_professional" BOOLEAN NOT NULL, "relation_kind" VARCHAR(20) NOT NULL, "body" TEXT NOT NULL, "no_reply" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, "read_at" TIMESTAMP, FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "message_conversation_id" ON "message" ("conversation_id")',
    'CREATE INDEX "message_author_id" ON "message" ("author_id")',
    'CREATE INDEX "message_conversation_id_created_at" ON "message" ("conversation_id", "created_at")',
    'CREATE TABLE "attachment" ("id" SERIAL NOT NULL PRIMARY KEY, "message_id" INTEGER NOT NULL, "storage_key" VARCHAR(64) NOT NULL, "mime_type" VARCHAR(60) NOT NULL, "size" INTEGER NOT NULL, "sha256" VARCHAR(64) NOT NULL, "original_name" VARCHAR(255) NOT NULL, "filed_document_id" INTEGER, FOREIGN KEY ("message_id") REFERENCES "message" ("id") ON DELETE CASCADE, FOREIGN KEY ("filed_document_id") REFERENCES "document" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "attachment_message_id" ON "attachment" ("message_id")',
    'CREATE UNIQUE INDEX "attachment_storage_key" ON "attachment" ("storage_key")',
    'CREATE INDEX "attachment_filed_document_id" ON "attachment" ("filed_document_id")',
    'CREATE TABLE "draft" ("id" SERIAL NOT NULL PRIMARY KEY, "author_id" INTEGER NOT NULL, "patient_id" INTEGER NOT NULL, "conversation_id" INTEGER, "professional_id" INTEGER, "subject" VARCHAR(200) NOT NULL, "body" TEXT NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "draft_author_id" ON "draft" ("author_id")',
    'CREATE INDEX "draft_patient_id" ON "draft" ("patient_id")',
    'CREATE INDEX "draft_conversation_id" ON "draft" ("conversation_id")',
    'CREATE INDEX "draft_professional_id" ON "draft" ("professional_id")',
    'CREATE TABLE "messaging_settings" ("id" SERIAL NOT NULL PRIMARY KEY, "professional_id" INTEGER NOT NULL, "patients_may_write" BOOLEAN NOT NULL, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "messaging_settings_professional_id" ON "messaging_settings" ("professional_id")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

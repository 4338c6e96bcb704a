"""0009: Contact, Wishes

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "entourage_contact" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(10) NOT NULL, "name" VARCHAR(200) NOT NULL, "relationship" VARCHAR(100) NOT NULL, "phone" VARCHAR(16) NOT NULL, "email" VARCHAR(254) NOT NULL, "note" TEXT NOT NULL, "position" INTEGER NOT NULL, "accepted" INTEGER NOT NULL, "designated_on" DATE, "created_by_id" INTEGER, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "entourage_contact_patient_id" ON "entourage_contact" ("patient_id")',
    'CREATE INDEX "entourage_contact_created_by_id" ON "entourage_contact" ("created_by_id")',
    'CREATE UNIQUE INDEX "entourage_contact_one_trusted" ON "entourage_contact" ("patient_id") WHERE "kind" = \'trusted\'',
    'CREATE TABLE "entourage_wishes" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "organ_donation" VARCHAR(10) NOT NULL, "refusal_registered" INTEGER NOT NULL, "refusal_scope" TEXT NOT NULL, "comment" TEXT NOT NULL, "updated_at" DATETIME NOT NULL, "updated_by_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("updated_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "entourage_wishes_patient_id" ON "entourage_wishes" ("patient_id")',
    'CREATE INDEX "entourage_wishes_updated_by_id" ON "entourage_wishes" ("updated_by_id")',
]

POSTGRESQL = [
    'CREATE TABLE "entourage_contact" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(10) NOT NULL, "name" VARCHAR(200) NOT NULL, "relationship" VARCHAR(100) NOT NULL, "phone" VARCHAR(16) NOT NULL, "email" VARCHAR(254) NOT NULL, "note" TEXT NOT NULL, "position" INTEGER NOT NULL, "accepted" BOOLEAN NOT NULL, "designated_on" DATE, "created_by_id" INTEGER, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "entourage_contact_patient_id" ON "entourage_contact" ("patient_id")',
    'CREATE INDEX "entourage_contact_created_by_id" ON "entourage_contact" ("created_by_id")',
    'CREATE UNIQUE INDEX "entourage_contact_one_trusted" ON "entourage_contact" ("patient_id") WHERE "kind" = \'trusted\'',
    'CREATE TABLE "entourage_wishes" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "organ_donation" VARCHAR(10) NOT NULL, "refusal_registered" BOOLEAN NOT NULL, "refusal_scope" TEXT NOT NULL, "comment" TEXT NOT NULL, "updated_at" TIMESTAMP NOT NULL, "updated_by_id" INTEGER, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("updated_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "entourage_wishes_patient_id" ON "entourage_wishes" ("patient_id")',
    'CREATE INDEX "entourage_wishes_updated_by_id" ON "entourage_wishes" ("updated_by_id")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

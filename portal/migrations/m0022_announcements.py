"""0022: SpaceAnnouncement (a space announced by the insurer, opening by itself after six
weeks), and the public reference of an activation invitation's provisional code.

SQL frozen on the day it was written.
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "space_announcement" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "declared_by_id" INTEGER, "source" VARCHAR(80) NOT NULL, "announced_at" DATETIME NOT NULL, "opens_at" DATETIME NOT NULL, "opened_at" DATETIME, "opened_how" VARCHAR(12) NOT NULL, "letter_wanted_at" DATETIME, "letter_printed_at" DATETIME, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("declared_by_id") REFERENCES "person" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "space_announcement_person_id" ON "space_announcement" ("person_id")',
    'CREATE INDEX "space_announcement_declared_by_id" ON "space_announcement" ("declared_by_id")',
    'CREATE INDEX "space_announcement_opened_at_opens_at" ON "space_announcement" ("opened_at", "opens_at")',
    'CREATE INDEX "space_announcement_source" ON "space_announcement" ("source")',
    'ALTER TABLE "activation_invite" ADD COLUMN "reference" VARCHAR(12)',
    'CREATE UNIQUE INDEX "activation_invite_reference" ON "activation_invite" ("reference")',
]

POSTGRESQL = [
    'CREATE TABLE "space_announcement" ("id" SERIAL NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "declared_by_id" INTEGER, "source" VARCHAR(80) NOT NULL, "announced_at" TIMESTAMP NOT NULL, "opens_at" TIMESTAMP NOT NULL, "opened_at" TIMESTAMP, "opened_how" VARCHAR(12) NOT NULL, "letter_wanted_at" TIMESTAMP, "letter_printed_at" TIMESTAMP, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("declared_by_id") REFERENCES "person" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "space_announcement_person_id" ON "space_announcement" ("person_id")',
    'CREATE INDEX "space_announcement_declared_by_id" ON "space_announcement" ("declared_by_id")',
    'CREATE INDEX "space_announcement_opened_at_opens_at" ON "space_announcement" ("opened_at", "opens_at")',
    'CREATE INDEX "space_announcement_source" ON "space_announcement" ("source")',
    'ALTER TABLE "activation_invite" ADD COLUMN "reference" VARCHAR(12)',
    'CREATE UNIQUE INDEX "activation_invite_reference" ON "activation_invite" ("reference")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

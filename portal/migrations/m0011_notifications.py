"""0011: NotificationPreference

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "notification_preference" ("id" INTEGER NOT NULL PRIMARY KEY, "account_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "enabled" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "notification_preference_account_id" ON "notification_preference" ("account_id")',
    'CREATE UNIQUE INDEX "notification_preference_account_id_kind" ON "notification_preference" ("account_id", "kind")',
]

POSTGRESQL = [
    'CREATE TABLE "notification_preference" ("id" SERIAL NOT NULL PRIMARY KEY, "account_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "enabled" BOOLEAN NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "notification_preference_account_id" ON "notification_preference" ("account_id")',
    'CREATE UNIQUE INDEX "notification_preference_account_id_kind" ON "notification_preference" ("account_id", "kind")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

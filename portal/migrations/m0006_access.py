"""0006: AccessCode, and grant.expires_at (grants from an access code end).

SQL frozen on the day it was written (generated with scripts/new_migration.py); the new
column on the existing `grant` table is added with playhouse.migrate.
"""
from peewee import DateTimeField, PostgresqlDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import execute_frozen

SQLITE = [
    'CREATE TABLE "access_code" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "created_by_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, "used_by_id" INTEGER, "revoked_at" DATETIME, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("used_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "access_code_patient_id" ON "access_code" ("patient_id")',
    'CREATE INDEX "access_code_created_by_id" ON "access_code" ("created_by_id")',
    'CREATE UNIQUE INDEX "access_code_code_hash" ON "access_code" ("code_hash")',
    'CREATE INDEX "access_code_used_by_id" ON "access_code" ("used_by_id")',
]

POSTGRESQL = [
    'CREATE TABLE "access_code" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "created_by_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP NOT NULL, "used_at" TIMESTAMP, "used_by_id" INTEGER, "revoked_at" TIMESTAMP, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("used_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "access_code_patient_id" ON "access_code" ("patient_id")',
    'CREATE INDEX "access_code_created_by_id" ON "access_code" ("created_by_id")',
    'CREATE UNIQUE INDEX "access_code_code_hash" ON "access_code" ("code_hash")',
    'CREATE INDEX "access_code_used_by_id" ON "access_code" ("used_by_id")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)
    engine = getattr(db, "obj", db)
    migrator = (PostgresqlMigrator if isinstance(engine, PostgresqlDatabase)
                else SqliteMigrator)(engine)
    migrate(migrator.add_column("grant", "expires_at", DateTimeField(null=True)))

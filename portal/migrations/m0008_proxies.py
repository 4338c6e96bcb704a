"""0008: ActivationInvite; invitations, confirmations and endings of the proxy relationships.

The new table's SQL is frozen (scripts/new_migration.py); the columns added to guardianship,
delegation and mandate use playhouse.migrate. Existing relationships were in force, so they are
marked accepted (guardianship) and confirmed (mandate).
"""
from peewee import (CharField, DateTimeField, ForeignKeyField, IntegerField, Model,
                    PostgresqlDatabase)
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import execute_frozen


class _Person(Model):
    class Meta:
        table_name = "person"


class _Document(Model):
    class Meta:
        table_name = "document"

SQLITE = [
    'CREATE TABLE "activation_invite" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "reason" VARCHAR(20) NOT NULL, "sent_to" VARCHAR(254), "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "activation_invite_person_id" ON "activation_invite" ("person_id")',
    'CREATE UNIQUE INDEX "activation_invite_token_hash" ON "activation_invite" ("token_hash")',
]

POSTGRESQL = [
    'CREATE TABLE "activation_invite" ("id" SERIAL NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "reason" VARCHAR(20) NOT NULL, "sent_to" VARCHAR(254), "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP NOT NULL, "used_at" TIMESTAMP, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "activation_invite_person_id" ON "activation_invite" ("person_id")',
    'CREATE UNIQUE INDEX "activation_invite_token_hash" ON "activation_invite" ("token_hash")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)
    engine = getattr(db, "obj", db)
    migrator = (PostgresqlMigrator if isinstance(engine, PostgresqlDatabase)
                else SqliteMigrator)(engine)

    def person():
        return ForeignKeyField(_Person, null=True, on_delete="SET NULL", field=_Person.id)

    def document():
        return ForeignKeyField(_Document, null=True, on_delete="SET NULL", field=_Document.id)

    migrate(
        migrator.add_column("guardianship", "accepted_at", DateTimeField(null=True)),
        migrator.add_column("guardianship", "invited_by_id", person()),
        migrator.add_column("guardianship", "invitation_expires_at", DateTimeField(null=True)),
        migrator.add_column("guardianship", "decision_document_id", document()),
        migrator.add_column("guardianship", "ended_reason", CharField(max_length=20, default="")),
        migrator.add_column("delegation", "sworn_at", DateTimeField(null=True)),
        migrator.add_column("delegation", "invitation_expires_at", DateTimeField(null=True)),
        migrator.add_column("delegation", "ended_reason", CharField(max_length=20, default="")),
        migrator.add_column("delegation", "ended_by_id", person()),
        migrator.add_column("mandate", "confirmed_at", DateTimeField(null=True)),
        migrator.add_column("mandate", "code_hash", CharField(max_length=64, null=True)),
        migrator.add_column("mandate", "code_expires_at", DateTimeField(null=True)),
        migrator.add_column("mandate", "code_attempts", IntegerField(default=0)),
        migrator.add_column("mandate", "document_id", document()),
        migrator.add_column("mandate", "ended_reason", CharField(max_length=20, default="")),
        migrator.add_column("mandate", "ended_by_id", person()),
    )
    db.execute_sql('UPDATE "guardianship" SET "accepted_at" = "created_at" '
                   'WHERE "accepted_at" IS NULL')
    db.execute_sql('UPDATE "mandate" SET "confirmed_at" = "starts_at" WHERE "confirmed_at" IS NULL')

"""0018: Service, ServiceClient, Purpose, Consent, AuthorizationCode, ServiceToken

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "service" ("id" INTEGER NOT NULL PRIMARY KEY, "slug" VARCHAR(60) NOT NULL, "name" VARCHAR(120) NOT NULL, "publisher" VARCHAR(120) NOT NULL, "description" TEXT NOT NULL, "categories" VARCHAR(200) NOT NULL, "status" VARCHAR(20) NOT NULL, "version" INTEGER NOT NULL, "reapprove_by" DATETIME, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "service_slug" ON "service" ("slug")',
    'CREATE TABLE "service_client" ("id" INTEGER NOT NULL PRIMARY KEY, "service_id" INTEGER NOT NULL, "client_id" VARCHAR(64) NOT NULL, "secret_hash" VARCHAR(200), "redirect_uris" TEXT NOT NULL, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "service_client_service_id" ON "service_client" ("service_id")',
    'CREATE UNIQUE INDEX "service_client_client_id" ON "service_client" ("client_id")',
    'CREATE TABLE "purpose" ("id" INTEGER NOT NULL PRIMARY KEY, "service_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "label" VARCHAR(200) NOT NULL, "explanation" TEXT NOT NULL, "rights" VARCHAR(200) NOT NULL, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "purpose_service_id" ON "purpose" ("service_id")',
    'CREATE TABLE "consent" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "service_id" INTEGER NOT NULL, "purposes" VARCHAR(200) NOT NULL, "rights" VARCHAR(200) NOT NULL, "version" INTEGER NOT NULL, "given_by_id" INTEGER NOT NULL, "given_at" DATETIME NOT NULL, "withdrawn_at" DATETIME, "last_used_at" DATETIME, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE, FOREIGN KEY ("given_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "consent_person_id" ON "consent" ("person_id")',
    'CREATE INDEX "consent_service_id" ON "consent" ("service_id")',
    'CREATE INDEX "consent_given_by_id" ON "consent" ("given_by_id")',
    'CREATE UNIQUE INDEX "consent_person_id_service_id" ON "consent" ("person_id", "service_id")',
    'CREATE TABLE "authorization_code" ("id" INTEGER NOT NULL PRIMARY KEY, "code_hash" VARCHAR(64) NOT NULL, "client_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "account_id" INTEGER NOT NULL, "redirect_uri" TEXT NOT NULL, "scope" TEXT NOT NULL, "code_challenge" VARCHAR(128), "code_challenge_method" VARCHAR(10), "expires_at" DATETIME NOT NULL, FOREIGN KEY ("client_id") REFERENCES "service_client" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "authorization_code_code_hash" ON "authorization_code" ("code_hash")',
    'CREATE INDEX "authorization_code_client_id" ON "authorization_code" ("client_id")',
    'CREATE INDEX "authorization_code_person_id" ON "authorization_code" ("person_id")',
    'CREATE INDEX "authorization_code_account_id" ON "authorization_code" ("account_id")',
    'CREATE TABLE "service_token" ("id" INTEGER NOT NULL PRIMARY KEY, "client_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "account_id" INTEGER NOT NULL, "access_hash" VARCHAR(64) NOT NULL, "refresh_hash" VARCHAR(64), "scope" TEXT NOT NULL, "issued_at" DATETIME NOT NULL, "expires_in" INTEGER NOT NULL, "refresh_expires_at" DATETIME, "revoked_at" DATETIME, "refresh_used" INTEGER NOT NULL, FOREIGN KEY ("client_id") REFERENCES "service_client" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "service_token_client_id" ON "service_token" ("client_id")',
    'CREATE INDEX "service_token_person_id" ON "service_token" ("person_id")',
    'CREATE INDEX "service_token_account_id" ON "service_token" ("account_id")',
    'CREATE UNIQUE INDEX "service_token_access_hash" ON "service_token" ("access_hash")',
    'CREATE UNIQUE INDEX "service_token_refresh_hash" ON "service_token" ("refresh_hash")',
]

POSTGRESQL = [
    'CREATE TABLE "service" ("id" SERIAL NOT NULL PRIMARY KEY, "slug" VARCHAR(60) NOT NULL, "name" VARCHAR(120) NOT NULL, "publisher" VARCHAR(120) NOT NULL, "description" TEXT NOT NULL, "categories" VARCHAR(200) NOT NULL, "status" VARCHAR(20) NOT NULL, "version" INTEGER NOT NULL, "reapprove_by" TIMESTAMP, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL)',
    'CREATE UNIQUE INDEX "service_slug" ON "service" ("slug")',
    'CREATE TABLE "service_client" ("id" SERIAL NOT NULL PRIMARY KEY, "service_id" INTEGER NOT NULL, "client_id" VARCHAR(64) NOT NULL, "secret_hash" VARCHAR(200), "redirect_uris" TEXT NOT NULL, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "service_client_service_id" ON "service_client" ("service_id")',
    'CREATE UNIQUE INDEX "service_client_client_id" ON "service_client" ("client_id")',
    'CREATE TABLE "purpose" ("id" SERIAL NOT NULL PRIMARY KEY, "service_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, "label" VARCHAR(200) NOT NULL, "explanation" TEXT NOT NULL, "rights" VARCHAR(200) NOT NULL, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "purpose_service_id" ON "purpose" ("service_id")',
    'CREATE TABLE "consent" ("id" SERIAL NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "service_id" INTEGER NOT NULL, "purposes" VARCHAR(200) NOT NULL, "rights" VARCHAR(200) NOT NULL, "version" INTEGER NOT NULL, "given_by_id" INTEGER NOT NULL, "given_at" TIMESTAMP NOT NULL, "withdrawn_at" TIMESTAMP, "last_used_at" TIMESTAMP, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("service_id") REFERENCES "service" ("id") ON DELETE CASCADE, FOREIGN KEY ("given_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "consent_person_id" ON "consent" ("person_id")',
    'CREATE INDEX "consent_service_id" ON "consent" ("service_id")',
    'CREATE INDEX "consent_given_by_id" ON "consent" ("given_by_id")',
    'CREATE UNIQUE INDEX "consent_person_id_service_id" ON "consent" ("person_id", "service_id")',
    'CREATE TABLE "authorization_code" ("id" SERIAL NOT NULL PRIMARY KEY, "code_hash" VARCHAR(64) NOT NULL, "client_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "account_id" INTEGER NOT NULL, "redirect_uri" TEXT NOT NULL, "scope" TEXT NOT NULL, "code_challenge" VARCHAR(128), "code_challenge_method" VARCHAR(10), "expires_at" TIMESTAMP NOT NULL, FOREIGN KEY ("client_id") REFERENCES "service_client" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "authorization_code_code_hash" ON "authorization_code" ("code_hash")',
    'CREATE INDEX "authorization_code_client_id" ON "authorization_code" ("client_id")',
    'CREATE INDEX "authorization_code_person_id" ON "authorization_code" ("person_id")',
    'CREATE INDEX "authorization_code_account_id" ON "authorization_code" ("account_id")',
    'CREATE TABLE "service_token" ("id" SERIAL NOT NULL PRIMARY KEY, "client_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "account_id" INTEGER NOT NULL, "access_hash" VARCHAR(64) NOT NULL, "refresh_hash" VARCHAR(64), "scope" TEXT NOT NULL, "issued_at" TIMESTAMP NOT NULL, "expires_in" INTEGER NOT NULL, "refresh_expires_at" TIMESTAMP, "revoked_at" TIMESTAMP, "refresh_used" BOOLEAN NOT NULL, FOREIGN KEY ("client_id") REFERENCES "service_client" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "service_token_client_id" ON "service_token" ("client_id")',
    'CREATE INDEX "service_token_person_id" ON "service_token" ("person_id")',
    'CREATE INDEX "service_token_account_id" ON "service_token" ("account_id")',
    'CREATE UNIQUE INDEX "service_token_access_hash" ON "service_token" ("access_hash")',
    'CREATE UNIQUE INDEX "service_token_refresh_hash" ON "service_token" ("refresh_hash")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

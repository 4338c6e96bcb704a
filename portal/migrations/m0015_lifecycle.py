"""0015: SpaceClosure, Proof

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "space_closure" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "closed_at" DATETIME NOT NULL, "closed_by_id" INTEGER, "reason" TEXT NOT NULL, "reopened_at" DATETIME, "reopened_by_id" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("closed_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("reopened_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "space_closure_person_id" ON "space_closure" ("person_id")',
    'CREATE INDEX "space_closure_closed_by_id" ON "space_closure" ("closed_by_id")',
    'CREATE INDEX "space_closure_reopened_by_id" ON "space_closure" ("reopened_by_id")',
    'CREATE TABLE "lifecycle_proof" ("id" INTEGER NOT NULL PRIMARY KEY, "closure_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "storage_key" VARCHAR(64), "size" INTEGER, "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, FOREIGN KEY ("closure_id") REFERENCES "space_closure" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "lifecycle_proof_closure_id" ON "lifecycle_proof" ("closure_id")',
    'CREATE UNIQUE INDEX "lifecycle_proof_token_hash" ON "lifecycle_proof" ("token_hash")',
]

POSTGRESQL = [
    'CREATE TABLE "space_closure" ("id" SERIAL NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "closed_at" TIMESTAMP NOT NULL, "closed_by_id" INTEGER, "reason" TEXT NOT NULL, "reopened_at" TIMESTAMP, "reopened_by_id" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("closed_by_id") REFERENCES "account" ("id") ON DELETE SET NULL, FOREIGN KEY ("reopened_by_id") REFERENCES "account" ("id") ON DELETE SET NULL)',
    'CREATE INDEX "space_closure_person_id" ON "space_closure" ("person_id")',
    'CREATE INDEX "space_closure_closed_by_id" ON "space_closure" ("closed_by_id")',
    'CREATE INDEX "space_closure_reopened_by_id" ON "space_closure" ("reopened_by_id")',
    'CREATE TABLE "lifecycle_proof" ("id" SERIAL NOT NULL PRIMARY KEY, "closure_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "language" VARCHAR(5) NOT NULL, "status" VARCHAR(10) NOT NULL, "storage_key" VARCHAR(64), "size" INTEGER, "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP NOT NULL, FOREIGN KEY ("closure_id") REFERENCES "space_closure" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "lifecycle_proof_closure_id" ON "lifecycle_proof" ("closure_id")',
    'CREATE UNIQUE INDEX "lifecycle_proof_token_hash" ON "lifecycle_proof" ("token_hash")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)

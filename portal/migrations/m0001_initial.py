"""0001: people, accounts, sessions, codes, relationships, grants, journal, outbox.

SQL frozen on the day it was written (generated with scripts/schema_sql.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "nir" VARCHAR(15), "family_name" VARCHAR(100) NOT NULL, "given_names" VARCHAR(100) NOT NULL, "birth_date" DATE NOT NULL, "sex" VARCHAR(1) NOT NULL, "email" VARCHAR(254), "phone" VARCHAR(30), "address" TEXT, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "person_nir" ON "person" ("nir")',
    'CREATE TABLE "account" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "email" VARCHAR(254) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "role" VARCHAR(20) NOT NULL, "rpps" VARCHAR(11), "profession" VARCHAR(40), "structure" VARCHAR(200), "second_factor" VARCHAR(10) NOT NULL, "totp_secret" TEXT, "totp_last_counter" INTEGER, "language" VARCHAR(5) NOT NULL, "is_active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "password_changed_at" DATETIME NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "account_person_id" ON "account" ("person_id")',
    'CREATE UNIQUE INDEX "account_email" ON "account" ("email")',
    'CREATE UNIQUE INDEX "account_rpps" ON "account" ("rpps")',
    'CREATE TABLE "user_session" ("key" VARCHAR(64) NOT NULL PRIMARY KEY, "account_id" INTEGER, "data" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "last_seen_at" DATETIME NOT NULL, "ip" VARCHAR(64), "user_agent" VARCHAR(300), FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "user_session_account_id" ON "user_session" ("account_id")',
    'CREATE TABLE "one_time_code" ("id" INTEGER NOT NULL PRIMARY KEY, "account_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "purpose" VARCHAR(20) NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, "attempts" INTEGER NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "one_time_code_account_id" ON "one_time_code" ("account_id")',
    'CREATE TABLE "guardianship" ("id" INTEGER NOT NULL PRIMARY KEY, "guardian_id" INTEGER NOT NULL, "ward_id" INTEGER NOT NULL, "kind" VARCHAR(20) NOT NULL, "created_at" DATETIME NOT NULL, "ended_at" DATETIME, FOREIGN KEY ("guardian_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("ward_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "guardianship_guardian_id" ON "guardianship" ("guardian_id")',
    'CREATE INDEX "guardianship_ward_id" ON "guardianship" ("ward_id")',
    'CREATE TABLE "delegation" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "caregiver_id" INTEGER NOT NULL, "scopes" TEXT NOT NULL, "starts_on" DATE NOT NULL, "ends_on" DATE NOT NULL, "accepted_at" DATETIME, "ended_at" DATETIME, "created_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("caregiver_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "delegation_patient_id" ON "delegation" ("patient_id")',
    'CREATE INDEX "delegation_caregiver_id" ON "delegation" ("caregiver_id")',
    'CREATE TABLE "mandate" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "mediator_id" INTEGER NOT NULL, "tasks" TEXT NOT NULL, "starts_at" DATETIME NOT NULL, "ends_at" DATETIME NOT NULL, "ended_at" DATETIME, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("mediator_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "mandate_patient_id" ON "mandate" ("patient_id")',
    'CREATE INDEX "mandate_mediator_id" ON "mandate" ("mediator_id")',
    'CREATE TABLE "grant" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "treating_doctor" INTEGER NOT NULL, "administrator" INTEGER NOT NULL, "blocked" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "last_access_at" DATETIME, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "grant_patient_id" ON "grant" ("patient_id")',
    'CREATE INDEX "grant_professional_id" ON "grant" ("professional_id")',
    'CREATE UNIQUE INDEX "grant_patient_id_professional_id" ON "grant" ("patient_id", "professional_id")',
    'CREATE TABLE "activity_event" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor_id" INTEGER, "actor_name" VARCHAR(200) NOT NULL, "patient_id" INTEGER, "action" VARCHAR(60) NOT NULL, "object_type" VARCHAR(40) NOT NULL, "object_id" VARCHAR(64) NOT NULL, "via" VARCHAR(20) NOT NULL, "outcome" VARCHAR(20) NOT NULL, "detail" TEXT NOT NULL, "ip" VARCHAR(64) NOT NULL, "prev_hash" VARCHAR(64) NOT NULL, "hash" VARCHAR(64) NOT NULL, FOREIGN KEY ("actor_id") REFERENCES "account" ("id") ON DELETE RESTRICT, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "activity_event_at" ON "activity_event" ("at")',
    'CREATE INDEX "activity_event_actor_id" ON "activity_event" ("actor_id")',
    'CREATE INDEX "activity_event_patient_id" ON "activity_event" ("patient_id")',
    'CREATE INDEX "activity_event_patient_id_at" ON "activity_event" ("patient_id", "at")',
    'CREATE TABLE "audit_head" ("id" INTEGER NOT NULL PRIMARY KEY, "last_hash" VARCHAR(64) NOT NULL, "count" INTEGER NOT NULL)',
    'CREATE TABLE "outbox_message" ("id" INTEGER NOT NULL PRIMARY KEY, "to" VARCHAR(254) NOT NULL, "subject" VARCHAR(200) NOT NULL, "body" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "sent_at" DATETIME, "attempts" INTEGER NOT NULL, "status" VARCHAR(10) NOT NULL)',
    'CREATE INDEX "outbox_message_to" ON "outbox_message" ("to")',
]

POSTGRESQL = [
    'CREATE TABLE "person" ("id" SERIAL NOT NULL PRIMARY KEY, "nir" VARCHAR(15), "family_name" VARCHAR(100) NOT NULL, "given_names" VARCHAR(100) NOT NULL, "birth_date" DATE NOT NULL, "sex" VARCHAR(1) NOT NULL, "email" VARCHAR(254), "phone" VARCHAR(30), "address" TEXT, "created_at" TIMESTAMP NOT NULL)',
    'CREATE UNIQUE INDEX "person_nir" ON "person" ("nir")',
    'CREATE TABLE "account" ("id" SERIAL NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "email" VARCHAR(254) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "role" VARCHAR(20) NOT NULL, "rpps" VARCHAR(11), "profession" VARCHAR(40), "structure" VARCHAR(200), "second_factor" VARCHAR(10) NOT NULL, "totp_secret" TEXT, "totp_last_counter" INTEGER, "language" VARCHAR(5) NOT NULL, "is_active" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, "password_changed_at" TIMESTAMP NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "account_person_id" ON "account" ("person_id")',
    'CREATE UNIQUE INDEX "account_email" ON "account" ("email")',
    'CREATE UNIQUE INDEX "account_rpps" ON "account" ("rpps")',
    'CREATE TABLE "user_session" ("key" VARCHAR(64) NOT NULL PRIMARY KEY, "account_id" INTEGER, "data" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL, "last_seen_at" TIMESTAMP NOT NULL, "ip" VARCHAR(64), "user_agent" VARCHAR(300), FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "user_session_account_id" ON "user_session" ("account_id")',
    'CREATE TABLE "one_time_code" ("id" SERIAL NOT NULL PRIMARY KEY, "account_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "purpose" VARCHAR(20) NOT NULL, "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP NOT NULL, "used_at" TIMESTAMP, "attempts" INTEGER NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "one_time_code_account_id" ON "one_time_code" ("account_id")',
    'CREATE TABLE "guardianship" ("id" SERIAL NOT NULL PRIMARY KEY, "guardian_id" INTEGER NOT NULL, "ward_id" INTEGER NOT NULL, "kind" VARCHAR(20) NOT NULL, "created_at" TIMESTAMP NOT NULL, "ended_at" TIMESTAMP, FOREIGN KEY ("guardian_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("ward_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "guardianship_guardian_id" ON "guardianship" ("guardian_id")',
    'CREATE INDEX "guardianship_ward_id" ON "guardianship" ("ward_id")',
    'CREATE TABLE "delegation" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "caregiver_id" INTEGER NOT NULL, "scopes" TEXT NOT NULL, "starts_on" DATE NOT NULL, "ends_on" DATE NOT NULL, "accepted_at" TIMESTAMP, "ended_at" TIMESTAMP, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("caregiver_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "delegation_patient_id" ON "delegation" ("patient_id")',
    'CREATE INDEX "delegation_caregiver_id" ON "delegation" ("caregiver_id")',
    'CREATE TABLE "mandate" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "mediator_id" INTEGER NOT NULL, "tasks" TEXT NOT NULL, "starts_at" TIMESTAMP NOT NULL, "ends_at" TIMESTAMP NOT NULL, "ended_at" TIMESTAMP, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("mediator_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "mandate_patient_id" ON "mandate" ("patient_id")',
    'CREATE INDEX "mandate_mediator_id" ON "mandate" ("mediator_id")',
    'CREATE TABLE "grant" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "professional_id" INTEGER NOT NULL, "treating_doctor" BOOLEAN NOT NULL, "administrator" BOOLEAN NOT NULL, "blocked" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, "last_access_at" TIMESTAMP, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("professional_id") REFERENCES "account" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "grant_patient_id" ON "grant" ("patient_id")',
    'CREATE INDEX "grant_professional_id" ON "grant" ("professional_id")',
    'CREATE UNIQUE INDEX "grant_patient_id_professional_id" ON "grant" ("patient_id", "professional_id")',
    'CREATE TABLE "activity_event" ("id" SERIAL NOT NULL PRIMARY KEY, "at" TIMESTAMP NOT NULL, "actor_id" INTEGER, "actor_name" VARCHAR(200) NOT NULL, "patient_id" INTEGER, "action" VARCHAR(60) NOT NULL, "object_type" VARCHAR(40) NOT NULL, "object_id" VARCHAR(64) NOT NULL, "via" VARCHAR(20) NOT NULL, "outcome" VARCHAR(20) NOT NULL, "detail" TEXT NOT NULL, "ip" VARCHAR(64) NOT NULL, "prev_hash" VARCHAR(64) NOT NULL, "hash" VARCHAR(64) NOT NULL, FOREIGN KEY ("actor_id") REFERENCES "account" ("id") ON DELETE RESTRICT, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "activity_event_at" ON "activity_event" ("at")',
    'CREATE INDEX "activity_event_actor_id" ON "activity_event" ("actor_id")',
    'CREATE INDEX "activity_event_patient_id" ON "activity_event" ("patient_id")',
    'CREATE INDEX "activity_event_patient_id_at" ON "activity_event" ("patient_id", "at")',
    'CREATE TABLE "audit_head" ("id" INTEGER NOT NULL PRIMARY KEY, "last_hash" VARCHAR(64) NOT NULL, "count" INTEGER NOT NULL)',
    'CREATE TABLE "outbox_message" ("id" SERIAL NOT NULL PRIMARY KEY, "to" VARCHAR(254) NOT NULL, "subject" VARCHAR(200) NOT NULL, "body" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL, "sent_at" TIMESTAMP, "attempts" INTEGER NOT NULL, "status" VARCHAR(10) NOT NULL)',
    'CREATE INDEX "outbox_message_to" ON "outbox_message" ("to")',
]

# The activity journal is append-only: the database itself refuses UPDATE and DELETE.
SQLITE_APPEND_ONLY = [
    'CREATE TRIGGER "activity_event_no_update" BEFORE UPDATE ON "activity_event" '
    "BEGIN SELECT RAISE(ABORT, 'activity_event is append-only'); END",
    'CREATE TRIGGER "activity_event_no_delete" BEFORE DELETE ON "activity_event" '
    "BEGIN SELECT RAISE(ABORT, 'activity_event is append-only'); END",
]

POSTGRESQL_APPEND_ONLY = [
    "CREATE FUNCTION activity_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'activity_event is append-only'; END $$",
    'CREATE TRIGGER "activity_event_no_change" BEFORE UPDATE OR DELETE ON "activity_event" '
    "FOR EACH ROW EXECUTE FUNCTION activity_event_append_only()",
]


def upgrade(db):
    execute_frozen(db, SQLITE + SQLITE_APPEND_ONLY, POSTGRESQL + POSTGRESQL_APPEND_ONLY)

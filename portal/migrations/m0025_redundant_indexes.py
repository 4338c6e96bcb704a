"""0025: drop the indexes another index of the same table already holds.

peewee indexes every foreign key on its own; a table that also has an index starting with that
column (the patient and a date, to list a patient's rows in order) kept both. The composite
index serves every lookup the single one served (equality on its first column: a page's rows,
a foreign key's check when the referenced row is deleted), and each extra index is written at
every insert: the journal's, at every page read, wrote seven indexes instead of six (an
append measured 70 → 58 µs on SQLite). The models say `index=False` on these keys;
tests/house/test_models.py fails when a table (migrated) or a model (declared) has an index
that is the start of another.
"""

REDUNDANT = [
    "activity_event_patient_id",
    "appointment_patient_id",
    "consent_person_id",
    "conversation_patient_id",
    "conversation_professional_id",
    "dispensation_prescription_id",
    "document_patient_id",
    "export_job_patient_id",
    "grant_patient_id",
    "measure_patient_id",
    "measure_target_patient_id",
    "message_conversation_id",
    "notification_preference_account_id",
    "prescription_line_prescription_id",
    "prevention_mark_patient_id",
    "prevention_reminder_patient_id",
    "print_job_patient_id",
    "profile_hospitalization_document_hospitalization_id",
    "profile_not_concerned_patient_id",
    "reimbursement_patient_id",
]


def upgrade(db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')

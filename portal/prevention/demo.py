"""Demo prevention follow-up, consistent with the demo record: Camille Martin had her HPV test
(cervical screening) in March 2024; Lina had her M'T dents check at 9; Amina Diallo plans her
cervical screening; Camille, Jean Dupont's caregiver, noted his RSV vaccination to plan."""
from datetime import date, datetime

from .engine import MARK_DONE, MARK_TO_PLAN
from .models import PreventionMark, calendar_for

MARKS = [
    # person, who marked, code, status, done on, marked at
    ("camille", "camille", "SCREEN_CERVICAL", MARK_DONE, date(2024, 3, 18),
     datetime(2024, 3, 20, 18, 0)),
    ("lina", "camille", "DENTAL_9", MARK_DONE, date(2025, 1, 22), datetime(2025, 1, 22, 19, 0)),
    ("amina", "amina", "SCREEN_CERVICAL", MARK_TO_PLAN, None, datetime(2026, 2, 9, 12, 0)),
    ("jean", "camille", "VAC_VRS_75", MARK_TO_PLAN, None, datetime(2025, 10, 2, 17, 30)),
]


def seed(people, accounts):
    """Create the demo marks that are missing; returns how many."""
    created = 0
    for person_key, account_key, code, status, done_on, marked_at in MARKS:
        person = people[person_key]
        if PreventionMark.select().where(PreventionMark.patient == person.id,
                                         PreventionMark.code == code).exists():
            continue
        # The item's current cycle; a one-off whose age has passed (Lina's check at 9) has "".
        item = calendar_for(person).current(code)
        PreventionMark.create(patient=person, code=code, cycle=item.cycle if item else "",
                              status=status,
                              done_on=done_on, marked_by=accounts[account_key],
                              marked_at=marked_at)
        created += 1
    return created

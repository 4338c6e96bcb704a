"""Ending the sessions of someone whose access to a space has ended (a guardianship, a
delegation or a mandate that stops)."""
import json

from ..accounts.models import Account, UserSession
from ..policy import SPACE_KEY, revoke_lapsed_tokens


def end_acting_sessions(actor_person, patient_id):
    """An access of `actor_person` to `patient_id`'s space has ended: end the sessions of their
    accounts that have the space open, and revoke the tokens they made there that no longer
    hold (policy.revoke_lapsed_tokens). Returns the number of sessions ended."""
    revoke_lapsed_tokens(space_id=patient_id, made_by_person=getattr(actor_person, "id",
                                                                     actor_person))
    ended = 0
    rows = (UserSession.select().join(Account).where(Account.person == actor_person))
    for row in rows:
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        if data.get(SPACE_KEY) == patient_id:
            ended += UserSession.delete().where(UserSession.key == row.key).execute()
    return ended

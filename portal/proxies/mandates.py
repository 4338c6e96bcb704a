"""Mediators (aidants numériques): mandates signed at a counter, as in Aidants Connect."""
from ..accounts.models import Account, utcnow
from .models import Mandate


def relatives_context(person):
    """The mandates in force in this space."""
    mandates = (Mandate.select(Mandate, Account).join(Account)
                .where(Mandate.patient == person.id, Mandate.ended_at.is_null(),
                       Mandate.confirmed_at.is_null(False), Mandate.ends_at > utcnow())
                .order_by(Mandate.starts_at))
    return {"mandates": list(mandates)}

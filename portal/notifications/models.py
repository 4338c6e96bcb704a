"""Each account's choices about the optional e-mail notifications (no row: the default, on)."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from ..accounts.models import Account, utcnow
from ..db import BaseModel


class NotificationPreference(BaseModel):
    """One account's choice for one kind of notification (see KINDS); security kinds are
    never stored: they cannot be turned off."""

    account = ForeignKeyField(Account, backref="+", on_delete="CASCADE", index=False)
    kind = CharField(max_length=30)
    enabled = BooleanField(default=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "kind"), True),)

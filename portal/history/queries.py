"""The journal's entries about a space, as its history page, its CSV and a data export show
them (never an entry about a document the reader may not know exists)."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from peewee import JOIN

from ..accounts.models import Account, Person
from ..audit import ActivityEvent, JournalSeal
from ..policy import unknown_documents
from ..documents.models import Document
from . import presenters

NO_FILTERS = {"qui": "", "action": "", "du": None, "au": None}


def _utc(day, tz):
    """Midnight of a local day, as the naive UTC time the journal stores."""
    return datetime.combine(day, time.min, tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def family_condition(family):
    """The SQL condition of an action family of the filter."""
    action = ActivityEvent.action
    read = action.endswith(presenters.READ_SUFFIX) | action.in_(presenters.READ_ACTIONS)
    login = action.startswith(presenters.LOGIN_PREFIX) | action.in_(presenters.LOGIN_ACTIONS)
    ok = ActivityEvent.outcome == "ok"
    return {
        "consultations": ok & read,
        "modifications": ok & ~read & ~login,
        "connexions": login,
        "refus": ~ok,
    }[family]


def space_events(space, relation, account, filters=NO_FILTERS):
    """The space's journal entries (and its holder's account-level ones), newest first; never
    an entry about a document this reader may not know exists (policy.unknown_documents: a
    parent learns nothing of a document hidden from legal representatives)."""
    holder_accounts = [a.id for a in Account.select(Account.id).where(Account.person == space.id)]
    own_account = (ActivityEvent.actor.in_(holder_accounts) & ActivityEvent.patient.is_null()
                   & (ActivityEvent.action.startswith("auth.")
                      | ActivityEvent.action.startswith("account.")))
    query = (ActivityEvent.select(ActivityEvent, Account, Person, JournalSeal.sealed_at)
             .join(Account, JOIN.LEFT_OUTER, on=(ActivityEvent.actor == Account.id))
             .join(Person, JOIN.LEFT_OUTER, on=(Account.person == Person.id))
             .switch(ActivityEvent)
             .join(JournalSeal, JOIN.LEFT_OUTER, on=(ActivityEvent.seal == JournalSeal.seq),
                   attr="sealing")
             .where(((ActivityEvent.patient == space.id) | own_account)
                    & ~ActivityEvent.action.startswith("audit."))
             .where(~((ActivityEvent.object_type == "document")
                      & ActivityEvent.object_id.in_(_unknown_ids(relation, account))))
             .order_by(ActivityEvent.at.desc(), ActivityEvent.id.desc()))
    who = filters["qui"]
    if who == "moi":
        query = query.where(ActivityEvent.actor == account.id)
    elif who == "services":
        # What the services did, and the connections, consents and disconnections.
        query = query.where((ActivityEvent.via == "service")
                            | ActivityEvent.action.startswith("services."))
    elif who in presenters.ACTOR_ROLES:
        query = query.where(Account.role.in_(presenters.ACTOR_ROLES[who]),
                            ActivityEvent.actor != account.id, Account.person != space.id)
    if filters["action"]:
        query = query.where(family_condition(filters["action"]))
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if filters["du"]:
        query = query.where(ActivityEvent.at >= _utc(filters["du"], tz))
    if filters["au"]:
        query = query.where(ActivityEvent.at < _utc(filters["au"] + timedelta(days=1), tz))
    return query


def _unknown_ids(relation, account):
    """The ids (as the journal writes them) of the documents this reader may not know of."""
    return unknown_documents(relation, account).select(Document.id.cast("VARCHAR"))



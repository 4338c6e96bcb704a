"""The list of every model, for schema checks (imports the same modules as the app)."""


def all_models():
    from portal.access.models import Grant
    from portal.accounts.models import Account, OneTimeCode, Person, UserSession
    from portal.audit import ActivityEvent, AuditHead
    from portal.mail import OutboxMessage
    from portal.proxies.models import Delegation, Guardianship, Mandate
    return [Person, Account, UserSession, OneTimeCode, Guardianship, Delegation, Mandate, Grant,
            ActivityEvent, AuditHead, OutboxMessage]

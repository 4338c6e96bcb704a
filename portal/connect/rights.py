"""What a connected service may do: data categories × read/write, the SMART v2 scopes they
become, and the effective right of a token, always computed now as the intersection of
- the scopes the app asked for (kept on the token),
- the person's consent (the purposes granted, with the rights approved at that version: a
  right added to a purpose since is not granted until the person approves it again),
- the policy of whoever gave the consent (a guardian whose guardianship ended, a right the
  person's own policy refuses: nothing passes).
Also: consenting, changing, withdrawing (tokens revoked at once), each journaled and notified.
"""
from datetime import timedelta

from ..rendering import lazy_gettext as _l

from .. import audit, policy
from ..accounts.models import utcnow
from .models import ACTIVE, Consent, Purpose, Service, ServiceToken
from .scopes import CONTEXT_SCOPES, LETTERS, RIGHT_SCOPES

READ = "read"
WRITE = "write"

# Data categories a purpose may cover, in the order people read them.
CATEGORIES = {
    "measures": _l("Mesures de santé (tension, poids, glycémie…)"),
    "documents": _l("Documents du dossier"),
    "agenda": _l("Agenda (rendez-vous)"),
    "profile": _l("Résumé du profil (nom, sexe, date de naissance)"),
}
ACCESS_LABELS = {READ: _l("lire"), WRITE: _l("ajouter")}

# Catalogue categories (what a service is for).
SERVICE_CATEGORIES = {
    "suivi": _l("Suivi médical"),
    "prevention": _l("Prévention"),
    "bien_etre": _l("Bien-être"),
    "rendez_vous": _l("Prise de rendez-vous"),
}

RIGHTS = tuple(RIGHT_SCOPES)

# right -> the policy action the consenting account must hold in the person's space.
RIGHT_ACTIONS = {
    "measures:read": policy.MEASURES_VIEW,
    "measures:write": policy.MEASURES_EDIT,
    "documents:read": policy.DOCUMENTS_VIEW,
    "documents:write": policy.DOCUMENT_UPLOAD,
    "agenda:read": policy.AGENDA_VIEW,
    "agenda:write": policy.AGENDA_EDIT,
    "profile:read": policy.DOSSIER_VIEW,
}

REAPPROVAL_DAYS = 30


def right_label(right):
    """"lire : Mesures de santé…" for "measures:read"."""
    from flask_babel import gettext
    category, _sep, access = right.partition(":")
    return gettext("%(access)s : %(category)s", access=ACCESS_LABELS[access],
                   category=CATEGORIES[category])


def parse_scope(scope):
    """{resource: set of letters} from a SMART v2 scope string (other scopes are ignored)."""
    found = {}
    for item in (scope or "").split():
        if not item.startswith("patient/") or "." not in item:
            continue
        resource, _sep, letters = item[len("patient/"):].partition(".")
        if set(letters) <= set(LETTERS):
            found.setdefault(resource, set()).update(letters)
    return found


def letters_of(rights):
    """{resource: set of letters} that a set of rights allows."""
    found = {}
    for right in rights:
        if right in RIGHT_SCOPES:
            resource, letters = RIGHT_SCOPES[right]
            found.setdefault(resource, set()).update(letters)
    return found


def intersect(*grants):
    """The intersection of several {resource: letters}."""
    first, *others = grants
    out = {}
    for resource, letters in first.items():
        common = set(letters)
        for other in others:
            common &= other.get(resource, set())
        if common:
            out[resource] = common
    return out


def format_scope(grants, requested=""):
    """A SMART v2 scope string ("patient/Observation.rs …"), letters in c-r-u-d-s order, with
    the requested context scopes (launch/patient, offline_access) kept."""
    items = [f"patient/{resource}.{''.join(c for c in LETTERS if c in letters)}"
             for resource, letters in sorted(grants.items())]
    items += [s for s in CONTEXT_SCOPES if s in (requested or "").split()]
    return " ".join(items)


def scopes_of_rights(rights):
    """The SMART scopes a set of rights becomes (shown on the service's page)."""
    return format_scope(letters_of(rights))


# --- consent ---------------------------------------------------------------------------------

def consent_of(person_id, service):
    return Consent.get_or_none(Consent.person == person_id, Consent.service == service.id)


def purposes_of(service):
    return list(Purpose.select().where(Purpose.service == service.id)
                .order_by(Purpose.position, Purpose.id))


def consented_rights(consent, service=None, purposes=None):
    """The rights a consent grants now: those approved (at its version) that the granted
    purposes still need. Nothing for a withdrawn consent or a service no longer active."""
    if consent is None or not consent.active:
        return frozenset()
    service = service or consent.service
    if service.status != ACTIVE:
        return frozenset()
    purposes = purposes if purposes is not None else purposes_of(service)
    current = frozenset().union(*(p.right_set for p in purposes if p.id in consent.purpose_ids))
    return consent.right_set & current


def policy_rights(account, person_id):
    """The rights the consenting account holds in the person's space under the policy now
    (the connecting right itself included: without it, nothing)."""
    relation = policy.relation_to(account, person_id)
    if relation is None or not policy.allowed(account, policy.SERVICES_CONNECT, relation):
        return frozenset()
    return frozenset(r for r, action in RIGHT_ACTIONS.items()
                     if policy.allowed(account, action, relation))


def effective(token, service=None):
    """{resource: letters} a token may use now (requested ∩ consent ∩ policy)."""
    service = service or token.client.service
    consent = consent_of(token.person_id, service)
    return intersect(parse_scope(token.scope),
                     letters_of(consented_rights(consent, service)),
                     letters_of(policy_rights(token.account, token.person_id)))


def needs_reapproval(consent, service):
    """Whether the service changed its purposes since this consent was given and the deadline
    to approve that change has not lapsed yet."""
    return (consent is not None and consent.active and consent.version < service.version
            and (consent.declined_version or 0) < service.version)


def reapproval_lapsed(consent, service):
    """Whether the person let the deadline of the service's current change pass."""
    return (consent is not None and consent.active and consent.version < service.version
            and consent.declined_version == service.version)


def lapse_reapprovals(now=None):
    """After a service's re-approval deadline, settle every consent that did not approve its
    new version: the rights the change added stay refused for good (they were never granted;
    the consent keeps only the approved rights its purposes still need, so a right the
    operator dropped and adds back later is not granted again silently), the consent records
    the version declined, the person is notified once, and it is journaled. Each consent is
    claimed with one conditional UPDATE, so runs at once or again do nothing twice. Returns
    how many consents were settled."""
    from ..accounts.models import Person
    from ..db import write_tx
    now = now or utcnow()
    pending = (Consent.select(Consent, Service).join(Service)
               .where(Consent.withdrawn_at.is_null(), Service.status == ACTIVE,
                      Service.reapprove_by.is_null(False), Service.reapprove_by <= now,
                      Consent.version < Service.version,
                      Consent.declined_version.is_null()
                      | (Consent.declined_version < Service.version)))
    settled = 0
    for consent in list(pending):
        service = consent.service
        kept = sorted(consented_rights(consent, service))
        with write_tx():
            claimed = Consent.update(declined_version=service.version,
                                     rights=",".join(kept)).where(
                Consent.id == consent.id, Consent.withdrawn_at.is_null(),
                Consent.version < service.version,
                Consent.declined_version.is_null()
                | (Consent.declined_version < service.version)).execute()
        if not claimed:
            continue  # another run settled it, or the person approved or withdrew meanwhile
        person = Person.get_by_id(consent.person_id)
        audit.record("services.reapproval_lapsed", patient=person, obj_type="service",
                     obj_id=service.id,
                     detail=f"{service.name} v{service.version} not approved; kept: "
                            f"{','.join(kept)}")
        _notify_lapsed(person.id, service)
        settled += 1
    return settled


def give_consent(person, service, purpose_ids, account):
    """Record (or replace) the person's consent to these purposes of the service, at its
    current version, given by `account` (the person or whoever acts for them). Returns the
    consent and whether it is a new connection."""
    purposes = [p for p in purposes_of(service) if p.id in set(purpose_ids)]
    rights = sorted(frozenset().union(*(p.right_set for p in purposes)))
    consent = consent_of(person.id, service)
    values = {"purposes": ",".join(str(p.id) for p in purposes), "rights": ",".join(rights),
              "version": service.version, "given_by": account.id, "given_at": utcnow(),
              "withdrawn_at": None}
    connected = consent is None or not consent.active
    if consent is None:
        consent = Consent.create(person=person.id, service=service.id, **values)
    else:
        Consent.update(**values).where(Consent.id == consent.id).execute()
        consent = Consent.get_by_id(consent.id)
    audit.record("services.connect" if connected else "services.consent",
                 patient=person, obj_type="service", obj_id=service.id,
                 detail=f"{service.name} v{service.version}: {','.join(rights)}")
    if connected:
        _notify(person.id, service, connected=True)
    return consent, connected


def withdraw(person, service, account=None):
    """Disconnect: the consent is withdrawn and every token of the pair revoked at once."""
    consent = consent_of(person.id, service)
    if consent is None or not consent.active:
        return False
    Consent.update(withdrawn_at=utcnow()).where(Consent.id == consent.id).execute()
    revoke_tokens(service, person_id=person.id)
    audit.record("services.disconnect", patient=person, obj_type="service", obj_id=service.id,
                 detail=service.name)
    _notify(person.id, service, connected=False)
    return True


def revoke_tokens(service, person_id=None):
    """Revoke the live tokens of a service (for one person, or all): refused from now on."""
    from .models import ServiceClient
    clients = ServiceClient.select(ServiceClient.id).where(ServiceClient.service == service.id)
    query = ServiceToken.update(revoked_at=utcnow()).where(
        ServiceToken.client.in_(clients), ServiceToken.revoked_at.is_null())
    if person_id is not None:
        query = query.where(ServiceToken.person == person_id)
    return query.execute()


def set_status(service, status):
    """Suspend, dereference or reactivate a service; leaving "active" revokes every token."""
    Service.update(status=status, updated_at=utcnow()).where(Service.id == service.id).execute()
    if status != ACTIVE:
        revoke_tokens(service)
    audit.record(f"services.{status}", obj_type="service", obj_id=service.id,
                 detail=service.name)


def bump_version(service):
    """The purposes changed: a new version; people connected must approve it again (until
    they do, they keep the rights they approved, never the new ones)."""
    Service.update(version=Service.version + 1, updated_at=utcnow(),
                   reapprove_by=utcnow() + timedelta(days=REAPPROVAL_DAYS)).where(
        Service.id == service.id).execute()
    return Service.get_by_id(service.id)


def _notify_lapsed(person_id, service):
    from flask_babel import lazy_gettext
    from ..notifications import notify
    notify(person_id, "connected_service",
           lazy_gettext("Un service connecté garde ses anciennes autorisations"),
           lazy_gettext("Le service « %(name)s » a changé ce qu’il demande et ce changement n’a "
                        "pas été approuvé à temps : il n’a pas les nouveaux droits et garde "
                        "seulement ce qui avait été autorisé. Vous pouvez revoir ses "
                        "autorisations dans « Services connectés ».", name=service.name))


def _notify(person_id, service, connected):
    from flask_babel import lazy_gettext
    from ..notifications import notify
    if connected:
        subject = lazy_gettext("Un service a été connecté à votre espace santé")
        sentence = lazy_gettext("Le service « %(name)s » a été connecté à l’espace santé. "
                                "Vous pouvez le déconnecter à tout moment dans « Services "
                                "connectés ».", name=service.name)
    else:
        subject = lazy_gettext("Un service a été déconnecté de votre espace santé")
        sentence = lazy_gettext("Le service « %(name)s » a été déconnecté de l’espace santé : "
                                "il n’y a plus accès.", name=service.name)
    notify(person_id, "connected_service", subject, sentence)

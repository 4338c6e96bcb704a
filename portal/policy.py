"""THE place where access is decided.

Every view carries `@requires(ACTION)` (or `@public`). A rule answers one question: may this
actor do this action, in this space, through this relationship? Relationships (own space,
guardianship, delegation, mandate, professional grant) are resolved here and nowhere else.
A test walks `app.url_map` and fails on any endpoint without a rule.
"""
from dataclasses import dataclass, field
from functools import wraps

from flask import abort, current_app, g, has_request_context, request, session
from .rendering import lazy_gettext as _l

from .accounts.current import current_account
from .accounts.models import (ROLE_MEDIATOR, ROLE_OPERATOR, ROLE_PATIENT, ROLE_PROFESSIONAL,
                              Person, utcnow)
from .access.models import Grant
from .db import Prepared
from .proxies.models import Delegation, Guardianship, Mandate

# --- relationships --------------------------------------------------------------------------

SELF = "self"
GUARDIAN = "guardian"
DELEGATION = "delegation"
MANDATE = "mandate"
GRANT = "grant"
EMERGENCY = "emergency"

RELATION_LABELS = {
    SELF: _l("Mon espace"),
    GUARDIAN: _l("Représentant légal"),
    DELEGATION: _l("Proche aidant (délégation)"),
    MANDATE: _l("Aidant numérique (mandat)"),
    GRANT: _l("Professionnel autorisé"),
    EMERGENCY: _l("Accès en urgence (bris de glace)"),
}
# The same, agreed with a woman who acts (a mother is "représentante légale").
RELATION_LABELS_FEMININE = {
    **RELATION_LABELS,
    GUARDIAN: _l("Représentante légale"),
    DELEGATION: _l("Proche aidante (délégation)"),
    MANDATE: _l("Aidante numérique (mandat)"),
    GRANT: _l("Professionnelle autorisée"),
}



def relation_label(kind, actor):
    """A relation kind's name, agreed with the account (or person) that acts through it."""
    person = getattr(actor, "person", actor)
    labels = RELATION_LABELS_FEMININE if getattr(person, "sex", None) == "F" else RELATION_LABELS
    return labels.get(kind, "")


# What each relationship may do in the space, as scopes.
ALL_PATIENT_SCOPES = frozenset({
    "dossier_read", "dossier_write", "dossier_manage", "messaging", "messaging_read", "agenda",
    "summaries", "proxies", "account_settings", "entourage", "services", "export",
})
MANDATE_TASK_SCOPES = {
    "agenda": {"agenda"},
    "messages_read": {"messaging_read"},
    "documents": {"dossier_read", "dossier_write"},
    "summaries": {"summaries"},
}
DELEGATION_SCOPE_MAP = {
    "dossier_read": {"dossier_read", "summaries"},
    "dossier_write": {"dossier_write"},
    "messaging": {"messaging", "messaging_read"},
    "agenda": {"agenda"},
}
PROFESSIONAL_SCOPES = frozenset({"dossier_read", "dossier_deposit"})
EMERGENCY_SCOPES = frozenset({"dossier_read", "emergency"})


@dataclass(frozen=True)
class Relation:
    """How an actor reaches a space: kind, the record behind it, and what it allows."""

    kind: str
    person: Person
    scopes: frozenset = field(default_factory=frozenset)
    record_id: int | None = None
    until: object = None
    flags: frozenset = field(default_factory=frozenset)  # e.g. treating_doctor, administrator

    @property
    def landing(self):
        """The endpoint a space opens on, and that the header's "Carnet" link leads back to:
        the record when this relation reads it, otherwise the list of spaces."""
        return "dossier.home" if "dossier_read" in self.scopes else "proxies.spaces"

    def label_as(self, actor):
        """The relation's name, agreed with the account that acts through it."""
        return relation_label(self.kind, actor)

    @property
    def label(self):
        """The relation's name for the logged-in account (every relation a page shows is one
        of its own)."""
        return self.label_as(current_account())


def _today():
    return utcnow().date()


def _active_guardianships():
    return Guardianship.select(Guardianship, Person).join(
        Person, on=(Guardianship.ward == Person.id)).where(
        Guardianship.ended_at.is_null(), Guardianship.accepted_at.is_null(False))


def _active_delegations():
    today = _today()
    return Delegation.select(Delegation, Person).join(
        Person, on=(Delegation.patient == Person.id)).where(
        Delegation.ended_at.is_null(), Delegation.accepted_at.is_null(False),
        Delegation.starts_on <= today, Delegation.ends_on >= today)


def _active_mandates():
    now = utcnow()
    return Mandate.select(Mandate, Person).join(Person, on=(Mandate.patient == Person.id)).where(
        Mandate.ended_at.is_null(), Mandate.confirmed_at.is_null(False), Mandate.starts_at <= now,
        Mandate.ends_at > now)


def _active_grants():
    return Grant.select(Grant, Person).join(Person, on=(Grant.patient == Person.id)).where(
        Grant.blocked == False,  # noqa: E712
        (Grant.expires_at.is_null()) | (Grant.expires_at > utcnow()))


def emergency_eligible(settings, professional, blocked):
    """Whether a professional may open a patient's space in an emergency: the patient's
    emergency settings let the professional's profession in, and the patient has not blocked
    this professional. Checked when the emergency is declared (emergency/views.py) and again
    on every request while the access lasts (_emergency_relations)."""
    return not blocked and settings.allows(professional.profession)


def _emergency_relations(account, patient_id):
    """Active emergency accesses whose patient still allows them (re-checked every request)."""
    from .emergency.models import EmergencyAccess, EmergencySettings
    query = EmergencyAccess.select(EmergencyAccess, Person).join(
        Person, on=(EmergencyAccess.patient == Person.id)).where(
        EmergencyAccess.professional == account.id, EmergencyAccess.ended_at.is_null(),
        EmergencyAccess.ends_at > utcnow())
    if patient_id is not None:
        query = query.where(EmergencyAccess.patient == patient_id)
    blocked = {gr.patient_id for gr in Grant.select(Grant.patient).where(
        Grant.professional == account.id, Grant.blocked == True)}  # noqa: E712
    found = []
    for access in query:
        settings = EmergencySettings.for_patient(access.patient_id)
        if emergency_eligible(settings, account, blocked=access.patient_id in blocked):
            flags = frozenset({"masked_visible"}) if settings.masked_visible else frozenset()
            found.append(Relation(EMERGENCY, access.patient, EMERGENCY_SCOPES, access.id,
                                  access.ends_at, flags))
    return found


def closed_spaces(person_ids):
    """The ids, among `person_ids`, of spaces no one may reach now: closed (by the holder, or
    opposed), or announced and not open yet (accounts.models.SpaceAnnouncement)."""
    from .lifecycle.models import closed_among
    ids = set(person_ids)
    return closed_among(ids) | unopened_among(ids)


def unopened_among(person_ids):
    """The ids, among `person_ids`, of spaces announced by the insurer and not open yet (the
    person neither activated them nor let the six weeks pass)."""
    from .accounts.models import SpaceAnnouncement
    if not person_ids:
        return set()
    return {row.person_id for row in SpaceAnnouncement.select(SpaceAnnouncement.person).where(
        SpaceAnnouncement.person.in_(sorted(person_ids)), SpaceAnnouncement.opened_at.is_null())}


def space_is_open(person_id):
    """Whether anyone may reach this space at all (it is open and not closed)."""
    return person_id is not None and not closed_spaces({person_id})


CLOSED_SPACE = _l("Cet espace santé est fermé à la demande de la personne : personne ne peut "
                  "le consulter, même en urgence. Il ne peut être rouvert que par sa caisse "
                  "d’Assurance Maladie, à sa demande.")


def relations_for(account, patient_id=None):
    """Every space this account may open (optionally only `patient_id`), own space first.

    Within a reading request (GET, HEAD, OPTIONS) the logged-in account's relations are
    resolved once and reused: the policy check, the header's switcher and the menu all ask,
    and nothing a reading request does changes who may open what. A request that may write
    resolves them afresh each time (it may have just granted, opened or ended an access)."""
    cache = _request_relations_cache(account)
    if cache is None:
        return _resolve_relations(account, patient_id)
    if account.id not in cache:
        cache[account.id] = _resolve_relations(account)
    found = cache[account.id]
    if patient_id is not None:
        found = [r for r in found if r.person.id == patient_id]
    return list(found)


def _request_relations_cache(account):
    """The per-request store of the logged-in account's relations, or None when they must be
    resolved afresh (outside a request, a request that may write, another account)."""
    from .db import SAFE_METHODS
    if not has_request_context() or request.method not in SAFE_METHODS:
        return None
    user = current_account()
    if user is None or user.id != account.id:
        return None
    cache = g.get("_relations")
    if cache is None:
        cache = g._relations = {}
    return cache


def _resolve_relations(account, patient_id=None):
    """The relations of `account` (to `patient_id` only, when given), read from the database."""
    relations = []

    def wanted(query, column):
        return query.where(column == patient_id) if patient_id is not None else query

    if account.role == ROLE_PATIENT:
        # Closed spaces are already left out by the query itself.
        return _sorted(_patient_relations(account, patient_id))
    if account.role == ROLE_MEDIATOR:
        for m in wanted(_active_mandates().where(Mandate.mediator == account.id), Mandate.patient):
            scopes = frozenset().union(*(MANDATE_TASK_SCOPES[t] for t in m.task_set
                                         if t in MANDATE_TASK_SCOPES))
            relations.append(Relation(MANDATE, m.patient, scopes, m.id, m.ends_at))
    elif account.role == ROLE_PROFESSIONAL:
        for gr in wanted(_active_grants().where(Grant.professional == account.id), Grant.patient):
            flags = frozenset(name for name, on in (("treating_doctor", gr.treating_doctor),
                                                    ("administrator", gr.administrator)) if on)
            relations.append(Relation(GRANT, gr.patient, PROFESSIONAL_SCOPES, gr.id, None, flags))
        relations.extend(_emergency_relations(account, patient_id))
    # Operators reach no space: they never see medical content.
    # A closed space opens to no one (not even its holder) until an operator reopens it.
    closed = closed_spaces({r.person.id for r in relations})
    return _sorted([r for r in relations if r.person.id not in closed])


def _sorted(relations):
    """Own space first, then by name."""
    return sorted(relations, key=lambda r: (r.kind != SELF, r.person.family_name,
                                            r.person.given_names))


def _patient_relations(account, patient_id=None):
    """A patient's relations in one query (asked on every page): their own space, the spaces
    of those they represent (active guardianships) and of those who delegated to them (active
    delegations), each with its person, none whose space is closed."""
    from peewee import DateField
    if patient_id is None:
        rows = _PATIENT_RELATIONS(account.person_id, _today())
    else:
        rows = _PATIENT_RELATIONS_TO(account.person_id, _today(), patient_id)
    relations = []
    for person in rows:
        kind = person.rel_kind
        if kind == SELF:
            relations.append(Relation(SELF, person, ALL_PATIENT_SCOPES))
        elif kind == GUARDIAN:
            relations.append(Relation(GUARDIAN, person, ALL_PATIENT_SCOPES - {"account_settings"},
                                      person.rel_id))
        else:
            scopes = frozenset().union(*(DELEGATION_SCOPE_MAP[s] for s in
                                         Delegation(scopes=person.rel_scopes).scope_set
                                         if s in DELEGATION_SCOPE_MAP))
            relations.append(Relation(DELEGATION, person, scopes, person.rel_id,
                                      DateField().python_value(person.rel_until)))
    return relations


def _patient_relations_query(own, today, patient_id=None):
    """The query of _patient_relations: the same conditions as _active_guardianships and
    _active_delegations, and closed_spaces as a NOT EXISTS, in one UNION ALL."""
    from peewee import Cast, Value, fn

    from .accounts.models import SpaceAnnouncement
    from .lifecycle.models import SpaceClosure

    def still_open():
        return ~fn.EXISTS(SpaceClosure.select(SpaceClosure.id).where(
            SpaceClosure.person == Person.id, SpaceClosure.reopened_at.is_null())) & \
            ~fn.EXISTS(SpaceAnnouncement.select(SpaceAnnouncement.id).where(
                SpaceAnnouncement.person == Person.id, SpaceAnnouncement.opened_at.is_null()))

    def branch(kind, record_id, scopes, until):
        query = Person.select(Value(kind).alias("rel_kind"), record_id.alias("rel_id"),
                              scopes.alias("rel_scopes"), until.alias("rel_until"),
                              *Person._meta.sorted_fields)
        return query if patient_id is None else query.where(Person.id == patient_id)

    # Typed NULLs: PostgreSQL types each column of a UNION from its first rows.
    no_id, no_date = Cast(Value(None), "INTEGER"), Cast(Value(None), "DATE")
    own_space = branch(SELF, no_id, Value(""), no_date).where(Person.id == own, still_open())
    represented = branch(GUARDIAN, Guardianship.id, Value(""), no_date).join(
        Guardianship, on=(Guardianship.ward == Person.id)).where(
        Guardianship.guardian == own, Guardianship.ended_at.is_null(),
        Guardianship.accepted_at.is_null(False), still_open())
    delegated = branch(DELEGATION, Delegation.id, Delegation.scopes, Delegation.ends_on).join(
        Delegation, on=(Delegation.patient == Person.id)).where(
        Delegation.caregiver == own, Delegation.ended_at.is_null(),
        Delegation.accepted_at.is_null(False), Delegation.starts_on <= today,
        Delegation.ends_on >= today, still_open())
    return own_space.union_all(represented).union_all(delegated)


# Asked on every page by every patient: built once (see db.Prepared).
_PATIENT_RELATIONS = Prepared(_patient_relations_query, 0, utcnow().date())
_PATIENT_RELATIONS_TO = Prepared(_patient_relations_query, 0, utcnow().date(), 0)


def relation_to(account, patient_id):
    """The strongest relation from account to the space of `patient_id`, or None."""
    found = relations_for(account, patient_id)
    if not found:
        return None
    merged_scopes = frozenset().union(*(r.scopes for r in found))
    best = found[0]
    return Relation(best.kind, best.person, merged_scopes, best.record_id, best.until, best.flags)


# --- actions and rules ----------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One rule: who may act (roles), whether a space is needed and which scope, and whether
    the action reads health data (then every response that shows it is journaled). `reads`
    names the reading journaled when a page of an action that changes the record (its form,
    its confirmation, a refused form shown again) shows the record's content."""

    roles: frozenset
    scope: str | frozenset | None = None
    health_data: bool = False
    professions: frozenset | None = None
    reads: str | None = None

    @property
    def needs_space(self):
        return self.scope is not None

    @property
    def scopes(self):
        """Any one of these scopes suffices."""
        if self.scope is None:
            return frozenset()
        return frozenset({self.scope}) if isinstance(self.scope, str) else self.scope


ANY_ROLE = frozenset({ROLE_PATIENT, ROLE_PROFESSIONAL, ROLE_MEDIATOR, ROLE_OPERATOR})
ACTING = frozenset({ROLE_PATIENT, ROLE_PROFESSIONAL, ROLE_MEDIATOR})

PUBLIC = "public"
ACCOUNT_SELF = "account.self"
SPACES_LIST = "spaces.list"
DOSSIER_VIEW = "dossier.view"
PROXIES_VIEW = "proxies.view"
PROXIES_MANAGE = "proxies.manage"
DIRECTORY_VIEW = "directory.view"
# The medical record (issue 3)
PROFILE_VIEW = "profile.view"
PROFILE_EDIT = "profile.edit"
MEASURES_VIEW = "measures.view"
MEASURES_EDIT = "measures.edit"
DOCUMENTS_VIEW = "documents.view"
DOCUMENT_UPLOAD = "documents.upload"
DOCUMENT_DEPOSIT = "documents.deposit"
DOCUMENT_MANAGE = "documents.manage"
DOCUMENT_REPORT = "documents.report"
DOCUMENT_ANNOUNCE = "documents.announce"
PRESCRIPTION_WRITE = "prescriptions.write"
PRESCRIPTION_VERIFY = "prescriptions.verify"
# Professionals' access (issue 4)
ACCESS_VIEW = "access.view"
ACCESS_MANAGE = "access.manage"
ACCESS_REDEEM = "access.redeem"
HISTORY_VIEW = "history.view"
EMERGENCY_SETTINGS = "emergency.settings"
EMERGENCY_DECLARE = "emergency.declare"
EMERGENCY_SUMMARY = "emergency.summary"
AUDIT_STATUS = "audit.status"
# Acting for someone (issue 5)
MANDATE_CREATE = "mandates.create"
MANDATE_END = "mandates.end"
GUARDIANSHIP_ATTACH = "guardianships.attach"
# Announcing spaces, printing their letters, a new code at the counter (issue 17)
SPACE_ANNOUNCE = "lifecycle.announce"
# A letter with a new code for someone in front of them (identity checked there): operators,
# and the digital-help mediators of a France Services counter
COUNTER_CODE = "lifecycle.counter_code"
ENTOURAGE_VIEW = "entourage.view"
ENTOURAGE_EDIT = "entourage.edit"
# Secure messaging and notifications (issue 6)
MESSAGING_READ = "messaging.read"
MESSAGING_WRITE = "messaging.write"
MESSAGING_PRO = "messaging.pro"
MESSAGING_PRO_START = "messaging.pro_start"
NOTIFICATIONS_SETTINGS = "notifications.settings"
# Agenda and prevention (issue 7)
AGENDA_VIEW = "agenda.view"
AGENDA_EDIT = "agenda.edit"
AGENDA_PRO_ADD = "agenda.pro_add"
AGENDA_FEED_MANAGE = "agenda.feed_manage"
PREVENTION_VIEW = "prevention.view"
PREVENTION_EDIT = "prevention.edit"
# Printed summaries (issue 8)
SUMMARY_PRINT = "summary.print"
SUMMARY_DOWNLOAD = "summary.download"
SUMMARY_SAVE = "summary.save"
SUMMARY_VIEW = "summary.view"  # journal only: the print pages (jobs and their state) were read
# Mon histoire de santé (issue 16)
REIMBURSEMENTS_VIEW = "reimbursements.view"
REIMBURSEMENTS_MASK = "reimbursements.mask"
REIMBURSEMENTS_TO_TREATMENT = "reimbursements.to_treatment"
# The space's lifecycle
LIFECYCLE_CLOSE = "lifecycle.close"
LIFECYCLE_REOPEN = "lifecycle.reopen"
LIFECYCLE_REPRESENT = "lifecycle.represent"
# Connected services (issue 16)
SERVICES_BROWSE = "services.browse"
SERVICES_CONNECT = "services.connect"
SERVICES_MANAGE = "services.manage"
# Télécharger mes données (issue 17)
EXPORT_REQUEST = "export.request"
EXPORT_DOWNLOAD = "export.download"

PATIENT_SIDE = frozenset({ROLE_PATIENT, ROLE_MEDIATOR})
PROFESSIONAL = frozenset({ROLE_PROFESSIONAL})
WRITERS = frozenset({"dossier_write", "dossier_deposit"})
PRESCRIBERS = frozenset({"medecin_generaliste", "medecin_specialiste", "medecin_regulateur",
                         "sage_femme", "chirurgien_dentiste"})

RULES = {
    ACCOUNT_SELF: Rule(ANY_ROLE),
    SPACES_LIST: Rule(ACTING),
    DOSSIER_VIEW: Rule(ACTING, scope="dossier_read", health_data=True),
    PROXIES_VIEW: Rule(frozenset({ROLE_PATIENT}), scope="proxies"),
    PROXIES_MANAGE: Rule(frozenset({ROLE_PATIENT}), scope="proxies"),
    DIRECTORY_VIEW: Rule(frozenset({ROLE_OPERATOR, ROLE_PROFESSIONAL})),
    PROFILE_VIEW: Rule(ACTING, scope="dossier_read", health_data=True),
    PROFILE_EDIT: Rule(ACTING, scope=WRITERS, reads=PROFILE_VIEW),
    MEASURES_VIEW: Rule(ACTING, scope="dossier_read", health_data=True),
    MEASURES_EDIT: Rule(ACTING, scope=WRITERS, reads=MEASURES_VIEW),
    DOCUMENTS_VIEW: Rule(ACTING, scope="dossier_read", health_data=True),
    DOCUMENT_UPLOAD: Rule(PATIENT_SIDE, scope="dossier_write", reads=DOCUMENTS_VIEW),
    DOCUMENT_DEPOSIT: Rule(PROFESSIONAL, scope="dossier_deposit", reads=DOCUMENTS_VIEW),
    DOCUMENT_MANAGE: Rule(frozenset({ROLE_PATIENT}), scope="dossier_manage",
                          reads=DOCUMENTS_VIEW),
    DOCUMENT_REPORT: Rule(ACTING, scope="dossier_read", reads=DOCUMENTS_VIEW),
    DOCUMENT_ANNOUNCE: Rule(PROFESSIONAL, scope="dossier_deposit", reads=DOCUMENTS_VIEW),
    PRESCRIPTION_WRITE: Rule(PROFESSIONAL, scope="dossier_deposit", professions=PRESCRIBERS,
                             reads=DOCUMENTS_VIEW),
    PRESCRIPTION_VERIFY: Rule(PROFESSIONAL, professions=frozenset({"pharmacien"})),
    ACCESS_VIEW: Rule(frozenset({ROLE_PATIENT}), scope="proxies"),
    ACCESS_MANAGE: Rule(frozenset({ROLE_PATIENT}), scope="proxies"),
    ACCESS_REDEEM: Rule(PROFESSIONAL),
    HISTORY_VIEW: Rule(frozenset({ROLE_PATIENT}), scope="dossier_manage", health_data=True),
    AUDIT_STATUS: Rule(frozenset({ROLE_OPERATOR})),
    EMERGENCY_SETTINGS: Rule(frozenset({ROLE_PATIENT}), scope="account_settings"),
    EMERGENCY_DECLARE: Rule(PROFESSIONAL),
    EMERGENCY_SUMMARY: Rule(PROFESSIONAL, scope="emergency", health_data=True),
    MANDATE_CREATE: Rule(frozenset({ROLE_MEDIATOR})),
    MANDATE_END: Rule(frozenset({ROLE_MEDIATOR})),
    GUARDIANSHIP_ATTACH: Rule(frozenset({ROLE_OPERATOR})),
    SPACE_ANNOUNCE: Rule(frozenset({ROLE_OPERATOR})),
    COUNTER_CODE: Rule(frozenset({ROLE_OPERATOR, ROLE_MEDIATOR})),
    # Contacts and wishes: read with the record; changed only by the patient or their legal
    # representative (a caregiver never changes emergency settings).
    ENTOURAGE_VIEW: Rule(ACTING, scope=frozenset({"dossier_read", "emergency"}), health_data=True),
    ENTOURAGE_EDIT: Rule(frozenset({ROLE_PATIENT}), scope="entourage", reads=ENTOURAGE_VIEW),
    # The patient's side reads the space's conversations (a mediator may have "read only"),
    # and writes with the messaging scope; a professional's messaging is their own (no
    # space), and they start a conversation from the space of a patient they may reach.
    MESSAGING_READ: Rule(PATIENT_SIDE, scope=frozenset({"messaging", "messaging_read"}),
                         health_data=True),
    MESSAGING_WRITE: Rule(PATIENT_SIDE, scope="messaging", reads=MESSAGING_READ),
    MESSAGING_PRO: Rule(PROFESSIONAL, health_data=True),
    MESSAGING_PRO_START: Rule(PROFESSIONAL, scope="dossier_read", reads=MESSAGING_PRO),
    NOTIFICATIONS_SETTINGS: Rule(ANY_ROLE),
    # The agenda: the patient's side with the agenda scope; an authorised professional may
    # add an appointment; the private calendar feed is the holder's (or representative's).
    AGENDA_VIEW: Rule(PATIENT_SIDE, scope="agenda", health_data=True),
    AGENDA_EDIT: Rule(PATIENT_SIDE, scope="agenda", reads=AGENDA_VIEW),
    AGENDA_PRO_ADD: Rule(PROFESSIONAL, scope="dossier_deposit", reads=AGENDA_VIEW),
    AGENDA_FEED_MANAGE: Rule(frozenset({ROLE_PATIENT}), scope="proxies"),
    PREVENTION_VIEW: Rule(PATIENT_SIDE, scope="agenda", health_data=True),
    PREVENTION_EDIT: Rule(PATIENT_SIDE, scope="agenda", reads=PREVENTION_VIEW),
    # Printed summaries: the patient's side with the summaries scope (a caregiver who reads
    # the record, a mediator given that task) asks for one and downloads it (journaled);
    # keeping it in the dossier also needs the right to add documents.
    SUMMARY_PRINT: Rule(PATIENT_SIDE, scope="summaries", reads=SUMMARY_VIEW),
    SUMMARY_DOWNLOAD: Rule(PATIENT_SIDE, scope="summaries", health_data=True),
    SUMMARY_SAVE: Rule(PATIENT_SIDE, scope="dossier_write", reads=SUMMARY_VIEW),
    # Mon histoire de santé is read like the documents: whoever reads the record (the holder,
    # a legal representative, a caregiver given "dossier_read", a mediator given the documents
    # task, an authorised or emergency professional), lines masked from professionals left out
    # by visible_reimbursements; masking is the holder's or legal representative's, like
    # masking a document; copying a delivered medicine into "Traitements" writes the profile,
    # so it takes the profile's writers.
    REIMBURSEMENTS_VIEW: Rule(ACTING, scope="dossier_read", health_data=True),
    REIMBURSEMENTS_MASK: Rule(frozenset({ROLE_PATIENT}), scope="dossier_manage",
                              reads=REIMBURSEMENTS_VIEW),
    REIMBURSEMENTS_TO_TREATMENT: Rule(ACTING, scope=WRITERS, reads=REIMBURSEMENTS_VIEW),
    # Closing a space is the holder's alone (account_settings: only one's own space has it);
    # an operator reopens one at the person's request, seeing names and dates only.
    LIFECYCLE_CLOSE: Rule(frozenset({ROLE_PATIENT}), scope="account_settings"),
    LIFECYCLE_REOPEN: Rule(frozenset({ROLE_OPERATOR})),
    # A legal representative closes or reopens the space of the person they represent: no
    # space is opened for it (a closed space opens to no one); the view loads the
    # representation itself (lifecycle.views._represented_or_404).
    LIFECYCLE_REPRESENT: Rule(frozenset({ROLE_PATIENT})),
    # Connected services: anyone with a space reads the catalogue; connecting a service to a
    # space, changing its consents or disconnecting it needs the "services" scope, which the
    # holder and a legal representative have and a caregiver or mediator does not (deny by
    # default: no delegation or mandate task grants it). The operator references services.
    SERVICES_BROWSE: Rule(frozenset({ROLE_PATIENT})),
    SERVICES_CONNECT: Rule(frozenset({ROLE_PATIENT}), scope="services"),
    SERVICES_MANAGE: Rule(frozenset({ROLE_OPERATOR})),
    # Taking the whole space away is the holder's, or a legal representative's for the child or
    # protected adult they answer for: the "export" scope, which no delegation or mandate task
    # grants (a caregiver or a mediator is denied by the rule itself). The ZIP holds the whole
    # record: downloading it is journaled as a reading.
    EXPORT_REQUEST: Rule(frozenset({ROLE_PATIENT}), scope="export"),
    EXPORT_DOWNLOAD: Rule(frozenset({ROLE_PATIENT}), scope="export", health_data=True),
}


def allowed(account, action, relation=None):
    """The one decision: does `account` (through `relation`) hold the right for `action`?"""
    rule = RULES.get(action)
    if rule is None or account is None or not account.is_authenticated:
        return False
    if account.role not in rule.roles:
        return False
    if rule.professions is not None and account.profession not in rule.professions:
        return False
    if rule.needs_space:
        return relation is not None and bool(rule.scopes & relation.scopes)
    return True


# --- what each relation may see in the record ------------------------------------------------

PATIENT_SIDE_KINDS = frozenset({SELF, DELEGATION, MANDATE})


def visible_documents(relation, account):
    """The documents of the open space this actor may see: load documents only through this
    query (then filter further, never widen). Labels:
    - hidden from the patient: the patient's side sees it only as pending (see below);
    - hidden from legal representatives: a parent never sees it, not even as pending;
    - masked from professionals (per document, or all by the patient's default): hidden from
      professionals except its author, the médecin traitant and the patient's administrators.
    A professional sees only the categories their profession may see (access/matrix.py), and
    always the documents they wrote.
    """
    from .documents.models import Document, DossierSettings
    query = Document.select().where(Document.patient == relation.person.id)
    if relation.kind in PATIENT_SIDE_KINDS:
        return query.where(Document.hidden_from_patient == False)  # noqa: E712
    if relation.kind == GUARDIAN:
        return query.where(Document.hidden_from_patient == False,  # noqa: E712
                           Document.hidden_from_guardians == False)  # noqa: E712
    if relation.kind in (GRANT, EMERGENCY):
        from .access.matrix import categories_for
        own = Document.author == account.id
        seen = Document.category.in_(sorted(categories_for(account.profession)))
        if relation.flags & {"treating_doctor", "administrator", "masked_visible"}:
            return query.where(seen | own)
        if DossierSettings.for_patient(relation.person.id).mask_all_from_pros:
            return query.where(own)
        return query.where((seen & (Document.masked_from_pros == False)) | own)  # noqa: E712
    return query.where(Document.id.is_null())  # any other relation sees nothing


def visible_reimbursements(relation, account):
    """The reimbursed care of the open space this actor may see: load it only through this
    query. The patient's side and legal representatives see every line (the insurer's history
    hides nothing from the person or those who answer for them). A professional sees the lines
    the person has not masked, except those who see masked documents too (médecin traitant,
    the patient's administrators, an emergency access whose settings show masked content), as
    for documents (visible_documents): one rule of masking for the whole record."""
    from .reimbursements.models import Reimbursement
    query = Reimbursement.select().where(Reimbursement.patient == relation.person.id)
    if relation.kind in PATIENT_SIDE_KINDS | {GUARDIAN}:
        return query
    if relation.kind in (GRANT, EMERGENCY):
        if relation.flags & {"treating_doctor", "administrator", "masked_visible"}:
            return query
        return query.where(Reimbursement.masked_from_pros == False)  # noqa: E712
    return query.where(Reimbursement.id.is_null())  # any other relation sees nothing


def pending_documents(relation):
    """Documents a professional has not yet announced: the patient's side (not a legal
    representative when the document is also hidden from them) sees that they exist."""
    from .documents.models import Document
    if relation.kind not in PATIENT_SIDE_KINDS | {GUARDIAN}:
        return None
    query = Document.select().where(Document.patient == relation.person.id,
                                    Document.hidden_from_patient == True)  # noqa: E712
    if relation.kind == GUARDIAN:
        query = query.where(Document.hidden_from_guardians == False)  # noqa: E712
    return query


def _pending_count_query(patient_id, guardian):
    from peewee import fn

    from .documents.models import Document
    query = Document.select(fn.COUNT(Document.id).alias("n")).where(
        Document.patient == patient_id, Document.hidden_from_patient == True)  # noqa: E712
    if guardian:
        query = query.where(Document.hidden_from_guardians == False)  # noqa: E712
    return query


# The record's first page says how many there are: built once (see db.Prepared).
_PENDING_COUNT = Prepared(lambda patient_id: _pending_count_query(patient_id, False), 0)
_PENDING_COUNT_GUARDIAN = Prepared(lambda patient_id: _pending_count_query(patient_id, True), 0)


def pending_count(relation):
    """How many documents pending_documents(relation) holds (0 when the side sees none)."""
    if relation.kind not in PATIENT_SIDE_KINDS | {GUARDIAN}:
        return 0
    counted = _PENDING_COUNT_GUARDIAN if relation.kind == GUARDIAN else _PENDING_COUNT
    return counted.first(relation.person.id).n


def known_documents(relation, account):
    """The documents of the open space whose existence this actor may know: those they see
    and those shown to them as pending. Every view of the record that mentions documents
    (history and its export, counts, notifications) goes through this, never around it."""
    from .documents.models import Document
    visible = visible_documents(relation, account).select(Document.id)
    pending = pending_documents(relation)
    if pending is None:
        return Document.select().where(Document.id.in_(visible))
    return Document.select().where(Document.id.in_(visible) |
                                   Document.id.in_(pending.select(Document.id)))


def unknown_documents(relation, account):
    """The documents of the open space this actor may not know exist (the complement of
    known_documents): what a view of the record must leave out, entries about them included."""
    from .documents.models import Document
    if relation is None:
        return Document.select()
    return Document.select().where(
        Document.patient == relation.person.id,
        Document.id.not_in(known_documents(relation, account).select(Document.id)))


def knows_document(account, document):
    """Whether `account`, through its current relation to the document's space, may know the
    document exists (for whoever is told about it outside a request: e-mails, notices)."""
    from .documents.models import Document
    relation = relation_to(account, document.patient_id)
    return relation is not None and known_documents(relation, account).where(
        Document.id == document.id).exists()


# --- token-addressed access -------------------------------------------------------------------
# A URL or code carrying a secret (the agenda's subscription feed, a professional's one-time
# access code, a print job's file, an activation link, a closure's proof, a mandate's
# confirmation code) reaches a space without a logged-in request. It answers to the same facts
# as a request: `token_holds` on every use, and `revoke_lapsed_tokens` where an access ends.

def token_holds(space_id, made_by=None, action=None, closure_id=None, unopened=False):
    """THE rule for every token: it works only while the space it points at is open and, when
    an account made it acting in that space, while that account is active and, through a
    relationship current now (relation_to, as on every request), still holds `action` there.
    A closure's proof (`closure_id`) is the one token about a closed space: it works while
    that very closure is in force. An activation code or link (`unopened`) also works for a
    space announced and not open yet, since using it opens the space."""
    if space_id is None:
        return False
    if closure_id is not None:
        from .lifecycle.models import current_closure
        closure = current_closure(space_id)
        return closure is not None and closure.id == closure_id
    if unopened:
        from .lifecycle.models import closed_among
        if closed_among({space_id}):
            return False
    elif not space_is_open(space_id):
        return False
    if made_by is None:
        return action is None
    from .accounts.models import Account
    account = made_by if isinstance(made_by, Account) else \
        Account.get_or_none(Account.id == made_by)
    if account is None or not account.is_active:
        return False
    return allowed(account, action, relation_to(account, space_id))


TOKEN_KINDS = ("feed", "code", "print", "activation", "service")


def revoke_lapsed_tokens(space_id=None, made_by_person=None, kinds=TOKEN_KINDS):
    """Revoke the stored tokens of `space_id` (or made by `made_by_person`'s accounts, or both)
    that `token_holds` no longer allows: feeds and unused codes are marked revoked, print files
    deleted, activation links of a closed space expired. Called where an access ends (closure,
    majority, end of a guardianship, delegation or mandate) and by the print jobs' purge for
    accesses that simply ran out. Returns how many tokens were revoked."""
    from .access.models import AccessCode
    from .accounts.models import Account, ActivationInvite
    from .agenda.models import CalendarFeed
    from .connect.models import Consent, ServiceClient, ServiceToken
    from .summary.models import DONE, QUEUED, RUNNING, PrintJob
    from .summary.revoke import revoke_job
    now = utcnow()
    makers = None
    if made_by_person is not None:
        makers = [a.id for a in Account.select(Account.id).where(Account.person == made_by_person)]

    def scoped(query, space, maker):
        if space_id is not None:
            query = query.where(space == space_id)
        if makers is not None:
            query = query.where(maker.in_(makers))
        return query

    def lapse_consent(row):
        """A connected service's consent whose giver may no longer give it (the space closed,
        the child came of age…): withdrawn, and its tokens revoked, for good — reopening the
        space does not bring the connection back without a new consent."""
        done = Consent.update(withdrawn_at=now).where(
            Consent.id == row.id, Consent.withdrawn_at.is_null()).execute()
        clients = ServiceClient.select(ServiceClient.id).where(
            ServiceClient.service == row.service_id)
        ServiceToken.update(revoked_at=now).where(
            ServiceToken.client.in_(clients), ServiceToken.person == row.person_id,
            ServiceToken.revoked_at.is_null()).execute()
        return done

    # kind: (its live tokens, the space column, the maker column, the action it needs, revoke)
    stored = {
        "service": (Consent.select().where(Consent.withdrawn_at.is_null()),
                    Consent.person, Consent.given_by, SERVICES_CONNECT, lapse_consent),
        "feed": (CalendarFeed.select().where(CalendarFeed.revoked_at.is_null()),
                 CalendarFeed.patient, CalendarFeed.created_by, AGENDA_FEED_MANAGE,
                 lambda row: CalendarFeed.update(revoked_at=now).where(
                     CalendarFeed.id == row.id, CalendarFeed.revoked_at.is_null()).execute()),
        "code": (AccessCode.select().where(AccessCode.revoked_at.is_null(),
                                           AccessCode.used_at.is_null(),
                                           AccessCode.expires_at > now),
                 AccessCode.patient, AccessCode.created_by, ACCESS_MANAGE,
                 lambda row: AccessCode.update(revoked_at=now).where(
                     AccessCode.id == row.id, AccessCode.revoked_at.is_null()).execute()),
        "print": (PrintJob.select().where(PrintJob.status.in_((QUEUED, RUNNING, DONE))),
                  PrintJob.patient, PrintJob.requested_by, SUMMARY_DOWNLOAD, revoke_job),
    }
    revoked = 0
    for kind in kinds:
        if kind not in stored:
            continue
        query, space, maker, action, revoke = stored[kind]
        for row in list(scoped(query, space, maker)):
            if not token_holds(row.__data__[space.name], row.__data__[maker.name], action):
                revoked += revoke(row)
    if "activation" in kinds and space_id is not None and not token_holds(space_id,
                                                                          unopened=True):
        revoked += ActivationInvite.update(expires_at=now).where(
            ActivationInvite.person == space_id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
    return revoked


# --- the current space ("acting for") ---------------------------------------------------------

SPACE_KEY = "space_id"
SPACE_FIELD = "_space"


def current_relation(account):
    """The relation to the space chosen in this session (own space by default for patients).

    When the chosen relationship has ended (revoked, expired, blocked), the session forgets it
    at once; a patient reading a page is brought back to their own space with a notice, but a
    write is never redirected to another space than the one it was meant for.
    """
    space_id = session.get(SPACE_KEY)
    own_id = account.person_id if account.role == ROLE_PATIENT else None
    if space_id is None:
        space_id = own_id
    if space_id is None:
        return None
    relation = relation_to(account, space_id)
    if relation is None and space_id != own_id:
        session.pop(SPACE_KEY, None)
        if own_id is not None and request.method == "GET":
            from flask import flash
            from flask_babel import gettext as _
            flash(_("Votre accès à cet espace a pris fin. Votre propre espace est de nouveau "
                    "ouvert."),
                  "info")
            relation = relation_to(account, own_id)
    return relation


def open_space(account, person_id):
    """Switch this session to another space; returns the relation or None if not allowed."""
    relation = relation_to(account, person_id)
    if relation is not None:
        session[SPACE_KEY] = relation.person.id
    return relation


# --- decorators -------------------------------------------------------------------------------

def public(view):
    """Mark a view reachable without logging in (listed explicitly, checked by a test)."""
    view._policy_action = PUBLIC
    return view


def requires(action):
    """Deny by default: log in, hold the rule's role, and reach the space with the right scope."""
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    rule = RULES[action]
    read_action = rule.reads or (action if rule.health_data else None)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            account = current_account()
            if account is None:
                return current_app.login_manager.unauthorized()
            # The open space is always known (the header and menu show it on every page), but
            # only an action that needs a space acts on it, and so names it in the journal.
            relation = current_relation(account)
            g.relation = relation
            g.space = relation.person if relation and rule.needs_space else None
            if rule.needs_space and request.method not in ("GET", "HEAD") and relation and \
                    request.form.get(SPACE_FIELD) != str(relation.person.id):
                # The form was shown for another space (another tab switched spaces since):
                # refuse rather than write into the wrong person's record.
                g.wrong_space = True
                abort(409)
            if not allowed(account, action, relation if rule.needs_space else None):
                from . import audit
                if g.space is not None:
                    audit.record(action, outcome="denied", detail=request.path)
                g.denied_action = action
                abort(403)
            if read_action is None:
                return view(*args, **kwargs)
            return _journal_read(read_action, view(*args, **kwargs))

        wrapper._policy_action = action
        return wrapper

    return decorate


def _journal_read(read_action, result):
    """Journal a response that shows health data, whatever the view: a page or an htmx
    fragment, a form or a confirmation, a refused form shown again. A GET is journaled once
    its response is ready (a 404, a redirect or an unchanged poll's 204 shows nothing); a
    write already journaled by the view needs no second entry."""
    from . import audit
    from .db import SAFE_METHODS
    response = current_app.make_response(result)
    if not 200 <= response.status_code < 300 or response.status_code == 204:
        return response
    if request.method in SAFE_METHODS or not g.get("journaled"):
        obj_type, obj_id = g.get("shown") or ("", "")
        audit.record(read_action, obj_type=obj_type, obj_id=obj_id, detail=request.path)
    return response


def shows(obj_type, obj_id):
    """Name the object a page shows, for its automatic journal entry (optional: the entry
    always names the page's address)."""
    g.shown = (obj_type, obj_id)


def space_field():
    """Hidden input naming the open space; every POST form inside a space carries it."""
    from markupsafe import Markup
    relation = g.get("relation")
    if relation is None:
        return ""
    return Markup('<input type="hidden" name="%s" value="%d">') % (SPACE_FIELD, relation.person.id)


def refuse(explanation):
    """A 403 decided by the view itself (not by a rule), with the reason shown to the person."""
    g.refusal = explanation
    abort(403)


def scoped_or_404(query):
    """Run a query already limited to the actor's scope; nothing found is a 404, never a 403."""
    obj = query.first()
    if obj is None:
        abort(404)
    return obj

"""People (identity) and accounts (login), server-side sessions and one-time codes."""
from datetime import date, datetime, timezone

from ..rendering import lazy_gettext as _l
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from ..db import BaseModel


def utcnow():
    """Naive UTC timestamp: the one time base stored in every table."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


ROLE_PATIENT = "patient"
ROLE_PROFESSIONAL = "professional"
ROLE_MEDIATOR = "mediator"
ROLE_OPERATOR = "operator"
ROLES = {
    ROLE_PATIENT: _l("Titulaire"),
    ROLE_PROFESSIONAL: _l("Professionnel de santé"),
    ROLE_MEDIATOR: _l("Aidant numérique"),
    ROLE_OPERATOR: _l("Opérateur de l’Assurance Maladie"),
}

PROFESSIONS = {
    "medecin_generaliste": _l("Médecin généraliste"),
    "medecin_specialiste": _l("Médecin spécialiste"),
    "medecin_regulateur": _l("Médecin régulateur SAMU"),
    "infirmier": _l("Infirmier ou infirmière"),
    "pharmacien": _l("Pharmacien ou pharmacienne"),
    "sage_femme": _l("Sage-femme"),
    "chirurgien_dentiste": _l("Chirurgien-dentiste"),
    "kinesitherapeute": _l("Masseur-kinésithérapeute"),
}

# How a given professional is named: the feminine form for women, the masculine one for men.
PROFESSION_BY_SEX = {
    "infirmier": {"F": _l("Infirmière"), "M": _l("Infirmier")},
    "pharmacien": {"F": _l("Pharmacienne"), "M": _l("Pharmacien")},
    "chirurgien_dentiste": {"F": _l("Chirurgienne-dentiste"), "M": _l("Chirurgien-dentiste")},
    "kinesitherapeute": {"F": _l("Masseuse-kinésithérapeute"), "M": _l("Masseur-kinésithérapeute")},
}

# How a woman in these roles is named (the others read the same for everyone).
ROLES_FEMININE = {
    ROLE_MEDIATOR: _l("Aidante numérique"),
    ROLE_OPERATOR: _l("Opératrice de l’Assurance Maladie"),
}

SEXES = {"F": _l("Féminin"), "M": _l("Masculin")}

# How a patient account is named while it acts in someone else's space (relation kinds of
# policy): never "Titulaire" there, since the titulaire is the person whose space it is.
# (masculine, feminine)
ACTING_ROLES = {
    "guardian": (_l("Représentant légal"), _l("Représentante légale")),
    "delegation": (_l("Proche aidant"), _l("Proche aidante")),
}

FACTOR_EMAIL = "email"
FACTOR_TOTP = "totp"
FACTOR_NONE = "none"


class Person(BaseModel):
    """An insured person: the identity a health space belongs to (may have no login)."""

    nir = CharField(max_length=15, unique=True, null=True)
    family_name = CharField(max_length=100)
    given_names = CharField(max_length=100)
    birth_date = DateField()
    sex = CharField(max_length=1)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=30, null=True)
    address = TextField(null=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def full_name(self):
        return f"{self.given_names} {self.family_name}"

    def age_on(self, day=None):
        """Age in whole years on `day` (today by default)."""
        day = day or date.today()
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def is_minor(self):
        return self.age_on() < 18


class Account(BaseModel):
    """A login: always one person acting as themselves, with one role."""

    person = ForeignKeyField(Person, unique=True, backref="accounts", on_delete="CASCADE")
    email = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=20, default=ROLE_PATIENT)
    rpps = CharField(max_length=11, unique=True, null=True)
    profession = CharField(max_length=40, null=True)
    structure = CharField(max_length=200, null=True)
    second_factor = CharField(max_length=10, default=FACTOR_EMAIL)
    totp_secret = TextField(null=True)
    totp_last_counter = IntegerField(null=True)
    language = CharField(max_length=5, default="fr")
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    password_changed_at = DateTimeField(default=utcnow)

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return str(self.id)

    @property
    def display_name(self):
        if (self.role == ROLE_PROFESSIONAL and self.profession
                and self.profession.startswith("medecin")):
            return f"Dr {self.person.full_name}"
        return self.person.full_name

    @property
    def role_label(self):
        if self.role == ROLE_PROFESSIONAL and self.profession in PROFESSIONS:
            by_sex = PROFESSION_BY_SEX.get(self.profession, {})
            return by_sex.get(self.person.sex, PROFESSIONS[self.profession])
        if self.role in ROLES_FEMININE and self.person.sex == "F":
            return ROLES_FEMININE[self.role]
        return ROLES.get(self.role, self.role)

    def role_label_as(self, relation_kind):
        """The role as shown where this account acts through `relation_kind` (a policy
        relation kind, or a journal entry's `via`): a parent in their child's space is
        "Représentant légal" (or "Représentante légale"), not "Titulaire"."""
        if self.role == ROLE_PATIENT and relation_kind in ACTING_ROLES:
            masculine, feminine = ACTING_ROLES[relation_kind]
            return feminine if self.person.sex == "F" else masculine
        return self.role_label

    @property
    def second_factor_mandatory(self):
        return self.role != ROLE_PATIENT


class UserSession(BaseModel):
    """A server-side session: the cookie carries only a random token whose hash is the key."""

    key = CharField(max_length=64, primary_key=True)
    account = ForeignKeyField(Account, null=True, backref="sessions", on_delete="CASCADE")
    data = TextField(default="{}")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    ip = CharField(max_length=64, null=True)
    user_agent = CharField(max_length=300, null=True)


class OneTimeCode(BaseModel):
    """A login code sent by e-mail: 6 digits, short-lived, single use, few attempts."""

    account = ForeignKeyField(Account, backref="codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    purpose = CharField(max_length=20, default="login")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)


class ActivationInvite(BaseModel):
    """An invitation to open one's own account (e.g. a young adult at 18): a random token,
    whose hash only is kept, valid for a while and usable once."""

    person = ForeignKeyField(Person, backref="activation_invites", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    reason = CharField(max_length=20, default="majority")
    sent_to = CharField(max_length=254, null=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    # A provisional code (typed from a letter or an e-mail) has a public reference that names
    # it on the letter; a link has none.
    reference = CharField(max_length=12, unique=True, null=True)


class SpaceAnnouncement(BaseModel):
    """The insurer announced this person's space: it opens when the person activates it, or
    by itself at `opens_at` unless they opposed. Until then no one reaches it (policy). A
    child declared by a parent (`declared_by`) opens with the parent's space."""

    person = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    declared_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    source = CharField(max_length=80, index=True)  # "import:<file digest>" or "operator:<id>"
    announced_at = DateTimeField(default=utcnow)
    opens_at = DateTimeField()
    opened_at = DateTimeField(null=True)
    opened_how = CharField(max_length=12, default="")  # activation | automatic | parent
    letter_wanted_at = DateTimeField(null=True)   # a paper letter is to be printed (no e-mail)
    letter_printed_at = DateTimeField(null=True)

    class Meta:
        table_name = "space_announcement"
        indexes = ((("opened_at", "opens_at"), False),)

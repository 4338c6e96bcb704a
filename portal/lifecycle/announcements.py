"""A space's birth: the insurer announces it (an operator's page, or a département's CSV
through `flask announce import`) with a provisional code sent by e-mail or printed on a letter;
the person activates it (accounts.activation) or opposes it (lifecycle.views) with that code;
without either, it opens by itself six weeks after the announcement (a periodic task).

A child declared by a parent in the import is created with the parent's announcement, attached
to the parent as legal representative (proxies.models.Guardianship, kind "parent"), and opens
with the parent's space (never before it, never alone).

Codes are kept only as an HMAC: a letter is rendered when it is printed, with a code issued
for it then (printing again issues a new code and voids the one printed before).
"""
import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit, mail
from ..accounts.invites import (CODE_VALID_FOR, REASON_ANNOUNCEMENT, format_code,
                                format_reference, issue_code)
from ..accounts.models import Account, Person, SpaceAnnouncement, utcnow
from ..accounts.nir import is_valid_nir, normalise
from ..db import write_tx
from ..extensions import huey
from ..i18n import LazyDate, _ln
from ..links import public_url
from ..proxies.models import Guardianship
from .models import closed_among

# Without opposition, an announced space opens by itself this long after the announcement.
OPENS_AFTER = timedelta(weeks=6)
OPEN_BATCH = 500
SOURCE_IMPORT = "import"
SOURCE_OPERATOR = "operator"
LANGUAGES = ("fr", "en", "ar")
CSV_COLUMNS = ("nir", "family_name", "given_names", "birth_date", "sex", "address_1",
               "address_2", "address_3", "email", "language", "parent_nir")


class Refused(ValueError):
    """A row or a form that cannot announce a space; `message` says why, in French."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Report:
    """What an import did: counts, and one French message per refused line."""

    announced: int = 0
    children: int = 0
    already: int = 0
    emailed: int = 0
    letters: int = 0
    errors: list = field(default_factory=list)


def announcement_of(person_id):
    return SpaceAnnouncement.get_or_none(SpaceAnnouncement.person == person_id)


def address_lines(person):
    return [line for line in (person.address or "").splitlines() if line.strip()]


# --- announcing ----------------------------------------------------------------------------------

def person_values(row):
    """The Person fields of a row (a dict of CSV_COLUMNS) checked; Refused when one is wrong."""
    nir = normalise(row.get("nir"))
    if nir and not is_valid_nir(nir):
        raise Refused(_l("numéro de sécurité sociale non valable"))
    family, given = (row.get("family_name") or "").strip(), (row.get("given_names") or "").strip()
    if not family or not given:
        raise Refused(_l("nom ou prénoms manquants"))
    try:
        birth = date.fromisoformat((row.get("birth_date") or "").strip())
    except ValueError:
        raise Refused(_l("date de naissance non valable (attendue : AAAA-MM-JJ)")) from None
    if birth > utcnow().date():
        raise Refused(_l("date de naissance dans le futur"))
    sex = (row.get("sex") or "").strip().upper()[:1]
    if sex not in ("F", "M"):
        raise Refused(_l("sexe non valable (F ou M)"))
    email = (row.get("email") or "").strip().lower() or None
    if email and ("@" not in email or len(email) > 254):
        raise Refused(_l("adresse e-mail non valable"))
    lines = [(row.get(f"address_{i}") or "").strip() for i in (1, 2, 3)]
    address = "\n".join(line for line in lines if line) or None
    if not nir and not row.get("parent_nir"):
        raise Refused(_l("numéro de sécurité sociale manquant"))
    return {"nir": nir or None, "family_name": family[:100], "given_names": given[:100],
            "birth_date": birth, "sex": sex, "email": email, "address": address}


def _find_child(parent, values):
    """A child already declared by `parent` (same first names and birth date), or the person
    with the child's own NIR: a second import finds it again instead of creating a twin."""
    if values["nir"]:
        found = Person.get_or_none(Person.nir == values["nir"])
        if found is not None:
            return found
    wards = Guardianship.select(Guardianship.ward).where(Guardianship.guardian == parent.id)
    return Person.get_or_none(Person.id.in_(wards), Person.given_names == values["given_names"],
                              Person.birth_date == values["birth_date"])


def announce(values, *, source, declared_by=None, now=None):
    """Create the person (if new) and their announcement. Returns (announcement, created):
    a person already announced is left as is (created False), which makes an import
    idempotent; a person already known without an announcement (a space that existed before
    announcements) gets one that is already open, so that a code can be sent to them."""
    now = now or utcnow()
    with write_tx():
        if declared_by is not None:
            person = _find_child(declared_by, values)
        else:
            person = Person.get_or_none(Person.nir == values["nir"])
        if person is not None:
            existing = announcement_of(person.id)
            if existing is not None:
                return existing, False
            if Account.select().where(Account.person == person.id).exists():
                return None, False  # an active account: nothing to announce
            if person.birth_date != values["birth_date"]:
                raise Refused(_l("ce numéro de sécurité sociale est connu avec une autre date "
                                 "de naissance"))
            opened_at, how = now, "existing"
        else:
            person = Person.create(**values)
            opened_at, how = None, ""
        parent_ann = announcement_of(declared_by.id) if declared_by is not None else None
        if declared_by is not None:
            # A child opens with the parent: at once if the parent's space is already open.
            opens_at = parent_ann.opens_at if parent_ann else now + OPENS_AFTER
            if parent_ann is None or parent_ann.opened_at is not None:
                opened_at, how = opened_at or now, how or "parent"
            if not Guardianship.select().where(Guardianship.guardian == declared_by.id,
                                               Guardianship.ward == person.id,
                                               Guardianship.ended_at.is_null()).exists():
                Guardianship.create(guardian=declared_by, ward=person, kind="parent",
                                    accepted_at=now)
        else:
            opens_at = now + OPENS_AFTER
        announcement = SpaceAnnouncement.create(
            person=person, declared_by=declared_by, source=source[:80], announced_at=now,
            opens_at=opens_at, opened_at=opened_at, opened_how=how)
    audit.record("space.announced", patient=person, obj_type="announcement",
                 obj_id=announcement.id,
                 detail=f"source={source[:40]}" + (f"; parent={declared_by.id}"
                                                   if declared_by else ""))
    return announcement, True


def tell_or_queue_letter(announcement, *, language="fr", reason=REASON_ANNOUNCEMENT):
    """The person's code: by e-mail when their address is known (returns "email"), otherwise
    a letter is queued for the operators to print (returns "letter")."""
    person = announcement.person
    if announcement.declared_by_id is not None:
        return None  # a child: the parent's letter speaks for them; they have no code
    if person.email:
        invite, code = issue_code(person, reason=reason, sent_to=person.email)
        mail.send(person.email, _l("Carnet : votre espace santé vous attend"),
                  _code_mail(person, announcement, invite, code), caused_by=language)
        audit.record("activation.code_issued", patient=person, obj_type="activation_invite",
                     obj_id=invite.id, detail=f"channel=email; reason={reason}")
        return "email"
    SpaceAnnouncement.update(letter_wanted_at=utcnow()).where(
        SpaceAnnouncement.id == announcement.id).execute()
    return "letter"


def _code_mail(person, announcement, invite, code):
    opening = ("" if announcement.opened_at is not None else
               _ln("Sans réponse de votre part, votre espace s’ouvrira de lui-même le %(date)s. "
                   "Vous pourrez toujours l’activer ensuite.\n",
                   date=LazyDate(announcement.opens_at)))
    return _ln("Bonjour %(name)s,\n\nVotre caisse d’Assurance Maladie a préparé votre espace "
               "santé Carnet : un espace personnel et sécurisé pour garder vos documents de "
               "santé et échanger avec vos soignants.\n\nPour l’activer, allez sur %(address)s "
               "et saisissez ce code provisoire :\n\n    %(code)s\n\nAvec votre numéro de "
               "sécurité sociale et votre date de naissance (sur votre carte Vitale). Ce code "
               "sert une seule fois, jusqu’au %(until)s. Ne le transmettez à personne.\n"
               "Référence de ce code : %(reference)s.\n\n%(opening)sSi vous ne souhaitez pas "
               "d’espace santé, vous pouvez vous y opposer à la même adresse, avec le même "
               "code.\n", name=person.given_names, address=public_url("accounts.activate"),
               code=format_code(code), until=LazyDate(invite.expires_at),
               reference=format_reference(invite.reference), opening=opening)


# --- the CSV import ------------------------------------------------------------------------------

def file_source(data):
    """An import's source: its file's digest, the same for the same file imported again."""
    return f"{SOURCE_IMPORT}:{hashlib.sha256(data).hexdigest()[:16]}"


def import_csv(data, *, now=None):
    """Announce every person of a département's CSV (UTF-8, `;` or `,`, with a header naming
    CSV_COLUMNS; `parent_nir` names a child's declaring parent, who must be in the file or
    already known). Each line stands alone: a refused line is reported and the others go on.
    Importing the same file twice announces no one twice (announce() finds each person by
    NIR, a child by parent + first names + birth date) and sends no second code."""
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,")
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    source = file_source(data)
    report = Report()
    # Parents first, so that each child finds the parent the same file declares.
    ordered = sorted(enumerate(rows, start=2), key=lambda item: bool(
        (item[1].get("parent_nir") or "").strip()))
    for line, row in ordered:
        row = {k.strip().lower(): (v or "") for k, v in row.items() if k}
        try:
            parent = None
            if row.get("parent_nir", "").strip():
                parent = Person.get_or_none(Person.nir == normalise(row["parent_nir"]))
                if parent is None:
                    raise Refused(_l("parent inconnu (parent_nir)"))
            values = person_values(row)
            announcement, created = announce(values, source=source, declared_by=parent, now=now)
        except Refused as refusal:
            report.errors.append(_("Ligne %(line)s : %(why)s.", line=line, why=refusal.message))
            continue
        if not created:
            report.already += 1
            continue
        if parent is not None:
            report.children += 1
            continue
        report.announced += 1
        language = row.get("language", "").strip()[:2] or "fr"
        channel = tell_or_queue_letter(announcement,
                                       language=language if language in LANGUAGES else "fr")
        if channel == "email":
            report.emailed += 1
        else:
            report.letters += 1
    return report


# --- letters -------------------------------------------------------------------------------------

def letters_to_print(source=None):
    """Announcements whose letter is wanted and not printed since (oldest first)."""
    query = (SpaceAnnouncement.select(SpaceAnnouncement, Person).join(
        Person, on=(SpaceAnnouncement.person == Person.id))
        .where(SpaceAnnouncement.letter_wanted_at.is_null(False),
               SpaceAnnouncement.declared_by.is_null(),
               SpaceAnnouncement.letter_printed_at.is_null()
               | (SpaceAnnouncement.letter_printed_at < SpaceAnnouncement.letter_wanted_at),
               ~Person.id.in_(Account.select(Account.person)))
        .order_by(SpaceAnnouncement.announced_at, SpaceAnnouncement.id))
    if source:
        query = query.where(SpaceAnnouncement.source == source)
    return query


def children_of(person_ids):
    rows = (SpaceAnnouncement.select(SpaceAnnouncement, Person)
            .join(Person, on=(SpaceAnnouncement.person == Person.id))
            .where(SpaceAnnouncement.declared_by.in_(list(person_ids)))
            .order_by(Person.birth_date))
    found = {}
    for row in rows:
        found.setdefault(row.declared_by_id, []).append(row.person)
    return found


def print_letters(people, *, reason=REASON_ANNOUNCEMENT, counter=False):
    """One PDF with a letter for each person (their announcement or none), each with a new
    code (which voids the code of any earlier letter or e-mail). Returns the PDF bytes."""
    from ..pdf import render_pdf
    people = list(people)
    now = utcnow()
    announcements = {a.person_id: a for a in SpaceAnnouncement.select().where(
        SpaceAnnouncement.person.in_([p.id for p in people]))} if people else {}
    kids = children_of([p.id for p in people]) if people else {}
    letters = []
    for person in people:
        invite, code = issue_code(person, reason=reason)
        announcement = announcements.get(person.id)
        if announcement is not None:
            SpaceAnnouncement.update(letter_printed_at=now).where(
                SpaceAnnouncement.id == announcement.id).execute()
        audit.record("activation.letter_printed", patient=person, obj_type="activation_invite",
                     obj_id=invite.id, detail=f"reason={reason}" + ("; counter" if counter else ""))
        letters.append({"person": person, "code": format_code(code),
                        "reference": format_reference(invite.reference),
                        "until": invite.expires_at, "announcement": announcement,
                        "children": kids.get(person.id, []),
                        "lines": address_lines(person)})
    with force_locale("fr"):
        title = _("Votre espace santé Carnet")
    return render_pdf("activation_letter.html", locale="fr", paper_title=title, letters=letters,
                      issued_at=now, activation_url=public_url("accounts.activate"),
                      new_code_url=public_url("accounts.new_code"),
                      code_valid_weeks=CODE_VALID_FOR.days // 7)


# --- opening -------------------------------------------------------------------------------------

def open_space(person_id, how, now=None):
    """Open an announced space (activation, or the six weeks passed), and the spaces of the
    children it declared with it. A conditional UPDATE: twice is once. Returns True if it
    opened now."""
    now = now or utcnow()
    with write_tx():
        opened = SpaceAnnouncement.update(opened_at=now, opened_how=how).where(
            SpaceAnnouncement.person == person_id, SpaceAnnouncement.opened_at.is_null()
        ).execute()
        children = [a.person_id for a in SpaceAnnouncement.select(SpaceAnnouncement.person).where(
            SpaceAnnouncement.declared_by == person_id, SpaceAnnouncement.opened_at.is_null())]
        if children:
            SpaceAnnouncement.update(opened_at=now, opened_how="parent").where(
                SpaceAnnouncement.person.in_(children),
                SpaceAnnouncement.opened_at.is_null()).execute()
    if opened:
        audit.record("space.opened", patient=Person.get_by_id(person_id), obj_type="announcement",
                     detail=f"how={how}")
        for child in children:
            audit.record("space.opened", patient=Person.get_by_id(child),
                         obj_type="announcement", detail=f"how=parent; parent={person_id}")
    return bool(opened)


def open_due_spaces(now=None, batch=OPEN_BATCH):
    """Open every announced space whose six weeks have passed without opposition (a closure
    of kind opposition keeps it shut for good), in batches of `batch`; returns how many
    opened. Children open with their parent, never on their own."""
    now = now or utcnow()
    count, after = 0, 0
    while True:
        due = [a.person_id for a in SpaceAnnouncement.select(
            SpaceAnnouncement.id, SpaceAnnouncement.person).where(
            SpaceAnnouncement.opened_at.is_null(), SpaceAnnouncement.declared_by.is_null(),
            SpaceAnnouncement.opens_at <= now, SpaceAnnouncement.id > after)
            .order_by(SpaceAnnouncement.id).limit(batch)]
        if not due:
            return count
        after = SpaceAnnouncement.get(SpaceAnnouncement.person == due[-1]).id
        shut = closed_among(set(due))
        for person_id in due:
            if person_id not in shut and open_space(person_id, "automatic", now):
                count += 1


@huey.periodic_task(crontab(minute="40"))
def open_announced_spaces():
    """Hourly: spaces announced six weeks ago, without opposition, open by themselves."""
    from ..worker import app_context
    with app_context():
        open_due_spaces()


def new_codes_sent(person):
    """The new codes asked online for `person`, whatever the address they came from."""
    from ..throttle import Throttle
    return Throttle("new-code-sent", person.id, limit="NEW_CODE_LIMIT", ip=False)


def request_new_code(person, typed_reference):
    """A new code asked online by `person` (found by NIR + birth date) naming an earlier
    code's reference: by e-mail when their address is known ("email": the old code stops
    now), otherwise a letter to print ("letter": the old code stops when it is printed).
    None when the reference is not one of theirs, or their space cannot be activated (an
    account exists, it is closed or opposed). "limit" when this person already had
    NEW_CODE_LIMIT new codes: whoever holds a letter (its reference stays valid) could
    otherwise send e-mail after e-mail, each voiding the code just received."""
    from ..accounts.invites import normalise_reference
    from ..accounts.models import ActivationInvite
    reference = normalise_reference(typed_reference)
    if person is None or reference is None:
        return None
    if not ActivationInvite.select().where(ActivationInvite.person == person.id,
                                           ActivationInvite.reference == reference).exists():
        audit.record("activation.code_requested", patient=person, outcome="denied",
                     obj_type="activation_invite", detail="reference")
        return None
    if Account.select().where(Account.person == person.id).exists() or closed_among({person.id}):
        return None
    announcement = announcement_of(person.id)
    if announcement is None and person.nir is None:
        return None
    sent = new_codes_sent(person)
    if sent.blocked():
        audit.record("activation.code_requested", patient=person, outcome="denied",
                     obj_type="activation_invite", detail="limit")
        return "limit"
    sent.failed()  # counts one code sent (the throttle counts events, here not failures)
    if announcement is None:  # a code without announcement (a counter, a young adult)
        announcement, _created = announce(
            {"nir": person.nir, "birth_date": person.birth_date}, source="online")
    audit.record("activation.code_requested", patient=person, obj_type="announcement",
                 obj_id=announcement.id)
    return tell_or_queue_letter(announcement, reason="new_code")

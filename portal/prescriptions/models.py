"""Electronic prescriptions (ordonnances numériques): lines, signature, dispensations."""
from flask import current_app
from peewee import (CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField, fn)

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..documents.models import Document
from ..i18n import _n
from . import signing

MAX_LINES = 10
MAX_RENEWALS = 12

# Why a code was refused (journal detail; the screen says it in French).
MALFORMED = "malformed"
UNKNOWN = "unknown"
FORGED = "forged"


class Prescription(BaseModel):
    """A signed prescription of a professional for a patient; its PDF is a document."""

    public_id = CharField(max_length=26, unique=True)
    patient = ForeignKeyField(Person, backref="prescriptions", on_delete="CASCADE")
    prescriber = ForeignKeyField(Account, backref="prescriptions_written", on_delete="RESTRICT")
    prescribed_on = DateField()
    created_at = DateTimeField(default=utcnow)
    payload = TextField()
    signature = CharField(max_length=110)
    document = ForeignKeyField(Document, null=True, backref="+", on_delete="SET NULL")

    @property
    def code(self):
        """The text of the QR code, also printed under it for typing."""
        return signing.code_for(self.public_id, self.signature)

    @property
    def code_groups(self):
        """The same code in short groups, as printed and shown (spaces do not count)."""
        return signing.groups(self.code)

    def ordered_lines(self):
        return self.lines.order_by(PrescriptionLine.position)

    def ordered_dispensations(self):
        return (self.dispensations.select(Dispensation, Account)
                .join(Account).order_by(Dispensation.renewal_number))

    @property
    def renewals(self):
        """Renewals the prescription allows: the most any of its lines allows."""
        return max((line.renewals for line in self.lines), default=0)

    def next_renewal_number(self):
        """0 for the first dispensation, 1… for renewals; None once all are used."""
        done = self.dispensations.count()
        return done if done <= self.renewals else None

    def status(self):
        """What the patient and the pharmacist read about its dispensations."""
        return status_label(self.dispensations.count(), self.renewals)

    def lines_for(self, renewal_number):
        """The lines still to be dispensed at a given dispensation (renewals vary per line)."""
        return [line for line in self.ordered_lines() if line.renewals >= renewal_number]

    @classmethod
    def summaries(cls, query):
        """(prescription, its lines, its status) for each row of `query`, in three queries."""
        rows = list(query)
        ids = [p.id for p in rows]
        lines = {}
        for line in (PrescriptionLine.select().where(PrescriptionLine.prescription.in_(ids))
                     .order_by(PrescriptionLine.position)):
            lines.setdefault(line.prescription_id, []).append(line)
        done = dict(Dispensation.select(Dispensation.prescription, fn.COUNT(Dispensation.id))
                    .where(Dispensation.prescription.in_(ids))
                    .group_by(Dispensation.prescription).tuples())
        out = []
        for prescription in rows:
            own = lines.get(prescription.id, [])
            renewals = max((line.renewals for line in own), default=0)
            out.append((prescription, own,
                        status_label(done.get(prescription.id, 0), renewals)))
        return out

    @classmethod
    def by_code(cls, text):
        """(prescription, None) for an authentic code, else (None or the prescription, reason).

        The signature is checked against the payload rebuilt from the stored prescription,
        never against anything the code itself claims."""
        try:
            public_id, signature = signing.parse_code(text)
        except signing.CodeError:
            return None, MALFORMED
        prescription = (cls.select(cls, Person).join(Person)
                        .where(cls.public_id == public_id).first())
        if prescription is None:
            return None, UNKNOWN
        payload = signing.canonical_payload(public_id, prescription.patient,
                                            prescription.prescriber, prescription.prescribed_on,
                                            prescription.ordered_lines())
        if not signing.verify(payload, signature):
            return prescription, FORGED
        return prescription, None


def status_label(done, renewals):
    """"Pas encore délivrée", "Délivrée 2 fois sur 4 possibles", "Entièrement délivrée"."""
    from flask_babel import gettext as _
    from flask_babel import ngettext
    total = renewals + 1
    if done == 0:
        return _("Pas encore délivrée")
    if done >= total:
        return _("Entièrement délivrée")
    return ngettext("Délivrée %(num)s fois sur %(total)s possibles",
                    "Délivrée %(num)s fois sur %(total)s possibles", done, total=total)


class PrescriptionLine(BaseModel):
    """One medicine of a prescription, with its dosage, duration and renewals."""

    prescription = ForeignKeyField(Prescription, backref="lines", on_delete="CASCADE", index=False)
    position = IntegerField()
    medicine = CharField(max_length=200)
    dosage = CharField(max_length=300)
    duration = CharField(max_length=60)
    renewals = IntegerField(default=0)
    instructions = TextField(default="")

    class Meta:
        indexes = ((("prescription", "position"), True),)


class Dispensation(BaseModel):
    """A pharmacist dispensed the prescription (first time: 0, then renewal 1, 2…)."""

    prescription = ForeignKeyField(Prescription, backref="dispensations",
                                   on_delete="CASCADE", index=False)
    pharmacist = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    dispensed_at = DateTimeField(default=utcnow)
    renewal_number = IntegerField()
    note = TextField(default="")

    class Meta:
        indexes = ((("prescription", "renewal_number"), True),)


def qr_svg(code):
    """The QR code of a prescription as inline SVG (about 4 cm wide), titled for PDF/UA.

    The content is the code alone (capitals, digits and `-:.`), never free text."""
    import segno
    from flask_babel import gettext as _
    from markupsafe import Markup
    qr = segno.make(code, error="m", micro=False)
    svg = qr.svg_inline(scale=0.7, unit="mm", border=4, title=_("QR code de l’ordonnance"))
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def local_today():
    """Today in the app's time zone (a prescription is dated as the prescriber sees it)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask import current_app
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def document_title(prescriber):
    """The stored document's title, in French like the prescription itself."""
    from flask_babel import force_locale
    with force_locale("fr"):
        return _n("Ordonnance – %(name)s", name=prescriber.display_name)


def paper_language(patient):
    """The language the patient reads Carnet in (their account's), for their prescription's
    PDF; French for a person without an account of their own (a child: the paper goes to the
    pharmacy with a parent, and French is the language every pharmacy reads). The paper keeps
    its mandatory mentions in French too (templates/pdf/prescription.html)."""
    account = Account.get_or_none(Account.person == patient)
    language = account.language if account else None
    return language if language in current_app.config["LANGUAGES"] else "fr"


def issue(patient, prescriber, lines, prescribed_on=None, notify=True):
    """Sign a prescription, render its PDF and store it as a document of the patient.

    `lines` are dicts with medicine, dosage, duration, renewals and instructions. The PDF is
    rendered before the write transaction, which then holds the rows and the document. The
    patient is told by e-mail that a document arrived (who wrote it, nothing medical).
    """
    from ..db import write_tx
    from ..documents.store import store_document
    from ..documents.tasks import notify_new_document
    from ..pdf import render_pdf

    prescribed_on = prescribed_on or local_today()
    public_id = signing.new_public_id()
    rows = [PrescriptionLine(position=n, **line) for n, line in enumerate(lines)]
    payload = signing.canonical_payload(public_id, patient, prescriber, prescribed_on, rows)
    prescription = Prescription(public_id=public_id, patient=patient, prescriber=prescriber,
                                prescribed_on=prescribed_on, payload=payload,
                                signature=signing.sign(payload))
    pdf = render_pdf("prescription.html", locale=paper_language(patient),
                     prescription=prescription, lines=rows, qr=qr_svg(prescription.code))
    with write_tx():
        prescription.save(force_insert=True)
        for row in rows:
            row.prescription = prescription
            row.save(force_insert=True)
        prescription.document = store_document(
            patient, prescriber, pdf, filename=f"ordonnance-{prescribed_on.isoformat()}.pdf",
            title=document_title(prescriber),
            category="ordonnances", document_date=prescribed_on, doc_type="ordonnance",
            author_is_professional=True)
        prescription.save()
    if notify:
        notify_new_document(prescription.document)
    return prescription

"""Build one space's export as a ZIP written to an open file, entry after entry, so that memory
stays bounded by the largest single document (never the whole record): every document in its
original format (decrypted from the store), Ma synthèse (PDF, rendered in the limited child
process the print jobs use), the messages as readable HTML and as JSON, the agenda as .ics,
the measures and the journal as CSV, a FHIR R4 Bundle, and at the root MANIFEST.JSON (what
each file is, when it was made, for whom) and CHECKSUMS.TXT (SHA-256 of every file), as the
ANS data-portability guide asks."""
import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import spreadsheet
from ..accounts.models import utcnow
from ..agenda import ics
from ..agenda import presenters as agenda_presenters
from ..agenda.models import Appointment
from ..documents.models import Document
from ..documents.store import read_blob, read_content
from ..history import presenters as history_presenters
from ..history.queries import space_events
from ..i18n import format_datetime
from ..measures.models import BY_CODE, Measure
from ..messaging.models import Attachment, Conversation, Message
from ..pdf import render_html, render_isolated
from ..policy import visible_documents
from ..profile.models import Allergy, Condition, Treatment, Vaccination
from ..summary.models import SECTIONS, SUMMARY, PrintJob
from . import bundle

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
              "application/dicom": "dcm", "text/plain": "txt"}
STORED = (".pdf", ".jpg", ".png")  # already compressed: deflating them gains nothing


def _slug(text, fallback="document"):
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").lower()[:60] or fallback


class _Zip:
    """A ZIP being written, with each entry's SHA-256 and description kept for the manifest."""

    def __init__(self, fileobj):
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED,
                                   allowZip64=True)
        self.files = []

    def write(self, name, chunks, description):
        """Write an entry from bytes, or from an iterable of bytes/str chunks (streamed)."""
        if isinstance(chunks, (bytes, str)):
            chunks = [chunks]
        digest, size = hashlib.sha256(), 0
        compression = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
        info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
        info.compress_type = compression
        with self.zip.open(info, "w", force_zip64=True) as entry:
            for chunk in chunks:
                data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                digest.update(data)
                size += len(data)
                entry.write(data)
        self.files.append({"path": name, "description": str(description), "size": size,
                           "sha256": digest.hexdigest()})

    def close(self):
        self.zip.close()


def _csv_lines(header, rows):
    """CSV for French spreadsheets (UTF-8 with BOM, ";"), one line at a time; no text cell
    starts a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow(spreadsheet.row(row))
        yield out.getvalue()


def _documents(out, relation, account):
    """Every document the requester may see, one at a time; returns (Document, path) pairs."""
    placed = []
    query = visible_documents(relation, account).order_by(Document.document_date, Document.id)
    for document in query.iterator():
        extension = EXTENSIONS.get(document.mime_type, "bin")
        path = (f"documents/{document.document_date:%Y-%m-%d}-{document.id:05d}-"
                f"{_slug(document.title)}.{extension}")
        out.write(path, read_content(document),
                  _("Document « %(title)s » (%(date)s), dans son format d’origine",
                    title=document.title, date=format_datetime(document.document_date,
                                                                "dd/MM/yyyy")))
        placed.append((document, path))
    return placed


def _summary_pdf(job, relation):
    """Ma synthèse with every section, rendered like a print job (limited child process)."""
    from ..summary.tasks import html_for
    config = current_app.config
    printed = PrintJob(patient=job.patient, requested_by=job.requested_by, kind=SUMMARY,
                       sections=",".join(SECTIONS), language=job.language)
    rendered = render_isolated(html_for(printed, relation.kind),
                               static_root=current_app.static_folder,
                               timeout=config["SUMMARY_RENDER_TIMEOUT"],
                               memory_mb=config["SUMMARY_RENDER_MEMORY_MB"])
    return rendered.pdf


def _conversations(person):
    conversations = list(Conversation.select().where(
        Conversation.patient == person.id, Conversation.patient_deleted_at.is_null()).order_by(
        Conversation.created_at, Conversation.id))
    messages = {}
    for message in Message.select().where(Message.conversation.in_(
            [c.id for c in conversations])).order_by(Message.created_at, Message.id):
        messages.setdefault(message.conversation_id, []).append(message)
    return [(c, messages.get(c.id, [])) for c in conversations]


def _attachments(out, threads):
    """Every message's attachments, in their original format, under messages/pieces-jointes/:
    {message id: [(file name as sent, path in the ZIP)]}."""
    ids = [m.id for _conversation, messages in threads for m in messages]
    placed = {}
    for start in range(0, len(ids), 500):
        for attachment in Attachment.select().where(
                Attachment.message.in_(ids[start:start + 500])).order_by(Attachment.id):
            name = attachment.original_name or ""
            stem = name.rsplit(".", 1)[0] if "." in name else name
            extension = EXTENSIONS.get(attachment.mime_type, "bin")
            path = (f"messages/pieces-jointes/{attachment.message_id:05d}-{attachment.id:05d}-"
                    f"{_slug(stem, 'piece-jointe')}.{extension}")
            out.write(path, read_blob(attachment.storage_key),
                      _("Pièce jointe « %(name)s » d’un message, dans son format d’origine",
                        name=name or extension))
            placed.setdefault(attachment.message_id, []).append((name, path))
    return placed


def _messages_json(threads, attachments):
    return json.dumps({"conversations": [{
        "id": c.id, "subject": c.subject, "professional": c.professional.display_name,
        "started_at": c.created_at.isoformat() + "Z",
        "closed_at": c.closed_at.isoformat() + "Z" if c.closed_at else None,
        "messages": [{"id": m.id, "at": m.created_at.isoformat() + "Z",
                      "from": m.author.display_name, "from_professional": m.from_professional,
                      "text": m.body,
                      "attachments": [{"name": name, "path": path}
                                      for name, path in attachments.get(m.id, [])]}
                     for m in messages]} for c, messages in threads]},
        ensure_ascii=False, indent=1)


def _agenda(person):
    events = []
    for appointment in Appointment.of_patient(person.id).order_by(Appointment.starts_at):
        events.append(ics.event_lines(appointment, agenda_presenters.title(appointment),
                                      appointment.place, appointment.note))
    return ics.calendar(events, _("Carnet – rendez-vous"))


def _measures(person):
    header = [_("Date (UTC)"), _("Mesure"), _("Valeur"), _("Deuxième valeur"), _("Unité"),
              _("Saisie par un professionnel")]

    def rows():
        for m in Measure.select().where(Measure.patient == person.id).order_by(
                Measure.measured_at, Measure.id).iterator():
            kind = BY_CODE.get(m.kind)
            yield [m.measured_at.strftime("%Y-%m-%d %H:%M"), str(kind.label) if kind else m.kind,
                   m.value, "" if m.value2 is None else m.value2, kind.unit if kind else "",
                   _("oui") if m.author_is_professional else _("non")]
    return _csv_lines(header, rows())


def _journal(person, relation, account):
    titles = {str(d.id): d.title for d in visible_documents(relation, account).select(
        Document.id, Document.title)}
    header = [_("Date"), _("Qui"), _("Rôle"), _("Action"), _("Objet"), _("Comment"),
              _("Résultat")]

    def rows():
        for event in space_events(person, relation, account).iterator():
            r = history_presenters.row(event, account, person, titles)
            yield [format_datetime(r["at"], "dd/MM/yyyy HH:mm"), r["who"], r["role"], r["what"],
                   r["object"], r["how"], r["outcome"]]
    return _csv_lines(header, rows())


def write_export(job, relation, fileobj):
    """Write `job`'s ZIP into `fileobj` (opened for binary writing); returns how many files it
    holds, MANIFEST.JSON and CHECKSUMS.TXT included."""
    person, account = job.patient, job.requested_by
    generated_at = utcnow()
    out = _Zip(fileobj)
    with force_locale(job.language):
        placed = _documents(out, relation, account)
        out.write("synthese/ma-synthese.pdf", _summary_pdf(job, relation),
                  _("Ma synthèse, toutes rubriques (PDF)"))
        threads = _conversations(person)
        attachments = _attachments(out, threads)
        out.write("messages/messages.html",
                  render_html("export_messages.html", locale=job.language, person=person,
                              threads=threads, attachments=attachments,
                              generated_at=generated_at),
                  _("Messagerie : les conversations, lisibles dans un navigateur"))
        out.write("messages/messages.json", _messages_json(threads, attachments),
                  _("Messagerie : les conversations (JSON)"))
        out.write("agenda/agenda.ics", _agenda(person),
                  _("Agenda : les rendez-vous (iCalendar, pour une application d’agenda)"))
        out.write("mesures/mesures.csv", _measures(person),
                  _("Mesures de santé (CSV, tableur)"))
        out.write("journal/historique.csv", _journal(person, relation, account),
                  _("Historique d’activité de l’espace (CSV, tableur)"))

        def entries(model):
            return model.select().where(model.patient == person.id).order_by(model.id)
        out.write("fhir/bundle.json", bundle.build(
            person, allergies=entries(Allergy), treatments=entries(Treatment),
            conditions=entries(Condition), vaccinations=entries(Vaccination),
            measures=Measure.select().where(Measure.patient == person.id,
                                            Measure.kind.in_(sorted(bundle_kinds())))
            .order_by(Measure.measured_at, Measure.id),
            documents=placed, generated_at=generated_at),
            _("Le dossier au format FHIR R4 (Bundle « collection », sections du résumé "
              "patient international)"))
        manifest = {
            "generator": "Carnet", "generated_at": generated_at.isoformat() + "Z",
            "for": {"name": person.full_name, "birth_date": person.birth_date.isoformat()},
            "requested_by": account.display_name, "language": job.language,
            "files": [{k: f[k] for k in ("path", "description", "size")} for f in out.files]}
        out.write("MANIFEST.JSON", json.dumps(manifest, ensure_ascii=False, indent=1),
                  _("Ce qu’est chaque fichier"))
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in out.files)
        out.write("CHECKSUMS.TXT", sums, _("Empreinte SHA-256 de chaque fichier"))
    count = len(out.files)
    out.close()
    return count


def bundle_kinds():
    from ..connect.fhir import LOINC_CODES
    return set(LOINC_CODES)

"""Helpers and constants shared by several test modules (fixtures and the most general
helpers are in conftest.py). Each test module imports what it uses from here, never from
another test module."""
import base64
import io
import os
import re
import subprocess
import sys
from datetime import timedelta

from conftest import DEMO_PASSWORD, ROOT_DIR, csrf_from, hidden_fields

from portal.documents.demo import sample_dicom


# --- documents: uploads and their answers ---------------------------------------------------------

UPLOAD = "/dossier/documents/ajouter"
DEPOSIT = "/dossier/documents/deposer"
LIST = "/dossier/documents/"


def send_file(client, data, filename, url=UPLOAD, **fields):
    page = client.get(url)
    assert page.status_code == 200
    form = {**hidden_fields(page), "title": "Mon document", "document_date": "2026-01-05",
            "category": "autres", **fields, "fichier": (io.BytesIO(data), filename)}
    return client.post(url, data=form, content_type="multipart/form-data")


def post(client, url, page_url=None, **data):
    page = client.get(page_url or url)
    return client.post(url, data={**hidden_fields(page), **data})


def doc_id(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def document(document_id):
    from portal.documents.models import Document
    return Document.get_or_none(Document.id == document_id)


# --- sample files and the store -------------------------------------------------------------------

def tiny_pdf(text="Compte rendu"):
    """A minimal, well-formed one-page PDF (cross-reference offsets computed)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def image_bytes(fmt, size=(1200, 900), exif=False, mode="RGB"):
    from PIL import Image
    image = Image.new(mode, size, "#3366aa" if mode == "RGB" else 128)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = image.getexif()
        data[0x010F] = "Appareil photo"  # Make
        data[0x0112] = 6  # Orientation: rotate 90°
        kwargs["exif"] = data
    image.save(out, fmt, **kwargs)
    return out.getvalue()


SAMPLES = {
    "pdf": (lambda: tiny_pdf(), "compte-rendu.pdf", "application/pdf"),
    "jpeg": (lambda: image_bytes("JPEG"), "photo.jpg", "image/jpeg"),
    "png": (lambda: image_bytes("PNG"), "capture.png", "image/png"),
    "tiff": (lambda: image_bytes("TIFF"), "scan.tif", "image/tiff"),
    "text": (lambda: "Tension du matin : 13/8\nPoids : 72 kg\n".encode(), "notes.txt",
             "text/plain"),
    "dicom": (lambda: sample_dicom(size=16), "IM0001.dcm", "application/dicom"),
}


def stored_files(app):
    """Every object key in the app's store (the disk or an S3 bucket), sorted."""
    from portal.storage import storage
    return storage(app).keys()


def stored_bytes(app, key):
    from portal.storage import storage
    return storage(app).get(key)


# --- messaging ------------------------------------------------------------------------------------

def conversation(subject):
    from portal.messaging.models import Conversation
    return Conversation.get(Conversation.subject == subject)


BLOOD = "Vos résultats de prise de sang"      # Dr Benali and Jean (Camille replied for him)
RENEWAL = "Renouvellement de votre ordonnance"  # Dr Benali and Camille, closed
PHARMACY = "Vos médicaments sont disponibles"  # Paul Girard to Jean, "no reply"


def messages_in(conv):
    from portal.messaging.models import Message
    return list(Message.select().where(Message.conversation == conv.id).order_by(Message.id))


def reply(client, url, body, **extra):
    """Post the reply form of a conversation page, as the browser does."""
    page = client.get(url)
    target = re.search(r'<form method="post" action="([^"]+/repondre)"',
                       page.get_data(as_text=True))
    assert target, "no reply form on the page"
    return client.post(target.group(1), data={**hidden_fields(page), "body": body,
                                              "action": "envoyer", **extra})


# --- messaging: attachments -----------------------------------------------------------------------

def reply_files(client, url, body, files, **extra):
    """Post a conversation page's reply form with files (multipart, as the browser does)."""
    page = client.get(url)
    target = re.search(r'<form method="post" action="([^"]+/repondre)"',
                       page.get_data(as_text=True)).group(1)
    return client.post(target, data={**hidden_fields(page), "action": "envoyer", "body": body,
                                     **extra, "fichiers": [(io.BytesIO(d), n) for d, n in files]},
                       content_type="multipart/form-data")


def attachment_rows():
    from portal.messaging.models import Attachment
    return list(Attachment.select().order_by(Attachment.id))


# --- printed summaries ----------------------------------------------------------------------------

ALL_SECTIONS = ["doctor", "blood_group", "allergies", "treatments", "conditions",
                "vaccinations", "measures", "appointments", "contacts", "directives"]


CAMILLE = "camille.martin@example.org"


def ask(client, kind="synthese", sections=ALL_SECTIONS, language="fr"):
    """Submit one of the index page's forms as a browser would; returns the response."""
    page = client.get("/imprimer/")
    assert page.status_code == 200
    if kind == "synthese":
        data = {**hidden_fields(page), "sections": sections, "language": language}
    else:
        data = {**hidden_fields(page), "carte-language": language}
    return client.post(f"/imprimer/{kind}", data=data)


def job_id_of(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return int(re.search(r"/imprimer/(\d+)$", response.headers["Location"]).group(1))


def the_job(job_id):
    from portal.summary.models import PrintJob
    return PrintJob.get_by_id(job_id)


# --- emergency access -----------------------------------------------------------------------------

REASON = "Malaise au domicile, patient inconscient, appel au 15."
FORM = "/urgence/"


def jean_nir():
    from portal.accounts.nir import with_key
    return with_key("1440219031012")


def declare(client, nir=None, birth="11/02/1944", reason=REASON, confirm=True):
    page = client.get(FORM)
    data = {"csrf_token": csrf_from(page), "nir": jean_nir() if nir is None else nir,
            "birth_date": birth, "reason": reason}
    if confirm:
        data["confirm"] = "y"
    return client.post(FORM, data=data)


# --- access codes ---------------------------------------------------------------------------------

ACCESS_PAGE = "/dossier/professionnels/"
CODE_RE = re.compile(
    r'class="access-code"><bdi dir="ltr">([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})<')


def create_code(client, validity="24h"):
    page = client.get(ACCESS_PAGE)
    response = client.post(f"{ACCESS_PAGE}codes",
                           data={**hidden_fields(page), "validity": validity})
    assert response.status_code == 303
    text = client.get(ACCESS_PAGE).get_data(as_text=True)
    code = CODE_RE.search(text).group(1)
    assert CODE_RE.search(client.get(ACCESS_PAGE).get_data(as_text=True)) is None  # shown once
    return code


# --- logging in step by step ----------------------------------------------------------------------

def start_login(client, email, password=DEMO_PASSWORD):
    page = client.get("/connexion")
    return client.post("/connexion", data={"csrf_token": csrf_from(page), "email": email,
                                           "password": password})


def submit_code(client, code):
    page = client.get("/connexion/code")
    return client.post("/connexion/code", data={"csrf_token": csrf_from(page), "code": code})


# --- the app in production ------------------------------------------------------------------------

def run_app_in_production(extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("CARNET_ENV", *PRODUCTION_KEYS)}
    env.update(extra_env)
    return subprocess.run([sys.executable, "-c", "import wsgi; print('debug', wsgi.app.debug)"],
                          cwd=ROOT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


PRODUCTION_KEYS = {"SECRET_KEY": "k" * 40,
                   "DOCUMENT_KEY": base64.urlsafe_b64encode(b"d" * 32).decode(),
                   "PRESCRIPTION_SIGNING_KEY": base64.urlsafe_b64encode(b"p" * 32).decode(),
                   "JOURNAL_SIGNING_KEY": base64.urlsafe_b64encode(b"j" * 32).decode(),
                   "PUBLIC_URL": "https://carnet.example.org"}


# --- relations, set up and opened -----------------------------------------------------------------

# The relations under test: key -> (actor, space owner, how to set it up).
RELATIONS = {
    "self": ("camille", "Camille"),
    "guardian": ("camille", "Lina"),
    "deleg:dossier_read": ("camille", "Jean"),
    "deleg:dossier_write": ("camille", "Jean"),
    "deleg:messaging": ("camille", "Jean"),
    "deleg:agenda": ("camille", "Jean"),
    "mandate:agenda": ("sophie", "Jean"),
    "mandate:messages_read": ("sophie", "Jean"),
    "mandate:documents": ("sophie", "Jean"),
    "mandate:summaries": ("sophie", "Jean"),
    "grant:treating_doctor": ("benali", "Jean"),
    "grant:pharmacist": ("girard", "Jean"),
    "emergency": ("lefevre", "Jean"),
}


def set_up(key, person, login_as):
    """Make relation `key` the one in force, log the actor in and open the space."""
    from portal.accounts.models import Account, utcnow
    from portal.proxies.models import Delegation, Mandate
    kind, _, detail = key.partition(":")
    actor, owner = RELATIONS[key]
    if kind == "deleg":
        Delegation.update(scopes=detail).execute()
    elif kind == "mandate":
        Mandate.update(tasks=detail).execute()
    elif kind == "emergency":
        from portal.emergency.models import EmergencyAccess
        EmergencyAccess.create(patient=person(owner), professional=Account.get(
            Account.email == "dr.lefevre@example.org"), reason="Malaise sur la voie publique",
            ends_at=utcnow() + timedelta(hours=2))
    client = login_as(actor)
    response = client.post(f"/espaces/{person(owner).id}",
                           data={"csrf_token": csrf_from(client.get("/espaces"))})
    assert response.status_code == 302, key
    return client, person(owner)


# --- a space's main pages, and rows copied --------------------------------------------------------

def _first(model, *where):
    return model.select(model.id).where(*where).order_by(model.id).first().id


def urls(owner):
    """Each page's address in `owner`'s space (a document and a conversation of theirs)."""
    from portal.documents.models import Document
    from portal.messaging.models import Conversation
    document = _first(Document, Document.patient == owner.id,
                      Document.hidden_from_patient == False)  # noqa: E712
    conversation = _first(Conversation, Conversation.patient == owner.id)
    return {
        "dossier": ("/dossier/", {}),
        "documents": ("/dossier/documents/", {}),
        "document": (f"/dossier/documents/{document}", {}),
        "profile": ("/dossier/profil/", {}),
        "measures": ("/dossier/mesures/", {}),
        "agenda": ("/agenda/", {}),
        "inbox": ("/messagerie/", {}),
        "thread": (f"/messagerie/{conversation}", {}),
        "history": ("/dossier/historique/", {}),
        "reimbursements": ("/dossier/histoire/", {}),
        "entourage": ("/entourage", {}),
        "settings": ("/parametres/", {}),
        "documents fragment": ("/dossier/documents/", {"HX-Request": "true"}),
        "badge poll": ("/messagerie/non-lus", {"HX-Request": "true"}),
    }


def copies(model, rows, times, **changes):
    """Insert `times` copies of each of `rows` (new ids; unique text columns made unique;
    `changes` applied), returning the new rows' ids."""
    unique = [f.name for f in model._meta.sorted_fields
              if f.unique and not f.primary_key and f.field_type == "VARCHAR"]
    made = []
    for row in rows:
        for n in range(times):
            data = {k: v for k, v in row.__data__.items() if k != model._meta.primary_key.name}
            for name in unique:
                data[name] = f"{data[name][:30]}-{n}-{len(made)}"
            data.update(changes)
            made.append(model.insert(**data).execute())
    return made


def give_a_conversation(owner):
    """A conversation in `owner`'s space (the demo gives a child none): a copy of the demo's
    first one, with its messages."""
    from portal.messaging.models import Conversation, Message
    if Conversation.select().where(Conversation.patient == owner.id).exists():
        return
    model = Conversation.select().order_by(Conversation.id).first()
    messages = list(Message.select().where(Message.conversation == model.id))
    new_id = copies(Conversation, [model], 1, patient=owner.id)[0]
    copies(Message, messages, 1, conversation=new_id)

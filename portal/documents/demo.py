"""Demo documents: a few realistic ones per patient, made on the spot (small PDFs from WeasyPrint,
a PNG, a DICOM image), stored through the real store (encrypted, with previews)."""
import io
import struct
from datetime import date, timedelta
from html import escape

from .models import Document
from .store import store_document

CABINET = "Cabinet médical du Dr Nadia Benali – 8 avenue Victor-Hugo, 19000 Tulle – 05 55 26 14 14"

# person key -> [(author key, title, category, doc_type, days ago, kind, body, labels)]
DOCUMENTS = {
    "camille": [
        ("benali", "Résultats de biologie – bilan annuel", "biologie", "resultats_biologie", 40,
         "pdf", ["Glycémie à jeun : 0,92 g/L (0,70 – 1,10)", "Cholestérol total : 1,95 g/L",
                 "Hémoglobine : 13,4 g/dL (12 – 16)", "Ferritine : 48 µg/L (15 – 150)"], {}),
        ("benali", "Attestation de vaccination – rappel dTP", "prevention", "vaccination", 200,
         "pdf", ["Rappel diphtérie, tétanos, poliomyélite effectué ce jour.",
                 "Prochain rappel conseillé à 65 ans."], {}),
        ("camille", "Carte de groupe sanguin (photo)", "autres", "", 900, "png",
         ["Groupe sanguin : A", "Rhésus : positif"], {"pinned": True}),
    ],
    "lina": [
        ("benali", "Certificat médical – pratique de la natation", "certificats", "certificat",
         25, "pdf", ["Je soussignée, Dr Nadia Benali, certifie avoir examiné Lina Martin.",
                     "Son état de santé ne contre-indique pas la pratique de la natation, "
                     "y compris en compétition."], {}),
        ("camille", "Carnet de vaccination – pages scannées", "prevention", "", 120, "png",
         ["ROR : 2 doses", "DTCaP-Hib-HepB : à jour", "Méningocoque C : fait"], {}),
        ("benali", "Compte rendu – consultation confidentielle", "comptes_rendus",
         "compte_rendu_consultation", 8, "pdf",
         ["Consultation à la demande de la patiente, qui souhaite garder le secret vis-à-vis "
          "de ses représentants légaux (article L1111-5 du code de la santé publique).",
          "Suivi proposé dans un mois."], {"hidden_from_guardians": True}),
    ],
    "jean": [
        ("benali", "Ordonnance – traitement de fond", "ordonnances", "ordonnance", 15, "pdf",
         ["Metformine 850 mg : 1 comprimé matin et soir, pendant 3 mois.",
          "Ramipril 5 mg : 1 comprimé le matin, pendant 3 mois.",
          "Atorvastatine 20 mg : 1 comprimé le soir, pendant 3 mois."], {}),
        ("benali", "Résultats de biologie – HbA1c et fonction rénale", "biologie",
         "resultats_biologie", 20, "pdf",
         ["Hémoglobine glyquée (HbA1c) : 7,1 % (objectif < 7,5 %)",
          "Créatinine : 11 mg/L – DFG estimé : 58 mL/min/1,73 m²", "Potassium : 4,6 mmol/L"],
         {}),
        ("benali", "Scanner thoracique – images", "imagerie", "images", 60, "dicom", [], {}),
        ("benali", "Compte rendu d’échographie cardiaque", "comptes_rendus",
         "compte_rendu_imagerie", 3, "pdf",
         ["Fraction d’éjection ventriculaire gauche : 45 %.",
          "Résultats à discuter lors de la prochaine consultation."],
         {"hidden_from_patient": True}),
    ],
    "amina": [
        ("amina", "Certificat de non contre-indication à la course à pied", "certificats", "",
         70, "pdf", ["Absence de contre-indication à la pratique de la course à pied en "
                     "compétition."], {}),
        ("amina", "Ordonnance de lunettes", "ordonnances", "", 300, "pdf",
         ["OD : -1,25 (-0,50 à 90°)", "OG : -1,00", "Verres unifocaux, renouvellement "
                                                     "possible pendant 5 ans."], {}),
    ],
}


def _pdf(title, person, author, day, lines):
    """A one-page PDF from a fixed HTML string (no resource fetched: every URL is refused)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    html = (f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{escape(title)}"
            "</title><style>body{font-family:'DejaVu Sans',sans-serif;font-size:11pt}"
            "header{border-bottom:1px solid #555;font-size:9pt}</style></head><body>"
            f"<header>{escape(CABINET if author.role == 'professional' else person.full_name)}"
            f"</header><h1>{escape(title)}</h1><p>Patient : {escape(person.full_name)}, "
            f"né(e) le {person.birth_date.strftime('%d/%m/%Y')}</p>"
            f"<p>Date : {day.strftime('%d/%m/%Y')}</p><ul>{items}</ul>"
            f"<p>{escape(author.display_name)}</p>"
            "<p><small>Document de démonstration Carnet – données fictives.</small></p>"
            "</body></html>")
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def _png(title, lines):
    """A small picture of a card, as a phone photo of a paper document would be."""
    from PIL import Image, ImageDraw, ImageFont
    image = Image.new("RGB", (480, 300), "#fdfaf2")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 18)
    except OSError:
        font = ImageFont.load_default(18)
    draw.rectangle((10, 10, 469, 289), outline="#0b4f8a", width=4)
    draw.text((30, 30), title, fill="#0b4f8a", font=font)
    for i, line in enumerate(lines):
        draw.text((30, 80 + 36 * i), line, fill="#1a1a1a", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample_dicom(study_date="20260112", modality="CT", size=64, pixels=True):
    """A small, valid DICOM file (Secondary Capture, explicit VR little endian, 16-bit grey):
    a disc on a gradient. Without pixels it holds only the study's facts."""
    from pydicom import dcmwrite
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "DEMO^CARNET"
    ds.StudyDate = study_date
    ds.Modality = modality
    if pixels:
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        centre = size / 2
        values = [(3000 if (x - centre) ** 2 + (y - centre) ** 2 < (size / 3) ** 2 else 0)
                  + 8 * (x + y) for y in range(size) for x in range(size)]
        ds.PixelData = struct.pack(f"<{size * size}H", *values)
    out = io.BytesIO()
    dcmwrite(out, ds, enforce_file_format=True)
    return out.getvalue()


def seed(people, accounts):
    """Create the demo documents that are missing (matched by patient and title)."""
    created = 0
    today = date.today()
    for key, documents in DOCUMENTS.items():
        person = people[key]
        existing = {d.title for d in Document.select(Document.title).where(
            Document.patient == person.id)}
        for author_key, title, category, doc_type, days, kind, lines, labels in documents:
            if title in existing:
                continue
            author = accounts[author_key]
            day = today - timedelta(days=days)
            if kind == "pdf":
                data, name = _pdf(title, person, author, day, lines), "document.pdf"
            elif kind == "png":
                data, name = _png(title, lines), "photo.png"
            else:
                data, name = sample_dicom(day.strftime("%Y%m%d")), "IM000001.dcm"
            store_document(person, author, data, filename=name, title=title, category=category,
                           document_date=day, doc_type=doc_type, **labels)
            created += 1
    return created

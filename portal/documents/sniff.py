"""What a file really is, from its content (magic bytes), never from its name or the browser's
word; and whether it is whole enough to be opened later."""
import io
import re
from dataclasses import dataclass

from ..rendering import lazy_gettext as _l

from .rejected import Rejected

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
TEXT = "text/plain"
DICOM = "application/dicom"

# mime type -> (extension, label shown to people)
KINDS = {
    PDF: ("pdf", "PDF"),
    JPEG: ("jpg", "JPEG"),
    PNG: ("png", "PNG"),
    TIFF: ("tif", "TIFF"),
    TEXT: ("txt", _l("texte")),
    DICOM: ("dcm", "DICOM"),
}
IMAGES = frozenset({JPEG, PNG, TIFF})

ACCEPTED = _l("Formats acceptés : PDF, JPEG, PNG, TIFF, texte brut (.txt) et imagerie DICOM "
              "(.dcm).")


@dataclass(frozen=True)
class Sniffed:
    mime: str
    extension: str


def sniff(data):
    """The mime type recognised from the first bytes, or None."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return DICOM
    if b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TEXT
    return None


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")


def _check_pdf(data):
    """A PDF must end with its trailer (%%EOF) and its last cross-reference offset must lead
    to a cross-reference table or stream: a truncated or mangled file fails here."""
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        return False
    found = _STARTXREF.findall(tail)
    if not found:
        return False
    offset = int(found[-1])
    if offset >= len(data):
        return False
    target = data[offset:offset + 64].lstrip()
    return target.startswith(b"xref") or bool(_OBJECT.match(target))


def _check_image(data):
    """Whole enough to open; dimensions checked from the header, nothing decoded (images.py)."""
    from .images import opened
    try:
        with opened(data) as image:
            image.verify()
    except Rejected:
        raise
    except Exception:  # Pillow raises many kinds of errors on broken files
        return False
    return True


DICOM_UNREADABLE = _l("Ce fichier DICOM est illisible ou incomplet. Demandez une nouvelle "
                      "copie au service d’imagerie.")


def read_dicom(data, pixels=True):
    """The parsed DICOM dataset (pydicom), or Rejected when the file cannot be read."""
    import pydicom
    try:
        return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=not pixels)
    except Exception:  # pydicom raises InvalidDicomError, struct errors, EOFError…
        raise Rejected(DICOM_UNREADABLE) from None


def _check_dicom(data):
    """pydicom reads leniently: also require the file meta (transfer syntax), an SOP class,
    and uncompressed pixel data as long as its dimensions say (a cut file fails here). Its
    size is checked before it is read whole (images.check_dicom)."""
    from .images import check_dicom
    check_dicom(data)
    ds = read_dicom(data)
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta or "SOPClassUID" not in ds:
        return False
    if "PixelData" in ds and not meta.TransferSyntaxUID.is_compressed:
        try:
            frames = int(ds.get("NumberOfFrames", 1) or 1)
            bits = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1)) * \
                int(ds.BitsAllocated) * frames
        except (AttributeError, TypeError, ValueError):
            return False
        if len(ds.PixelData) < (bits + 7) // 8:
            return False
    return True


def identify(data, max_bytes):
    """Check an upload: not empty, not too big, an accepted type, and whole. Returns Sniffed,
    or raises Rejected with a message saying what to do."""
    if not data:
        raise Rejected(_l("Le fichier est vide (0 octet). Choisissez un autre fichier."))
    if len(data) > max_bytes:
        raise Rejected(too_big(max_bytes))
    mime = sniff(data)
    if mime is None:
        raise Rejected(_l("Ce type de fichier n’est pas accepté. %(accepted)s",
                          accepted=ACCEPTED))
    if mime == PDF and not _check_pdf(data):
        raise Rejected(_l("Ce fichier PDF est endommagé ou incomplet et ne peut pas être "
                          "ouvert. Enregistrez-le à nouveau, ou demandez-en une nouvelle copie."))
    if mime in IMAGES and not _check_image(data):
        raise Rejected(_l("Cette image est endommagée ou incomplète et ne peut pas être "
                          "ouverte. Choisissez un autre fichier."))
    if mime == DICOM and not _check_dicom(data):
        raise Rejected(DICOM_UNREADABLE)
    return Sniffed(mime, KINDS[mime][0])


def too_big(max_bytes):
    """The message for a file over the limit (also given to the browser, which says it before
    sending)."""
    return _l("Le fichier dépasse la taille maximale de %(max)s Mo. Choisissez un fichier plus "
              "petit (par exemple une photo moins lourde ou un PDF compressé).",
              max=format_megabytes(max_bytes))


def format_megabytes(size):
    """5242880 -> "5"; 1572864 -> "1,5" (French decimal comma)."""
    value = round(size / (1024 * 1024), 1)
    return (f"{value:.1f}".rstrip("0").rstrip(".")).replace(".", ",")

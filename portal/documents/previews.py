"""Light previews for slow networks: images resized to 800 px at most and re-encoded without
their metadata (EXIF, GPS…); DICOM pixel data windowed to 8-bit grey. Plus DICOM facts."""
import io
import json
import math
from datetime import date

from .. import turn
from ..rendering import lazy_gettext as _l

from .images import decode, opened, orientation_of, upright
from .sniff import DICOM, IMAGES, JPEG, Rejected, read_dicom

MAX_SIDE = 800
# A DICOM frame larger than this is sampled (every n-th pixel) before it is unpacked.
DICOM_PREVIEW_PIXELS = 2048 * 2048
SAVABLE_AS_PNG = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})

MODALITIES = {
    "CR": _l("Radiographie"), "DX": _l("Radiographie"), "CT": _l("Scanner"), "MR": _l("IRM"),
    "US": _l("Échographie"), "MG": _l("Mammographie"), "NM": _l("Médecine nucléaire"),
    "PT": _l("TEP"), "XA": _l("Angiographie"), "OT": _l("Autre"),
}


@turn.gives_way  # decoding an image: other requests run meanwhile
def make_preview(data, mime):
    """(preview bytes, preview mime) for an image or a DICOM file with pixels; else None.
    A broken image is refused (Rejected); a DICOM whose pixels cannot be shown gets no preview."""
    if mime in IMAGES:
        try:
            return _image_preview(data, mime)
        except Rejected:
            raise
        except Exception:  # truncated data shows up only when the pixels are decoded
            raise Rejected(_l("Cette image est endommagée ou incomplète et ne peut pas être "
                              "ouverte. Choisissez un autre fichier.")) from None
    if mime == DICOM:
        try:
            image = _dicom_image(read_dicom(data))
        except (ValueError, KeyError, AttributeError, TypeError, ArithmeticError):
            image = None  # odd or inconsistent attributes: the file is kept, without preview
        if image is not None:
            return _encode(image, "PNG")
    return None


def _image_preview(data, mime):
    """Decoded within the budget (a large JPEG at a reduced scale), reduced, then turned
    upright: the full-size pixels are never copied (images.py)."""
    with opened(data) as source:
        source.seek(0)  # first page of a multi-page TIFF
        orientation = orientation_of(source)
        decode(source, longest=2 * MAX_SIDE)
        source.thumbnail((MAX_SIDE, MAX_SIDE))
        image = upright(source, orientation)
        image.load()
        if image is source:
            image = source.copy()
    if mime == JPEG:
        return _encode(image.convert("RGB"), "JPEG")
    if image.mode not in SAVABLE_AS_PNG:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return _encode(image, "PNG")


def _encode(image, fmt):
    """Resize and write a fresh file: only pixels are copied, never the source's metadata."""
    from PIL import Image
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette())
    clean.paste(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue(), "image/jpeg"
    clean.save(out, "PNG", optimize=True)
    return out.getvalue(), "image/png"


def _dicom_image(ds):
    """The first frame as a Pillow image, windowed to 8 bits (uncompressed data only: no numpy
    is needed, Pillow unpacks the raw samples)."""
    from PIL import Image, ImageOps
    if "PixelData" not in ds:
        return None
    file_meta = getattr(ds, "file_meta", None)
    syntax = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    if syntax is not None and syntax.is_compressed:
        return None
    rows, cols = int(ds.Rows), int(ds.Columns)
    bits = int(ds.BitsAllocated)
    samples = int(ds.get("SamplesPerPixel", 1))
    little = syntax is None or syntax.is_little_endian
    frame_size = rows * cols * samples * bits // 8
    pixels = memoryview(ds.PixelData)[:frame_size]  # no copy of the whole pixel data
    if rows < 1 or cols < 1 or len(pixels) < frame_size:
        return None
    step = math.ceil(math.sqrt(rows * cols / DICOM_PREVIEW_PIXELS))
    if samples == 1 and bits in (8, 16) and step > 1:
        pixels, rows, cols = _every_nth(pixels, rows, cols, bits // 8, step)
    if samples == 3 and bits == 8:
        if int(ds.get("PlanarConfiguration", 0)) == 1:
            plane = rows * cols
            planes = [Image.frombytes("L", (cols, rows), pixels[i * plane:(i + 1) * plane])
                      for i in range(3)]
            return Image.merge("RGB", planes)
        return Image.frombytes("RGB", (cols, rows), pixels)
    if samples != 1 or bits not in (8, 16):
        return None
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    if bits == 8:
        raw = "I;8S" if signed else "I;8"
    else:
        raw = "I;16" + ("" if little else "B") + ("S" if signed else "")
    image = Image.frombytes("I", (cols, rows), pixels, "raw", raw)
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    if not (math.isfinite(slope) and math.isfinite(intercept)):
        return None
    low, high = _window(ds, image, slope, intercept)
    # out = (stored * slope + intercept - low) * 255 / (high - low), clipped to 0..255
    scale = 255.0 / (high - low)
    image = image.point(lambda v: v * (slope * scale) + (intercept - low) * scale)
    image = image.convert("L")  # I -> L clips to 0..255
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        image = ImageOps.invert(image)
    return image


def _every_nth(pixels, rows, cols, size, step):
    """Every `step`-th sample of every `step`-th row (a preview needs no more): the frame is
    never unpacked at full size."""
    row_bytes = cols * size
    kept = bytearray()
    for row in range(0, rows, step):
        line = pixels[row * row_bytes:(row + 1) * row_bytes].cast("B" if size == 1 else "H")
        kept += line[::step].tobytes()
    return bytes(kept), -(-rows // step), -(-cols // step)


def _first(value):
    """A DICOM value that may be multi-valued (several windows): its first item."""
    if value is None:
        return None
    try:
        return float(value[0]) if hasattr(value, "__getitem__") and not isinstance(
            value, (str, bytes)) else float(value)
    except (TypeError, ValueError, IndexError):
        return None


def _window(ds, image, slope, intercept):
    """The value range shown, never empty: the file's own window when it has a usable one
    (finite; a width of 1 is a threshold, PS3.3 C.11.2.1.2: below the centre black, above it
    white), else the pixels' min..max."""
    center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
    if center is not None and width is not None and math.isfinite(center) and \
            math.isfinite(width) and width >= 1:
        low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
    else:
        lo, hi = image.getextrema()
        low, high = sorted((lo * slope + intercept, hi * slope + intercept))
    if high - low < 1:
        low, high = low - 0.5, low + 0.5
    return low, high


def dicom_meta(data):
    """JSON text with the study date and modality of a DICOM file (kept in Document.meta)."""
    ds = read_dicom(data, pixels=False)
    facts = {}
    study_date = str(ds.get("StudyDate", "") or "").strip()
    if len(study_date) == 8 and study_date.isdigit():
        try:
            facts["study_date"] = date(int(study_date[:4]), int(study_date[4:6]),
                                       int(study_date[6:])).isoformat()
        except ValueError:
            pass
    modality = str(ds.get("Modality", "") or "").strip().upper()[:16]
    if modality:
        facts["modality"] = modality
    return json.dumps(facts, sort_keys=True) if facts else ""


def meta_facts(document):
    """The document's DICOM facts for display: [(label, value)]."""
    if not document.meta:
        return []
    try:
        facts = json.loads(document.meta)
    except ValueError:
        return []
    shown = []
    if facts.get("study_date"):
        from ..i18n import format_date
        shown.append((_l("Date de l’examen"), format_date(date.fromisoformat(facts["study_date"]),
                                                          "long")))
    if facts.get("modality"):
        code = facts["modality"]
        label = MODALITIES.get(code)
        shown.append((_l("Modalité"), f"{label} ({code})" if label else code))
    return shown

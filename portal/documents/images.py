"""Opening images without letting a small file take the server's memory (decompression bombs).

A 150 KB PNG can declare 6300 × 6300 pixels and need 120 MB once decoded (several times that
while a preview is made). So the dimensions are read from the header and checked before any
pixel is decoded; a JPEG is decoded at a reduced scale (1/2, 1/4, 1/8, done by the JPEG
decoder itself) so that at most DECODE_BUDGET pixels are ever held; a DICOM's declared
dimensions are checked before its pixel data is read, and a deflated DICOM is inflated only up
to a bound. Every refusal is a Rejected with a French message.

Also: `shrink_to_fit`, which re-encodes a JPEG or PNG photo over the size limit so that it
fits (smaller, upright, without its metadata).
"""
import io
import zlib
from contextlib import contextmanager

from .. import turn
from ..rendering import lazy_gettext as _l

from .rejected import Rejected

# Pixels decoded at once, whatever the format: about 48 MB in RGB, 64 MB in RGBA.
DECODE_BUDGET = 16_000_000
# A JPEG may declare more (a 48-megapixel phone photo): it is decoded at a reduced scale.
JPEG_MAX_PIXELS = 50_000_000
# Longest side accepted (a 1 × 16,000,000 strip is within the budget but no document).
MAX_SIDE_PIXELS = 30_000
# A deflated DICOM is inflated up to this many bytes (pydicom inflates it whole in memory).
DICOM_MAX_INFLATED = 16 * 1024 * 1024
# Declared pixel data of a DICOM (all frames), checked before the pixels are read.
DICOM_MAX_PIXEL_BYTES = 32 * 1024 * 1024
EXIF_ORIENTATION = 0x0112


def _millions(pixels):
    return f"{pixels / 1_000_000:g}".replace(".", ",")


def too_large(width=None, height=None, limit=DECODE_BUDGET):
    """The refusal of an image whose dimensions are too large (said when known)."""
    if width and height:
        return Rejected(_l("Cette image est trop grande (%(width)s × %(height)s pixels) : Carnet "
                           "accepte au plus %(max)s millions de pixels. Réduisez sa définition "
                           "(par exemple en l’enregistrant en taille moyenne), puis envoyez-la "
                           "à nouveau.", width=width, height=height, max=_millions(limit)))
    return Rejected(_l("Cette image est trop grande : Carnet accepte au plus %(max)s millions "
                       "de pixels. Réduisez sa définition (par exemple en l’enregistrant en "
                       "taille moyenne), puis envoyez-la à nouveau.", max=_millions(limit)))


def pixel_limit(image):
    """How many pixels `image` may declare: a JPEG can be decoded at a reduced scale."""
    return JPEG_MAX_PIXELS if image.format == "JPEG" else DECODE_BUDGET


def check_dimensions(image):
    """Refuse an opened (not decoded) image whose header declares too many pixels."""
    width, height = image.size
    limit = pixel_limit(image)
    if width * height > limit or max(width, height) > MAX_SIDE_PIXELS:
        raise too_large(width, height, limit)


@contextmanager
def opened(data):
    """The image, opened from its header only and with its dimensions checked; nothing is
    decoded yet (see `decode`). Raises Rejected (too large) or what Pillow raises on a file
    it cannot read."""
    from PIL import Image
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # over twice Pillow's own limit: no size to tell
        raise too_large() from None
    with image:
        check_dimensions(image)
        yield image


def decode(image, longest=None):
    """Load the pixels of an image from `opened`, never more than DECODE_BUDGET of them: a
    JPEG is decoded at the strongest reduction (1/2, 1/4, 1/8) that keeps the budget and, when
    `longest` is given, still leaves that many pixels on its longest side."""
    width, height = image.size
    if image.format == "JPEG":
        def pixels(k):
            return -(-width // k) * -(-height // k)

        def side(k):
            return max(-(-width // k), -(-height // k))
        scale = 1
        for factor in (2, 4, 8):
            if pixels(scale) > DECODE_BUDGET or (longest is not None and side(factor) >= longest):
                scale = factor
            else:
                break
        if scale > 1:
            image.draft(image.mode, (width // scale, height // scale))
    if image.width * image.height > DECODE_BUDGET:
        raise too_large(width, height, pixel_limit(image))
    image.load()
    return image


def upright(image, orientation):
    """The image turned as its EXIF orientation says (the tag itself is not kept)."""
    from PIL import Image
    method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}.get(orientation)
    return image.transpose(method) if method is not None else image


def orientation_of(image):
    try:
        return image.getexif().get(EXIF_ORIENTATION)
    except Exception:  # a broken EXIF block is no reason to refuse a photo
        return None


# --- photos over the size limit -------------------------------------------------------------

SHRINKABLE = frozenset({"JPEG", "PNG"})
# Below this longest side a photo of a document is no longer legible: refuse instead.
SHRINK_MIN_SIDE = 1200
SHRINK_ATTEMPTS = 5


@turn.gives_way  # decoding and encoding a photo: other requests run meanwhile
def shrink_to_fit(data, max_bytes):
    """A JPEG or PNG photo re-encoded to at most `max_bytes` (same format, upright, only its
    pixels and colour profile kept), scaled down as much as needed; None when it is another
    format or would have to become too small to read. Decoding stays within DECODE_BUDGET;
    a refused header raises Rejected."""
    from PIL import Image
    try:
        with opened(data) as source:
            if source.format not in SHRINKABLE:
                return None
            fmt, orientation = source.format, orientation_of(source)
            icc = source.info.get("icc_profile")
            decode(source)
            image = source if source.mode in ("RGB", "L") else source.convert(
                "RGBA" if fmt == "PNG" and "A" in source.getbands() else "RGB")
            scale = 1.0
            for _attempt in range(SHRINK_ATTEMPTS):
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                if max(size) < SHRINK_MIN_SIDE:
                    return None
                frame = image if scale == 1.0 else image.resize(
                    size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                encoded = _encode(upright(frame, orientation), fmt, icc)
                if len(encoded) <= max_bytes:
                    return encoded
                scale *= min(0.9, (max_bytes / len(encoded)) ** 0.5 * 0.92)
    except Rejected:
        raise
    except Exception:  # Pillow raises many kinds of errors on broken files
        return None
    return None


def _encode(image, fmt, icc):
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True, **extra)
    else:
        image.save(out, "PNG", **extra)
    return out.getvalue()


# --- DICOM ------------------------------------------------------------------------------------

def dicom_too_large():
    return Rejected(_l("Cette image DICOM est trop grande pour être ouverte sans risque. "
                       "Demandez au service d’imagerie une copie non compressée, ou seulement "
                       "les images utiles."))


def check_dicom(data):
    """Before pydicom reads the dataset: a deflated DICOM must inflate to at most
    DICOM_MAX_INFLATED bytes, and the pixel data its header declares (rows × columns × samples
    × bits × frames) must stay under DICOM_MAX_PIXEL_BYTES. Raises Rejected."""
    import pydicom
    from pydicom.filereader import _read_file_meta_info, read_preamble
    from pydicom.uid import DeflatedExplicitVRLittleEndian
    stream = io.BytesIO(data)
    try:
        read_preamble(stream, False)
        meta = _read_file_meta_info(stream)
    except Exception:  # not readable: the integrity check says so
        return
    if meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian:
        inflater, inflated = zlib.decompressobj(-zlib.MAX_WBITS), 0
        pending = data[stream.tell():]
        try:
            while pending and not inflater.eof:  # 1 MB at a time, counted and dropped
                chunk = inflater.decompress(pending, 1024 * 1024)
                inflated += len(chunk)
                if inflated > DICOM_MAX_INFLATED:
                    raise dicom_too_large()
                if not chunk and len(inflater.unconsumed_tail) == len(pending):
                    break  # no progress: the integrity check will say what is wrong
                pending = inflater.unconsumed_tail
        except zlib.error:
            return
    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    except Exception:
        return
    try:
        declared = (int(ds.get("Rows", 0) or 0) * int(ds.get("Columns", 0) or 0)
                    * int(ds.get("SamplesPerPixel", 1) or 1)
                    * int(ds.get("NumberOfFrames", 1) or 1)
                    * int(ds.get("BitsAllocated", 8) or 8)) // 8
    except (TypeError, ValueError):
        return
    if declared > DICOM_MAX_PIXEL_BYTES:
        raise dicom_too_large()

"""Decompression bombs: a small file that declares huge dimensions is refused, with a French
message, from its header, before any pixel is decoded, so that the web worker's memory stays
bounded; large photos are decoded at a reduced scale. Memory is measured in a fresh Python
process, one file each: its peak resident size (VmHWM) before and after. (getrusage's
ru_maxrss would not do: after fork and exec it starts from the parent's peak, pytest's.)"""
import io
import json
import struct
import subprocess
import sys
import zlib

import pytest
from conftest import ROOT_DIR
from helpers import doc_id, send_file, stored_files

# What the upload of one of these may add to the process (decoding the 6300 × 6300 PNG added
# 330 MB; a preview of a 12-megapixel photo needs about 40 MB).
MEMORY_BOUND_MB = 64


def png_bomb(width=6300, height=6300):
    """A valid 8-bit RGB PNG of blank rows: about 116 KB on disk, 119 MB once decoded. Written
    chunk by chunk, so that making it never holds the pixels either."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 3)  # filter byte + pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                             0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def dicom_bomb(size=6000):
    """A DICOM in the Deflated Explicit VR Little Endian transfer syntax whose 36 MB of pixels
    deflate to about 35 KB."""
    from pydicom import dcmwrite
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import (DeflatedExplicitVRLittleEndian, SecondaryCaptureImageStorage,
                             generate_uid)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(size * size)
    out = io.BytesIO()
    dcmwrite(out, ds, enforce_file_format=True)
    return out.getvalue()


_MEASURE = """
import json, sys
from portal.documents.previews import make_preview
from portal.documents.sniff import Rejected, identify
import PIL.Image, PIL.ImageOps, PIL.JpegImagePlugin, PIL.PngImagePlugin, pydicom  # noqa
data = open(sys.argv[1], "rb").read()
def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
before = peak_kb()
try:
    sniffed = identify(data, 50 * 1024 * 1024)
    preview = make_preview(data, sniffed.mime)
    outcome = {"accepted": True, "preview": len(preview[0]) if preview else 0}
except Rejected as refusal:
    outcome = {"accepted": False, "message": str(refusal.message)}
after = peak_kb()
print(json.dumps({**outcome, "growth_mb": round((after - before) / 1024, 1)}))
"""


def check_and_preview_in_a_fresh_process(path):
    """identify() then make_preview() on the file, in a new interpreter: what happened and how
    much the peak resident memory grew (MB)."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT_DIR,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {"png": png_bomb(), "dicom": dicom_bomb()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, files


def test_a_png_of_huge_dimensions_is_refused_from_its_header(bombs):
    folder, files = bombs
    assert len(files["png"]) < 160 * 1024
    outcome = check_and_preview_in_a_fresh_process(folder / "png")
    print("PNG 6300 x 6300:", outcome)
    assert not outcome["accepted"]
    assert "Cette image est trop grande (6300 × 6300 pixels)" in outcome["message"]
    assert outcome["growth_mb"] < MEMORY_BOUND_MB, outcome


def test_a_deflated_dicom_bomb_is_refused_before_it_is_inflated(bombs):
    folder, files = bombs
    assert len(files["dicom"]) < 64 * 1024
    outcome = check_and_preview_in_a_fresh_process(folder / "dicom")
    print("deflated DICOM 6000 x 6000:", outcome)
    assert not outcome["accepted"]
    assert "Cette image DICOM est trop grande" in outcome["message"]
    assert outcome["growth_mb"] < MEMORY_BOUND_MB, outcome


def test_a_large_photo_is_decoded_at_a_reduced_scale_for_its_preview(tmp_path):
    """A 27-megapixel JPEG (more than the decoding budget) still gets its preview, from a
    reduced decoding: memory stays within the bound."""
    path = tmp_path / "photo.jpg"
    subprocess.run([sys.executable, "-c",
                    "import sys; from PIL import Image; "
                    "Image.new('RGB', (6000, 4500), '#3366aa').save(sys.argv[1], 'JPEG')",
                    str(path)], check=True, timeout=60)
    outcome = check_and_preview_in_a_fresh_process(path)
    print("JPEG 6000 x 4500:", outcome)
    assert outcome["accepted"] and outcome["preview"] > 0
    assert outcome["growth_mb"] < MEMORY_BOUND_MB, outcome


@pytest.mark.parametrize("kind", ["png", "dicom"])
def test_the_upload_form_refuses_a_bomb_in_french_and_keeps_the_fields(ctx, login_as, bombs,
                                                                       kind):
    from portal.documents.models import Document
    _folder, files = bombs
    jean = login_as("jean")
    before, stored = Document.select().count(), stored_files(ctx)
    response = send_file(jean, files[kind], f"image.{kind}", title="Radio du genou",
                         folder="Genou")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "est trop grande" in page and "<title>Erreur :" in page
    assert 'value="Radio du genou"' in page and 'value="Genou"' in page
    assert Document.select().count() == before and stored_files(ctx) == stored


def test_an_ordinary_dicom_and_png_are_still_accepted(ctx, login_as):
    from helpers import image_bytes

    from portal.documents.demo import sample_dicom
    jean = login_as("jean")
    doc_id(send_file(jean, sample_dicom(size=64), "IM0001.dcm"))
    doc_id(send_file(jean, image_bytes("PNG", size=(3000, 2000)), "scan.png"))


def test_a_large_dicom_within_bounds_gets_a_sampled_preview(tmp_path):
    """A deflated 3000 × 3000 frame (9 MB once inflated) is accepted; its preview samples
    every other pixel instead of unpacking the frame at full size."""
    path = tmp_path / "large.dcm"
    path.write_bytes(dicom_bomb(size=3000))
    outcome = check_and_preview_in_a_fresh_process(path)
    print("deflated DICOM 3000 x 3000:", outcome)
    assert outcome["accepted"] and outcome["preview"] > 0
    assert outcome["growth_mb"] < MEMORY_BOUND_MB, outcome

"""The QR code reads back from a poor scan: 72 dpi, blurred, thresholded like a photocopy.

Each page is rendered by PDFium (pypdfium2) at 72 dpi (and at 70 and 74, so the
modules fall on the pixel grid at other phases), blurred with a Gaussian of
0.6 px (and 0.8 px), and cut to black and white at three thresholds: a light,
a fair and a dark copy. zxing-cpp must read the exact signed URL every time.

The encoder uses one fixed mask (see :mod:`lms.credentials.qr`) where ISO/IEC
18004 picks, per symbol, the mask with the lowest penalty. segno implements
that choice; its symbols of the same payloads, drawn the same way, go through
the same scans, and the fixed mask must read at least as often.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
import segno
import zxingcpp
from PIL import Image, ImageFilter

from lms.credentials import qr, signing
from lms.credentials.layouts import MIN_QR_MODULE, PAGE_SIZES

from .geometry import page_geometry
from .test_render import LAYOUTS, prepared, snapshot

#: Public addresses of different lengths (the QR code holds the signed URL).
ADDRESSES = (
    "https://lms.mpd.org/verify/",
    "https://training.example.gov/training/verify/",
    "https://training.missoula-police-department.org/lms/training/verify/",
)
#: (dots per inch, blur radius in pixels, threshold 0-255): what a scan may do.
SCANS = [
    (dpi, blur, threshold)
    for dpi in (72, 70, 74)
    for blur, threshold in ((0.6, 100), (0.6, 128), (0.6, 156), (0.8, 128))
]
#: Harsher than the layouts promise; used only to compare masks.
HARSH_SCANS = [(dpi, 0.9, threshold) for dpi in (72, 70, 74) for threshold in (100, 156)]


def certificates(count: int, seed: int):
    """Certificates with serials and signatures of their own, the same on every run."""
    rng = random.Random(seed)
    for i in range(count):
        serial = "".join(rng.choice(signing.SERIAL_ALPHABET) for _ in range(signing.SERIAL_LENGTH))
        signature = signing.b64url(rng.randbytes(64))
        cert = replace(snapshot(), serial=serial, signature=signature)
        yield cert, ADDRESSES[i % len(ADDRESSES)] + signing.display_serial(serial)


@functools.lru_cache(maxsize=8)
def rendered(pdf: bytes, dpi: int) -> Image.Image:
    page = pdfium.PdfDocument(pdf)[0]
    return page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")


def scanned(pdf: bytes, dpi: int, blur: float, threshold: int) -> Image.Image:
    image = rendered(pdf, dpi).filter(ImageFilter.GaussianBlur(blur))
    return image.point(lambda v: 255 if v > threshold else 0)


def reads(pdf: bytes, payload: str, scan) -> bool:
    """Whether zxing-cpp reads exactly ``payload`` from the whole scanned page."""
    found = zxingcpp.read_barcodes(
        scanned(pdf, *scan),
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=False,  # the page lies upright, at the scale it was scanned
        try_downscale=False,
    )
    return [b.text for b in found] == [payload]


def iso_masked(payload: bytes, **_) -> qr.Symbol:
    """segno's symbol of ``payload``: its mask chosen by the ISO/IEC 18004 penalty rules."""
    reference = segno.make_qr(payload, error="m", mode="byte", boost_error=False)
    size = len(reference.matrix)
    width = (size + 3) // 4 * 4
    bits = "".join("".join(str(v) for v in row).ljust(width, "0") for row in reference.matrix)
    return qr.Symbol(reference.version, size, width, int(bits, 2))


@pytest.mark.parametrize("page_size", sorted(PAGE_SIZES))
@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_the_qr_code_reads_from_a_72_dpi_blurred_photocopy(layout_name, page_size):
    layout = prepared(layout_name, page_size)
    failed = []
    for cert, url in certificates(3, seed=len(layout_name)):
        payload = signing.qr_payload(url, cert)
        pdf = layout.render(cert, url)
        failed += [(url, scan) for scan in SCANS if not reads(pdf, payload, scan)]
    assert failed == []


@pytest.mark.parametrize("page_size", sorted(PAGE_SIZES))
def test_modules_and_quiet_zone_are_as_large_as_a_scan_needs(page_size):
    layout = prepared("officer-certification", page_size)
    cert, url = next(certificates(1, seed=3))
    symbol = qr.encode(signing.qr_payload(url, cert).encode())
    pdf = layout.render(cert, url)
    zone = page_geometry(pdf).qr_zone  # the white ground, nothing else printed on it
    # The dark modules' extent, from the page drawn at 288 dpi (4 pixels a point).
    page = rendered(pdf, 288)
    crop = (4 * zone.x0, 4 * (layout.height - zone.y1), 4 * zone.x1, 4 * (layout.height - zone.y0))
    ink = page.crop(tuple(round(v) for v in crop)).point(lambda v: 255 if v < 128 else 0)
    left, top, right, bottom = (v / 4 for v in ink.getbbox())
    module = (right - left) / symbol.size
    assert module >= MIN_QR_MODULE
    assert (bottom - top) / symbol.size == pytest.approx(module, rel=0.02)
    zone_width, zone_height = zone.x1 - zone.x0, zone.y1 - zone.y0
    for quiet in (left, top, zone_width - right, zone_height - bottom):
        assert quiet >= (qr.QUIET_ZONE - 0.2) * module  # (the glyphs overlap by 0.06)


def test_the_fixed_mask_reads_as_well_as_the_mask_iso_18004_picks(monkeypatch):
    counts = {}
    for name, encoder in (("fixed", qr.encode), ("iso", iso_masked)):
        monkeypatch.setattr(qr, "encode", encoder)
        counts[name] = {"scans": 0, "harsh": 0}
        for page_size in sorted(PAGE_SIZES):
            layout = prepared("officer-certification", page_size)
            for cert, url in certificates(6, seed=11):
                payload = signing.qr_payload(url, cert)
                pdf = layout.render(cert, url)
                counts[name]["scans"] += sum(reads(pdf, payload, scan) for scan in SCANS)
                counts[name]["harsh"] += sum(reads(pdf, payload, scan) for scan in HARSH_SCANS)
        monkeypatch.undo()
    every_scan = 2 * 6 * len(SCANS)
    assert counts["fixed"]["scans"] == counts["iso"]["scans"] == every_scan
    assert counts["fixed"]["harsh"] >= counts["iso"]["harsh"], counts

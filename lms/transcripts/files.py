"""Transcripts as files of this app: the renderer with the engine's fonts, PDF and ZIP bytes.

The renderer (:mod:`lms.transcripts.render`) is pure; this module gives it the
fonts and seal shipped in ``certificates/shared/`` and the public address its
QR codes point to. The same functions serve downloads and batches.
"""

from __future__ import annotations

import io
import zipfile

from flask import current_app, has_request_context, url_for

from ..core import state
from ..credentials.printing import NoPublicAddress
from ..credentials.render import font_for, image_for
from ..models import IssuedTranscript
from ..resources import layouts_dir
from .render import TranscriptRenderer

#: The engine's shipped fonts the transcript is set in.
FONTS = {"text": "fonts/DejaVuSans.ttf", "bold": "fonts/DejaVuSerif-Bold.ttf"}
SEAL = "art/department-seal.png"


def renderer() -> TranscriptRenderer:
    """The app's transcript renderer (fonts parsed once per process)."""
    extras = state().extras
    found = extras.get("transcript_renderer")
    if found is None:
        shared = layouts_dir() / "shared"
        fonts = {key: font_for(shared / path) for key, path in FONTS.items()}
        found = extras["transcript_renderer"] = TranscriptRenderer(fonts, image_for(shared / SEAL))
    return found


def verify_url(transcript: IssuedTranscript) -> str:
    """The public page of ``transcript``: under ``LMS_PUBLIC_URL`` when set, else this host."""
    public = current_app.config.get("LMS_PUBLIC_URL")
    serial = transcript.display_serial
    if public:
        return f"{public.rstrip('/')}{state().url_prefix}/verify/transcripts/{serial}"
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise NoPublicAddress(
            "set LMS_PUBLIC_URL (e.g. https://training.example.gov) to print transcripts "
            "outside a web request"
        )
    return url_for("lms.transcripts.verify", serial=serial, _external=True)


def qr_payload(transcript: IssuedTranscript) -> str:
    """What the QR code holds: the verify page with the record's signature."""
    return f"{verify_url(transcript)}?sig={transcript.key_id}.{transcript.signature}"


def render_pdf(transcript: IssuedTranscript) -> bytes:
    """The issued transcript as a PDF, drawn from its signed record."""
    return renderer().render(transcript.record, qr_payload(transcript))


def render_zip(transcripts: list[IssuedTranscript]) -> bytes:
    """Each transcript's PDF in one ZIP, named after its holder and serial."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for transcript in transcripts:
            archive.writestr(pdf_filename(transcript), render_pdf(transcript))
    return buffer.getvalue()


def pdf_filename(transcript: IssuedTranscript) -> str:
    """``transcript-Sofia-Rivera-7KQ2-M9XA.pdf``: ASCII, no path characters."""
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in transcript.holder_name)
    name = "-".join(part for part in name.split("-") if part)[:60] or "holder"
    return f"transcript-{name}-{transcript.display_serial[:9]}.pdf"

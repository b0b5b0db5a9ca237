"""Transcripts as files of this app: the renderer with the engine's fonts, PDF and ZIP bytes.

The renderer (:mod:`lms.transcripts.render`) is pure; this module gives it the
layout ``LMS_TRANSCRIPT_LAYOUT`` names (shipped: ``certificates/transcript/``)
and the public address its QR codes point to. The same functions serve
downloads and batches.
"""

from __future__ import annotations

from flask import current_app

from ..core import public_url, registries, state
from ..credentials.batch import certificate_filename, zip_of
from ..credentials.layouts import LayoutError
from ..credentials.pdf import ImageError
from ..credentials.printing import LayoutUnavailable
from ..models import IssuedTranscript
from ..plugins import TranscriptLayout
from ..resources import layouts_dir
from .render import TranscriptRenderer
from .spec import TranscriptSpec, parse_transcript_layout


def layout_spec(plugin: TranscriptLayout) -> TranscriptSpec:
    """The checked data of a registered transcript layout."""
    return parse_transcript_layout(plugin.spec, plugin.base_dir, layouts_dir() / "shared")


def renderer() -> TranscriptRenderer:
    """The renderer of the configured layout (its data read and fonts parsed once)."""
    name = current_app.config["LMS_TRANSCRIPT_LAYOUT"]
    plugin = registries().transcript_layouts.get(name)  # checked at start
    found = state().extras.get("transcript_renderer")
    if found is None or found[0] is not plugin:
        try:
            made = TranscriptRenderer(layout_spec(plugin))
        except (LayoutError, ImageError, OSError) as exc:
            raise LayoutUnavailable(f"LMS_TRANSCRIPT_LAYOUT {name!r}: {exc}") from None
        found = state().extras["transcript_renderer"] = (plugin, made)
    return found[1]


def verify_url(transcript: IssuedTranscript) -> str:
    """The public page of ``transcript`` (under ``LMS_PUBLIC_URL`` when set)."""
    return public_url("lms.transcripts.verify", serial=transcript.display_serial)


def qr_payload(transcript: IssuedTranscript) -> str:
    """What the QR code holds: the verify page with the record's signature."""
    return f"{verify_url(transcript)}?sig={transcript.key_id}.{transcript.signature}"


def render_pdf(transcript: IssuedTranscript) -> bytes:
    """The issued transcript as a PDF, drawn from its signed record."""
    return renderer().render(transcript.record, qr_payload(transcript))


def render_zip(transcripts: list[IssuedTranscript]) -> bytes:
    """Each transcript's PDF in one ZIP, named after its holder and serial."""
    return zip_of((pdf_filename(t), render_pdf(t)) for t in transcripts)


def pdf_filename(transcript: IssuedTranscript) -> str:
    """``transcript-Sofia-Rivera-7KQ2-M9XA.pdf``: the holder's name in ASCII, and the serial."""
    return certificate_filename(transcript.holder_name, transcript.display_serial, "transcript")

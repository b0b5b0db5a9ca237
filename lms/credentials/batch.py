"""Several certificates as one printable PDF: a page each, every font embedded once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .pdf import PdfWriter, catalog_object, stream_body, text_string, write_font, write_qr_font
from .render import PRODUCER, PreparedLayout
from .signing import CertificateFacts
from .typeset import font_subsets


def render_merged(
    items: Sequence[tuple[CertificateFacts, PreparedLayout]],
    verify_url_for,
    *,
    title: str,
    author: str,
) -> bytes:
    """Several certificates as one printable PDF, one page each, fonts shared."""
    if not items:
        raise ValueError("no certificates to merge")
    pages = [(layout, layout.page_for(cert, verify_url_for(cert))) for cert, layout in items]
    # One subset per font file covering every page's text.
    layout_fonts = frozenset().union(*(layout.layout_fonts for layout, _ in pages))
    subsets = font_subsets([page.usage for _, page in pages], layout_fonts)
    writer = PdfWriter()
    catalog, root = writer.reserve(), writer.reserve()
    font_numbers = {font: write_font(writer, font, subset) for font, subset in subsets}
    qr_font = write_qr_font(writer)
    shared: dict[int, tuple[bytes, int]] = {}
    kids = []
    for layout, page in pages:
        if id(layout) not in shared:
            used = {font for other, drawn in pages if other is layout for font, _, _ in drawn.usage}
            font_refs = b" ".join(
                b"/%s %d 0 R" % (layout.font_name(font), number)
                for font, number in font_numbers.items()
                if font in used
            ) + (b" /QR %d 0 R" % qr_font)
            image_refs = b" ".join(
                b"/Im%d %d 0 R" % (i + 1, writer.add_image(image))
                for i, image in enumerate(layout.images)
            )
            resources = writer.add(
                b"<< /Font << %s >> /XObject << %s >> >>" % (font_refs, image_refs)
            )
            shared[id(layout)] = (resources, writer.add(stream_body(layout.static_content)))
        resources, static = shared[id(layout)]
        content = writer.add(stream_body(page.content))
        kids.append(
            writer.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources %d 0 R"
                b" /Contents [%d 0 R %d 0 R] >>"
                % (root, layout.width, layout.height, resources, static, content)
            )
        )
    writer.write(
        root,
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)),
    )
    writer.write(catalog, catalog_object(root))
    info = writer.add(
        b"<< /Title %s /Author %s /Creator %s /Producer %s >>"
        % (
            text_string(title),
            text_string(author),
            text_string("lms certificates"),
            text_string(PRODUCER),
        )
    )
    digest = hashlib.sha256("\n".join(c.serial for c, _ in items).encode()).digest()[:16]
    return writer.finish(catalog, info, digest)

"""Several certificates as one printable PDF: a page each, every font embedded once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .fonts import EmbeddableFont, merge_keys
from .pdf import PdfWriter, catalog_object, stream_body, text_string, write_font, write_qr_font
from .render import PRODUCER, PreparedLayout
from .signing import CertificateFacts


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
    needs: dict[int, list[tuple]] = {}
    extra: dict[int, set[str]] = {}
    fonts: dict[int, EmbeddableFont] = {}
    for layout, page in pages:
        for key in layout.font_keys:
            font = layout.fonts[key]
            fonts[id(font)] = font
            needs.setdefault(id(font), []).append(
                layout.subset_keys(page.fields)[layout.font_keys.index(key)]
            )
            extra.setdefault(id(font), set()).update(layout.static_extra[key])
    writer = PdfWriter()
    catalog, root = writer.reserve(), writer.reserve()
    font_numbers = {
        ident: write_font(
            writer, font, font.subset(merge_keys(needs[ident]), frozenset(extra[ident]))
        )
        for ident, font in fonts.items()
    }
    qr_font = write_qr_font(writer)
    shared: dict[int, tuple[bytes, int]] = {}
    kids = []
    for layout, page in pages:
        if id(layout) not in shared:
            font_refs = b" ".join(
                b"/%s %d 0 R" % (layout.font_names[k].encode(), font_numbers[id(layout.fonts[k])])
                for k in layout.font_keys
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

"""Several certificates in one file: one printable PDF (a page each, every font
embedded once), or a ZIP of their PDFs named after their holders."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence

from anyascii import anyascii

from .archival import DocumentInfo, catalog_object, write_output_intent
from .fonts import EmbeddableFont, merge_keys
from .pdf import (
    PdfWriter,
    stream_body,
    write_font,
    write_qr_font,
)
from .render import PRODUCER, PreparedLayout, cert_created
from .signing import CertificateFacts, clean_text


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
    metadata = writer.reserve()
    writer.write(catalog, catalog_object(root, metadata, write_output_intent(writer)))
    document = merged_info(items, title=title, author=author)
    writer.write(metadata, document.metadata_body())
    info = writer.add(b"<< %s >>" % document.info_entries())
    digest = hashlib.sha256("\n".join(c.serial for c, _ in items).encode()).digest()[:16]
    return writer.finish(catalog, info, digest)


def merged_info(
    items: Sequence[tuple[CertificateFacts, PreparedLayout]], *, title: str, author: str
) -> DocumentInfo:
    """The merged file's metadata, as a single certificate has it: what, by whom, when."""
    certificates = [cert for cert, _ in items]
    courses = sorted(
        {(clean_text(c.course_title), clean_text(c.course_code)) for c in certificates}
    )
    layouts = sorted({layout.spec.name for _, layout in items})
    count = f"{len(certificates)} certificate{'s' if len(certificates) != 1 else ''}"
    return DocumentInfo(
        title=title,
        author=author,
        subject=(
            f"{count} of {courses[0][0]} ({courses[0][1]})." if len(courses) == 1 else f"{count}."
        ),
        keywords=" ".join(["certificates", *(code for _, code in courses)]),
        creator=f"lms certificates, layout {', '.join(layouts)}",
        producer=PRODUCER,
        created=max(cert_created(c) for c in certificates),
    )


#: At most this many characters of the holder's name in a file name.
FILENAME_NAME_LENGTH = 60


def certificate_filename(
    holder_name: str, display_serial: str, document: str = "certificate"
) -> str:
    """``certificate-Aleksey-Smirnov-7KQ2-M9XA.pdf``: the name in ASCII, whole words.

    ``document`` names the kind of file (``transcript`` for transcripts).

    Names in any script are transliterated (anyascii: Алексей -> Aleksey,
    محمد -> mhmd, 田中 -> TianZhong), so every unzip tool and file system shows
    them; only letters and digits remain, and a long name ends at a word.
    """
    name = ""
    for word in re.findall(r"[A-Za-z0-9]+", anyascii(holder_name)):
        if len(name) + 1 + len(word) > FILENAME_NAME_LENGTH:
            name = name or word[:FILENAME_NAME_LENGTH]
            break
        name = f"{name}-{word}" if name else word
    return f"{document}-{name or 'holder'}-{display_serial[:9]}.pdf"


def zip_of(files: Iterable[tuple[str, bytes]]) -> bytes:
    """The files in one ZIP; a name used twice gets ``-2``, ``-3``... before its extension."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in files:
            stem, dot, extension = name.rpartition(".")
            unique, count = name, 1
            while unique in used:
                count += 1
                unique = f"{stem}-{count}{dot}{extension}"
            used.add(unique)
            archive.writestr(unique, data)
    return buffer.getvalue()

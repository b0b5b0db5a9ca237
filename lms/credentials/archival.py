"""What makes a certificate file archival: PDF/A-2b (ISO 19005-2) at the document level.

Every font is embedded and no image interpolates (:mod:`lms.credentials.pdf`);
here are the catalog, the sRGB output intent that gives the device colours a
meaning, and the metadata, written once as the information dictionary and,
equal, as XMP naming the conformance. How that is checked (veraPDF cannot be
fetched here): tests/credentials/test_archival.py.
"""

from __future__ import annotations

import functools
import re
import string
import zlib
from dataclasses import dataclass
from datetime import datetime

from ..resources import layouts_dir
from .pdf import PdfWriter, text_string


def catalog_object(pages: int, metadata: int, output_intent: int) -> bytes:
    """The document catalog: its pages, XMP metadata, output intent, language, title shown."""
    return (
        b"<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R /OutputIntents [%d 0 R]"
        b" /Lang (en-US) /ViewerPreferences << /DisplayDocTitle true >> >>"
        % (pages, metadata, output_intent)
    )


#: What the colours of a certificate mean: sRGB, the profile shipped in
#: ``certificates/shared/color/`` (Debian's icc-profiles-free, Zlib licence).
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile (version 2, display class), read once."""
    return (layouts_dir() / "shared" / "color" / "sRGB.icc").read_bytes()


def write_output_intent(writer: PdfWriter) -> int:
    """The PDF/A output intent with its embedded sRGB profile; returns its number."""
    packed = zlib.compress(srgb_profile(), 9)
    profile = writer.add(
        b"<< /N 3 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream"
    )
    return writer.add(
        b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier %s /Info %s"
        b" /RegistryName (http://www.color.org) /DestOutputProfile %d 0 R >>"
        % (text_string(OUTPUT_CONDITION), text_string(OUTPUT_CONDITION), profile)
    )


_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<pdf:Keywords>{keywords}</pdf:Keywords>
<pdf:Producer>{producer}</pdf:Producer>
<xmp:CreatorTool>{creator}</xmp:CreatorTool>
<xmp:CreateDate>{created}</xmp:CreateDate>
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""


#: Characters XML 1.0 does not allow (controls, surrogates, U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: ASCII punctuation, written as character references: XML's own (< & >) are
#: escaped, and no PDF delimiter (/ ( ) < > [ ] % ...) of a name reaches the file.
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")


def _reference(match: re.Match) -> str:
    return f"&#x{ord(match.group()):X};"


@functools.lru_cache(maxsize=4096)
def _xml_text(value: str) -> str:
    return _PUNCTUATION.sub(_reference, _NOT_XML.sub("", value))


@dataclass(frozen=True)
class DocumentInfo:
    """A file's metadata, written as its information dictionary and, equal, as XMP."""

    title: str
    author: str
    subject: str
    keywords: str
    creator: str
    producer: str
    created: datetime  # in UTC

    def info_entries(self) -> bytes:
        """The information dictionary's entries (without its ``<< >>``)."""
        return b" ".join(
            (
                b"/Title",
                text_string(self.title),
                b"/Author",
                text_string(self.author),
                b"/Subject",
                text_string(self.subject),
                b"/Keywords",
                text_string(self.keywords),
                b"/Creator",
                text_string(self.creator),
                b"/Producer",
                text_string(self.producer),
                b"/CreationDate (D:%sZ)" % self.created.strftime("%Y%m%d%H%M%S").encode(),
            )
        )

    def metadata_body(self) -> bytes:
        """The XMP metadata stream (uncompressed, as PDF/A asks), as an object body."""
        xmp = _XMP.format(
            title=_xml_text(self.title),
            author=_xml_text(self.author),
            subject=_xml_text(self.subject),
            keywords=_xml_text(self.keywords),
            producer=_xml_text(self.producer),
            creator=_xml_text(self.creator),
            created=self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ).encode("utf-8")
        return (
            b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp)
            + xmp
            + b"\nendstream"
        )

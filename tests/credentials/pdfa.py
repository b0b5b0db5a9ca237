"""The PDF/A-2b requirements a certificate file can be checked for without veraPDF.

veraPDF (the reference validator) is a Java program fetched from the internet,
which this project's machines cannot reach. These checks read the file with
pypdf and the XMP with ElementTree, and cover the clauses of ISO 19005-2 that
apply to what the renderer writes: file structure (6.1), the output intent and
device colours (6.2.3, 6.2.4.3), images (6.2.8), fonts (6.2.11: embedded, and
every CIDFontType2 mapped), actions and annotations (6.3-6.5), and metadata
(6.6: XMP present, unfiltered, well formed, equal to the information
dictionary, naming part 2 conformance B). ``qpdf --check`` reads the syntax.
Glyph widths (6.2.11.5) are checked for the composite fonts the renderer writes:
each width of a CIDFont's /W array against the advance in its embedded program,
TrueType (read with fontTools) and bare CID-keyed CFF (fontTools' cffLib) alike.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from fontTools.cffLib import CFFFontSet
from fontTools.pens.basePen import NullPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _objects(reader: PdfReader):
    """Every indirect object of the file, resolved."""
    for generation, numbers in reader.xref.items():
        for number in numbers:
            yield number, reader.get_object(IndirectObject(number, generation, reader))


def _walk(value):
    """``value`` and every direct object inside it (indirect ones are walked on their own)."""
    yield value
    if isinstance(value, DictionaryObject):
        for key, item in value.items():
            yield NameObject(key)
            if not isinstance(item, IndirectObject):
                yield from _walk(item)
    elif isinstance(value, ArrayObject):
        for item in value:
            if not isinstance(item, IndirectObject):
                yield from _walk(item)


def _pdf_date(value: str) -> datetime:
    match = re.fullmatch(r"D:(\d{14})(Z|Z00'00'?)?", value)
    assert match, value
    return datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _xmp_problems(data: bytes, info: dict) -> list[str]:
    problems = []
    head = data[: data.find(b"?>") + 2]
    if not head.startswith(b"<?xpacket begin="):
        problems.append("the XMP packet has no xpacket header (6.6.2.1)")
    if b"bytes=" in head or b"encoding=" in head:
        problems.append("the xpacket header has a bytes or encoding attribute (6.6.2.1)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [*problems, f"the XMP is not well-formed XML: {exc} (6.6.2.1)"]

    def value(path: str) -> str | None:
        found = root.find(f".//rdf:Description/{path}", NS)
        return None if found is None else found.text

    if value("pdfaid:part") != "2" or value("pdfaid:conformance") != "B":
        problems.append("the XMP does not name PDF/A part 2, conformance B (6.6.4)")
    pairs = {
        "/Title": "dc:title/rdf:Alt/rdf:li",
        "/Author": "dc:creator/rdf:Seq/rdf:li",
        "/Subject": "dc:description/rdf:Alt/rdf:li",
        "/Keywords": "pdf:Keywords",
        "/Producer": "pdf:Producer",
        "/Creator": "xmp:CreatorTool",
    }
    for key, path in pairs.items():
        if key in info and value(path) != info[key]:
            problems.append(f"{key} {info[key]!r} differs from XMP {path} {value(path)!r} (6.6.3)")
    for path in ("dc:title/rdf:Alt/rdf:li", "dc:description/rdf:Alt/rdf:li"):
        item = root.find(f".//rdf:Description/{path}", NS)
        if item is not None and item.get(XML_LANG) != "x-default":
            problems.append(f"XMP {path} is not the x-default alternative (6.6.3)")
    if "/CreationDate" in info:
        created = value("xmp:CreateDate")
        xmp_date = datetime.fromisoformat(created) if created else None
        if xmp_date != _pdf_date(info["/CreationDate"]):
            problems.append(f"/CreationDate differs from xmp:CreateDate {created!r} (6.6.3)")
    return problems


def _icc_problems(profile: bytes, components: int) -> list[str]:
    problems = []
    if len(profile) < 132 or profile[36:40] != b"acsp":
        return ["the output intent's profile is not an ICC profile (6.2.3)"]
    if int.from_bytes(profile[:4], "big") != len(profile):
        problems.append("the ICC profile's size field does not match its length (6.2.3)")
    if profile[8] not in (2, 4):
        problems.append(f"ICC profile version {profile[8]} is neither 2 nor 4 (6.2.3)")
    if profile[12:16] not in (b"mntr", b"prtr"):
        problems.append(f"ICC profile class {profile[12:16]!r} is not mntr or prtr (6.2.3)")
    if profile[16:20] != b"RGB " or components != 3:
        problems.append("the output intent is not an RGB profile with /N 3 (6.2.4.3)")
    return problems


#: How far a /W width may be from the program's advance, in thousandths of an em
#: (veraPDF's tolerance: the renderer rounds widths to whole units).
WIDTH_TOLERANCE = 1.0


def _declared_widths(widths) -> dict[int, float]:
    """A CIDFont's /W array as {CID: width}."""
    found, items, i = {}, list(widths or []), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], ArrayObject):
            for offset, width in enumerate(items[i + 1]):
                found[first + offset] = float(width)
            i += 2
        else:
            last, width = int(items[i + 1]), float(items[i + 2])
            for cid in range(first, last + 1):
                found[cid] = width
            i += 3
    return found


def _program_widths(descendant) -> dict[int, float] | None:
    """The advance of each CID in the embedded program, in thousandths of an em."""
    descriptor = descendant["/FontDescriptor"].get_object()
    if "/FontFile2" in descriptor:
        if str(descendant.get("/CIDToGIDMap")) != "/Identity":
            return None  # only identity-mapped TrueType is written here
        font = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()), lazy=True)
        scale = 1000.0 / font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {gid: metrics[name][0] * scale for gid, name in enumerate(font.getGlyphOrder())}
    program = descriptor.get("/FontFile3")
    if program is None or program.get_object().get("/Subtype") != "/CIDFontType0C":
        return None
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(program.get_object().get_data()), None)
    top = cff[cff.fontNames[0]]
    scale = top.FontMatrix[0] * 1000.0
    widths = {}
    for name in top.charset:
        glyph = top.CharStrings[name]
        glyph.draw(NullPen())  # sets the glyph's width
        widths[0 if name == ".notdef" else int(name[3:])] = glyph.width * scale
    return widths


def _width_problems(number: int, descendant) -> list[str]:
    program = _program_widths(descendant)
    if program is None:
        return []
    problems = []
    for cid, width in sorted(_declared_widths(descendant.get("/W")).items()):
        actual = program.get(cid)
        if actual is None:
            problems.append(f"object {number}: /W gives CID {cid}, not in the font (6.2.11.5)")
        elif abs(actual - width) > WIDTH_TOLERANCE:
            problems.append(
                f"object {number}: CID {cid} is {width:g} wide in /W, {actual:g} in the"
                f" font program of {descendant.get('/BaseFont')} (6.2.11.5)"
            )
    return problems


def pdfa_problems(pdf: bytes) -> list[str]:
    """What keeps ``pdf`` from PDF/A-2b, as far as these checks see; [] when nothing."""
    problems = []
    if not re.match(rb"%PDF-1\.[0-7]\r?\n%[\x80-\xff]{4}", pdf):
        problems.append("the header is not %PDF-1.n and a binary comment (6.1.2)")
    if not re.search(rb"%%EOF\r?\n?\Z", pdf):
        problems.append("data follows the last %%EOF (6.1.3)")
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    if "/ID" not in reader.trailer or "/Encrypt" in reader.trailer:
        problems.append("the trailer lacks /ID or has /Encrypt (6.1.3)")
    catalog = reader.trailer["/Root"]
    for key in ("/AA", "/OCProperties", "/Names", "/AcroForm"):
        if key in catalog:
            problems.append(f"the catalog has {key} (6.5, 6.9)")

    info = {k: str(v) for k, v in (reader.trailer.get("/Info") or {}).items()}
    metadata = catalog.get("/Metadata")
    if metadata is None:
        problems.append("the catalog has no XMP /Metadata (6.6.2.1)")
    else:
        stream = metadata.get_object()
        if stream.get("/Type") != "/Metadata" or stream.get("/Subtype") != "/XML":
            problems.append("the metadata stream is not /Type /Metadata /Subtype /XML (6.6.2.1)")
        if "/Filter" in stream:
            problems.append("the metadata stream is compressed (kept plain for PDF/A-1 readers)")
        problems += _xmp_problems(stream.get_data(), info)

    intents = [i.get_object() for i in catalog.get("/OutputIntents", [])]
    pdfa_intents = [i for i in intents if i.get("/S") == "/GTS_PDFA1"]
    if len(pdfa_intents) != 1:
        problems.append(f"{len(pdfa_intents)} PDF/A output intents instead of one (6.2.3)")
    else:
        intent = pdfa_intents[0]
        if "/OutputConditionIdentifier" not in intent:
            problems.append("the output intent has no OutputConditionIdentifier (6.2.3)")
        profile = intent["/DestOutputProfile"].get_object()
        problems += _icc_problems(profile.get_data(), int(profile.get("/N", 0)))

    for number, obj in _objects(reader):
        for item in _walk(obj):
            if isinstance(item, StreamObject | DictionaryObject):
                if isinstance(item, StreamObject) and {"/F", "/FFilter", "/FDecodeParms"} & set(
                    item
                ):
                    problems.append(f"object {number}: a stream refers to an external file (6.1.7)")
                if "LZW" in str(item.get("/Filter", "")):
                    problems.append(f"object {number}: LZW compression (6.1.7)")
                kind, subtype = item.get("/Type"), item.get("/Subtype")
                if subtype == "/Image" and (
                    item.get("/Interpolate") is True or "/Alternates" in item or "/OPI" in item
                ):
                    problems.append(
                        f"object {number}: an image interpolates or has alternates (6.2.8)"
                    )
                if kind == "/Annot" or "/AA" in item or "/JS" in item or "/JavaScript" in item:
                    problems.append(f"object {number}: annotations or actions (6.3, 6.5)")
                if kind == "/ExtGState" and item.get("/TR") is not None:
                    problems.append(f"object {number}: a transfer function (6.2.5)")
                if subtype in ("/Type1", "/TrueType", "/CIDFontType0", "/CIDFontType2", "/MMType1"):
                    descriptor = item.get("/FontDescriptor")
                    descriptor = descriptor.get_object() if descriptor else {}
                    if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor):
                        problems.append(
                            f"object {number}: font {item.get('/BaseFont')} not embedded (6.2.11.4)"
                        )
                    if subtype == "/CIDFontType2" and "/CIDToGIDMap" not in item:
                        problems.append(
                            f"object {number}: a CIDFontType2 without CIDToGIDMap (6.2.11.3)"
                        )
                    if subtype in ("/CIDFontType0", "/CIDFontType2") and descriptor:
                        problems += _width_problems(number, item)
                if subtype == "/Type3" and not item.get("/CharProcs"):
                    problems.append(f"object {number}: a Type 3 font without glyphs (6.2.11.4)")
            elif isinstance(item, TextStringObject | ByteStringObject):
                raw = item if isinstance(item, ByteStringObject) else item.get_original_bytes()
                size = len(raw)
                if size > 32767:
                    problems.append(f"object {number}: a string of {size} bytes (6.1.13)")
            elif isinstance(item, NameObject):
                if len(item.encode("utf-8")) > 128:
                    problems.append(f"object {number}: a name longer than 127 bytes (6.1.13)")
            elif isinstance(item, NumberObject) and not -(2**31) <= int(item) < 2**31:
                problems.append(f"object {number}: an integer out of range (6.1.13)")
    for page in reader.pages:
        if "/Annots" in page or "/AA" in page:
            problems.append("a page has annotations or actions (6.3, 6.5)")
    return problems

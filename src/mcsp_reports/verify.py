"""Checking a finished PDF against what PDF/UA-1 and PDF/A-3 need, before it is published.

WeasyPrint declares PDF/UA or PDF/A in the metadata whatever it was given, and only logs
when, say, the language or an image's alternative text is missing; this module looks
at the file itself. It checks the machine-checkable part of the standards (see
docs/accessibility.md for what it covers and what it cannot see): it is not a full
validator such as veraPDF.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
from fontTools.ttLib import TTFont

from . import structure
from .errors import VerificationError
from .glyphs import Box, TextRun, page_boxes, text_runs
from .plan import LARGE_PRINT_SUFFIX, SOURCE_MEDIA_TYPE

# Operators that show text or paint; each must sit inside marked content (a tagged
# element or an artifact) in a PDF/UA file.
_TEXT = {"Tj", "TJ", "'", '"'}
_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh", "Do"}
# Only these operators are decoded from content streams, which keeps the scan quick.
_WATCHED = " ".join(["BMC", "BDC", "EMC", *sorted(_TEXT), *sorted(_PAINT)])

#: The smallest text (in points) that is not an artifact: GOV.UK's 12 pt body text leaves
#: room for captions and tags, but nothing below 9 pt; large print is 16 pt throughout.
MIN_TEXT_SIZE = 9.0
MIN_LARGE_PRINT_SIZE = 16.0
#: How far (in points) a glyph's outline may reach past its area: italic overhangs.
_OVERHANG = 1.0
#: Characters that leader() repeats; lines made only of them are leaders drawn as text.
_LEADER_CHARACTERS = frozenset(".·…_-")
#: The MIME type each kind of embedded file must declare (PDF/A-3 6.8 requires one).
_MEDIA_TYPES = {".yaml": SOURCE_MEDIA_TYPE, ".yml": SOURCE_MEDIA_TYPE}
_PDFUA_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"
_PDFA_SCHEMA_URI = "{http://www.aiim.org/pdfa/ns/schema#}namespaceURI"


@dataclass(frozen=True)
class Expectation:
    """What a PDF must declare and contain.

    ``families`` are the font families it may use. Every file must declare PDF/UA-1;
    ``pdfa`` is the PDF/A part and conformance it must declare too (``"3A"``), or
    ``None``. ``attachments`` are the names of the files it must embed, exactly, or
    ``None`` to accept any (each still needs its relationship and MIME type).
    ``content_areas`` are, page by page, the areas inside the margins as laid out:
    text that is not an artifact must stay inside them. Without them (a file of
    unknown layout) all text must stay inside the page's trim box, which is what a
    viewer shows and a printer keeps; artifacts (running heads) are held to that box
    in any case, as they live in the margins.
    """

    families: frozenset[str]
    pdfa: str | None = None
    attachments: tuple[str, ...] | None = ()
    #: The smallest size of text that is not an artifact, in points.
    min_text_size: float = MIN_TEXT_SIZE
    content_areas: tuple[Box, ...] | None = None


def shipped_families(fonts: list[Path]) -> frozenset[str]:
    """The family names inside the project's font files (the typographic family, else name entry 1)."""
    families = set()
    for path in fonts:
        with TTFont(path, lazy=True) as font:
            families.add(str(font["name"].getBestFamilyName()))
    return frozenset(families)


def verify_pdf(data: bytes, expect: Expectation) -> list[str]:
    """Every violation found in the PDF ``data``, one line each; empty when it passes."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        return [f"not a readable PDF: {error}"]
    with pdf:
        problems = [f"structure: {p}" for p in pdf.check_pdf_syntax()]
        problems += _catalog(pdf)
        problems += _metadata(pdf, expect)
        problems += _fonts(pdf, expect.families)
        problems += _structure(pdf)
        problems += _annotations(pdf)
        problems += _marked_content(pdf)
        problems += [f"tagging: {p}" for p in structure.check(pdf)]
        problems += _attachments(pdf, expect)
        problems += _links(pdf)
    problems += _text(data, expect)
    return problems


def expectation_for(data: bytes, families: frozenset[str]) -> Expectation:
    """What a PDF of unknown origin must meet: PDF/A rules if it declares PDF/A, else PDF/UA-1."""
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_metadata() as meta:
        part, level = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
        title = str(meta.get("dc:title") or "")
    # The large-print edition says so in its title (see mcsp_reports.plan).
    size = MIN_LARGE_PRINT_SIZE if title.endswith(LARGE_PRINT_SUFFIX) else MIN_TEXT_SIZE
    return Expectation(families, pdfa=f"{part}{level}" if part else None, attachments=None, min_text_size=size)


def _catalog(pdf: pikepdf.Pdf) -> list[str]:
    root = pdf.Root
    problems = []
    if not str(root.get("/Lang", "")).strip():
        problems.append("no document language (/Lang)")
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        problems.append("not marked as tagged (/MarkInfo /Marked true)")
    tree = root.get("/StructTreeRoot")
    if tree is None:
        problems.append("no structure tree (/StructTreeRoot): the PDF is not tagged")
    elif "/ParentTree" not in tree:
        problems.append("structure tree has no /ParentTree")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        problems.append("viewers are not told to show the title (/DisplayDocTitle)")
    if "/First" not in root.get("/Outlines", {}):
        problems.append("no bookmarks (/Outlines)")
    return problems


def _metadata(pdf: pikepdf.Pdf, expect: Expectation) -> list[str]:
    problems = []
    with pdf.open_metadata() as meta:
        title = meta.get("dc:title")
        ua_part = meta.get("pdfuaid:part")
        a_part, a_level = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    if not title:
        problems.append("no title in the XMP metadata (dc:title)")
    if ua_part != "1":
        problems.append(f"XMP does not declare PDF/UA-1 (pdfuaid:part is {ua_part!r})")
    elif a_part and _PDFUA_NAMESPACE not in _extension_schemas(pdf):
        # PDF/A-2/3 6.6.2.3.3: a schema PDF/A does not predefine must be described.
        problems.append("XMP declares PDF/UA-1 in a PDF/A file without describing the pdfuaid "
                        "schema (pdfaExtension:schemas)")
    if expect.pdfa is not None and f"{a_part}{a_level}" != expect.pdfa:
        problems.append(f"XMP does not declare PDF/A-{expect.pdfa} (pdfaid is {a_part}{a_level or ''})")
    if expect.pdfa is not None:
        intents = pdf.Root.get("/OutputIntents", [])
        if not any("/DestOutputProfile" in intent for intent in intents):
            problems.append("PDF/A needs an output intent with an ICC profile (/OutputIntents)")
    return problems


def _fonts_of(resources: pikepdf.Dictionary, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Dictionary]:
    """Every font in a resource dictionary and in the form XObjects it uses."""
    for font in resources.get("/Font", {}).values():
        if font.objgen not in seen:
            seen.add(font.objgen)
            yield font
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            yield from _fonts_of(xobject.Resources, seen)


def _fonts(pdf: pikepdf.Pdf, families: frozenset[str]) -> list[str]:
    problems = []
    seen: set[tuple[int, int]] = set()
    allowed = tuple(f.replace(" ", "-") for f in families)
    for page in pdf.pages:
        for font in _fonts_of(page.get("/Resources", pikepdf.Dictionary()), seen):
            name = str(font.get("/BaseFont", "/unnamed"))[1:]
            base = name.split("+", 1)[-1]
            described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor", {})
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {base} is not embedded")
            if "/ToUnicode" not in font:
                problems.append(f"font {base} has no ToUnicode map, so its text cannot be extracted")
            if not base.startswith(allowed):
                problems.append(f"font {base} is not from the shipped families ({', '.join(sorted(families))})")
    return problems


def _structure(pdf: pikepdf.Pdf) -> list[str]:
    """Figures need alternative text; headings start at one H1 and skip no level."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return []
    problems = []
    levels: list[int] = []
    stack = [tree.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
            continue
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        role = str(node.S)
        if role == "/Figure" and not str(node.get("/Alt", "")).strip():
            problems.append("a figure has no alternative text (/Alt)")
        if len(role) == 3 and role.startswith("/H") and role[2].isdigit():
            levels.append(int(role[2]))
        stack.append(node.get("/K"))
    if levels.count(1) != 1:
        problems.append(f"the document has {levels.count(1)} level-1 headings; it needs exactly one")
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            problems.append(f"heading levels skip from H{before} to H{after}")
            break
    return problems


def _annotations(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        annotations = page.get("/Annots", [])
        if len(annotations) and page.get("/Tabs") != "/S":
            problems.append(f"page {number}: has annotations but no structure tab order (/Tabs /S)")
        for annotation in annotations:
            if annotation.get("/Subtype") == "/Link" and "/StructParent" not in annotation:
                problems.append(f"page {number}: a link is not tagged (/StructParent)")
    return problems


def _marked_content(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        depth = 0
        for _, operator in pikepdf.parse_content_stream(page, _WATCHED):
            op = str(operator)
            if op in ("BMC", "BDC"):
                depth += 1
            elif op == "EMC":
                depth -= 1
            elif depth <= 0 and (op in _TEXT or op in _PAINT):
                kind = "text" if op in _TEXT else "painting"
                problems.append(f"page {number}: {kind} ({op}) outside marked content, neither tagged nor an artifact")
                break
    return problems


def _attachments(pdf: pikepdf.Pdf, expect: Expectation) -> list[str]:
    names = pdf.Root.get("/Names", {}).get("/EmbeddedFiles", {}).get("/Names", [])
    found = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    problems = []
    if expect.attachments is not None and sorted(found) != sorted(expect.attachments):
        problems.append(
            f"attachments are {sorted(found) or 'none'}; expected {sorted(expect.attachments) or 'none'}")
    if expect.pdfa is not None:
        associated = [spec.objgen for spec in pdf.Root.get("/AF", [])]
        for name, spec in found.items():
            if "/AFRelationship" not in spec:
                problems.append(f"attachment {name} has no /AFRelationship")
            if associated.count(spec.objgen) != 1:
                problems.append(f"attachment {name} is listed {associated.count(spec.objgen)} times "
                                "in the catalog's associated files (/AF); it must be listed once")
            subtype = spec.get("/EF", {}).get("/F", pikepdf.Dictionary()).get("/Subtype")
            media_type = str(subtype)[1:] if subtype is not None else None
            expected = _MEDIA_TYPES.get(Path(name).suffix)
            if media_type is None:
                problems.append(f"attachment {name} has no MIME type (/Subtype)")
            elif expected is not None and media_type != expected:
                problems.append(f"attachment {name} has MIME type {media_type}; expected {expected}")
    return problems


def _extension_schemas(pdf: pikepdf.Pdf) -> set[str]:
    """The namespaces that the XMP's PDF/A extension schemas describe."""
    xmp = pdf.Root.Metadata.read_bytes() if "/Metadata" in pdf.Root else b""
    start, end = xmp.find(b"<x:xmpmeta"), xmp.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        return set()
    try:
        root = ElementTree.fromstring(xmp[start:end + len(b"</x:xmpmeta>")])
    except ElementTree.ParseError:
        return set()
    return {str(element.text).strip() for element in root.iter(_PDFA_SCHEMA_URI)}


def _links(pdf: pikepdf.Pdf) -> list[str]:
    """One link, one tab stop: link annotations on a page must not overlap.

    Generated content inside a link (a page number in ``a::after``) becomes more
    annotations over the same words; a wrapped link's annotations, one per line, only
    touch.
    """
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        rectangles = [
            sorted(float(v) for v in annotation.Rect[0::2]) + sorted(float(v) for v in annotation.Rect[1::2])
            for annotation in page.get("/Annots", []) if annotation.get("/Subtype") == "/Link"
        ]
        overlapping = sum(
            1 for i, (x0, x1, y0, y1) in enumerate(rectangles) for (u0, u1, v0, v1) in rectangles[i + 1:]
            # more than a hairline in both directions: lines of one wrapped link only touch
            if min(x1, u1) - max(x0, u0) > 1 and min(y1, v1) - max(y0, v0) > 1
        )
        if overlapping:
            problems.append(f"page {number}: link annotations overlap in {overlapping} "
                            f"{'place' if overlapping == 1 else 'places'}, so a link has more than one tab stop")
    return problems


def _text(data: bytes, expect: Expectation) -> list[str]:
    """Text stays inside its area, is large enough, and no leader is drawn as characters."""
    pages = page_boxes(data)
    outside: list[str] = []
    small: list[str] = []
    leaders: dict[tuple[int, int], int] = {}
    for run in text_runs(data):
        if run.artifact or expect.content_areas is None:
            area, where = pages[run.page - 1], "the page"
        else:
            area, where = expect.content_areas[run.page - 1], "the content area (inside the margins)"
        beyond = _beyond(run.box, area)
        if beyond > _OVERHANG:
            outside.append(f"page {run.page}: text reaches {beyond:.0f} pt beyond {where}: {_quote(run)}")
        if not run.artifact and run.size < expect.min_text_size - 0.05:
            small.append(f"page {run.page}: text at {run.size:.1f} pt, below the {expect.min_text_size:g} pt "
                         f"minimum: {_quote(run)}")
        if set(run.text.replace(" ", "")) <= _LEADER_CHARACTERS:
            line = (run.page, round(run.box[1]))
            leaders[line] = leaders.get(line, 0) + len(run.text.replace(" ", ""))
    dotted: dict[int, int] = {}
    for (page, _), count in leaders.items():
        if count >= 3:  # a line of three or more: a leader, not a full stop after a link
            dotted[page] = dotted.get(page, 0) + count
    return _first(outside) + _first(small) + [
        f"page {page}: {count} leader characters drawn as text; draw leaders as decoration (a border)"
        for page, count in sorted(dotted.items())]


def _beyond(box: Box, area: Box) -> float:
    """How far (in points) ``box`` reaches outside ``area``; 0 when it is inside."""
    return max(area[0] - box[0], box[2] - area[2], area[1] - box[1], box[3] - area[3], 0.0)


def _quote(run: TextRun) -> str:
    return f"“{run.text if len(run.text) <= 60 else run.text[:57] + '…'}”"


def _first(problems: list[str], shown: int = 5) -> list[str]:
    """At most ``shown`` problems of one rule, and how many more there are."""
    more = len(problems) - shown
    return problems[:shown] + ([f"… and {more} more like that"] if more > 0 else [])


def verify_paths(paths: list[Path], fonts: list[Path]) -> list[Path]:
    """Verify each PDF against what it declares; return the paths checked.

    Raises :class:`VerificationError` listing every violation of every file.
    """
    families = shipped_families(fonts)
    problems = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        data = path.read_bytes()
        try:
            expect = expectation_for(data, families)
        except pikepdf.PdfError as error:
            problems.append(f"{path}: not a readable PDF: {error}")
            continue
        problems += [f"{path}: {p}" for p in verify_pdf(data, expect)]
    if problems:
        raise VerificationError("\n".join(problems))
    return paths

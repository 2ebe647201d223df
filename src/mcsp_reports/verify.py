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

import pikepdf
from fontTools.ttLib import TTFont

from . import structure
from .errors import VerificationError

# Operators that show text or paint; each must sit inside marked content (a tagged
# element or an artifact) in a PDF/UA file.
_TEXT = {"Tj", "TJ", "'", '"'}
_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh", "Do"}
# Only these operators are decoded from content streams, which keeps the scan quick.
_WATCHED = " ".join(["BMC", "BDC", "EMC", *sorted(_TEXT), *sorted(_PAINT)])


@dataclass(frozen=True)
class Expectation:
    """What a PDF must declare and contain.

    ``families`` are the font families it may use. ``pdfa`` is the PDF/A part and
    conformance it must declare (``"3A"``), or ``None`` for a PDF/UA-1 file.
    ``attachments`` are the names of the files it must embed, exactly, or ``None``
    to accept any (each still needs its relationship).
    """

    families: frozenset[str]
    pdfa: str | None = None
    attachments: tuple[str, ...] | None = ()


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
    return problems


def expectation_for(data: bytes, families: frozenset[str]) -> Expectation:
    """What a PDF of unknown origin must meet: PDF/A rules if it declares PDF/A, else PDF/UA-1."""
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_metadata() as meta:
        part, level = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    return Expectation(families, pdfa=f"{part}{level}" if part else None, attachments=None)


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
    if expect.pdfa is None and ua_part != "1":
        problems.append(f"XMP does not declare PDF/UA-1 (pdfuaid:part is {ua_part!r})")
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
        for name, spec in found.items():
            if "/AFRelationship" not in spec:
                problems.append(f"attachment {name} has no /AFRelationship")
    return problems


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

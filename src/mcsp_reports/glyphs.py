"""Where each run of text sits on its PDF page, how large it is, and whether it is an artifact.

Read with PDFium (pypdfium2), the engine that also draws the page pictures, so the
boxes are those of the glyphs a reader sees: PDFium applies every transformation and
measures each glyph's outline, which a scan of the content stream's operators alone
would have to reimplement.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium

#: A rectangle in PDF user space: left, bottom, right, top, in points.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextRun:
    """One text object of a page: what it says, where its glyphs are, and its size."""

    page: int  # 1-based
    text: str
    box: Box
    size: float  # the font size as drawn, in points, after every transformation
    artifact: bool  # inside /Artifact marked content: decoration, not document content


def _mark_names(obj: pypdfium2.PdfObject) -> Iterator[str]:
    for index in range(pdfium.FPDFPageObj_CountMarks(obj.raw)):
        mark = pdfium.FPDFPageObj_GetMark(obj.raw, index)
        length = ctypes.c_ulong()
        pdfium.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(length))
        buffer = (pdfium.FPDF_WCHAR * (length.value // 2 + 1))()
        pdfium.FPDFPageObjMark_GetName(mark, buffer, length.value, ctypes.byref(length))
        yield bytes(buffer)[: length.value].decode("utf-16-le").rstrip("\0")


def page_boxes(data: bytes) -> list[Box]:
    """Each page's visible box (the trim box, or the crop box, or the media box), by page."""
    document = pypdfium2.PdfDocument(data)
    try:
        boxes = []
        for index in range(len(document)):
            page = document[index]
            boxes.append(tuple(page.get_trimbox()))
            page.close()
        return boxes
    finally:
        document.close()


def text_runs(data: bytes) -> Iterator[TextRun]:
    """Every text object of the PDF ``data`` that shows more than white space, page by page."""
    document = pypdfium2.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            for obj in page.get_objects([pdfium.FPDF_PAGEOBJ_TEXT], textpage=textpage):
                text = obj.extract()
                if not text.strip():
                    continue
                matrix = obj.get_matrix()
                # The vertical scale of the object's matrix (text is never sheared here).
                scale = (matrix.b ** 2 + matrix.d ** 2) ** 0.5
                yield TextRun(index + 1, " ".join(text.split()), tuple(obj.get_bounds()),
                              obj.get_font_size() * scale, "Artifact" in _mark_names(obj))
            textpage.close()
            page.close()
    finally:
        document.close()

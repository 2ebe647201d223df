"""How full the pages of a finished PDF are, measured from the file itself.

A page's *fill* is the share of its text area (the page less its margins) that lies
above the lowest glyph drawn inside that area: running heads and page numbers sit in
the margins and are not counted. The text is read back with pypdf's text visitor, so
the figure describes exactly what a reader gets, whatever made the layout.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf

#: Millimetres to PDF points.
MM = 72 / 25.4

#: A page filled less than this share of its text area is "mostly empty".
SPARSE = 1 / 3


@dataclass(frozen=True)
class Margins:
    """Top and bottom page margins in points (the running heads sit inside them)."""

    top: float
    bottom: float


def page_fills(pdf: bytes, margins: Margins) -> list[float]:
    """For each page of ``pdf``, the filled share (0 to 1) of its text area."""
    return [_fill(page, margins) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _fill(page: pypdf.PageObject, margins: Margins) -> float:
    box = page.mediabox
    top = float(box.top) - margins.top
    bottom = float(box.bottom) + margins.bottom
    lowest = [top]

    def glyph(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        # The baseline in page space: the text matrix's origin through the current matrix.
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if bottom - 1 <= y <= top + 1:
            lowest.append(y)

    page.extract_text(visitor_text=glyph)
    return max(0.0, min(1.0, (top - min(lowest)) / (top - bottom)))


def sparse_pages(fills: list[float]) -> list[int]:
    """The 1-based numbers of the pages under a third full, not counting the cover and the last page."""
    return [number for number, fill in enumerate(fills, start=1)
            if 1 < number < len(fills) and fill < SPARSE]

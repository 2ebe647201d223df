"""Pictures of PDF pages: thumbnails for the index, and the page images shown in docs/.

This module only rasterises finished PDFs; it never runs a build.

Pages are rasterised with PDFium (pypdfium2) from the finished PDF, so a picture shows
exactly what a reader gets; PNG bytes depend only on the PDF and the library versions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pikepdf
import pypdfium2


def page_png(pdf: bytes, index: int, width: int, quick: bool = False) -> bytes:
    """Page ``index`` (0-based) of ``pdf`` as a PNG ``width`` pixels wide.

    ``quick`` trades size for speed (light compression), for pictures that are shown once.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[index]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil()
        page.close()
    finally:
        document.close()
    out = io.BytesIO()
    if quick:
        image.save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def cover_thumbnail(pdf: bytes, width: int) -> bytes:
    """The first page of ``pdf`` cut to what is printed on it, as a PNG ``width`` pixels wide.

    A whole A4 cover at thumbnail size is mostly white margin with the title too small to
    read; cut to its printed area (plus a little white), the title is what shows, so the
    reports can be told apart. The picture is drawn at twice the size it is cut to, so
    scaling it down keeps the text sharp.
    """
    from PIL import Image, ImageChops

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=2 * width / page.get_width()).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox() or (0, 0, *image.size)
    pad = width // 15
    left, top, right, bottom = box
    cut = image.crop((max(0, left - pad), max(0, top - pad), min(image.width, right + pad),
                      min(image.height, bottom + pad)))
    cut = cut.resize((width, round(cut.height * width / cut.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # zlib's default level: optimize=True takes three and a half times as long (16 ms
    # against 4.6 ms for a cover) to save 1.4 % of the file.
    cut.save(out, format="PNG")
    return out.getvalue()


def bookmark_pages(pdf: bytes) -> dict[str, int]:
    """The 0-based page of each top-level bookmark, by its title."""
    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as outline:
        pages = {page.objgen: number for number, page in enumerate(document.pages)}
        found = {}
        for item in outline.root:
            destination = item.destination
            if isinstance(destination, pikepdf.Array) and len(destination):
                found[item.title] = pages[destination[0].objgen]
        return found


def chapter_images(pdf: Path, chapters: Sequence[str], out: Path, width: int = 900) -> list[Path]:
    """Write the first page of each named chapter of ``pdf`` to ``out/<chapter>.png``."""
    data = pdf.read_bytes()
    pages = bookmark_pages(data)
    missing = [c for c in chapters if c not in pages]
    if missing:
        raise KeyError(f"{pdf.name} has no bookmark {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters:
        path = out / f"{pdf.stem}-{chapter.lower().replace(' ', '-')}.png"
        path.write_bytes(page_png(data, pages[chapter], width))
        written.append(path)
    return written

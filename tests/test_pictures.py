"""Page pictures: found by bookmark, drawn by PDFium from the built PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from mcsp_reports import chapter_images
from mcsp_reports.pictures import bookmark_pages, page_png


def test_bookmarks_lead_to_their_chapters_pages(built: dict) -> None:
    data = (built["project"].dist / "mcsp-history.pdf").read_bytes()
    pages = bookmark_pages(data)
    # The about section follows the contents on their page (print.css), so neither is mostly empty.
    assert pages["Contents"] == 1 and pages["About the partnership"] == 1
    assert list(pages.values()) == sorted(pages.values())


def test_a_page_picture_is_a_png_of_the_asked_width_with_ink_on_it(built: dict) -> None:
    data = (built["project"].dist / "mcsp-history.pdf").read_bytes()
    image = Image.open(io.BytesIO(page_png(data, 0, 300)))
    assert image.format == "PNG" and image.width == 300 and abs(image.height - 300 * 297 / 210) < 1.5
    assert image.convert("L").getextrema()[0] < 100  # something dark was drawn: the cover bar
    assert page_png(data, 0, 300) == page_png(data, 0, 300)


def test_chapter_images_writes_one_picture_per_chapter(built: dict, tmp_path: Path) -> None:
    written = chapter_images(built["project"].dist / "mcsp-history.pdf",
                             ["Themes across the years", "Index of themes"], tmp_path)
    assert [p.name for p in written] == ["mcsp-history-themes-across-the-years.png", "mcsp-history-index-of-themes.png"]
    with pytest.raises(KeyError, match="no bookmark Nowhere"):
        chapter_images(built["project"].dist / "mcsp-history.pdf", ["Nowhere"], tmp_path)

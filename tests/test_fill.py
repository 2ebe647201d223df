"""Pages worth printing: how full each page is, measured from the PDF, on every PDF the build makes."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from mcsp_reports.design import points, theme_values
from mcsp_reports.fill import Margins, page_fills, sparse_pages
from mcsp_reports.plan import LARGE_PRINT_STYLESHEET, PRINT_STYLESHEETS


def margins(root: Path, large_print: bool) -> Margins:
    """The page margins the theme gives the standard or the large-print edition, in points."""
    theme = theme_values(root, (*PRINT_STYLESHEETS, *((LARGE_PRINT_STYLESHEET,) if large_print else ())))
    return Margins(points(theme["--page-margin-top"]), points(theme["--page-margin-bottom"]))


def pdf_of(pages: list[int]) -> bytes:
    """A PDF with 20 mm margins whose pages hold the given numbers of 12 pt lines, and a running foot."""
    body = "".join(
        f'<section style="break-before: page">{"<p>A line of text.</p>" * lines}</section>' for lines in pages)
    return weasyprint.HTML(string=(
        "<style>@page { size: A4; margin: 20mm; @bottom-center { content: 'Page ' counter(page) } }"
        "p { margin: 0; font: 12pt/20pt serif }</style>" + body)).write_pdf()


def test_fill_is_measured_down_to_the_lowest_line_and_ignores_the_running_foot() -> None:
    fills = page_fills(pdf_of([36, 3, 20, 1]), Margins(20 * 72 / 25.4, 20 * 72 / 25.4))
    # 36 lines of 20 pt fill 720 of the 728 pt text area; 3 lines fill 60 pt; 20 lines 400 pt
    # (measured at the baseline of the lowest line, a few points above the line's foot).
    assert fills == pytest.approx([0.98, 0.08, 0.54, 0.03], abs=0.015)
    assert sparse_pages(fills) == [2]  # the cover (first) and the last page are not counted


def test_two_mostly_empty_pages_are_both_found() -> None:
    fills = page_fills(pdf_of([36, 3, 5, 20]), Margins(20 * 72 / 25.4, 20 * 72 / 25.4))
    assert sparse_pages(fills) == [2, 3]


def test_no_pdf_has_more_than_one_mostly_empty_page(built: dict) -> None:
    root = built["project"].root
    found = {}
    for pdf in sorted(built["project"].dist.glob("*.pdf")):
        fills = page_fills(pdf.read_bytes(), margins(root, "large-print" in pdf.name))
        found[pdf.name] = sparse_pages(fills)
    assert {name: pages for name, pages in found.items() if len(pages) > 1} == {}
    assert len(found) == 15


def rightmost_ink(pdf: Path) -> tuple[float, float]:
    """The right edge of the rightmost character printed in ``pdf`` and the page width, in points."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf.read_bytes())
    right = 0.0
    try:
        for page in document:
            text = page.get_textpage()
            for index in range(text.count_chars()):
                if text.get_text_range(index, 1).strip():
                    right = max(right, text.get_charbox(index)[2])
        width = document[0].get_width()
    finally:
        document.close()
    return right, width


@pytest.mark.slow  # lays out the history of ten synthetic years
@pytest.mark.parametrize("years", [10])
def test_no_table_runs_into_the_margin_however_many_years(tmp_path: Path, years: int) -> None:
    import shutil
    import sys

    from conftest import ROOT
    from mcsp_reports import Project, build

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic import generate

    for part in ("templates", "styles"):
        shutil.copytree(ROOT / part, tmp_path / part)
    generate(tmp_path / "reports", years=years, per_year=1)  # the table is as wide with one a year
    project = Project(tmp_path)
    build(project, years=(), history=True, jobs=2)
    for name, large in (("mcsp-history.pdf", False), ("mcsp-history-large-print.pdf", True)):
        theme = theme_values(tmp_path, (*PRINT_STYLESHEETS, *((LARGE_PRINT_STYLESHEET,) if large else ())))
        right, width = rightmost_ink(project.build / "drafts" / name)  # the history alone is a draft, not a release
        assert right <= width - points(theme["--page-margin-outside"]) + 0.5, (name, right)

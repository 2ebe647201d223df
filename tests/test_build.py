"""End to end on real PDFs: what dist/ holds, what the PDFs say, and how failures leave it."""

from __future__ import annotations

import functools
import re
import stat
from pathlib import Path

import pikepdf
import pypdf
import pytest

from mcsp_reports import ContentError, Project, ProjectError, RenderError, VerificationError, build, load_content, summarise
from mcsp_reports.schema import MAX_TITLE

YEARS = ["2015-16", "2016-17", "2017-18", "2018-19"]
HISTORY = "mcsp-history.pdf"
ANNUAL = [f"mcsp-annual-achievements-{y}.pdf" for y in YEARS]
EDITIONS = ["", "-archival", "-large-print"]
ALL_PDFS = [name.replace(".pdf", f"{e}.pdf") for name in [HISTORY, *ANNUAL] for e in EDITIONS]
A4 = (595.28, 841.89)


def words(text: str) -> str:
    """Text with all runs of white space made single spaces, for phrase searches."""
    return " ".join(text.split())


@functools.lru_cache
def page_texts(path: Path) -> tuple[str, ...]:
    """The text of each page of a PDF of the shared build, extracted once per test process."""
    return tuple(page.extract_text() for page in pypdf.PdfReader(path).pages)


def text_of(path: Path) -> str:
    return words(" ".join(page_texts(path)))


def headings(page: pypdf.PageObject, minimum: float = 20) -> list[str]:
    """Text drawn at chapter-heading size (h1, h2; the running heads and body are far smaller)."""
    found: list[str] = []
    last_y: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() and size * abs(tm[3] or 1) * abs(cm[3] or 1) >= minimum:
            # A heading further down the page (two chapters on one page) starts a new line.
            y = tm[5] * (cm[3] or 1) + cm[5]
            if last_y and abs(y - last_y[-1]) > size and not text.startswith("\n"):
                found.append("\n")
            last_y.append(y)
            found.append(text)

    page.extract_text(visitor_text=visit)
    return [words(t) for t in "".join(found).split("\n") if t.strip()]


@pytest.fixture(scope="module")
def dist(built: dict) -> Path:
    return built["project"].dist


def test_dist_holds_each_edition_of_each_year_and_the_history(dist: Path) -> None:
    pdfs = sorted(p.name for p in dist.glob("*.pdf"))
    assert pdfs == sorted(ALL_PDFS)
    pages = sorted(p.name for p in dist.glob("*.html"))
    assert pages == sorted(["index.html", *(n.replace(".pdf", ".html") for n in [HISTORY, *ANNUAL])])


def test_every_achievement_title_is_in_its_year_and_in_the_history(built: dict, dist: Path) -> None:
    content = load_content(built["project"].reports)
    history = text_of(dist / HISTORY)
    for year in content.years:
        annual = text_of(dist / f"mcsp-annual-achievements-{year.label}.pdf")
        for achievement in year.achievements:
            assert achievement.title in annual, (year.label, achievement.title)
            assert achievement.title in history, achievement.title
            assert words(achievement.summary) in history, achievement.summary


def test_the_cut_off_year_says_it_is_incomplete(dist: Path) -> None:
    for name in (HISTORY, "mcsp-annual-achievements-2015-16.pdf"):
        assert "Incomplete record." in text_of(dist / name)
    for name in ANNUAL[1:]:
        assert "Incomplete record" not in text_of(dist / name)


def test_every_edition_says_what_the_record_covers_and_where_it_is_incomplete(dist: Path) -> None:
    for edition in EDITIONS:
        history = dist / HISTORY.replace(".pdf", f"{edition}.pdf")
        text = text_of(history)
        assert "About the record. The record has entries for 2015/16 to 2018/19 only" in text, history.name
        assert "so each year's list is a selection" in text, history.name
        # The chart's data table, which large print shows in place of the chart.
        assert "2015/16 (incomplete record)" in text, history.name
        with pikepdf.open(history) as pdf:
            assert str(pdf.docinfo["/Subject"]).endswith("(2015/16 is an incomplete record).")
        with pikepdf.open(dist / f"mcsp-annual-achievements-2015-16{edition}.pdf") as pdf:
            assert str(pdf.docinfo["/Subject"]).endswith("2015/16 (an incomplete record).")
    index = (dist / "index.html").read_text(encoding="utf-8")
    entry = index[index.index('<h2 id="entry-1">'):index.index("</section>", index.index('<h2 id="entry-1">'))]
    assert "History of the partnership" in entry and "<strong>Incomplete record.</strong> 2015/16: " in entry
    assert "<strong>About the record.</strong> The record has entries for 2015/16" in index


def test_contents_page_numbers_are_the_pages_the_headings_land_on(dist: Path) -> None:
    reader = pypdf.PdfReader(dist / HISTORY)
    # The chapter headings of each page without spaces: a long one wraps onto a second
    # line, and the text visitor loses the space at the break.
    page_headings = ["".join("".join(headings(page)).split()) for page in reader.pages]
    page = words(reader.pages[1].extract_text())
    # Each entry is its label, then its page number (no leader dots: see print.css). The
    # entries are positioned, so they are drawn after the about section on the same page.
    contents = page[re.search(r"About the partnership \d+ ", page).start():]
    entries = re.findall(r"(.+?) (\d+)(?: |$)", contents)[:9]
    assert [label for label, _ in entries][-1] == "Index of organisations", contents
    for label, printed in entries:
        landed = next(n for n, text in enumerate(page_headings, start=1) if "".join(label.split()) in text)
        assert landed == int(printed), (label, page_headings)


def test_pages_are_a4_and_numbered_page_x_of_y(dist: Path) -> None:
    for name in ALL_PDFS:
        reader = pypdf.PdfReader(dist / name)
        total = len(reader.pages)
        for number, (page, text) in enumerate(zip(reader.pages, page_texts(dist / name), strict=True), start=1):
            assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
            footer = f"Page {number} of {total}"
            # The cover carries no running heads.
            assert (footer in text) == (number > 1), (name, number)


def test_bookmarks_name_each_chapter_and_year(dist: Path) -> None:
    outline = [item.title for item in pypdf.PdfReader(dist / HISTORY).outline if not isinstance(item, list)]
    assert outline == ["Contents", "About the partnership",
                       "Notable achievements 2015/16 (incomplete record)",
                       *[f"Notable achievements {y.replace('-', '/')}" for y in YEARS[1:]],
                       "Themes across the years", "Timeline", "Index of themes", "Index of organisations"]
    annual = pypdf.PdfReader(dist / ANNUAL[-1]).outline
    assert [item.title for item in annual if not isinstance(item, list)] == [
        "About the partnership", "Notable achievements 2018/19"]


def test_metadata_comes_from_the_data(dist: Path) -> None:
    with pikepdf.open(dist / ANNUAL[2]) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Merseyside Community Safety Partnership: notable achievements 2017/18"
        assert str(info["/Author"]) == "Merseyside Community Safety Partnership"
        assert "2017/18" in str(info["/Subject"])
        assert str(info["/Keywords"]).split(", ") == [
            "Reoffending and rehabilitation", "Violence against women and girls"]
        assert str(info["/CreationDate"]).startswith("D:20261125")
        assert str(pdf.Root.Lang) == "en-GB"


def test_every_font_is_embedded_and_from_the_shipped_family(built: dict, dist: Path) -> None:
    shipped = {p.stem for p in built["project"].fonts}  # Lato-Regular, Lato-Bold, …
    for name in ALL_PDFS:
        with pikepdf.open(dist / name) as pdf:
            for page in pdf.pages:
                for font in page.Resources.Font.values():
                    base = str(font.BaseFont).split("+", 1)[1]
                    assert base in shipped | {"Lato"}, (name, base)
                    descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font \
                        else font.FontDescriptor
                    assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, (name, base)
                    assert "/ToUnicode" in font, (name, base)


def dates_of(pdf_path: Path) -> set[str]:
    """Every date a PDF states: its info, its XMP metadata and its attachments'."""
    with pikepdf.open(pdf_path) as pdf, pdf.open_metadata() as xmp:
        found = {str(pdf.docinfo[key]) for key in ("/CreationDate", "/ModDate")}
        found |= {f"xmp:{xmp[key]}" for key in ("xmp:CreateDate", "xmp:ModifyDate") if key in xmp}
        for attachment in pdf.attachments.values():
            params = attachment.get_file().obj.Params
            found |= {f"file:{params.CreationDate}", f"file:{params.ModDate}"}
    return found


def test_every_output_is_dated_with_the_editions_publication_day(dist: Path) -> None:
    day = {"D:20261125000000+00'00", "xmp:2026-11-25T00:00:00+00:00"}
    for name in ALL_PDFS:
        expected = day | ({"file:D:20261125000000Z"} if "-archival" in name else set())
        assert dates_of(dist / name) == expected, name
    for page in dist.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert html.count('content="2026-11-25T00:00:00+00:00"') == 2, page.name


def test_source_date_epoch_dates_every_output_and_still_rebuilds_the_same(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    build(project, years=["2015-16"], history=False, jobs=1)
    drafts = project.build / "drafts"
    files = {p.name: p.read_bytes() for p in drafts.glob("*.pdf")}
    assert dates_of(drafts / "mcsp-annual-achievements-2015-16-archival.pdf") == {
        "D:20231114221320+00'00", "xmp:2023-11-14T22:13:20+00:00", "file:D:20231114221320Z"}
    build(project, years=["2015-16"], history=False, force=True, jobs=1)
    assert {p.name: p.read_bytes() for p in drafts.glob("*.pdf")} == files


def test_a_malformed_source_date_epoch_is_refused(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2019-06-01")
    with pytest.raises(ProjectError, match="SOURCE_DATE_EPOCH must be a whole number of seconds"):
        build(project, years=["2015-16"], history=False)
    assert not project.dist.exists()


def test_two_builds_are_byte_identical(small_release: Project, built_elsewhere: Project) -> None:
    names = sorted(p.name for p in small_release.dist.glob("*.pdf"))
    assert len(names) == 6  # the year's three PDFs and the history's
    for name in names:
        assert (built_elsewhere.dist / name).read_bytes() == (small_release.dist / name).read_bytes(), name


def test_outputs_are_readable_by_everyone(dist: Path) -> None:
    for path in dist.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_bad_year_leaves_dist_exactly_as_it_was(released: Project) -> None:
    before = snapshot(released.dist)
    path = released.reports / "2017-18.yaml"
    path.write_text(path.read_text().replace("themes: [vawg]", "themes: [violence]"))
    with pytest.raises(ContentError):
        build(released)
    assert snapshot(released.dist) == before


def test_a_render_failure_leaves_dist_exactly_as_it_was(released: Project) -> None:
    before = snapshot(released.dist)
    # In the large-print sheet, so the standard documents are up to date and only the
    # large-print ones are laid out before the engine's complaint stops the build.
    (released.styles / "large-print.css").write_text(
        (released.styles / "large-print.css").read_text() + "\n.year { colour: red; }\n")
    with pytest.raises(RenderError, match="large-print: .*colour"):
        build(released, jobs=1)
    assert snapshot(released.dist) == before


# The longest title the loader allows, with nowhere to break; a 500-character word; a
# realistic file name with underscores (72 characters).
LONG_TITLE = ("Merseyside" * 20)[:MAX_TITLE]
LONG_WORD = ("Supercalifragilistic" * 25)[:500]
FILE_NAME = "mcsp_partnership_board_minutes_2018_11_knife_crime_action_plan_final.pdf"
LONG_YEAR = "mcsp-annual-achievements-2018-19"


def with_long_text(project: Project) -> Project:
    """The project with the three long cases in the 2018/19 report's first achievement."""
    assert len(LONG_TITLE) == 160 and len(LONG_WORD) == 500 and len(FILE_NAME) == 72
    path = project.reports / "2018-19.yaml"
    text = path.read_text()
    text = text.replace("title: An overview of the Merseyside Youth Alliance", f"title: {LONG_TITLE}")
    text = text.replace("The Partnership was briefed on the Merseyside Youth Alliance,",
                        f"The Partnership was briefed on {LONG_WORD}, filed as {FILE_NAME}, and the Youth Alliance,")
    path.write_text(text)
    return project


@pytest.mark.slow
def test_long_titles_words_and_file_names_wrap_in_every_edition(project: Project) -> None:
    # The build verifies every glyph is inside its page's content area, so building is the test.
    build(with_long_text(project), years=["2018-19"], history=False, jobs=1)
    for edition in ("", "-large-print"):
        reader = pypdf.PdfReader(project.build / "drafts" / f"{LONG_YEAR}{edition}.pdf")
        joined = "".join(" ".join(page.extract_text() for page in reader.pages).split())
        for text in (LONG_TITLE, LONG_WORD, FILE_NAME):
            assert text in joined, (edition, text[:20])


def test_text_that_would_leave_the_page_fails_the_build_and_writes_nothing(released: Project) -> None:
    build(released, years=["2018-19"], history=False)  # drafts from the release's PDFs, nothing laid out
    before = snapshot(released.build / "drafts")
    (released.styles / "unbroken.css").write_text("* { overflow-wrap: normal; }\n")
    with pytest.raises(VerificationError) as caught:
        build(with_long_text(released), years=["2018-19"], history=False, jobs=1,
              stylesheets=[released.styles / "unbroken.css"])
    # The first document to fail stops the build; each line names its file, page and text.
    message = str(caught.value)
    for start in (LONG_TITLE, LONG_WORD):
        assert re.search(rf"^{LONG_YEAR}(-large-print)?\.pdf: page \d+: text reaches \d+ pt beyond the content "
                         r"area \(inside the margins\): "
                         rf"“{start[:40]}", message, re.M), message
    assert snapshot(released.build / "drafts") == before  # the good build's drafts, as they were


def test_one_year_builds_only_that_years_editions_as_drafts_outside_dist(project: Project) -> None:
    built = build(project, years=["2018-19"], history=False, jobs=1)
    expected = [f"mcsp-annual-achievements-2018-19{e}.pdf" for e in EDITIONS]
    assert [b.path.name for b in built] == expected
    drafts = project.build / "drafts"
    assert {b.path.parent for b in built} == {drafts}
    assert sorted(p.name for p in drafts.iterdir()) == sorted(expected)
    assert not project.dist.exists()  # a year alone is not a release


def test_summary_lists_pages_and_size_per_file(built: dict) -> None:
    files = list(built["files"].values())
    lines = summarise(files, built["project"].root).splitlines()
    assert len(lines) == len(ALL_PDFS)
    history = built["files"][HISTORY]
    assert re.fullmatch(
        rf"dist/{HISTORY}\s+{history.pages} pages\s+{history.size / 1024:.1f} KiB\s+rebuilt", lines[0])


def text_sizes(path: Path) -> dict[float, int]:
    """Characters drawn at each font size (in points) across the PDF."""
    sizes: dict[float, int] = {}
    for page in pypdf.PdfReader(path).pages:
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                key = round(size * abs(tm[3] or 1) * abs(cm[3] or 1), 2)
                sizes[key] = sizes.get(key, 0) + len(text.strip())
        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_sets_every_character_at_16pt_or_more(dist: Path) -> None:
    for name in ALL_PDFS:
        if "large-print" in name:
            assert min(text_sizes(dist / name)) >= 16, name
    assert min(text_sizes(dist / HISTORY)) < 16  # the check can tell the editions apart


def test_large_print_is_the_standard_html_plus_one_stylesheet_and_its_own_title(built: dict) -> None:
    printed = built["project"].root / "build" / "print"
    standard = (printed / "mcsp-annual-achievements-2017-18.html").read_text(encoding="utf-8")
    large = (printed / "mcsp-annual-achievements-2017-18-large-print.html").read_text(encoding="utf-8")
    link = '  <link rel="stylesheet" href="../../styles/large-print.css">\n'
    assert link in large
    assert large.replace(link, "").replace(" (large print)</", "</") == standard
    assert large.count(" (large print)</") == 2  # the <title> and the cover's heading


def test_a_pdf_that_fails_verification_is_never_written(project: Project) -> None:
    # Rendering succeeds (a second H1 is valid HTML); only the verifier can stop this PDF.
    base = project.templates / "base.html.j2"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "{% block body %}{% endblock %}", "{% block body %}{% endblock %}\n<h1>A second title</h1>"), encoding="utf-8")
    with pytest.raises(VerificationError, match="2 level-1 headings; it needs exactly one"):
        build(project, years=["2016-17"], history=False, jobs=1)
    assert sorted(project.dist.glob("*.pdf")) == [] and not (project.build / "drafts").exists()


def test_a_rebuilt_pdf_replaces_the_old_file_instead_of_rewriting_it(released: Project) -> None:
    build(released, years=["2016-17"], history=False, jobs=1)  # drafts from the release's PDFs, nothing laid out
    path = released.build / "drafts" / "mcsp-annual-achievements-2016-17.pdf"
    with path.open("rb") as reader:  # a reader in the middle of the file keeps a whole PDF
        before = path.stat().st_ino
        build(released, years=["2016-17"], history=False, jobs=1, force=True)
        assert path.stat().st_ino != before
        assert reader.read().rstrip().endswith(b"%%EOF")


def test_large_print_has_its_own_title_in_the_metadata_and_on_the_cover(dist: Path) -> None:
    for name in (HISTORY, *ANNUAL):
        large = name.replace(".pdf", "-large-print.pdf")
        with pikepdf.open(dist / name) as pdf:
            title = str(pdf.docinfo["/Title"])
        with pikepdf.open(dist / large) as pdf, pdf.open_metadata() as meta:
            assert str(pdf.docinfo["/Title"]) == meta["dc:title"] == f"{title} (large print)", large
        cover = words(page_texts(dist / large)[0])
        assert "(large print)" in cover and "(large print)" not in text_of(dist / name), large


def test_large_print_keeps_the_incomplete_record_note_and_describes_no_chart(dist: Path) -> None:
    standard, large = text_of(dist / HISTORY), text_of(dist / HISTORY.replace(".pdf", "-large-print.pdf"))
    # The standard edition notes it under its chart; large print, which has no chart, in the chapter.
    assert "* 2015/16 is an incomplete record." in standard
    assert "Incomplete record. 2015/16: The public record of this year breaks off" in large
    assert "Each dot is one recorded achievement" in standard
    assert "dot" not in large.lower()
    for name in ANNUAL:
        assert text_of(dist / name).count("Incomplete record.") == text_of(
            dist / name.replace(".pdf", "-large-print.pdf")).count("Incomplete record."), name

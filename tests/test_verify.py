"""Verification: every built PDF passes, and each check can fail with a clear message."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from mcsp_reports import Project, RenderError, VerificationError, engine, verify_paths
from mcsp_reports.pdf import Attachment, Edition, ProjectFetcher, RenderedPDF, render_pdfs
from mcsp_reports.plan import ARCHIVAL
from mcsp_reports.verify import Expectation, shipped_families, verify_pdf

PNG = (  # a 1×1 PNG, so image tests need no files
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def families() -> frozenset[str]:
    return shipped_families(Project(Path(__file__).parent.parent).fonts)


def ua(families: frozenset[str]) -> Expectation:
    return Expectation(families)


def render(project: Project, body: str, lang: str = ' lang="en-GB"') -> bytes:
    html = (f'<html{lang}><head><title>Test</title><link rel="stylesheet" href="styles/theme.css">'
            f'<style>html {{ font-family: Lato }}</style></head><body><h1>Test</h1>{body}</body></html>')
    fetcher = ProjectFetcher([project.styles])
    [pdf] = render_pdfs(html, project.root.as_uri() + "/", fetcher, "t", [Edition("pdf/ua-1")])
    return pdf.data


def edit(data: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def test_every_built_pdf_passes(built: dict) -> None:
    paths = sorted(built["project"].dist.glob("*.pdf"))
    assert len(paths) == 15
    assert verify_paths(paths, built["project"].fonts) == paths


def test_archival_pdfs_carry_their_sources_byte_for_byte(built: dict) -> None:
    project = built["project"]
    with pikepdf.open(project.dist / "mcsp-history-archival.pdf") as pdf:
        names = sorted(pdf.attachments)
        assert names == sorted(p.name for p in project.reports.glob("*.yaml"))
        for name in names:
            assert pdf.attachments[name].get_file().read_bytes() == (project.reports / name).read_bytes()
    with pikepdf.open(project.dist / "mcsp-annual-achievements-2017-18-archival.pdf") as pdf:
        assert sorted(pdf.attachments) == ["2017-18.yaml", "partnership.yaml"]
    with pikepdf.open(project.dist / "mcsp-history.pdf") as pdf:
        assert len(pdf.attachments) == 0


def test_a_clean_tagged_pdf_passes(project: Project, families: frozenset[str]) -> None:
    data = render(project, f'<p>Text and an <img src="{PNG}" alt="A dot"> image.</p>')
    assert verify_pdf(data, ua(families)) == []


def test_a_pdf_without_a_language_is_rejected(project: Project, families: frozenset[str]) -> None:
    data = edit(render(project, "<p>Text</p>"), lambda pdf: pdf.Root.__delitem__("/Lang"))
    assert verify_pdf(data, ua(families)) == ["no document language (/Lang)"]


def test_the_render_itself_refuses_an_image_without_alternative_text(project: Project) -> None:
    with pytest.raises(RenderError, match="has no required alt description"):
        render(project, f'<p><img src="{PNG}"></p>')


def test_an_image_without_alternative_text_is_rejected(project: Project, families: frozenset[str]) -> None:
    def drop_alt(pdf: pikepdf.Pdf) -> None:
        for element in pdf.objects:
            if isinstance(element, pikepdf.Dictionary) and element.get("/S") == "/Figure":
                del element.Alt

    data = edit(render(project, f'<p><img src="{PNG}" alt="A dot"></p>'), drop_alt)
    assert verify_pdf(data, ua(families)) == ["a figure has no alternative text (/Alt)"]


def test_an_untagged_image_is_rejected(project: Project, families: frozenset[str]) -> None:
    data = render(project, f'<p><img src="{PNG}" alt="A dot"></p>')

    def paint_outside_tags(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[0]
        image = next(iter(page.Resources.XObject))
        page.contents_add(pikepdf.Stream(pdf, f"q 10 0 0 10 0 0 cm {image} Do Q".encode()), prepend=False)

    problems = verify_pdf(edit(data, paint_outside_tags), ua(families))
    assert problems == ["page 1: painting (Do) outside marked content, neither tagged nor an artifact"]


def test_an_unembedded_font_is_rejected(families: frozenset[str]) -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET")
    out = io.BytesIO()
    pdf.save(out)
    problems = verify_pdf(out.getvalue(), ua(families))
    assert "font Helvetica is not embedded" in problems
    assert "font Helvetica has no ToUnicode map, so its text cannot be extracted" in problems
    assert "font Helvetica is not from the shipped families (Lato)" in problems
    assert "no structure tree (/StructTreeRoot): the PDF is not tagged" in problems
    assert "page 1: text (Tj) outside marked content, neither tagged nor an artifact" in problems


def test_skipped_heading_levels_and_a_second_h1_are_rejected(project: Project, families: frozenset[str]) -> None:
    data = render(project, "<h3>Skipped</h3><h1>Second</h1>")
    problems = verify_pdf(data, ua(families))
    assert "the document has 2 level-1 headings; it needs exactly one" in problems
    assert "heading levels skip from H1 to H3" in problems


def test_declarations_and_attachments_must_match_the_edition(project: Project, families: frozenset[str]) -> None:
    data = render(project, "<p>Text</p>")
    problems = verify_pdf(data, Expectation(families, pdfa="3A", attachments=("partnership.yaml",)))
    assert "XMP does not declare PDF/A-3A (pdfaid is None)" in problems
    assert "PDF/A needs an output intent with an ICC profile (/OutputIntents)" in problems
    assert "attachments are none; expected ['partnership.yaml']" in problems


def test_missing_bookmarks_title_display_and_link_tags_are_rejected(
    project: Project, families: frozenset[str]
) -> None:
    data = render(project, '<h2 id="a">Part</h2><p><a href="#a">Link</a></p>')

    def strip(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.Outlines
        del pdf.Root.ViewerPreferences
        del pdf.pages[0].obj.Tabs
        for annotation in pdf.pages[0].Annots:
            del annotation.StructParent

    problems = verify_pdf(edit(data, strip), ua(families))
    assert problems == [
        "viewers are not told to show the title (/DisplayDocTitle)",
        "no bookmarks (/Outlines)",
        "page 1: has annotations but no structure tab order (/Tabs /S)",
        "page 1: a link is not tagged (/StructParent)",
    ]


def test_verify_paths_names_each_file_and_problem(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(edit(render(project, "<p>x</p>"), lambda pdf: pdf.Root.__delitem__("/Lang")))
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    with pytest.raises(VerificationError) as caught:
        verify_paths([bad, junk], project.fonts)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{bad}: no document language (/Lang)"
    assert lines[1].startswith(f"{junk}: not a readable PDF")


def test_a_document_without_a_level_1_heading_is_rejected(project: Project, families: frozenset[str]) -> None:
    def demote(pdf: pikepdf.Pdf) -> None:
        for element in pdf.objects:
            if isinstance(element, pikepdf.Dictionary) and element.get("/S") == "/H1":
                element.S = pikepdf.Name.P

    data = edit(render(project, "<p>Text</p>"), demote)
    assert verify_pdf(data, ua(families)) == ["the document has 0 level-1 headings; it needs exactly one"]


def test_a_pdf_without_a_title_in_its_metadata_is_rejected(project: Project, families: frozenset[str]) -> None:
    def drop_title(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta["dc:title"]

    data = edit(render(project, "<p>Text</p>"), drop_title)
    assert verify_pdf(data, ua(families)) == ["no title in the XMP metadata (dc:title)"]


def test_a_pdf_not_marked_as_tagged_is_rejected(project: Project, families: frozenset[str]) -> None:
    data = edit(render(project, "<p>Text</p>"), lambda pdf: pdf.Root.__delitem__("/MarkInfo"))
    assert verify_pdf(data, ua(families)) == ["not marked as tagged (/MarkInfo /Marked true)"]


def archival(project: Project, *names: str) -> bytes:
    """An archival (PDF/A-3a and PDF/UA-1) file embedding a small YAML file under each of ``names``."""
    date = datetime(2019, 6, 1, tzinfo=UTC)
    sources = tuple(Attachment(name, b"year: 2017-18\n", "Source data", date, "application/yaml") for name in names)
    html = ('<html lang="en-GB"><head><title>Test</title><link rel="stylesheet" href="styles/theme.css">'
            '<style>html { font-family: Lato }</style></head><body><h1>Test</h1><p>Text</p></body></html>')
    [pdf] = render_pdfs(html, project.root.as_uri() + "/", ProjectFetcher([project.styles]), "t",
                        [Edition(ARCHIVAL, sources)])
    return pdf.data


def test_an_archival_pdf_passes_with_exactly_its_sources(project: Project, families: frozenset[str]) -> None:
    data = archival(project, "2017-18.yaml")
    assert verify_pdf(data, Expectation(families, pdfa="3A", attachments=("2017-18.yaml",))) == []
    assert verify_pdf(data, Expectation(families, pdfa="3A", attachments=("other.yaml",))) == [
        "attachments are ['2017-18.yaml']; expected ['other.yaml']"]


def test_an_attachment_without_its_relationship_is_rejected(project: Project, families: frozenset[str]) -> None:
    def drop_relationship(pdf: pikepdf.Pdf) -> None:
        del pdf.attachments["2017-18.yaml"].obj.AFRelationship

    data = edit(archival(project, "2017-18.yaml"), drop_relationship)
    problems = verify_pdf(data, Expectation(families, pdfa="3A", attachments=("2017-18.yaml",)))
    assert problems == ["attachment 2017-18.yaml has no /AFRelationship"]


def test_a_pdf_that_does_not_declare_pdf_ua_is_rejected(project: Project, families: frozenset[str]) -> None:
    def drop_declaration(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta["pdfuaid:part"]

    data = edit(render(project, "<p>Text</p>"), drop_declaration)
    assert verify_pdf(data, ua(families)) == ["XMP does not declare PDF/UA-1 (pdfuaid:part is None)"]


def render_ua(project: Project, body: str, css: str = "") -> RenderedPDF:
    """A PDF/UA-1 rendering of ``body`` with the project's theme and print styles and ``css``."""
    html = (f'<html lang="en-GB"><head><title>Test</title><link rel="stylesheet" href="styles/theme.css">'
            f'<link rel="stylesheet" href="styles/print.css"><style>{css}</style></head>'
            f'<body><h1>Test</h1>{body}</body></html>')
    fetcher = ProjectFetcher([project.styles])
    [pdf] = render_pdfs(html, project.root.as_uri() + "/", fetcher, "t", [Edition("pdf/ua-1")])
    return pdf


def test_text_below_the_minimum_size_is_rejected_naming_page_and_text(
    project: Project, families: frozenset[str]
) -> None:
    pdf = render_ua(project, "<p>Body text</p><p class='fine'>Small print</p>", ".fine { font-size: 7pt }")
    assert verify_pdf(pdf.data, ua(families)) == ["page 1: text at 7.0 pt, below the 9 pt minimum: “Small print”"]
    # Large print holds every piece of text to 16 pt.
    problems = verify_pdf(pdf.data, Expectation(families, min_text_size=16))
    assert "page 1: text at 12.0 pt, below the 16 pt minimum: “Body text”" in problems


def test_text_off_the_page_is_rejected_naming_page_and_text(project: Project, families: frozenset[str]) -> None:
    pdf = render_ua(project, "<p>Kept</p><p style='margin-left: -60mm'>Pushed off the edge</p>")
    [problem] = verify_pdf(pdf.data, ua(families))
    assert re.fullmatch(r"page 1: text reaches \d+ pt beyond the page: “Pushed off the edge”", problem)


def test_text_in_the_margins_is_rejected_when_the_layout_is_known(
    project: Project, families: frozenset[str]
) -> None:
    pdf = render_ua(project, "<p>Kept</p><p style='margin-left: -10mm'>In the margin</p>")
    assert verify_pdf(pdf.data, ua(families)) == []  # still on the page
    [problem] = verify_pdf(pdf.data, Expectation(families, content_areas=pdf.content_areas))
    assert re.fullmatch(r"page 1: text reaches 2\d pt beyond the content area \(inside the margins\): "
                        r"“In the margin”", problem)


def test_a_word_longer_than_the_line_wraps_or_is_rejected(project: Project, families: frozenset[str]) -> None:
    word = "Supercalifragilistic" * 25  # 500 characters
    wrapped = render_ua(project, f"<p>{word}</p>")
    assert verify_pdf(wrapped.data, Expectation(families, content_areas=wrapped.content_areas)) == []
    clipped = render_ua(project, f"<p>{word}</p>", "p { overflow-wrap: normal }")
    [problem] = verify_pdf(clipped.data, ua(families))
    assert problem.startswith("page 1: text reaches ") and "beyond the page: “SupercalifragilisticSuper" in problem


def test_leader_dots_drawn_as_text_are_rejected(project: Project, families: frozenset[str]) -> None:
    pdf = render_ua(project, "<p class='entry'>Chapter</p>", ".entry::after { content: leader('.') ' 3' }")
    [problem] = verify_pdf(pdf.data, ua(families))
    assert re.fullmatch(r"page 1: \d+ leader characters drawn as text; draw leaders as decoration \(a border\)",
                        problem)
    assert verify_pdf(render_ua(project, "<p>A sentence. Another one... And a <a href='#x'>link</a>.</p>"
                                "<p id='x'>x</p>").data, ua(families)) == []


def test_overlapping_link_annotations_are_rejected(project: Project, families: frozenset[str]) -> None:
    body = "<h2 id='part'>Part</h2><p><a href='#part'>Part</a></p>"
    one_link = render_ua(project, body)
    assert verify_pdf(one_link.data, ua(families)) == []
    # WeasyPrint's own tagging turns a page number generated inside the link into a
    # second annotation over it (the engine corrections, like the markup, avoid it).
    with engine.uncorrected():
        inside = render_ua(project, body, "a::after { content: ', page ' target-counter(attr(href url), page) }")
    problems = verify_pdf(inside.data, ua(families))
    assert "page 1: link annotations overlap in 1 place, so a link has more than one tab stop" in problems


def pdfa(families: frozenset[str]) -> Expectation:
    return Expectation(families, pdfa="3A", attachments=("partnership.yaml",))


def test_an_archival_pdf_declares_pdfa_and_pdfua_and_lists_its_yaml_once(
    project: Project, families: frozenset[str]
) -> None:
    assert verify_pdf(archival(project, "partnership.yaml"), pdfa(families)) == []


def test_an_attachment_listed_twice_or_with_a_wrong_mime_type_is_rejected(
    project: Project, families: frozenset[str]
) -> None:
    def damage(pdf: pikepdf.Pdf) -> None:
        pdf.Root.AF.append(pdf.Root.AF[0])
        pdf.Root.AF[0].EF.F.Subtype = pikepdf.Name("/application/octet-stream")

    assert verify_pdf(edit(archival(project, "partnership.yaml"), damage), pdfa(families)) == [
        "attachment partnership.yaml is listed 2 times in the catalog's associated files (/AF); "
        "it must be listed once",
        "attachment partnership.yaml has MIME type application/octet-stream; expected application/yaml",
    ]


def test_an_archival_pdf_must_declare_pdfua_and_describe_its_schema(
    project: Project, families: frozenset[str]
) -> None:
    def declare_pdfa_only(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta["pdfuaid:part"]

    assert verify_pdf(edit(archival(project, "partnership.yaml"), declare_pdfa_only), pdfa(families)) == [
        "XMP does not declare PDF/UA-1 (pdfuaid:part is None)"]

    def forget_the_extension_schema(pdf: pikepdf.Pdf) -> None:
        xmp = pdf.Root.Metadata.read_bytes()
        start = xmp.index(b"<pdfaExtension:schemas>")
        end = xmp.index(b"</pdfaExtension:schemas>") + len(b"</pdfaExtension:schemas>")
        pdf.Root.Metadata.write(xmp[:start] + xmp[end:])

    assert verify_pdf(edit(archival(project, "partnership.yaml"), forget_the_extension_schema), pdfa(families)) == [
        "XMP declares PDF/UA-1 in a PDF/A file without describing the pdfuaid schema (pdfaExtension:schemas)"]


def test_verify_paths_holds_large_print_to_16pt_by_its_title(project: Project, tmp_path: Path) -> None:
    large = tmp_path / "large.pdf"
    html = ('<html lang="en-GB"><head><title>Report (large print)</title><link rel="stylesheet" '
            'href="styles/theme.css"><link rel="stylesheet" href="styles/print.css"></head>'
            '<body><h1>Report</h1><p>Twelve point</p></body></html>')
    [pdf] = render_pdfs(html, project.root.as_uri() + "/", ProjectFetcher([project.styles]), "t",
                        [Edition("pdf/ua-1")])
    large.write_bytes(pdf.data)
    with pytest.raises(VerificationError, match=r"large.pdf: page 1: text at 12.0 pt, below the 16 pt minimum"):
        verify_paths([large], project.fonts)

"""The PDF stage: only project files are read, and every engine complaint fails the render."""

from __future__ import annotations

import gc
import io
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from mcsp_reports import DesignError, Project, RenderError, build
from mcsp_reports.pdf import Attachment, Edition, ProjectFetcher, render_pdfs


def render(project: Project, html: str, *editions: Edition) -> list:
    fetcher = ProjectFetcher([project.styles])
    return render_pdfs(html, project.root.as_uri() + "/", fetcher, "test.pdf", editions or [Edition("pdf/ua-1")])


def page(body: str, head: str = "") -> str:
    return (
        '<html lang="en-GB"><head><title>t</title><link rel="stylesheet" href="styles/theme.css">'
        f'<style>html {{ font-family: Lato }}</style>{head}</head><body>{body}</body></html>'
    )


def test_fetcher_refuses_the_network(project: Project) -> None:
    with pytest.raises(RenderError, match="never the network"):
        ProjectFetcher([project.styles]).fetch("https://example.org/font.css")


def test_fetcher_refuses_files_outside_its_folders(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "secret.css"
    outside.write_text("p { color: red }")
    fetcher = ProjectFetcher([project.styles])
    with pytest.raises(RenderError, match="outside the project"):
        fetcher.fetch(outside.as_uri())
    with pytest.raises(RenderError, match="outside the project"):
        fetcher.fetch((project.styles / ".." / ".." / "secret.css").as_uri())


def test_fetcher_refuses_a_link_that_leads_outside(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.css"
    outside.write_text("p { color: red }")
    (project.styles / "linked.css").symlink_to(outside)
    with pytest.raises(RenderError, match="outside the project"):
        ProjectFetcher([project.styles]).fetch((project.styles / "linked.css").as_uri())


def test_fetcher_serves_project_files_and_data_urls(project: Project) -> None:
    fetcher = ProjectFetcher([project.styles])
    css = fetcher.fetch((project.styles / "theme.css").as_uri())
    assert css.content_type == "text/css" and b"--font-body" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_missing_image_fails_the_render(project: Project) -> None:
    with pytest.raises(RenderError, match="missing file .*logo.png"):
        render(project, page('<img src="styles/logo.png" alt="Logo">'))


def test_a_remote_stylesheet_fails_the_render(project: Project) -> None:
    with pytest.raises(RenderError, match="never the network"):
        render(project, page("<p>x</p>", '<link rel="stylesheet" href="https://example.org/x.css">'))


def test_a_css_mistake_fails_the_render(project: Project) -> None:
    with pytest.raises(RenderError, match="test.pdf: .*colour"):
        render(project, page("<p>x</p>", "<style>p { colour: red }</style>"))


def test_a_character_missing_from_the_shipped_fonts_fails_the_render(project: Project) -> None:
    with pytest.raises(RenderError, match="not in the project's fonts"):
        render(project, page("<p>Snow \u2603 man</p>"))


def test_a_font_the_project_does_not_ship_fails_the_render(project: Project) -> None:
    with pytest.raises(RenderError, match="DejaVu Sans from this machine"):
        render(project, page('<p style="font-family: DejaVu Sans">Machine font</p>'))


@pytest.mark.slow
def test_a_missing_font_file_fails_the_build(project: Project) -> None:
    (project.styles / "fonts" / "Lato-Bold.ttf").unlink()
    # Found before layout, at the @font-face that names it (see tests/test_design.py).
    with pytest.raises(DesignError, match=r"styles/theme.css:\d+:1: @font-face 'Lato': styles/fonts/Lato-Bold.ttf: "
                                          r"no such file"):
        build(project, years=["2016-17"], history=False)


def test_one_layout_is_written_as_each_edition(project: Project) -> None:
    date = datetime(2019, 6, 1, tzinfo=UTC)
    source = Attachment("data.yaml", b"year: 2017-18\n", "Source data", date, "application/yaml")
    accessible, archival = render(
        project, page("<h1>Plain</h1>"), Edition("pdf/ua-1"), Edition("pdf/a-3a+ua-1", (source,)))
    assert accessible.pages == archival.pages == 1
    with pikepdf.open(io.BytesIO(accessible.data)) as pdf, pdf.open_metadata() as meta:
        assert meta["pdfuaid:part"] == "1" and "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
    with pikepdf.open(io.BytesIO(archival.data)) as pdf:
        with pdf.open_metadata() as meta:
            assert (meta["pdfaid:part"], meta["pdfaid:conformance"], meta["pdfuaid:part"]) == ("3", "A", "1")
        embedded = pdf.attachments["data.yaml"]
        assert embedded.get_file().read_bytes() == b"year: 2017-18\n"
        assert str(embedded.obj.AFRelationship) == "/Source"
        assert str(embedded.get_file().obj.Params.ModDate) == "D:20190601000000Z"
        assert embedded.get_file().mime_type == "application/yaml"
        assert [spec.objgen for spec in pdf.Root.AF] == [embedded.obj.objgen]


@pytest.mark.parametrize("young_collection", [True, False], ids=["collected", "not collected"])
def test_the_layouts_cycles_are_freed_before_the_pdf_is_written(
        project: Project, monkeypatch: pytest.MonkeyPatch, young_collection: bool) -> None:
    import weasyprint

    collect, write = gc.collect, weasyprint.Document.write_pdf
    left: list[int] = []

    def writing(document: object, *args: object, **kwargs: object) -> bytes:
        left.append(collect())  # what a full collection would still find when writing starts
        return write(document, *args, **kwargs)

    monkeypatch.setattr(weasyprint.Document, "write_pdf", writing)
    if not young_collection:  # the fixture: a render that leaves the collection out
        monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    collect()  # nothing older than the render
    render(project, page("<h1>Title</h1>" + "<p>Some words to lay out on lines.</p>" * 40))
    # The render collects only the youngest generation, and that frees every cycle the
    # layout left: a full collection finds nothing more.
    assert (left == [0]) is young_collection, left


def test_the_garbage_collector_is_back_on_after_a_render_even_a_failed_one(project: Project) -> None:
    # Layout pauses the collector for speed; a long-lived process (the preview server,
    # a build rendering in one process) would leak cycles if it stayed off.
    assert gc.isenabled()
    render(project, page("<h1>Plain</h1>"))
    assert gc.isenabled()
    with pytest.raises(RenderError):
        render(project, page("<p>x</p>", "<style>p { colour: red }</style>"))
    assert gc.isenabled()

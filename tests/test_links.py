"""Link and asset checks: `check` finds broken anchors, missing files and bad addresses."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from mcsp_reports import Checked, LinkError, Project, check
from mcsp_reports.links import check_document


def test_the_shipped_project_has_no_broken_links(project: Project) -> None:
    assert check(project) == Checked(years=4, achievements=6)


def test_a_template_linking_to_a_missing_anchor_is_reported(project: Project) -> None:
    partial = project.templates / "partials" / "timeline.html.j2"
    partial.write_text(partial.read_text().replace('href="#{{ milestone.achievement.id }}"',
                                                   'href="#{{ milestone.achievement.id }}-typo"'))
    with pytest.raises(LinkError) as caught:
        check(project)
    lines = str(caught.value).splitlines()
    assert "build/print/mcsp-history.html: <a href='#chambers-of-commerce-typo'> points to no element of this document" in lines


def test_a_missing_stylesheet_is_reported(project: Project) -> None:
    (project.styles / "print.css").unlink()
    with pytest.raises(LinkError, match=r"<link href='../../styles/print.css'> points to styles/print.css, "
                                        r"which does not exist"):
        check(project)


def test_a_missing_large_print_stylesheet_is_reported_for_the_large_print_documents(project: Project) -> None:
    (project.styles / "large-print.css").unlink()
    with pytest.raises(LinkError) as caught:
        check(project)
    lines = str(caught.value).splitlines()
    assert "build/print/mcsp-history-large-print.html: stylesheet styles/large-print.css does not exist" in lines
    assert len(lines) == 5  # the history and each of the four years


@pytest.mark.parametrize("markup, problem", [
    ('<a href="https://">x</a>', "is not a well-formed web address"),
    ('<a href="http://example.org/a b">x</a>', "is not a well-formed web address"),
    ('<a href="ftp://example.org/x">x</a>', "uses the scheme 'ftp'"),
    ('<img src="data:image/png;base64,%%%" alt="x">', "whose base64 does not decode"),
    ('<img src="pictures/missing.png" alt="x">', "points to dist/pictures/missing.png, which does not exist"),
    ('<a href="#nowhere">x</a>', "points to no element of this document"),
])
def test_each_kind_of_bad_reference_is_named(markup: str, problem: str, tmp_path: Path) -> None:
    problems = check_document("page.html", f"<p id='here'>{markup}</p>", PurePosixPath("dist"), [], tmp_path)
    assert len(problems) == 1 and problem in problems[0]


def test_good_references_pass(tmp_path: Path) -> None:
    markup = ('<p id="here"><a href="#here">a</a><a href="https://example.org/path?q=1">b</a>'
              '<a href="report.pdf">c</a><img src="data:image/png;base64,iVBORw0KGgo=" alt=""></p>')
    assert check_document("page.html", markup, PurePosixPath("dist"), ["dist/report.pdf"], tmp_path) == []

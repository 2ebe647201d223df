"""The tagging rules verify applies: each fails on the engine's own tagging or an edited PDF,
and passes on what the corrected engine writes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from mcsp_reports import Project, engine, structure
from mcsp_reports.pdf import Edition, ProjectFetcher, render_pdfs
from mcsp_reports.verify import Expectation, shipped_families, verify_pdf

ROOT = Path(__file__).resolve().parent.parent
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
       "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
ROWS = "".join(f"<tr><th scope='row'>Theme {i}</th><td>{i}</td></tr>" for i in range(60))
# One document that meets every case the rules look at: running heads and page numbers
# (print.css), a link holding a span and a generated ::after, a list item holding a
# paragraph, table headers, paragraphs
# that wrap, a picture floated past the right edge inside a paragraph, a section and a
# table across page breaks.
BODY = f"""
<h1 class="cover-kicker">Tagging</h1>
<section class="about"><h2>About</h2>
<p><a href="#counts">The counts <span class="index-year">(2017/18)</span></a></p>
<ul><li><p>A point made in a paragraph</p></li></ul>
<p><img src="{PNG}" alt="A dot" style="float: right; width: 30mm; height: 20mm; margin-right: -10mm">
{"Reducing crime and disorder across the county, year after year, together. " * 40}</p>
<table id="counts"><caption>Counts</caption>
<thead><tr><th>Theme</th><th>Count</th></tr></thead><tbody>{ROWS}</tbody></table>
</section>"""
STYLE = ".about a::after { content: ', page ' target-counter(attr(href url), page); }"


def render(*, corrected: bool) -> bytes:
    project = Project(ROOT)
    html = (f'<html lang="en-GB"><head><title>Tagging</title>'
            f'<link rel="stylesheet" href="styles/theme.css"><link rel="stylesheet" href="styles/print.css">'
            f'<style>{STYLE}</style></head><body>{BODY}</body></html>')
    fetcher = ProjectFetcher([project.styles])

    def write() -> bytes:
        [pdf] = render_pdfs(html, project.root.as_uri() + "/", fetcher, "t", [Edition("pdf/ua-1")])
        return pdf.data

    if corrected:
        return write()
    with engine.uncorrected():
        return write()


@pytest.fixture(scope="module")
def corrected() -> bytes:
    return render(corrected=True)


@pytest.fixture(scope="module")
def upstream() -> bytes:
    return render(corrected=False)


def reading(data: bytes) -> structure.Reading:
    pdf = pikepdf.open(io.BytesIO(data))
    return structure.Reading(pdf, [structure.read_page(p, {}) for p in pdf.pages], structure.walk(pdf),
                             structure._parent_tree(pdf))


def edit(data: bytes, change: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


# Each rule with what it says when the engine's own tagging breaks it.
UPSTREAM_BREAKS = [
    (structure._rule_detached, "structure elements in the ParentTree are not reachable"),
    (structure._rule_margin, "tagged text in the page margin"),
    (structure._rule_links, "have a structure parent that is not a Link"),
    (structure._rule_links, "Link elements are nested in a Link"),
    (structure._rule_annex_l, "Link elements inside a Link, which ISO 32000-1 Annex L does not allow"),
    (structure._rule_annex_l, "P elements inside a P, which ISO 32000-1 Annex L does not allow"),
    (structure._rule_annex_l, "P elements inside a LI, which ISO 32000-1 Annex L does not allow"),
    (structure._rule_links, "no description in /Contents, or only their target"),
    (structure._rule_ids, "have an /ID but there is no /IDTree"),
    (structure._rule_scope, "TH elements have no /Scope"),
    (structure._rule_words, "line ends join two words"),
    (structure._rule_figures, "Figure's /BBox"),
    (structure._rule_splits, "Sect elements continue the previous Sect"),
    (structure._rule_splits, "Table elements continue the previous Table"),
]


@pytest.mark.parametrize(("rule", "message"), UPSTREAM_BREAKS, ids=[m for _, m in UPSTREAM_BREAKS])
def test_each_rule_fails_on_the_engines_own_tagging(upstream: bytes, rule, message: str) -> None:
    assert any(message in problem for problem in rule(reading(upstream)))


@pytest.mark.parametrize("rule", structure.RULES, ids=[r.__name__ for r in structure.RULES])
def test_each_rule_passes_on_the_corrected_tagging(corrected: bytes, rule) -> None:
    assert rule(reading(corrected)) == []


def test_the_words_rule_names_the_words_that_run_together(upstream: bytes) -> None:
    [problem] = structure._rule_words(reading(upstream))
    assert '"' in problem and "ISO 32000-1 14.8.2.5" in problem


def test_an_element_whose_parent_does_not_list_it_is_found(corrected: bytes) -> None:
    def misparent(pdf: pikepdf.Pdf) -> None:
        document = pdf.Root.StructTreeRoot.K[0] if isinstance(pdf.Root.StructTreeRoot.K, pikepdf.Array) \
            else pdf.Root.StructTreeRoot.K
        first = document.K[0]
        first.P = first  # claims to be its own parent
    assert structure._rule_parents(reading(edit(corrected, misparent))) == [
        "1 structure elements whose /P is not the element that lists them (ISO 32000-1 14.7.2, Table 323; "
        "PDF/UA-1 7.1-12)"]


def test_headers_naming_an_id_missing_from_the_idtree_are_found(corrected: bytes) -> None:
    def forget_first_id(pdf: pikepdf.Pdf) -> None:
        names = pdf.Root.StructTreeRoot.IDTree.Names
        del names[0:2]
    problems = structure._rule_ids(reading(edit(corrected, forget_first_id)))
    assert len(problems) == 1 and "named in /Headers are not in the /IDTree" in problems[0]


def test_a_link_described_by_its_anchor_is_found(corrected: bytes) -> None:
    def undescribe(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                annotation.Contents = annotation.Dest
    problems = structure._rule_links(reading(edit(corrected, undescribe)))
    assert len(problems) == 1 and "no description in /Contents" in problems[0]


def test_marked_content_the_parent_tree_does_not_map_is_found(corrected: bytes) -> None:
    def forget_last_mcid(pdf: pikepdf.Pdf) -> None:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        del nums[1][len(nums[1]) - 1]
    assert structure._rule_unmapped(reading(edit(corrected, forget_last_mcid))) == [
        "1 marked-content sequences have an MCID that the ParentTree maps to no element "
        "(ISO 32000-1 14.7.4.4; PDF/UA-1 7.1-3)"]


def test_artifacts_and_tagged_content_nested_in_each_other_are_found(corrected: bytes) -> None:
    def nest(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].contents_add(pdf.make_stream(
            b"/Artifact BMC /P <</MCID 900>> BDC EMC EMC /P <</MCID 901>> BDC /Artifact BMC EMC EMC"))
    assert structure._rule_nesting(reading(edit(corrected, nest))) == [
        "1 artifacts are marked inside tagged content (PDF/UA-1 7.1-1)",
        "1 tagged sequences are marked inside an artifact (PDF/UA-1 7.1-2)"]


def test_verify_reports_the_tagging_rules_and_passes_the_corrected_pdf(corrected: bytes, upstream: bytes) -> None:
    expect = Expectation(shipped_families(Project(ROOT).fonts))
    assert verify_pdf(corrected, expect) == []
    tagging = [p for p in verify_pdf(upstream, expect) if p.startswith("tagging: ")]
    assert len(tagging) >= len({rule for rule, _ in UPSTREAM_BREAKS})


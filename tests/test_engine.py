"""The corrections to WeasyPrint 70 and pydyf in mcsp_reports.engine, each tested on its own."""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pydyf
import pytest
import weasyprint
import weasyprint.document
import weasyprint.layout.page
from weasyprint.css import StyleFor
from weasyprint.css.targets import CounterLookupItem, TargetCollector

from mcsp_reports import engine


def test_corrections_refuse_an_engine_of_another_series(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_applied", False)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(engine.EngineVersionError, match="71.0 is installed"):
        engine.apply()


def test_page_references_are_cached_by_the_correction() -> None:
    engine.apply()
    assert pydyf.PDF.page_references.fget is engine._cached_page_references


def test_page_references_stay_right_as_pages_are_added() -> None:
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first  # cached between additions
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    expected = tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
    assert pdf.page_references == expected and len(expected) == 4


# -- Tagging corrections: each renders a small document and reads the PDF back -------------

import io  # noqa: E402

import pikepdf  # noqa: E402

from mcsp_reports import structure  # noqa: E402


def tagged(body: str, style: str = "") -> pikepdf.Pdf:
    """``body`` rendered as PDF/UA-1 with the corrections, opened with pikepdf."""
    engine.apply()
    html = f'<html lang="en"><head><style>{style}</style></head><body>{body}</body></html>'
    return pikepdf.open(io.BytesIO(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")))


def elements(pdf: pikepdf.Pdf, role: str) -> list[pikepdf.Dictionary]:
    """Every element of type ``role`` reachable from the structure root, in reading order."""
    found, stack = [], list(reversed(list(pdf.Root.StructTreeRoot.K)))
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if node.S == role:
                found.append(node)
            kids = node.get("/K", [])
            stack.extend(reversed(list(kids) if isinstance(kids, pikepdf.Array) else [kids]))
    return found


def read_text(pdf: pikepdf.Pdf) -> str:
    """The document's text as assistive technology reads it: structure order, ActualText first."""
    fonts: dict = {}
    pages = [structure.read_page(page, fonts) for page in pdf.pages]
    return "".join(pages[leaf.page].chunks[leaf.mcid].read for leaf in structure.walk(pdf).leaves
                   if leaf.mcid in pages[leaf.page].chunks)


MARGINS = '@page { size: A6; margin: 25mm; @top-center { content: "Running head" }' \
          ' @bottom-center { content: "Page " counter(page) " of " counter(pages) } }'


def test_margin_boxes_are_pagination_artifacts_outside_the_tree() -> None:
    pdf = tagged("<h1>Title</h1>" + "<p>Body text.</p>" * 30, MARGINS)
    assert len(pdf.pages) > 1
    artifacts = [str(operands[1].get("/Subtype")) for operands, _ in pikepdf.parse_content_stream(pdf.pages[1], "BDC")
                 if operands[0] == "/Artifact" and operands[1].get("/Type") == "/Pagination"]
    assert artifacts == ["/Header", "/Footer"]
    reading = structure.Reading(pdf, [structure.read_page(p, {}) for p in pdf.pages],
                                structure.walk(pdf), structure._parent_tree(pdf))
    assert structure._rule_detached(reading) == [] and structure._rule_margin(reading) == []
    assert "Running head" not in read_text(pdf) and "Body text." in read_text(pdf)


def test_each_link_is_one_link_element_with_one_described_annotation() -> None:
    pdf = tagged('<p><a href="#target">Go <span>to the target</span></a> and '
                 '<a href="#target">back</a></p><h2 id="target">Target</h2>', "a::after { content: ' (see)' }")
    annotations = list(pdf.pages[0].Annots)
    assert [str(a.Contents) for a in annotations] == ["Go to the target", "back"]
    parents = structure._parent_tree(pdf)
    assert [parents[int(a.StructParent)].S for a in annotations] == ["/Link", "/Link"]
    assert len(elements(pdf, "/Link")) == 2
    assert structure.walk(pdf).link_in_link == 0


def test_table_headers_have_scope_and_the_ids_cells_name_are_in_the_idtree() -> None:
    pdf = tagged("<table><thead><tr><th>Theme</th><th scope='col'>Count</th></tr></thead>"
                 "<tbody><tr><th>Safety</th><td>3</td></tr><tr><th scope='row'>Youth</th><td>4</td></tr></tbody>"
                 "</table>")
    scopes = [str(th.A.Scope) for th in elements(pdf, "/TH")]
    assert scopes == ["/Column", "/Column", "/Row", "/Row"]
    names = pdf.Root.StructTreeRoot.IDTree.Names
    declared = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    assert set(declared) == {str(th.ID) for th in elements(pdf, "/TH")}
    for td in elements(pdf, "/TD"):
        assert {str(h) for h in td.A.Headers} <= set(declared)


def test_line_ends_keep_their_word_breaks_but_words_broken_to_fit_do_not_gain_one() -> None:
    pdf = tagged("<p style='width: 90px'>reducing crime and disorder together</p>"
                 "<p>Themes: safety<br>Organisations: police</p>"
                 "<p style='width: 40px; overflow-wrap: anywhere'>Supercalifragilistic</p>")
    text = read_text(pdf)
    assert "reducing crime and disorder together" in text
    assert "safety Organisations" in text
    assert "Supercalifragilistic" in text


def test_figure_bbox_is_in_points_from_the_bottom_left_of_the_page() -> None:
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    pdf = tagged(f'<img src="{png}" alt="A dot" style="display: block; margin: 40px 0 0 20px; '
                 f'width: 100px; height: 60px">', "@page { size: 400px 400px; margin: 0 } body { margin: 0 }")
    [figure] = elements(pdf, "/Figure")
    # 0.75 pt per CSS px: x 20..120 px → 15..90 pt; y 40..100 px from the top of a 300 pt page.
    assert [round(float(v), 2) for v in figure.A.BBox] == [15.0, 225.0, 90.0, 270.0]


def test_an_element_split_by_page_breaks_stays_one_element() -> None:
    rows = "".join(f"<tr><th>Row {i}</th><td>{i}</td></tr>" for i in range(40))
    pdf = tagged("<section><h1>Chapter</h1>" + "<p>A paragraph of the chapter.</p>" * 20 +
                 f"<table><caption>Counts</caption><thead><tr><th>Name</th><th>Count</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table></section>", "@page { size: 300px 300px; margin: 20px }")
    assert len(pdf.pages) > 3
    assert len(elements(pdf, "/Sect")) == 1
    [table] = elements(pdf, "/Table")
    assert [str(k.S) for k in table.K] == ["/Caption", "/THead", "/TBody"]
    assert len(elements(pdf, "/TH")) == 2 + 40  # header cells once, however many pages repeat them
    repeated = [operands[1] for operands, _ in pikepdf.parse_content_stream(pdf.pages[-1], "BDC")
                if operands[0] == "/Artifact"]
    assert repeated and all(properties.Type == "/Pagination" for properties in repeated)
    reading = structure.Reading(pdf, [structure.read_page(p, {}) for p in pdf.pages],
                                structure.walk(pdf), structure._parent_tree(pdf))
    assert structure._rule_splits(reading) == [] and structure._rule_ids(reading) == []
    assert structure._rule_detached(reading) == [] and structure._rule_parents(reading) == []


def test_anonymous_blocks_do_not_repeat_their_elements_type() -> None:
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    pdf = tagged(f'<p><img src="{png}" alt="A dot" style="float: right; width: 20px">Text beside it</p>'
                 '<div>Loose text<p>A paragraph</p></div>')
    assert len(elements(pdf, "/P")) == 2
    assert structure.walk(pdf).forbidden_kids == {}
    assert "Text beside it" in read_text(pdf) and "Loose text" in read_text(pdf)


def test_a_list_items_blocks_are_in_its_lbody() -> None:
    pdf = tagged("<ul><li>Loose <div>block</div> text</li><li><p>One</p><p>Two</p></li></ul>")
    for item in elements(pdf, "/LI"):
        assert [str(kid.S) for kid in item.K] == ["/Lbl", "/LBody"]
    assert structure.walk(pdf).forbidden_kids == {} and structure.walk(pdf).wrong_parent == 0
    assert "Loose block text" in read_text(pdf) and "One Two" in read_text(pdf)


def test_uncorrected_restores_the_engine_and_leaves_the_corrections_in_place() -> None:
    engine.apply()
    corrected = weasyprint.pdf.tags._build_box_tree
    with engine.uncorrected():
        assert weasyprint.pdf.tags._build_box_tree is engine._UPSTREAM[(weasyprint.pdf.tags, "_build_box_tree")]
    assert weasyprint.pdf.tags._build_box_tree is corrected


PATCHES = sorted(p.stem for p in (Path(__file__).parent.parent / "docs" / "upstream").glob("*.patch"))


def _applied_by(name: str) -> str:
    """The correction a patch's header names."""
    patch = Path(__file__).parent.parent / "docs" / "upstream" / f"{name}.patch"
    header = patch.read_text().split("\n--- a/")[0]
    return header.split("Applied at run time by mcsp_reports.engine.")[1].split()[0].rstrip(".")


#: Every correction: those apply() makes, and the one made while WeasyPrint is imported.
ALL_CORRECTIONS = {*engine.CORRECTIONS, engine.libraries_by_file_name}


def test_every_correction_is_kept_as_a_patch() -> None:
    assert {getattr(engine, _applied_by(name)) for name in PATCHES} == ALL_CORRECTIONS


@pytest.mark.parametrize("name", PATCHES)
def test_each_patch_names_its_correction_and_applies_to_the_installed_engine(name: str) -> None:
    import subprocess

    patch = Path(__file__).parent.parent / "docs" / "upstream" / f"{name}.patch"
    assert getattr(engine, _applied_by(name)) in ALL_CORRECTIONS
    if shutil.which("patch") is None:
        pytest.skip("no patch program on this machine")
    installed = Path(weasyprint.__file__).parent.parent  # the directory holding weasyprint/
    result = subprocess.run(["patch", "--dry-run", "-p1", "-i", str(patch)], cwd=installed,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- Target-counter corrections: same items, same order, same bytes -----------------------

# A contents list whose page numbers come from target-counter() on attr() links (as the
# history's contents and indexes do), one reference by a fixed anchor name (the kind the
# page-counter cache acts on), and bookmark labels that print a target's page (the kind
# layout_document fills in after pagination).
SECTIONS = 12
HTML = """<!doctype html><html lang="en"><head><title>Targets</title><style>
@page { size: A6; margin: 1cm; @bottom-center { content: counter(page) " of " counter(pages) } }
@page :left { @top-left { content: "Targets" } }
@page :right { @top-right { content: string(section) } }
h2 { string-set: section content() }
nav a::after { content: " p. " target-counter(attr(href url), page) }
nav a.fixed::after { content: " p. " target-counter("#s3", page) }
nav a { display: block; bookmark-level: 2; bookmark-label: "to " target-counter(attr(href url), page) }
section { break-before: page }
</style></head><body><h1>Contents</h1><nav>""" + "".join(
    f'<a href="#s{n}">Section {n}</a>' for n in range(SECTIONS)
) + '<a class="fixed" href="#s3">Again</a></nav>' + "".join(
    f'<section id="s{n}"><h2>Section {n}</h2>' + "<p>Text of the section.</p>" * (4 + n % 5) + "</section>"
    for n in range(SECTIONS)
) + "</body></html>"


def write(html: str = HTML) -> bytes:
    """The PDF WeasyPrint writes for ``html``: corrected, unless inside ``engine.upstream_layout()``."""
    engine.apply()
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def test_the_corrections_are_in_effect_once_the_pdf_stage_is_imported() -> None:
    import mcsp_reports.pdf  # noqa: F401  (applies the corrections)

    assert TargetCollector.cache_target_page_counters is engine._indexed_cache_target_page_counters
    assert weasyprint.document.layout_document is engine._indexed_layout_document
    with engine.upstream_layout():
        assert TargetCollector.cache_target_page_counters is engine.UPSTREAM_CACHE_TARGET_PAGE_COUNTERS
        assert weasyprint.document.layout_document is engine.UPSTREAM_LAYOUT_DOCUMENT
        assert weasyprint.layout.page.set_page_type_computed_styles is engine.UPSTREAM_SET_PAGE_TYPE_COMPUTED_STYLES
    assert weasyprint.document.layout_document is engine._indexed_layout_document
    assert weasyprint.layout.page.set_page_type_computed_styles is engine._indexed_set_page_type_computed_styles
    assert weasyprint.layout.page.make_page is not engine.UPSTREAM_MAKE_PAGE
    with engine.upstream_layout():
        assert weasyprint.layout.page.make_page is engine.UPSTREAM_MAKE_PAGE


def test_target_counters_write_the_same_bytes_with_and_without_the_corrections() -> None:
    corrected = write()
    with engine.upstream_layout():
        upstream = write()
    assert corrected == upstream
    # The document does use what is compared: page numbers in the contents and bookmarks.
    with pikepdf.open(io.BytesIO(corrected)) as pdf:
        assert len(pdf.pages) == SECTIONS + 1
        with pdf.open_outline() as outline:
            titles = [child.title for item in outline.root for child in item.children]
        assert titles[:3] == ["to 2", "to 3", "to 4"]


def test_the_page_numbers_printed_are_the_targets_pages() -> None:
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(write())).pages[0].extract_text()
    assert "Section 0 p. 2" in text and f"Section {SECTIONS - 1} p. {SECTIONS + 1}" in text
    assert "Again p. 5" in text


class Walks:
    """How often an engine dictionary was walked whole."""

    count = 0


def count_walks(monkeypatch: pytest.MonkeyPatch, owner: type, attribute: str, method: str) -> type[Walks]:
    """Make every new ``owner`` count the calls of ``method`` on its dictionary ``attribute``.

    The dictionary is swapped once ``owner.__init__`` has returned (keeping its items),
    so only the walks made afterwards, during layout, are counted.
    """
    walks = type("CountedWalks", (Walks,), {"count": 0})

    def walk(self: dict, *args: object) -> object:
        walks.count += 1
        return getattr(dict, method)(self, *args)

    counting = type("CountingDict", (dict,), {method: walk})
    init = owner.__init__

    def counting_init(self: object, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)
        setattr(self, attribute, counting(getattr(self, attribute)))

    monkeypatch.setattr(owner, "__init__", counting_init)
    return walks


@pytest.fixture
def counted_walks(monkeypatch: pytest.MonkeyPatch) -> type[Walks]:
    """Make every TargetCollector count the walks over its lookup items."""
    return count_walks(monkeypatch, TargetCollector, "counter_lookup_items", "items")


def test_the_corrected_engine_walks_the_lookup_items_once_per_index(counted_walks: type[Walks]) -> None:
    write()
    assert counted_walks.count == 2


def test_upstream_walks_the_lookup_items_once_per_reference(counted_walks: type[Walks]) -> None:
    # The fixture that the test above would fail on: WeasyPrint's own bookkeeping.
    with engine.upstream_layout():
        write()
    assert counted_walks.count > 2 * SECTIONS


@pytest.fixture
def parse_again_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, object]]:
    """Log every call the bookkeeping makes to a lookup item's ``parse_again``: (item number, page)."""
    calls: list[tuple[int, object]] = []
    created = 0
    init = CounterLookupItem.__init__

    def recording_init(self: CounterLookupItem, parse_again, *args) -> None:
        nonlocal created
        number, created = created, created + 1

        def recorded(values: dict) -> None:
            calls.append((number, values.get("page")))
            parse_again(values)

        init(self, recorded, *args)

    monkeypatch.setattr(CounterLookupItem, "__init__", recording_init)
    return calls


def test_the_corrected_engine_updates_the_same_items_in_the_same_order(
        parse_again_calls: list[tuple[int, object]]) -> None:
    def run() -> list[tuple[int, object]]:
        parse_again_calls.clear()
        write()
        first = min(number for number, _ in parse_again_calls)  # items are numbered across both runs
        return [(number - first, page) for number, page in parse_again_calls]

    corrected = run()
    with engine.upstream_layout():
        upstream = run()
    assert corrected == upstream
    assert len(corrected) > SECTIONS


def _archival(variant: str) -> bytes:
    html = '<html lang="en-GB"><head><title>Archive</title></head><body><h1>Archive</h1></body></html>'
    date = datetime(2019, 6, 1, tzinfo=UTC)
    sources = [weasyprint.Attachment(string=b"year: 2017-18\n", name=name, relationship="Source",
                                     created=date, modified=date) for name in ("a.yaml", "b.yaml")]
    return weasyprint.HTML(string=html).write_pdf(pdf_variant=variant, attachments=sources)


# -- Page-type styles: each page type's own entries, in the same order --------------------


@pytest.fixture
def counted_style_walks(monkeypatch: pytest.MonkeyPatch) -> type[Walks]:
    """Make every StyleFor count the walks over its cascaded styles once the elements' styles are set."""
    return count_walks(monkeypatch, StyleFor, "_cascaded_styles", "__iter__")


def test_the_corrected_engine_never_walks_every_page_types_styles(counted_style_walks: type[Walks]) -> None:
    write()
    assert counted_style_walks.count == 0


def test_upstream_walks_every_page_types_styles_for_each_page(counted_style_walks: type[Walks]) -> None:
    # The fixture that the test above would fail on: WeasyPrint's own set_page_type_computed_styles.
    with engine.upstream_layout():
        write()
    assert counted_style_walks.count >= SECTIONS + 1


def test_margin_box_styles_are_computed_for_the_same_page_types_in_the_same_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object, object]] = []
    compute = StyleFor.set_computed_styles

    def recording(self: StyleFor, element: object, parent: object, *args: object, **kwargs: object) -> None:
        if isinstance(element, tuple):  # a PageType, not an HTML element
            # A margin box inherits from its page type, a page type from the (per-run) root element.
            calls.append((element, kwargs.get("pseudo_type"), parent if isinstance(parent, tuple) else "root"))
        compute(self, element, parent, *args, **kwargs)

    monkeypatch.setattr(StyleFor, "set_computed_styles", recording)
    corrected = write()
    corrected_calls, calls[:] = calls[:], []
    with engine.upstream_layout():
        upstream = write()
    assert corrected_calls == calls
    assert corrected == upstream
    margins = {pseudo for _, pseudo, _ in calls if pseudo}
    assert {"@top-left", "@top-right", "@bottom-center"} <= margins


# -- Earlier pages' anchors and lookups: gathered once per pass, same answers -------------


class _CountingState(dict):
    """A page's remake state that counts how often its lists are read."""

    reads = 0

    def get(self, key: str, default: object = None) -> object:
        _CountingState.reads += 1
        return super().get(key, default)


def _page_maker(pages: int) -> list[tuple[None, None, None, None, _CountingState]]:
    return [(None, None, None, None, _CountingState(anchors=[f"a{n}"], content_lookups=[n])) for n in range(pages)]


def test_earlier_pages_are_read_once_per_pass_and_give_upstreams_answers() -> None:
    from types import SimpleNamespace

    pages = 40
    context = SimpleNamespace(page_maker=_page_maker(pages))
    _CountingState.reads = 0
    for index in range(pages):
        anchors, lookups = engine._earlier_page_caches(context, index)
        assert anchors == {f"a{n}" for n in range(index)} and lookups == set(range(index))
    assert _CountingState.reads == 2 * (pages - 1)  # upstream reads pages² of them

    # A new pass (a new list of pages, or a page made again) starts from nothing,
    # even when its first page made comes after the last one asked about.
    context.page_maker = [(None, None, None, None, _CountingState(anchors=[f"b{n}"], content_lookups=[]))
                          for n in range(pages + 5)]
    assert engine._earlier_page_caches(context, pages + 2)[0] == {f"b{n}" for n in range(pages + 2)}
    context.page_maker = _page_maker(pages)
    assert engine._earlier_page_caches(context, 3)[0] == {"a0", "a1", "a2"}
    context.page_maker[1][-1]["anchors"] = []
    assert engine._earlier_page_caches(context, 3)[0] == {"a0", "a2"}
    # Pages kept from the last pass between two pages made in this one are counted too.
    assert engine._earlier_page_caches(context, 10)[0] == {f"a{n}" for n in range(10)} - {"a1"}


def laid_out(pages: list[int]) -> int:
    """An engine function to rewrite."""
    return len(pages)


def test_upstream_lines_that_are_not_there_are_never_rewritten() -> None:
    with pytest.raises(engine.EngineVersionError, match="laid_out: the lines to correct are not in the installed"):
        engine._rewritten(laid_out, (("    return len(pages) + 1\n", "    return 0\n"),))
    assert engine._rewritten(laid_out, (("    return len(pages)\n", "    return -len(pages)\n"),))([1, 2]) == -2


def test_each_pdfa_associated_file_is_listed_once() -> None:
    engine.apply()
    with pikepdf.open(io.BytesIO(_archival("pdf/a-3a"))) as pdf:
        associated = [spec.objgen for spec in pdf.Root.AF]
        names = pdf.Root.Names.EmbeddedFiles.Names
        assert sorted(associated) == sorted(names[i].objgen for i in (1, 3))
        assert [str(spec.AFRelationship) for spec in pdf.Root.AF] == ["/Source", "/Source"]


def test_the_engine_alone_lists_each_associated_file_twice() -> None:
    from weasyprint.pdf.pdfa import pdfa

    upstream = weasyprint.pdf.VARIANTS["pdf/a-3a"]
    weasyprint.pdf.VARIANTS["pdf/a-3a"] = (partial(pdfa, version=3, variant="A"), upstream[1])
    try:
        with pikepdf.open(io.BytesIO(_archival("pdf/a-3a"))) as pdf:
            assert len(pdf.Root.AF) == 4  # what the correction is for
    finally:
        weasyprint.pdf.VARIANTS["pdf/a-3a"] = upstream


def test_pdfa_with_pdfua_declares_both_and_describes_the_pdfua_schema() -> None:
    engine.apply()
    data = _archival("pdf/a-3a+ua-1")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata() as meta:
            assert (meta["pdfaid:part"], meta["pdfaid:conformance"], meta["pdfuaid:part"]) == ("3", "A", "1")
            assert meta["dc:title"] == "Archive"
        xmp = pdf.Root.Metadata.read_bytes()
        assert str(pdf.Root.OutputIntents[0].S) == "/GTS_PDFA1"
        assert "/StructTreeRoot" in pdf.Root and len(pdf.Root.AF) == 2
    schema = b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    assert schema in xmp and b"<pdfaProperty:name>part</pdfaProperty:name>" in xmp
    with pikepdf.open(io.BytesIO(_archival("pdf/a-3a"))) as pdf, pdf.open_metadata() as meta:
        assert "pdfuaid:part" not in meta  # plain PDF/A stays as it was


def test_font_copies_go_to_the_folder_given_and_leave_with_their_configuration(tmp_path: Path) -> None:
    import gc

    from weasyprint.text.fonts import FontConfiguration

    engine.apply()
    folder = tmp_path / "engine-temp"
    font = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "Lato-Regular.ttf"
    engine.use_temp_folder(folder)
    try:
        config = FontConfiguration()
        weasyprint.CSS(string=f"@font-face {{ font-family: T; src: url({font.as_uri()}) }}", font_config=config)
        copies = list(folder.iterdir())
        assert len(copies) == 1 and copies[0].name.startswith("weasyprint-")
        assert (copies[0] / next(p.name for p in copies[0].iterdir())).stat().st_size > 0
        del config
        gc.collect()
        assert list(folder.iterdir()) == []
    finally:
        engine.use_temp_folder(None)
    again = engine._mkdtemp(prefix="weasyprint-")
    shutil.rmtree(again)
    assert again.startswith(tempfile.gettempdir())  # upstream's place again


# -- A text's preferred widths: measured once per layout, same widths ----------------------

#: Running heads on every page, shrink-to-fit boxes (floats, flex items, auto table cells)
#: with the same words in styles that differ in one property each, and words repeated.
WIDTHS_HTML = """<html lang="en-GB"><head><title>Widths</title><style>
@page { size: A6; margin: 20mm 12mm; @top-left { content: "Merseyside Community Safety Partnership" }
        @top-right { content: string(part) } @bottom-center { content: counter(page) } }
h2 { string-set: part content() }
.f { float: left; clear: left; border: 1pt solid; margin: 1mm }
.x { display: flex; flex-direction: column; align-items: flex-start } .x p { border: 1pt solid; margin: 1mm }
td { border: 1pt solid }
</style></head><body>""" + "".join(
    f"<h2>Part {n % 3}</h2>"
    + "".join(f'<div class="f" style="{style}">Same words, again</div>' for style in (
        "", "letter-spacing: 2pt", "word-spacing: 6pt", "font-size: 14pt", "font-weight: bold",
        "font-style: italic", "font-family: monospace", "white-space: nowrap", "hyphens: auto", "tab-size: 2"))
    + '<div class="x"><p>A flex item of a few words</p><p style="letter-spacing: 1pt">A flex item of a few words</p></div>'
    + "<table><tr><td>cell words</td><td>cell words in a wider cell</td></tr></table>"
    + '<p style="break-after: page">Text.</p>'
    for n in range(6)) + "</body></html>"


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Log the text of every measurement of preferred widths (the loop's ``split_first_line``)."""
    import weasyprint.layout.preferred as preferred

    calls: list[str] = []
    upstream = preferred.split_first_line

    def measuring(text: str, *args: object, **kwargs: object) -> object:
        calls.append(text)
        return upstream(text, *args, **kwargs)

    monkeypatch.setattr(preferred, "split_first_line", measuring)
    return calls


def test_each_texts_widths_are_measured_once_per_layout_and_write_upstreams_bytes(measured: list[str]) -> None:
    corrected, corrected_calls = write(WIDTHS_HTML), len(measured)
    measured.clear()
    with engine.upstream_layout():
        upstream = write(WIDTHS_HTML)
    assert corrected == upstream
    # Upstream measures every page's running heads and every shrink-to-fit box again
    # (606 measurements here against 103).
    assert len(measured) > 4 * corrected_calls


def test_a_key_that_leaves_out_a_property_of_the_text_changes_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fixture the test above would fail on: a key blind to letter-spacing lends the
    # width of the plain words to the spaced ones.
    with engine.upstream_layout():
        upstream = write(WIDTHS_HTML)
    monkeypatch.setattr(engine, "_TEXT_PROPERTIES",
                        tuple(name for name in engine._TEXT_PROPERTIES if name != "letter_spacing"))
    assert write(WIDTHS_HTML) != upstream


def test_a_style_that_cannot_be_a_key_is_measured_every_time() -> None:
    from types import SimpleNamespace

    class Style(dict):
        font_config = object()

    plain = Style({name: 0 for name in engine._TEXT_PROPERTIES},
                  hyphenate_limit_zone=weasyprint.css.properties.Dimension(0, "px"))
    listed = Style(plain, font_family=["a list", "cannot be hashed"])
    math = Style(plain, hyphenate_limit_zone=("calc()",))
    context = SimpleNamespace()
    assert engine._text_style_key(context, plain) is not None
    assert engine._text_style_key(context, listed) is None
    assert engine._text_style_key(context, math) is None



# -- A text's minimum line widths: one Pango layout, upstream's lines ----------------------

#: Text that may break between any two characters (overflow-wrap: anywhere, as this
#: project's stylesheets set it) and text that may not, in the places min-content is
#: measured: a cover's flex column, running heads, an auto grid track, auto table cells.
ANYWHERE_HTML = """<html lang="en-GB"><head><title>Anywhere</title><style>
html { overflow-wrap: anywhere } td { overflow-wrap: normal; border: 1pt solid }
@page { size: A6; margin: 20mm 12mm; @top-left { content: "Merseyside Community Safety Partnership" }
        @top-right { content: string(part) } @bottom-center { content: "Page " counter(page) " of " counter(pages) } }
h2 { string-set: part content() }
.cover { display: flex; flex-direction: column; justify-content: center; height: 60mm }
.facts { display: grid; grid-template-columns: 20mm auto }
</style></head><body>""" + "".join(
    f'<div class="cover"><p>Merseyside Community Safety Partnership</p><h1>Notable achievements 201{n}/1{n + 1}</h1>'
    '<p><strong>Incomplete record.</strong> The partnership’s page lists no achievements for this year, '
    'and “Safer Merseyside” — its successor — took over in June 2019 (see www.example.org/a-long/path).</p></div>'
    f'<h2>Part {n}</h2><dl class="facts"><dt>Area</dt><dd>The Merseyside Police Force area</dd>'
    '<dt>Years</dt><dd>2012 to June 2019</dd></dl>'
    '<table><tr><th>Theme</th><td>Reducing reoffending and anti-social behaviour</td></tr></table>'
    for n in range(3)) + "</body></html>"


@pytest.fixture
def measuring(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Every min-content measurement of a text at the start of a line and after an inline box,
    in each style of ``ANYWHERE_HTML`` and a few more, as (context, style, justification, line start)."""
    from weasyprint.layout import LayoutContext

    seen: dict[tuple[object, ...], tuple[object, ...]] = {}
    corrected = engine._measure_at_once

    def logged(context, text, style, max_width, justification, line_start, first_line):  # noqa: ANN001, ANN202
        if max_width == 0:
            seen.setdefault((engine._text_style_key(context, style), line_start),
                            (context, style, justification, line_start))
        return corrected(context, text, style, max_width, justification, line_start, first_line)

    engine.apply()
    monkeypatch.setattr(LayoutContext, "measure_text_lines", logged)
    styles = "".join(f'<p style="{s}">A few words <b>and</b> more</p>' for s in (
        "font-size: 20pt", "font-style: italic", "font-variant: small-caps", "font-family: monospace",
        "overflow-wrap: normal", "text-transform: uppercase", "font-weight: bold", "hyphens: none"))
    weasyprint.HTML(string=ANYWHERE_HTML.replace("</body>", f'<div class="cover">{styles}</div></body>')).render()
    return list(seen.values())


#: Characters of each block the correction takes text from, spaces and words of the content.
AT_ONCE_PIECES = [chr(c) for c in (*range(0x20, 0x7f), *range(0xa0, 0x180), *range(0x2010, 0x2028),
                                   *range(0x2030, 0x205f), *range(0x20a0, 0x20c1), *range(0xfb00, 0xfb07))
                  if c != 0xad] + [" "] * 40 + ["2017/18", "www.", "https://", "e.g.", "Merseyside", "fi", "ffl"]


def test_min_content_lines_from_one_layout_are_upstreams_lines_width_for_width(
        measuring: list[tuple[object, ...]]) -> None:
    import random
    import re

    chosen = random.Random(70)
    compared = 0
    for context, style, justification, line_start in measuring:
        for _ in range(14):
            text = re.sub(" +", " ", "".join(chosen.choice(AT_ONCE_PIECES) for _ in range(chosen.randint(1, 24))))
            data = (text.lstrip(" ") if line_start else text).encode()
            wrap = engine._at_once_wrap(data, style, 0, line_start, False)
            if not data or wrap is None:
                continue
            upstream = engine._measure_text_lines(context, data, style, 0, justification, line_start, False)
            assert (engine._lines_at_once(context, data, style, justification, line_start, wrap), None) == upstream, data
            compared += 1
    assert len(measuring) >= 16 and compared >= 180  # both wraps, in every style, not a vacuous pass


def test_a_zero_width_space_is_left_to_upstreams_loop_where_one_layout_would_differ(
        measuring: list[tuple[object, ...]]) -> None:
    context, style, justification, _ = next(m for m in measuring if m[3] and m[1]["overflow_wrap"] == "anywhere")
    data = "\u200b\u00a0B".encode()
    # Upstream's loop finds an empty first line here; one layout does not (the fixture on
    # which the comparison above would fail, were the character in the blocks compared).
    assert engine._lines_at_once(context, data, style, justification, True, "WRAP_CHAR") != (
        engine._measure_text_lines(context, data, style, 0, justification, True, False)[0])
    for text in ("\u200b\u00a0B", "soft\u00adhyphen", "two  spaces", "tab\there", "Ǆ"):
        assert engine._at_once_wrap(text.encode(), style, 0, True, False) is None, text
    assert engine._at_once_wrap(b"words", style, None, True, False) is None  # max-content: one line anyway
    assert engine._at_once_wrap(b"words", style, 0, True, True) is None  # only the first line wanted


@pytest.mark.parametrize("name, value", [
    ("white_space", "pre-wrap"), ("hyphens", "auto"), ("word_break", "break-all"), ("letter_spacing", 1.0),
    ("word_spacing", 2.0), ("font_size", 0), ("overflow_wrap", "break-word")])
def test_a_style_the_comparison_does_not_cover_is_left_to_upstreams_loop(
        measuring: list[tuple[object, ...]], name: str, value: object) -> None:
    _, style, _, _ = next(m for m in measuring if m[3] and m[1]["overflow_wrap"] == "anywhere")
    assert engine._at_once_wrap(b"Some words", style, 0, True, False) == "WRAP_CHAR"
    other = style.copy()
    other[name] = value
    assert engine._at_once_wrap(b"Some words", other, 0, True, False) is None


def test_one_layout_gives_way_to_upstreams_loop_when_it_cannot_be_sure(
        measuring: list[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.layout.preferred as preferred
    import weasyprint.text.line_break as line_break

    context, style, justification, _ = next(m for m in measuring if m[3] and m[1]["overflow_wrap"] == "anywhere")
    assert engine._lines_at_once(context, b"Ab", style, justification, True, "WRAP_CHAR") is not None
    upstream_split, upstream_size = preferred.split_first_line, line_break.line_size
    monkeypatch.setattr(preferred, "split_first_line", lambda *a, **k: (*upstream_split(*a, **k)[:2], 1,
                                                                         *upstream_split(*a, **k)[3:]))
    assert engine._lines_at_once(context, b"Cd", style, justification, True, "WRAP_CHAR") is None
    monkeypatch.setattr(preferred, "split_first_line", upstream_split)
    monkeypatch.setattr(line_break, "line_size", lambda line, style: (0, upstream_size(line, style)[1]))
    assert engine._lines_at_once(context, "Ŋŧ".encode(), style, justification, True, "WRAP_CHAR") is None  # unmeasured
    monkeypatch.setattr(engine, "_text_style_key", lambda context, style: None)  # no key for the widths
    assert engine._lines_at_once(context, b"Gh", style, justification, True, "WRAP_CHAR") is None


def test_min_content_from_one_layout_writes_upstreams_bytes_splitting_each_text_once(
        measured: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.layout import LayoutContext

    corrected, corrected_calls = write(ANYWHERE_HTML), len(measured)
    measured.clear()
    monkeypatch.setattr(LayoutContext, "measure_text_lines", engine._measure_text_lines)
    looped, looped_calls = write(ANYWHERE_HTML), len(measured)
    with engine.upstream_layout():
        upstream = write(ANYWHERE_HTML)
    assert corrected == looped == upstream
    # Upstream's loop splits a text's first line off once per character (307 here); one
    # layout needs upstream's split only for each text's last line (34).
    assert looped_calls > 5 * corrected_calls


# -- Font subsetting: one C type for the glyph arrays -------------------------------------

@pytest.fixture
def allocated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Log the C type of every array WeasyPrint asks cffi for while it subsets fonts."""
    from weasyprint.text.ffi import ffi

    types: list[str] = []
    new = ffi.new

    def logging(cdecl: str, *args: object) -> object:
        types.append(cdecl)
        return new(cdecl, *args)

    monkeypatch.setattr(ffi, "new", logging)
    return types


def test_glyph_arrays_have_one_c_type_whatever_their_length_and_write_upstreams_bytes(allocated: list[str]) -> None:
    corrected = write(WIDTHS_HTML)
    corrected_types = {t for t in allocated if t.startswith("hb_codepoint_t")}
    allocated.clear()
    with engine.upstream_layout():
        upstream = write(WIDTHS_HTML)
    upstream_types = {t for t in allocated if t.startswith("hb_codepoint_t")}
    assert corrected == upstream
    assert corrected_types == {"hb_codepoint_t[]"}
    # Upstream writes each length into the type, one more declaration for pycparser each.
    assert len(upstream_types) >= 3 and "hb_codepoint_t[]" not in upstream_types, upstream_types


# -- Opening WeasyPrint's libraries -----------------------------------------------------

LIBRARIES = r"""
import re, subprocess, sys
started = []
popen = subprocess.Popen.__init__
def counted(self, args, *rest, **kwargs):
    started.append(args[0] if isinstance(args, (list, tuple)) else args)
    popen(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counted
if sys.argv[1] == "corrected":
    import mcsp_reports.engine
else:
    import weasyprint
maps = open("/proc/self/maps").read()
libraries = sorted(set(re.findall(r"\S*/lib(?:gobject|pango|harfbuzz|fontconfig)[^/\s]*\.so[.\d]*", maps)))
print(repr((libraries, started)))
"""


def _imported(how: str) -> tuple[list[str], list[str]]:
    import ast
    import subprocess

    result = subprocess.run([sys.executable, "-c", LIBRARIES, how], capture_output=True, text=True, check=True)
    libraries, started = ast.literal_eval(result.stdout)
    return libraries, started


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the correction is made on Linux only")
def test_weasyprint_opens_the_same_libraries_without_searching_for_them() -> None:
    corrected, searches = _imported("corrected")
    upstream, upstream_searches = _imported("upstream")
    assert corrected == upstream and len(corrected) >= 5, corrected
    assert searches == []
    # Upstream starts ldconfig for each of the 22 names it tries, and gcc and ld (where
    # they are installed) for the sixteen ldconfig does not know.
    assert upstream_searches.count("/sbin/ldconfig") >= 16, upstream_searches

"""Corrections to WeasyPrint 70 (and the pydyf it writes with), in one place.

Where the engine is wrong for what this project publishes, the fix lives here, at the
depth of the engine code that is wrong, and nowhere else. Each correction:

- says which upstream code it replaces (file and line of ``weasyprint==70.0`` or
  ``pydyf==0.13.0`` as installed) and the rule or property it restores;
- is applied by :func:`apply` only when the installed engine is the version it was
  written against (``pyproject.toml`` pins ``weasyprint>=70,<71``); any other version
  gets no correction at all, and :func:`apply` raises so the mismatch is seen;
- is tested on its own in ``tests/test_engine.py``;
- is kept as a patch against the upstream sources in ``docs/upstream/``, written so it
  could be offered upstream.

Nothing here post-processes PDF bytes: each correction changes the engine's own
functions, so the engine still writes every byte itself.
"""

from __future__ import annotations

import copy
import ctypes.util
import inspect
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from importlib import metadata
from itertools import islice, pairwise
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import SubElement, fromstring, register_namespace, tostring

import pydyf

#: The engine series these corrections were written against.
ENGINE_SERIES = "70."


# -- WeasyPrint: its libraries opened by the names the loader knows -------------------------
#
# Upstream: ``text/ffi.py:503-525`` opens each library (GObject, Pango, HarfBuzz and its
# subsetter and vector painter, Fontconfig, PangoFT2) by trying six names in turn, the
# Windows and bare names first and the Linux file name (``libgobject-2.0.so.0``) fourth.
# cffi hands each name the dynamic loader cannot open to ``ctypes.util.find_library``,
# which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld`` on a temporary file, for
# every name it cannot find: 54 processes on Debian 12, 0.16 s of the 0.45 s WeasyPrint
# takes to import, in every process that renders, and a temporary file left behind when
# the process is stopped during one.
#
# Corrected: on Linux, while WeasyPrint is first imported (through this module, which
# :mod:`mcsp_reports.pdf` imports before it), ``find_library`` finds nothing, so each
# library is opened at its Linux file name by the loader itself. On Linux
# ``find_library`` answers with such a file name for the loader to open, so a library
# it could find is one the loader opens at that name: the same libraries are loaded.
# Patch: docs/upstream/weasyprint-library-names.patch (on Linux, asks the loader alone
# for the file names).


@contextmanager
def libraries_by_file_name() -> Iterator[None]:
    """Inside the block (with the pinned engine, on Linux) ``ctypes.util.find_library`` finds nothing."""
    if not sys.platform.startswith("linux") or not metadata.version("weasyprint").startswith(ENGINE_SERIES):
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = _not_searched
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


def _not_searched(name: str) -> None:
    """No answer: WeasyPrint's list goes on to the file name the loader opens by itself."""
    return None


with libraries_by_file_name():
    import weasyprint
import weasyprint.anchors as anchors_module
import weasyprint.document as document_module
import weasyprint.draw as draw_module
import weasyprint.layout as layout_module
import weasyprint.layout.inline as inline_module
import weasyprint.layout.page as page_module
import weasyprint.layout.preferred as preferred_module
import weasyprint.pdf as pdf_module
import weasyprint.pdf.fonts as fonts_module
import weasyprint.pdf.metadata as metadata_module
import weasyprint.pdf.pdfa as pdfa_module
import weasyprint.pdf.tags as tags_module
import weasyprint.text.fonts
import weasyprint.text.line_break as line_break_module
from weasyprint.css.targets import CounterLookupItem, TargetCollector
from weasyprint.formatting_structure import boxes
from weasyprint.layout import initialize_page_maker, layout_fixed_boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import make_all_pages, make_margin_boxes
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.pdf.stream import Stream
from weasyprint.text.constants import PANGO_WRAP_MODE
from weasyprint.text.ffi import ffi, pango


class EngineVersionError(RuntimeError):
    """The installed WeasyPrint is not the version the corrections were written for."""


# -- pydyf: page references ---------------------------------------------------------------
#
# Upstream: pydyf 0.13.0, ``pydyf/__init__.py:506-510``, ``PDF.page_references`` is a
# property that builds the tuple of every page's reference on each access. WeasyPrint 70
# reads it once per tagged element (``pdf/tags.py``, ``pdf/anchors.py``), so writing a
# tagged document costs O(pages²). Kept until a page is added, the same tuple makes it
# linear without changing a byte. Patch: docs/upstream/pydyf-page-references.patch.


def _cached_page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """``pydyf.PDF.page_references``, rebuilt only when a page has been added."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_mcsp_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_mcsp_page_references"] = cached
    return cached[1]


def correct_page_references() -> None:
    """Cache ``pydyf.PDF.page_references`` per page count (see the comment above)."""
    pydyf.PDF.page_references = property(_cached_page_references)


# -- Shared helpers for the tagging corrections -------------------------------------------
#
# WeasyPrint 70 builds the structure tree in ``pdf/tags.py`` from the laid-out boxes, page
# by page, with ``_build_box_tree`` (a recursive generator reached through its module
# global, so a wrapper installed on the module sees every level). The corrections below
# wrap that function, ``add_tags`` and the drawing stream's marking methods; none of them
# touches a byte of the written file.

#: The engine functions the tagging corrections replace, as upstream wrote them.
_UPSTREAM: dict[tuple[Any, str], Any] = {
    (owner, name): getattr(owner, name) for owner, name in (
        (tags_module, "_build_box_tree"), (tags_module, "_get_pdf_tag"), (tags_module, "add_tags"),
        (pdf_module, "add_tags"), (anchors_module, "gather_anchors"), (document_module, "gather_anchors"),
        (draw_module, "draw_stacking_context"), (draw_module, "draw_table"),
        (inline_module, "remove_last_whitespace"), (inline_module, "split_text_box"),
        (Stream, "marked"), (Stream, "artifact"))}


@contextmanager
def uncorrected() -> Iterator[None]:
    """Render with WeasyPrint's own tagging inside the block, to show what a correction changes.

    Tests make their failing fixtures this way; the corrections return on leaving.
    """
    apply()
    corrected = {key: getattr(*key) for key in _UPSTREAM}
    for (owner, name), original in _UPSTREAM.items():
        setattr(owner, name, original)
    try:
        yield
    finally:
        for (owner, name), replacement in corrected.items():
            setattr(owner, name, replacement)


def _object(pdf: pydyf.PDF, reference: bytes) -> Any:
    """The pydyf object that ``reference`` (``b"12 0 R"``) names."""
    return pdf.objects[int(reference.split()[0])]


def _link_target(box: Any) -> Any:
    """The box that carries tagging data: an absolutely placed box's own box."""
    return box._box if isinstance(box, AbsolutePlaceholder) else box


def _wrap_box_tree(wrapper: Callable[..., Iterator[Any]]) -> None:
    """Install ``wrapper(original, box, parent, pdf, page_number, nums, annotations, tags)``."""
    original = tags_module._build_box_tree

    def build(box, parent, pdf, page_number, nums, annotations, tags):  # noqa: ANN001, ANN202
        return wrapper(original, box, parent, pdf, page_number, nums, annotations, tags)

    tags_module._build_box_tree = build


def _wrap_add_tags(after: Callable[[pydyf.PDF, Any, int], None]) -> None:
    """Run ``after(pdf, document, first_object)`` once ``add_tags`` has built the tree.

    ``first_object`` is the number of the first object ``add_tags`` created. ``add_tags``
    is imported by name into ``pdf/__init__.py``, so both names are replaced.
    """
    original = tags_module.add_tags

    def add_tags(pdf, document, pdf_version, page_streams):  # noqa: ANN001, ANN202
        first = len(pdf.objects)
        original(pdf, document, pdf_version, page_streams)
        after(pdf, document, first)

    tags_module.add_tags = add_tags
    pdf_module.add_tags = add_tags


def _structure_root(pdf: pydyf.PDF) -> Any:
    return _object(pdf, pdf.catalog["StructTreeRoot"])


# -- 1. Page-margin boxes are pagination artifacts -----------------------------------------
#
# Upstream: ``pdf/tags.py:144-151`` builds structure elements for the contents of margin
# boxes (running heads, "Page X of Y") and never links them to the tree ("It could be
# included in tree as Artifact, but that's only allowed in PDF 2.0"); ``draw/__init__.py:633``
# marks their text as ``/Span`` with an MCID. The ParentTree then lists elements that the
# StructTreeRoot cannot reach and whose /P claims a parent that does not list them (ISO
# 32000-1 14.7.2), and real content sits outside the structure (PDF/UA-1 7.1-3, Matterhorn
# 01-001). ISO 32000-1 14.8.2.2.2 makes running heads and page numbers pagination
# artifacts, which PDF 1.7 expresses in the content stream, not in the tree: each margin
# box is drawn inside ``/Artifact <</Type /Pagination /Subtype /Header|/Footer>> BDC``,
# nothing inside it is marked again, and no element is made for it.
# Patch: docs/upstream/margin-box-artifacts.patch.

_MARGIN_SUBTYPES = {"top": "/Header", "bottom": "/Footer"}


def _pagination_properties(box: Any) -> pydyf.Dictionary:
    """The property list of a pagination artifact for margin box ``box``."""
    properties = pydyf.Dictionary({"Type": "/Pagination"})
    side = box.at_keyword.lstrip("@").split("-")[0]
    if side in _MARGIN_SUBTYPES:
        properties["Subtype"] = _MARGIN_SUBTYPES[side]
    return properties


def correct_margin_artifacts() -> None:
    """Draw page-margin boxes as pagination artifacts and leave them out of the tree."""
    marked, artifact = Stream.marked, Stream.artifact

    @contextmanager
    def corrected_marked(self: Stream, box: Any, tag: str) -> Iterator[None]:
        # Inside an artifact nothing is tagged: marked content cannot nest in an artifact
        # (PDF/UA-1 7.1-2), and an MCID there would need an element.
        if getattr(self, "_mcsp_artifact_depth", 0):
            yield
            return
        with marked(self, box, tag):
            yield

    @contextmanager
    def corrected_artifact(self: Stream) -> Iterator[None]:
        if getattr(self, "_mcsp_artifact_depth", 0):
            yield
            return
        with artifact(self):
            yield

    @contextmanager
    def pagination(self: Stream, properties: pydyf.Dictionary) -> Iterator[None]:
        """Mark everything drawn inside as one pagination artifact."""
        if self._tags is None:
            yield
            return
        self.begin_marked_content("Artifact", properties)
        self._mcsp_artifact_depth = getattr(self, "_mcsp_artifact_depth", 0) + 1
        try:
            yield
        finally:
            self._mcsp_artifact_depth -= 1
            self.end_marked_content()

    Stream.marked, Stream.artifact, Stream.pagination = corrected_marked, corrected_artifact, pagination

    draw_stacking_context = draw_module.draw_stacking_context

    def corrected_draw_stacking_context(stream: Stream, stacking_context: Any) -> None:
        if isinstance(stacking_context.box, boxes.MarginBox):
            with stream.pagination(_pagination_properties(stacking_context.box)):
                draw_stacking_context(stream, stacking_context)
        else:
            draw_stacking_context(stream, stacking_context)

    draw_module.draw_stacking_context = corrected_draw_stacking_context

    def skip_margin_boxes(original, box, *args):  # noqa: ANN001, ANN202
        if isinstance(box, boxes.MarginBox):
            return iter(())
        return original(box, *args)

    _wrap_box_tree(skip_margin_boxes)


# -- 3. Links: one annotation per link, parented by its Link, described by its text ----------
#
# Upstream: ``anchors.py:84-113`` gives every non-text box inside a link its own link
# annotation (so ``<a>`` with a span or a ``::after`` inside gets two or three overlapping
# annotations, each a tab stop); ``pdf/tags.py:88-90`` tags ``a::before``/``a::after`` as
# ``Link`` too, so Links nest (ISO 32000-1 tagged profile Annex L: Link may not contain
# Link); ``pdf/tags.py:238-248`` makes the annotation's structure parent whatever element
# the box has (a ``Span`` for ``<span>`` inside ``<a>``), where PDF/UA-1 7.18.5-1 (Matterhorn
# 28-011) wants a ``Link``; and ``pdf/anchors.py:37-38`` sets /Contents to the link target
# (an anchor id) where PDF/UA-1 7.18.5-2 wants an alternate description.
# Corrected: an inline box that only inherits its ancestor's link gets no annotation of its
# own; inside a Link, links and link pseudo-elements are Spans and any annotation they
# still carry (a block or image inside a link) hangs from the enclosing Link; a box with an
# annotation outside any Link becomes the Link; /Contents is the link's text.
# Patch: docs/upstream/link-structure.patch.


def _link_description(element: Any, fallback: str) -> str:
    """What a link says: its text, else its title, else ``fallback``."""
    text = " ".join("".join(element.itertext()).split()) if element is not None else ""
    if not text and element is not None:
        text = (element.get("title") or element.get("aria-label") or "").strip()
    return text or fallback


def _enclosing_link(pdf: pydyf.PDF, parent: Any) -> Any:
    """``parent`` or its nearest ancestor element that is a ``Link``, else ``None``."""
    node = parent
    while node is not None and node.get("Type") == "/StructElem":
        if node["S"] == "/Link":
            return node
        node = _object(pdf, node["P"])
    return None


_link_state: list[str | None] = [None]  # what the box being tagged is, for _get_pdf_tag


def correct_link_structure() -> None:
    """Tag links as one ``Link`` per link, with its annotations and a text description."""
    gather = anchors_module.gather_anchors

    def corrected_gather(box, anchors, links, bookmarks, forms, parent_matrix=None,  # noqa: ANN001, ANN202
                         parent_form=None, parent_link=None):
        inherited = parent_link is not None and box.link is None and isinstance(box, boxes.InlineBox)
        before = len(links)
        gather(box, anchors, links, bookmarks, forms, parent_matrix, parent_form, parent_link)
        # The inline ancestor's annotation already covers this box's area.
        if inherited and len(links) > before and links[before][3] is box:
            del links[before]

    anchors_module.gather_anchors = corrected_gather
    document_module.gather_anchors = corrected_gather

    get_pdf_tag = tags_module._get_pdf_tag

    def corrected_get_pdf_tag(tag: str | None) -> str:
        pdf_tag = get_pdf_tag(tag)
        if _link_state[-1] == "inside" and pdf_tag == "Link":
            return "Span"
        if _link_state[-1] == "owner":
            return "Link"
        return pdf_tag

    tags_module._get_pdf_tag = corrected_get_pdf_tag

    def link_elements(original, box, parent, pdf, page_number, nums, annotations, tags):  # noqa: ANN001, ANN202
        target = _link_target(box)
        annotation = getattr(target, "link_annotation", None)
        enclosing = _enclosing_link(pdf, parent)
        _link_state.append("inside" if enclosing is not None else "owner" if annotation else None)
        if enclosing is not None and annotation is not None:
            target.link_annotation = None  # hung from the enclosing Link below
        try:
            elements = list(original(box, parent, pdf, page_number, nums, annotations, tags))
        finally:
            _link_state.pop()
        if annotation is None:
            return iter(elements)
        target.link_annotation = annotation
        if not elements and enclosing is None:
            return iter(elements)
        link = enclosing if enclosing is not None else elements[-1]
        if enclosing is not None:
            reference = pydyf.Dictionary({
                "Type": "/OBJR", "Obj": annotation.reference, "Pg": pdf.page_references[page_number]})
            pdf.add_object(reference)
            enclosing["K"].append(reference.reference)
            annotations.append((enclosing.reference, annotation))
        element = getattr(link, "_mcsp_html", None) or getattr(target, "element", None)
        if enclosing is None:
            link._mcsp_html = element
        target_text = getattr(annotation.get("Contents"), "string", "") or "link"
        annotation["Contents"] = pydyf.String(_link_description(element, f"Link to {target_text}"))
        return iter(elements)

    _wrap_box_tree(link_elements)


# -- 4. Table headers: /Scope on every TH, and an /IDTree for the /ID the cells refer to ---
#
# Upstream: ``pdf/tags.py:228-236`` gives TH and TD ``/A << /O /Table >>`` without /Scope,
# and ``pdf/tags.py:317-339`` gives each TH an /ID that TDs name in /Headers, but
# ``add_tags`` (``pdf/tags.py:12-82``) writes no /IDTree, so the IDs resolve to nothing
# (ISO 32000-1 14.7.2 Table 322: IDTree is required if any element has an ID). PDF/UA-1
# 7.5 (Matterhorn 15-003) wants TH to carry /Scope when Headers/IDs do not settle the
# structure. Corrected: /Scope from the HTML ``scope`` attribute (``row``/``rowgroup`` →
# /Row, ``col``/``colgroup`` → /Column), else /Column in a THead and /Row for a row's first
# cell elsewhere; and an /IDTree name tree listing every element's /ID.
# Patch: docs/upstream/table-headers.patch.

_SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


def _header_scope(pdf: pydyf.PDF, box: Any, row: Any) -> str:
    """The /Scope of the TH made for ``box`` in the TR element ``row``."""
    declared = box.element.get("scope", "").strip().lower() if box.element is not None else ""
    if declared in _SCOPES:
        return _SCOPES[declared]
    group = _object(pdf, row["P"]) if row.get("S") == "/TR" else None
    if group is not None and group["S"] == "/THead":
        return "/Column"
    # A header that starts its row labels that row; any other labels its column.
    return "/Row" if not len(row["K"]) else "/Column"


def _add_id_tree(pdf: pydyf.PDF, document: Any, first: int) -> None:
    """Give the StructTreeRoot an /IDTree naming every element that has an /ID."""
    named = sorted(
        (obj["ID"].string, obj.reference) for obj in pdf.objects[first:]
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and "ID" in obj)
    if named:
        names = pydyf.Array()
        for key, reference in named:
            names.extend((pydyf.String(key), reference))
        _structure_root(pdf)["IDTree"] = pydyf.Dictionary({"Names": names})


def correct_table_headers() -> None:
    """Scope every TH and write the /IDTree that the cells' /Headers need."""

    def scoped(original, box, parent, pdf, *args):  # noqa: ANN001, ANN202
        elements = list(original(box, parent, pdf, *args))
        for element in elements:
            if element.get("S") == "/TH" and "Scope" not in element["A"]:
                element["A"]["Scope"] = _header_scope(pdf, _link_target(box), parent)
        return iter(elements)

    _wrap_box_tree(scoped)
    _wrap_add_tags(_add_id_tree)


# -- 5. A space where a line breaks between words ------------------------------------------
#
# Upstream: ``layout/inline.py:924-984`` (``split_text_box``) breaks a line at a space and
# keeps the space in neither line, ``layout/inline.py:242-270`` (``remove_last_whitespace``)
# strips any space left at the end of a line, and ``pdf/stream.py:282-296`` marks the text
# box with nothing but its MCID; read in structure order, the last word of one line runs
# into the first word of the next ("crimeand disorder"). ISO 32000-1 14.8.2.5 requires word
# breaks to be present or recoverable; 14.9.4 allows /ActualText on a marked-content
# sequence. Corrected: the box remembers the space it lost, and its marked content carries
# ``/ActualText`` of its text with the space restored.
# Patch: docs/upstream/line-end-spaces.patch.


def _last_text_box(line: Any) -> Any:
    """The text box ``remove_last_whitespace`` would trim on ``line``, or ``None``."""
    box = line
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        if not box.children:
            return None
        box = box.children[-1]
    return box if isinstance(box, boxes.TextBox) else None


_HYPHENS = ("-", "\u2010", "\u2011", "\u00ad")


def _mark_line_end(line: Any) -> None:
    """Give the last text of ``line`` a word break, unless the line ends inside a word.

    A line also ends at a ``<br>`` (whose own box holds no text once laid out) and at
    the end of a block; both separate words just as a space does.
    """
    last = None
    for box in line.descendants():
        if isinstance(box, boxes.TextBox) and box.text.strip():
            last = box
    if last is not None and getattr(last, "mcsp_stripped", None) is None and not last.text.endswith(_HYPHENS):
        last.mcsp_stripped = " "


def correct_line_end_spaces() -> None:
    """Keep the word break of each soft line break as /ActualText on the line's last text."""
    remove_last_whitespace = inline_module.remove_last_whitespace

    def corrected_remove_last_whitespace(context: Any, line: Any) -> None:
        box = _last_text_box(line)
        text = box.text if box is not None else None
        remove_last_whitespace(context, line)
        if box is not None and text is not None and box.text != text:
            box.mcsp_stripped = text[len(box.text):]
        _mark_line_end(line)

    inline_module.remove_last_whitespace = corrected_remove_last_whitespace
    split_text_box = inline_module.split_text_box

    def corrected_split_text_box(context, box, available_width, skip, is_line_start=True):  # noqa: ANN001, ANN202
        new_box, resume, preserved_line_break = split_text_box(
            context, box, available_width, skip, is_line_start)
        if new_box is not None and resume is not None and not preserved_line_break:
            text = box.text.encode()
            between = text[(skip or 0) + len(new_box.text.encode()):resume].decode(errors="replace")
            # Empty when the line breaks inside a word (after a slash, or to avoid overflow).
            new_box.mcsp_stripped = between if not between.strip() else ""
        return new_box, resume, preserved_line_break

    inline_module.split_text_box = corrected_split_text_box
    marked = Stream.marked

    @contextmanager
    def corrected_marked(self: Stream, box: Any, tag: str) -> Iterator[None]:
        stripped = getattr(box, "mcsp_stripped", None)
        if self._tags is None or not stripped:
            with marked(self, box, tag):
                yield
            return
        # pdf/stream.py:283-296, with the space restored as ActualText.
        mcid = len(self._tags)
        assert box not in self._tags
        self._tags[box] = {"tag": tag, "mcid": mcid}
        properties = pydyf.Dictionary({"MCID": mcid, "ActualText": pydyf.String(box.text + " ")})
        self.begin_marked_content(tag, properties)
        try:
            yield
        finally:
            self.end_marked_content()

    Stream.marked = corrected_marked


# -- 6. The Figure's /BBox in PDF user space -----------------------------------------------
#
# Upstream: ``pdf/tags.py:199-206`` writes a Figure's layout /BBox from the box's content
# box in CSS pixels measured from the top-left corner of the page. ISO 32000-1 14.8.5.4.3
# (Table 344) defines BBox in the default user space of the page: points, from the
# bottom-left. Corrected: the rectangle is mapped through the page's own matrix
# (``pdf/__init__.py:182``: x·s, height·s − y·s, with s the CSS-px-to-point scale).
# Patch: docs/upstream/figure-bbox.patch.

_pages: list[Any] = []  # the pages of the document being tagged


def correct_figure_bbox() -> None:
    """Write each Figure's /BBox in points from the page's bottom-left corner."""

    def user_space(original, box, parent, pdf, page_number, *args):  # noqa: ANN001, ANN202
        elements = list(original(box, parent, pdf, page_number, *args))
        for element in elements:
            # The html and body boxes pass their children's elements through.
            if element.get("S") == "/Figure" and "BBox" in element.get("A", {}) and not hasattr(
                    element, "_mcsp_user_space"):
                element._mcsp_user_space = True
                page = _pages[page_number]
                media = _object(pdf, pdf.page_references[page_number])["MediaBox"]
                scale = (media[3] - media[1]) / (page.height + page.bleed["top"] + page.bleed["bottom"])
                x1, y1, x2, y2 = element["A"]["BBox"]
                height = page.height * scale
                element["A"]["BBox"] = pydyf.Array(
                    (x1 * scale, height - y2 * scale, x2 * scale, height - y1 * scale))
        return iter(elements)

    _wrap_box_tree(user_space)
    original = tags_module.add_tags

    def add_tags(pdf, document, pdf_version, page_streams):  # noqa: ANN001, ANN202
        _pages[:] = document.pages
        try:
            original(pdf, document, pdf_version, page_streams)
        finally:
            _pages.clear()

    tags_module.add_tags = pdf_module.add_tags = add_tags


# -- 7. One element per HTML element, continued across pages ------------------------------
#
# Upstream: ``pdf/tags.py:46-65`` builds a separate tree for each page and appends each
# page's top-level elements to the Document, so an element split by a page break becomes
# two elements (a chapter's ``Sect`` once per page, a table twice, the second without its
# Caption), and a table's repeated header rows are tagged again on every page as new TH
# cells. ISO 32000-1 14.7.2 makes structure independent of pagination (one element per
# logical unit, its content referenced on whichever page it lies, 14.7.4.2 marked-content
# references with /Pg); PDF/UA-1 7.2 (Table rules 7.2-3, 7.2-11, 7.2-16) wants one THead
# and one Caption per Table; ISO 32000-1 14.8.2.2.2 makes repeated table headers
# pagination artifacts. Corrected: after the tree is built, an element that continues the
# previous sibling's HTML element from an earlier page is merged into it (its marked
# content through /MCR with its page, its ParentTree entries pointed at the merged
# element); a table's header rows drawn again on a later page are pagination artifacts,
# left out of the tree, and the cells below them name the first page's headers.
# Patch: docs/upstream/continued-elements.patch.


class _RepeatedCell(dict):
    """Stands in for a structure element of a repeated header cell (``box.mark``)."""

    def __init__(self, element: Any) -> None:
        super().__init__({"A": {}})
        self.element = element


def _mark_repeated_headers(table: Any, repeated: bool) -> None:
    """Flag (or clear) every box of ``table``'s header rows as a repeated header."""
    for group in table.children:
        if getattr(group, "is_header", False):
            for box in group.descendants():
                box.mcsp_repeated_header = repeated


def _merge_into(pdf: pydyf.PDF, first: Any, later: Any, tree: dict[str, Any]) -> None:
    """Move every kid of ``later`` (an element on a later page) into ``first``."""
    nums, pages = tree["nums"], tree["pages"]
    page = pages[later["Pg"]]
    for kid in later["K"]:
        if isinstance(kid, int):
            reference = pydyf.Dictionary({"Type": "/MCR", "Pg": later["Pg"], "MCID": kid})
            pdf.add_object(reference)
            nums[page][kid] = first.reference
            first["K"].append(reference.reference)
            continue
        obj = _object(pdf, kid)
        if obj.get("Type") == "/MCR":
            nums[pages[obj["Pg"]]][obj["MCID"]] = first.reference
        elif obj.get("Type") == "/OBJR":
            nums[_object(pdf, obj["Obj"])["StructParent"]] = first.reference
        else:
            obj["P"] = first.reference
        first["K"].append(kid)
    later["K"] = pydyf.Array()


def _continues(pdf: pydyf.PDF, before: Any, kid: Any) -> bool:
    """Whether ``kid`` continues ``before``: same HTML element and type, later page."""
    if not (isinstance(before, bytes) and isinstance(kid, bytes)):
        return False
    a, b = _object(pdf, before), _object(pdf, kid)
    origin = getattr(a, "_mcsp_origin", None)
    return (origin is not None and origin == getattr(b, "_mcsp_origin", None)
            and a.get("S") == b.get("S") and a.get("Pg") != b.get("Pg"))


def _merge_continued(pdf: pydyf.PDF, document: Any, first: int) -> None:
    """Merge each element continued on a later page into its first part."""
    root = _structure_root(pdf)
    parent_tree = _object(pdf, root["ParentTree"])["Nums"]
    # Page arrays are indexed by page number, annotation entries by their StructParent.
    nums: dict[int, Any] = {}
    for index in range(0, len(parent_tree), 2):
        key, value = parent_tree[index], parent_tree[index + 1]
        nums[key] = value if isinstance(value, pydyf.Array) else _Slot(parent_tree, index + 1)
    tree = {"nums": _NumsView(nums), "pages": {ref: i for i, ref in enumerate(pdf.page_references)}}
    stack = [_object(pdf, reference) for reference in root["K"]]
    while stack:
        element = stack.pop()
        merged: list[Any] = []
        for kid in element.get("K", ()):
            if merged and _continues(pdf, merged[-1], kid):
                _merge_into(pdf, _object(pdf, merged[-1]), _object(pdf, kid), tree)
            else:
                merged.append(kid)
        if "K" in element:
            element["K"][:] = merged
        stack.extend(
            _object(pdf, kid) for kid in merged
            if isinstance(kid, bytes) and _object(pdf, kid).get("Type") == "/StructElem")
    _name_first_headers(pdf, first)


class _Slot:
    """One value in the ParentTree's Nums array, assignable in place."""

    def __init__(self, array: Any, index: int) -> None:
        self.array, self.index = array, index


class _NumsView:
    """``nums[page][mcid] = ref`` for page arrays and ``nums[key] = ref`` for annotations."""

    def __init__(self, entries: dict[int, Any]) -> None:
        self.entries = entries

    def __getitem__(self, key: int) -> Any:
        return self.entries[key]

    def __setitem__(self, key: int, reference: bytes) -> None:
        slot = self.entries[key]
        slot.array[slot.index] = reference


def _name_first_headers(pdf: pydyf.PDF, first: int) -> None:
    """Point cells' /Headers at the first page's TH where they name a repeated header."""
    placeholders = pdf.__dict__.pop("_mcsp_repeated_cells", [])
    if not placeholders:
        return
    real: dict[Any, Any] = {}
    for obj in pdf.objects[first:]:
        if isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/TH" and "ID" in obj:
            real.setdefault(getattr(obj, "_mcsp_origin", (None,))[0], obj["ID"])
    renamed = {cell["ID"].string: real[cell.element] for cell in placeholders
               if "ID" in cell and cell.element in real}
    for obj in pdf.objects[first:]:
        if isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/TD" and "Headers" in obj.get("A", {}):
            headers = obj["A"]["Headers"]
            headers[:] = [renamed.get(h.string, h) for h in headers]


def correct_continued_elements() -> None:
    """Keep one element per HTML element across pages; repeated table headers are artifacts."""
    draw_table = draw_module.draw_table

    def corrected_draw_table(stream: Stream, table: Any) -> None:
        # One resources dictionary serves every page of one PDF, so it knows which tables
        # an earlier page of this PDF has drawn.
        drawn = stream._resources.__dict__.setdefault("_mcsp_tables", set())
        _mark_repeated_headers(table, table.element in drawn)
        drawn.add(table.element)
        draw_table(stream, table)

    draw_module.draw_table = corrected_draw_table
    marked = Stream.marked

    @contextmanager
    def corrected_marked(self: Stream, box: Any, tag: str) -> Iterator[None]:
        if self._tags is None or not getattr(box, "mcsp_repeated_header", False):
            with marked(self, box, tag):
                yield
            return
        self.begin_marked_content("Artifact", pydyf.Dictionary({"Type": "/Pagination"}))
        try:
            yield
        finally:
            self.end_marked_content()

    Stream.marked = corrected_marked

    def remember(original, box, parent, pdf, *args):  # noqa: ANN001, ANN202
        target = _link_target(box)
        # The tags are built from copies of the drawn row groups that share their text
        # boxes, so a group is known as repeated by its text.
        if getattr(target, "is_header", False) and any(
                getattr(text, "mcsp_repeated_header", False) for text in target.descendants()
                if isinstance(text, boxes.TextBox)):
            # Drawn as an artifact: no elements, but the table's header bookkeeping
            # (pdf/tags.py:317-359) still reads each cell's ``mark``.
            cells = pdf.__dict__.setdefault("_mcsp_repeated_cells", [])
            for row in target.children:
                for cell in row.children:
                    cell.mark = _RepeatedCell(cell.element)
                    cells.append(cell.mark)
            return iter(())
        elements = list(original(box, parent, pdf, *args))
        if target.element is not None:
            for element in elements:
                # The html and body boxes pass their children's elements through.
                if not hasattr(element, "_mcsp_origin"):
                    element._mcsp_origin = (target.element, target.element_tag)
        return iter(elements)

    _wrap_box_tree(remember)
    _wrap_add_tags(_merge_continued)


# -- 8. Anonymous blocks add no element of their own type ---------------------------------
#
# Upstream: ``pdf/tags.py:126-128`` tags every box by its element's tag, and the anonymous
# block boxes layout makes inside an element (``formatting_structure/boxes.py:122-126``,
# around a float or a block-level child of a paragraph) carry the element and tag of their
# parent, so a paragraph holding a float is written as ``P`` inside ``P``, which ISO
# 32000-1 Annex L forbids (tagged PDF profile, Annex_L "P elem should not contain P kid").
# ``pdf/tags.py:151-153`` already makes such boxes ``NonStruct`` in table cells.
# Corrected: a block box made for the same element as the box that holds it is a
# ``NonStruct`` wherever its tag would repeat a grouping or paragraph-level type.
# Patch: docs/upstream/anonymous-blocks.patch.

# Types an anonymous block would wrongly repeat; lists and table cells keep upstream's own
# handling (LBody, NonStruct).
_REPEATED_BY_ANONYMOUS = frozenset(
    ("P", "H1", "H2", "H3", "H4", "H5", "H6", "Div", "Sect", "Art", "Part", "BlockQuote", "Caption"))
_building: list[tuple[Any, str | None]] = []  # (element, tag) of each box being tagged


def correct_anonymous_blocks() -> None:
    """Tag anonymous block boxes ``NonStruct`` instead of repeating their element's type."""
    get_pdf_tag = tags_module._get_pdf_tag

    def corrected_get_pdf_tag(tag: str | None) -> str:
        pdf_tag = get_pdf_tag(tag)
        if _anonymous_state[-1] and pdf_tag in _REPEATED_BY_ANONYMOUS:
            return "NonStruct"
        return pdf_tag

    tags_module._get_pdf_tag = corrected_get_pdf_tag

    def anonymous(original, box, *args):  # noqa: ANN001, ANN202
        target = _link_target(box)
        origin = (target.element, target.element_tag)
        _anonymous_state.append(
            target.element is not None and isinstance(target, boxes.BlockBox)
            and bool(_building) and _building[-1] == origin)
        _building.append(origin)
        try:
            return iter(list(original(box, *args)))
        finally:
            _building.pop()
            _anonymous_state.pop()

    _wrap_box_tree(anonymous)


_anonymous_state: list[bool] = [False]  # whether the box being tagged is anonymous


# -- WeasyPrint: page-based target counters ----------------------------------------------
#
# Every ``target-counter()`` of the history's contents, timeline and indexes becomes one
# ``CounterLookupItem`` in ``TargetCollector.counter_lookup_items``, keyed by
# ``(box, css_token)``: about 11,000 of them at 1,000 pages. Two places in WeasyPrint 70
# scan that whole dictionary again and again, so layout grows with pages × references:
#
# - ``css/targets.py:184-231``, ``TargetCollector.cache_target_page_counters``, called by
#   ``make_page`` (``layout/page.py:788``) for every anchor first met on a page, walks all
#   items to find the ``content`` items that miss a counter of *that* anchor;
# - ``layout/__init__.py:180-192``, ``layout_document``, walks all items for every laid-out
#   box with a ``missing_link`` to find that box's non-``content`` items.
#
# Both keep only items selected by one key (the anchor name; the box), so an index from
# that key to the matching items, built once and in the dictionary's own order, finds the
# same items in the same order. The dictionary only grows while boxes are built
# (``collect_missing_counters`` returns at once when ``collecting`` is off) and each item's
# ``missing_target_counters`` is complete when the item is stored
# (``formatting_structure/build.py:419,570``), so an index keyed by the dictionary's size
# is never stale. Rule kept: same items, same order, same calls; every byte unchanged.
#
# A third scan, in ``make_page``, is corrected further down (earlier pages' anchors).
# Patches for all three: docs/upstream/weasyprint-*.patch.


#: Upstream's functions, kept so that tests and the benchmark can compare both engines.
UPSTREAM_CACHE_TARGET_PAGE_COUNTERS = TargetCollector.cache_target_page_counters
UPSTREAM_LAYOUT_DOCUMENT = layout_module.layout_document


def _index(collector: TargetCollector, name: str, build: Callable[[], dict]) -> dict:
    """``build()``, kept on ``collector`` until ``counter_lookup_items`` grows."""
    size = len(collector.counter_lookup_items)
    cached = collector.__dict__.get(name)
    if cached is None or cached[0] != size:
        cached = (size, build())
        collector.__dict__[name] = cached
    return cached[1]


def _content_items_by_anchor(collector: TargetCollector) -> dict[str, list[CounterLookupItem]]:
    """``content`` lookup items by each anchor whose counters they miss, in dictionary order."""
    index: dict[str, list[CounterLookupItem]] = {}
    for (_, css_token), item in collector.counter_lookup_items.items():
        if css_token == "content":
            for anchor_name, missing in item.missing_target_counters.items():
                if missing is not None:
                    index.setdefault(anchor_name, []).append(item)
    return index


def _indexed_cache_target_page_counters(
    self: TargetCollector, anchor_name: str, page_counter_values: dict, page_maker_index: int, page_maker: list
) -> None:
    """``TargetCollector.cache_target_page_counters`` visiting only the items of ``anchor_name``.

    Replaces ``weasyprint/css/targets.py:184-231`` (70.0); the body is upstream's, with
    the loop over every lookup item narrowed to the index.
    """
    if self.collecting:
        return

    item = self.target_lookup_items.get(anchor_name)
    if item and item.state == "up-to-date":
        item.page_maker_index = page_maker_index
        if item.cached_page_counter_values != page_counter_values:
            item.cached_page_counter_values = copy.deepcopy(page_counter_values)
            by_anchor = _index(self, "_mcsp_content_items_by_anchor", lambda: _content_items_by_anchor(self))
            for lookup in by_anchor.get(anchor_name, ()):
                missing_counters = lookup.missing_target_counters[anchor_name]
                if lookup.page_maker_index is None or lookup.page_maker_index >= len(page_maker):
                    lookup.pending = True
                    continue
                for counter_name in missing_counters:
                    if page_counter_values.get(counter_name) is not None:
                        page_maker[lookup.page_maker_index][-1]["content_changed"] = True
                        lookup.parse_again(lookup.cached_page_counter_values)
                        break


def correct_target_page_counters() -> None:
    """Index the ``content`` lookup items by anchor for the page-counter cache (see above)."""
    TargetCollector.cache_target_page_counters = _indexed_cache_target_page_counters


def _other_items_by_box(collector: TargetCollector) -> dict[object, list[tuple[str, CounterLookupItem]]]:
    """Non-``content`` lookup items (bookmark labels, string sets) by their box, in dictionary order."""
    index: dict[object, list[tuple[str, CounterLookupItem]]] = {}
    for (box, css_token), item in collector.counter_lookup_items.items():
        if css_token != "content":
            index.setdefault(box, []).append((css_token, item))
    return index


def _indexed_layout_document(html, root_box, context, max_loops=8) -> Iterator:  # noqa: ANN001
    """``weasyprint.layout.layout_document`` looking up each box's lookup items in an index.

    Replaces ``weasyprint/layout/__init__.py:104-216`` (70.0), a copy of upstream's
    function in which two loops change. The loop at lines 180-192 finds each box's items
    in an index: boxes are compared by identity there (``Box`` defines no ``__eq__``),
    which is what a dictionary keyed by box finds. The loop at lines 198-201 gives each
    page the fixed boxes of every other page, slicing the list of pages twice per page
    (pages² over a document); the pages without fixed boxes give none, so only the pages
    that have some are listed, once, in the same order. The function is carried whole
    because both loops sit in its middle.
    """
    initialize_page_maker(context, root_box)
    pages: list[Any] = []
    original_footnotes: list[Any] = []
    actual_total_pages = 0

    for loop in range(max_loops):
        if loop > 0:
            PROGRESS_LOGGER.info("Step 5 - Creating layout - Repagination #%d", loop)
            context.footnotes = original_footnotes.copy()

        initial_total_pages = actual_total_pages
        if loop == 0:
            original_footnotes = context.footnotes.copy()
        pages = list(make_all_pages(context, root_box, html, pages))
        actual_total_pages = len(pages)

        reloop_content = False
        reloop_pages = False
        for page_data in context.page_maker:
            _, _, _, page_state, remake_state = page_data
            page_counter_values = page_state[1]
            page_counter_values["pages"] = [actual_total_pages]
            if remake_state["content_changed"]:
                reloop_content = True
            if remake_state["pages_wanted"]:
                reloop_pages = initial_total_pages != actual_total_pages

        if not reloop_content and not reloop_pages:
            break

    watch_elements: list[Any] = []
    watch_elements_before: list[Any] = []
    watch_elements_after: list[Any] = []
    # Pagination is over: the lookup items are final, so one index serves every box.
    by_box = _other_items_by_box(context.target_collector)
    for i, page in enumerate(pages):
        _, _, _, page_state, _ = context.page_maker[i + 1]
        page_counter_values = page_state[1]

        for child in page.descendants():
            if child.bookmark_label:
                if child.element_tag.endswith("::before"):
                    checklist = watch_elements_before
                elif child.element_tag.endswith("::after"):
                    checklist = watch_elements_after
                else:
                    checklist = watch_elements
                if child.element in checklist:
                    child.bookmark_label = ""
                else:
                    checklist.append(child.element)

            if child.missing_link:
                box = child.missing_link
                for css_token, item in by_box.get(box, ()):
                    if css_token == "bookmark-label" and not child.bookmark_label:
                        continue
                    item.parse_again(page_counter_values)
                    if css_token == "bookmark-label":
                        child.bookmark_label = box.bookmark_label
            string_sets = child.string_set
            if string_sets and string_sets != "none":
                for string_set in string_sets:
                    string_name, text = string_set
                    context.string_set[string_name][i + 1].append(text)

    # Only pages with fixed boxes give any to the others: list them once (see above).
    fixed = [(j, page) for j, page in enumerate(pages) if page.fixed_boxes]
    for i, page in enumerate(pages):
        root_children = []
        root, footnote_area, note_area = page.children
        root_children.extend(layout_fixed_boxes(context, [p for j, p in fixed if j < i], page))
        root_children.extend(root.children)
        root_children.extend(layout_fixed_boxes(context, [p for j, p in fixed if j > i], page))
        root.children = root_children
        context.current_page = i + 1

        state = context.page_maker[context.current_page][3]
        children = [root]
        if footnote_area.children:
            children.append(footnote_area)
        if note_area.children:
            children.append(note_area)
        children.extend(make_margin_boxes(context, page, state))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
        yield page


def correct_layout_document() -> None:
    """Index the non-``content`` lookup items by box, and list the pages with fixed boxes once (see above)."""
    # document.py imported the function by name, so it is replaced where it is called.
    layout_module.layout_document = _indexed_layout_document
    document_module.layout_document = _indexed_layout_document


# -- WeasyPrint: the styles of each page type ----------------------------------------------
#
# Upstream: ``layout/page.py:867-885``, ``set_page_type_computed_styles``, runs for every
# page laid out (``remake_page``, ``layout/page.py:994``). It adds the page type's ``@page``
# declarations to ``StyleFor._cascaded_styles`` and then walks that *whole* dictionary to
# compute the styles of the page type's margin boxes. Once the elements' styles are
# computed the dictionary holds only page entries (``css/__init__.py:161`` clears it),
# but every page has its own page type (``PageType`` includes the page's index), so the
# dictionary gains one entry per margin box per page and the walk costs pages² over a
# layout: 6 ms a page of a 1,000-page history's profile, rising with the length.
#
# Corrected: the keys ``add_page_declarations`` inserts are recorded under their page
# type as they are inserted (the dictionary only grows after that ``clear``, so the keys
# added by a call are its last entries), and the margin boxes' styles are computed for
# exactly the keys the walk would have found, in the same (insertion) order, from the
# same key objects. Rule kept: same calls, same order; every byte unchanged.
# Patch: docs/upstream/weasyprint-page-type-styles.patch.


def _indexed_set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
    """``set_page_type_computed_styles`` visiting only ``page_type``'s own cascaded entries.

    Replaces ``weasyprint/layout/page.py:867-885`` (70.0).
    """
    cascaded = style_for.get_cascaded_styles()
    keys_by_type: dict[Any, list[tuple[Any, Any]]] = style_for.__dict__.setdefault("_mcsp_page_type_keys", {})
    size = len(cascaded)
    style_for.add_page_declarations(page_type)
    added = list(islice(reversed(cascaded), len(cascaded) - size))
    keys = keys_by_type.setdefault(page_type, [])
    keys.extend(reversed(added))

    # Apply style for page
    style_for.set_computed_styles(
        page_type,
        # @page inherits from the root element:
        # https://lists.w3.org/Archives/Public/www-style/2012Jan/1164.html
        root=html.etree_element, parent=html.etree_element,
        base_url=html.base_url)

    # Apply style for page pseudo-elements (margin boxes)
    for element, pseudo_type in keys:
        if pseudo_type:
            style_for.set_computed_styles(
                element, pseudo_type=pseudo_type,
                # The pseudo-element inherits from the element.
                root=html.etree_element, parent=element,
                base_url=html.base_url)


#: Upstream's function, kept so that tests and the benchmark can compare both engines.
UPSTREAM_SET_PAGE_TYPE_COMPUTED_STYLES = page_module.set_page_type_computed_styles


def correct_page_type_styles() -> None:
    """Compute each page type's margin-box styles from its own entries only (see above)."""
    page_module.set_page_type_computed_styles = _indexed_set_page_type_computed_styles


# -- WeasyPrint: the anchors and lookups of earlier pages ---------------------------------
#
# Upstream: ``layout/page.py:775-779``, in ``make_page``, gathers the anchors and
# counter lookups cached by *every* earlier page into two lists for each page made, and
# tests each box's anchor and lookup against them with ``in`` (lines 784 and 807): pages ×
# anchors to gather, anchors² and lookups² to test. At 2,000 pages of history these lines
# were 10 ms a page of a sampled profile, the largest part of what grows with length.
#
# Corrected: ``make_all_pages`` makes pages in order within a pass and only a page being
# made changes its own lists (``layout/page.py:1055-1060``, ``785``, ``809``), so sets of
# the earlier pages' anchors and lookups are kept on the layout context and extended with
# the pages made (or kept) since the previous call; they start again when the pass's list
# of pages is a new one (``layout/page.py:1075``) or a page comes round again. The lists
# were only ever tested for membership, so the sets give the same answers, and every
# byte is unchanged.
#
# ``make_page`` is 300 lines, so it is not carried: its upstream source is compiled again
# with the five lines replaced, each of which must be found exactly once (see
# :func:`_rewritten`), which makes the function that runs the upstream patch itself.
# Patch: docs/upstream/weasyprint-make-page-earlier-pages.patch.

#: Upstream's lines and the lines that replace them, as in the patch.
_MAKE_PAGE_LINES = (
    ("""    cached_anchors = []
    cached_lookups = []
    for (_, _, _, _, x_remake_state) in page_maker[:page_number - 1]:
        cached_anchors.extend(x_remake_state.get('anchors', []))
        cached_lookups.extend(x_remake_state.get('content_lookups', []))
""", """    cached_anchors, cached_lookups = context.earlier_page_caches(
        page_number - 1)
"""),
    ("            cached_anchors.append(anchor)\n", "            cached_anchors.add(anchor)\n"),
    ("                cached_lookups.append(counter_lookup_id)\n", "                cached_lookups.add(counter_lookup_id)\n"),
)


def _rewritten(function: Callable[..., Any], lines: tuple[tuple[str, str], ...]) -> Callable[..., Any]:
    """``function`` compiled again from its installed source with each ``(old, new)`` of ``lines`` made.

    Each ``old`` must occur exactly once, or :class:`EngineVersionError` is raised: a
    source that differs from the one the lines were read from is never corrected. The
    new function lives in the upstream module's namespace, and its line numbers are the
    upstream file's (the replaced lines aside), so tracebacks point at the real source.
    """
    source = textwrap.dedent(inspect.getsource(function))  # a method's source is indented
    for old, new in lines:
        if source.count(old) != 1:
            raise EngineVersionError(
                f"{function.__module__}.{function.__qualname__}: the lines to correct are not in the installed "
                f"source: {old.strip().splitlines()[0]!r}")
        source = source.replace(old, new)
    first_line = inspect.getsourcelines(function)[1]
    code = compile("\n" * (first_line - 1) + source, inspect.getsourcefile(function) or "<engine>", "exec")
    namespace: dict[str, Any] = {}
    exec(code, function.__globals__, namespace)  # noqa: S102  (upstream's own source, checked above)
    return namespace[function.__name__]


def _earlier_page_caches(context: Any, index: int) -> tuple[set[Any], set[int]]:
    """The anchors and lookup ids cached by the pages before ``index`` (``LayoutContext.earlier_page_caches``).

    The sets are the caller's to extend with the page it makes: its own lists will hold
    the same items when the next page asks.
    """
    page_maker = context.page_maker
    cache = context.__dict__.get("_mcsp_earlier_pages")
    if cache is None or cache[0] is not page_maker or index <= cache[1]:
        cache = context.__dict__["_mcsp_earlier_pages"] = [page_maker, 0, set(), set()]
    _, start, anchors, lookups = cache
    for *_, remake_state in page_maker[start:index]:
        anchors.update(remake_state.get("anchors", []))
        lookups.update(remake_state.get("content_lookups", []))
    cache[1] = index
    return anchors, lookups


#: Upstream's function, kept so that tests and the benchmark can compare both engines.
UPSTREAM_MAKE_PAGE = page_module.make_page


def correct_make_page_earlier_pages() -> None:
    """Keep the earlier pages' anchors and lookups in sets extended page by page (see above)."""
    layout_module.LayoutContext.earlier_page_caches = _earlier_page_caches
    page_module.make_page = _rewritten(UPSTREAM_MAKE_PAGE, _MAKE_PAGE_LINES)


# -- WeasyPrint: a text's preferred widths, measured once per layout -----------------------
#
# Upstream: ``layout/preferred.py:357-367``, in ``inline_line_widths``, measures the lines of
# a text box for its min- or max-content width by laying its text out again with Pango,
# one ``split_first_line`` (up to three Pango layouts) per break opportunity, each time
# the width is asked. It is asked again and again for the same text: every page's running
# heads (a margin box's width comes from its min- and max-content, ``layout/page.py:179``),
# the flex items of every cover (``layout/flex.py``), the cells of auto tables. A small
# document with running heads on six pages made 606 measurements where 103 suffice; a
# 51-page history costs a tenth more CPU with the repeats (99 ms a page against 88 ms,
# docs/performance.md).
#
# Corrected: ``LayoutContext.text_line_widths`` runs upstream's loop once per text, style
# and arguments in a layout context, and hands out copies of its answer. The answer
# depends on nothing else: the text, the available width (0 or none), the justification
# spacing, whether the text starts a line, the font configuration, and the style
# properties that ``text/line_break.py`` and ``text/fonts.py`` read, which are the key. A
# style with a value that cannot be a key, or a ``hyphenate-limit-zone`` that is a math
# function (which reads other properties), is measured every time, as upstream does.
# Same widths, so every byte is unchanged. ``inline_line_widths`` is compiled again from
# its upstream source with the loop replaced by the call (see :func:`_rewritten`).
# Patch: docs/upstream/weasyprint-text-line-widths.patch.

#: Every property ``text/line_break.py`` and ``text/fonts.py`` of WeasyPrint 70 read from a style.
_TEXT_PROPERTIES = (
    "direction", "font_family", "font_feature_settings", "font_kerning", "font_language_override",
    "font_size", "font_stretch", "font_style", "font_variant_alternates", "font_variant_caps",
    "font_variant_east_asian", "font_variant_ligatures", "font_variant_numeric", "font_variant_position",
    "font_variation_settings", "font_weight", "hyphenate_character", "hyphenate_limit_chars",
    "hyphenate_limit_zone", "hyphens", "lang", "letter_spacing", "line_height", "overflow_wrap", "tab_size",
    "text_decoration_line", "white_space", "word_break", "word_spacing")

_INLINE_LINE_WIDTHS_LINES = (
    ("""            lines = []
            resume_index = new_resume_index = 0
            while new_resume_index is not None:
                resume_index += new_resume_index
                _, _, new_resume_index, width, _, _ = split_first_line(
                    child_text[resume_index:].decode(), child.style, context, max_width,
                    child.justification_spacing, is_line_start=is_line_start,
                    minimum=True)
                lines.append(width or None)
                if first_line:
                    break
""", """            lines, new_resume_index = context.text_line_widths(
                child_text, child.style, max_width, child.justification_spacing,
                is_line_start, first_line)
"""),
)


def _text_style_key(context: Any, style: Any) -> tuple[Any, ...] | None:
    """What of ``style`` a text's measured lines depend on, or None when it cannot be a key."""
    keys = context.__dict__.setdefault("_mcsp_text_styles", {})
    found = keys.get(id(style))
    if found is None or found[0] is not style:  # the style is kept, so its id is not reused
        key: tuple[Any, ...] | None = (id(style.font_config), *(style[name] for name in _TEXT_PROPERTIES))
        try:
            hash(key)
        except TypeError:
            key = None
        if getattr(style["hyphenate_limit_zone"], "unit", None) is None:
            key = None
        found = keys[id(style)] = (style, key)
    return found[1]


def _text_line_widths(
    context: Any, text: bytes, style: Any, max_width: float | None, justification_spacing: float,
    is_line_start: bool, first_line: bool,
) -> tuple[list[float | None], int | None]:
    """Upstream's loop of ``inline_line_widths`` over the lines of ``text``, run once per key.

    Returns the lines' widths (a list of the caller's own) and the index at which the last
    line measured stopped, as the loop leaves them (``LayoutContext.text_line_widths``). The
    loop itself is ``LayoutContext.measure_text_lines``.
    """
    style_key = _text_style_key(context, style)
    cache = context.__dict__.setdefault("_mcsp_text_lines", {})
    key = None if style_key is None else (text, style_key, max_width, justification_spacing, is_line_start,
                                          first_line)
    found = None if key is None else cache.get(key)
    if found is None:
        lines, new_resume_index = context.measure_text_lines(
            text, style, max_width, justification_spacing, is_line_start, first_line)
        found = (tuple(lines), new_resume_index)
        if key is not None:
            cache[key] = found
    return list(found[0]), found[1]


def _measure_text_lines(
    context: Any, text: bytes, style: Any, max_width: float | None, justification_spacing: float,
    is_line_start: bool, first_line: bool,
) -> tuple[list[float | None], int | None]:
    """Upstream's loop of ``inline_line_widths``, as it stands (``LayoutContext.measure_text_lines``)."""
    lines: list[float | None] = []
    resume_index = 0
    new_resume_index: int | None = 0
    while new_resume_index is not None:
        resume_index += new_resume_index
        _, _, new_resume_index, width, _, _ = preferred_module.split_first_line(
            text[resume_index:].decode(), style, context, max_width, justification_spacing,
            is_line_start=is_line_start, minimum=True)
        lines.append(width or None)
        if first_line:
            break
    return lines, new_resume_index


#: Upstream's function, kept so that tests and the benchmark can compare both engines.
UPSTREAM_INLINE_LINE_WIDTHS = preferred_module.inline_line_widths


def correct_text_line_widths() -> None:
    """Measure each text's preferred widths once per layout (see above)."""
    layout_module.LayoutContext.text_line_widths = _text_line_widths
    layout_module.LayoutContext.measure_text_lines = _measure_text_lines
    preferred_module.inline_line_widths = _rewritten(UPSTREAM_INLINE_LINE_WIDTHS, _INLINE_LINE_WIDTHS_LINES)


# -- WeasyPrint: a text's minimum line widths, from one Pango layout -----------------------
#
# Upstream: ``layout/preferred.py:357-367``, in ``inline_line_widths``, finds the lines of a
# text for its min-content width (``max_width`` 0) one ``split_first_line`` at a time, up to
# four Pango layouts for each line. Where text may break between any two characters
# (``overflow-wrap: anywhere``, which this project's stylesheets set so that no long word
# or file name leaves the page), every character is a line: a cover title, a running head,
# a notice of 300 characters is 300 calls. In a year's report these measurements, for the
# cover's flex items, the margin boxes and the auto grid tracks, were two fifths of the
# layout, even measured once per layout (above).
#
# Corrected: one Pango layout of the whole text at width 0, wrapped as ``split_first_line``
# wraps at width 0: between characters where the text starts a line and may break
# anywhere (its step 5), between words otherwise (its step 1). Each line but the last is
# then measured as ``first_line_metrics`` measures it, its trailing spaces removed and laid
# out alone, once per distinct line text and style in a layout (a line of only spaces is
# ``None``, as upstream's ``width or None``); the last line by upstream's own
# ``split_first_line``, which must find it the last. The lines, their widths and the
# resume index equal upstream's for text that is ordinary for this engine: white-space
# ``normal`` (so no runs of spaces, no newlines or tabs), no ``hyphens: auto``, no
# ``word-break``, letter or word spacing, and only characters of the Latin, Latin-1,
# punctuation, currency and ligature blocks that ``tests/test_engine.py`` compares
# (random texts in the styles of a report), with no soft hyphen or zero-width character,
# where upstream's own line breaking differs by a line of nothing. Any other text, and
# any line that would measure nothing, takes upstream's loop.
# Patch: docs/upstream/weasyprint-min-content-lines.patch.

#: The characters whose lines :func:`_lines_at_once` finds as upstream's loop does.
_AT_ONCE_TEXT = re.compile(r"[\x20-\x7e\xa0-\xac\xae-\u017f\u2010-\u2027\u2030-\u205e\u20a0-\u20c0\ufb00-\ufb06]+")


def _at_once_wrap(text: bytes, style: Any, max_width: float | None, is_line_start: bool,
                  first_line: bool) -> str | None:
    """How ``split_first_line`` breaks ``text`` at width 0 (a Pango wrap mode), or None when unsure."""
    if (max_width != 0 or first_line or b"  " in text or style["white_space"] != "normal"
            or style["hyphens"] == "auto" or style["word_break"] != "normal"
            or style["letter_spacing"] != "normal" or style["word_spacing"] or not style["font_size"]
            or not _AT_ONCE_TEXT.fullmatch(text.decode())):
        return None
    if style["overflow_wrap"] == "anywhere":
        return "WRAP_CHAR" if is_line_start else "WRAP_WORD"
    return "WRAP_WORD" if style["overflow_wrap"] == "normal" else None


def _lines_at_once(context: Any, text: bytes, style: Any, justification_spacing: float, is_line_start: bool,
                   wrap: str) -> list[float | None] | None:
    """The min-content lines of ``text`` from one Pango layout, or None to leave them to upstream's loop."""
    style_key = _text_style_key(context, style)
    if style_key is None:  # no key for the widths of its lines' texts
        return None
    layout = line_break_module.create_layout(text.decode(), style, context, 0, justification_spacing)
    pango.pango_layout_set_wrap(layout.layout, PANGO_WRAP_MODE[wrap])
    starts: list[int] = []
    while (line := pango.pango_layout_get_line_readonly(layout.layout, len(starts))) != ffi.NULL:
        starts.append(line.start_index)
    widths = context.__dict__.setdefault("_mcsp_line_texts", {})
    lines: list[float | None] = []
    for start, end in pairwise(starts):
        piece = text[start:end].rstrip(b" ")
        if not piece:
            lines.append(None)
            continue
        key = (piece, style_key, justification_spacing)
        width = widths.get(key)
        if width is None:
            alone = line_break_module.Layout(style, justification_spacing)
            alone.set_text(piece.decode())
            width = widths[key] = line_break_module.line_size(alone.get_first_line()[0], style)[0]
        if not width:
            return None
        lines.append(width)
    _, _, resume_index, width, _, _ = preferred_module.split_first_line(
        text[starts[-1]:].decode(), style, context, 0, justification_spacing, is_line_start=is_line_start,
        minimum=True)
    if resume_index is not None:
        return None
    lines.append(width or None)
    return lines


def _measure_at_once(
    context: Any, text: bytes, style: Any, max_width: float | None, justification_spacing: float,
    is_line_start: bool, first_line: bool,
) -> tuple[list[float | None], int | None]:
    """``LayoutContext.measure_text_lines``: the lines from one layout where that is sure, else upstream's loop."""
    wrap = _at_once_wrap(text, style, max_width, is_line_start, first_line)
    if wrap is not None:
        lines = _lines_at_once(context, text, style, justification_spacing, is_line_start, wrap)
        if lines is not None:
            return lines, None
    return _measure_text_lines(context, text, style, max_width, justification_spacing, is_line_start, first_line)


def correct_min_content_lines() -> None:
    """Find a text's minimum line widths from one Pango layout (see above)."""
    layout_module.LayoutContext.measure_text_lines = _measure_at_once


# -- WeasyPrint: font subsetting declares one C array type, not one per length ------------
#
# Upstream: ``pdf/fonts.py:227``, ``:245`` and ``:256``, in ``Font._harfbuzz_subset``, make
# each glyph array with ``ffi.new(f'hb_codepoint_t[{n}]', ...)``: a C declaration with the
# length written in, which cffi parses with pycparser (2.3 ms) for every length the process
# has not seen. The lengths are the glyphs a font uses and its highest glyph id, so nearly
# every font of every PDF written parses two declarations, and each rendering process starts
# with none parsed.
#
# Corrected: ``ffi.new('hb_codepoint_t[]', ...)``, an open array that takes its length from
# the values, parsed once per process: the same array, so the same bytes.
# ``Font._harfbuzz_subset`` is compiled again from its upstream source with the three
# declarations replaced (see :func:`_rewritten`).
# Patch: docs/upstream/weasyprint-subset-arrays.patch.

_SUBSET_ARRAY_LINES = (
    ("ffi.new(f'hb_codepoint_t[{len(to_unicode)}]', sorted(to_unicode))",
     "ffi.new('hb_codepoint_t[]', sorted(to_unicode))"),
    ("ffi.new(f'hb_codepoint_t[{len(drop_tables)}]', drop_tables)", "ffi.new('hb_codepoint_t[]', drop_tables)"),
    ("ffi.new(f'hb_codepoint_t[{len(keep)}]', keep)", "ffi.new('hb_codepoint_t[]', keep)"),
)

#: Upstream's method, kept so that tests can compare both engines.
UPSTREAM_HARFBUZZ_SUBSET = fonts_module.Font._harfbuzz_subset


def correct_subset_arrays() -> None:
    """Declare the glyph arrays of font subsetting with one C type (see above)."""
    fonts_module.Font._harfbuzz_subset = _rewritten(UPSTREAM_HARFBUZZ_SUBSET, _SUBSET_ARRAY_LINES)


@contextmanager
def upstream_layout() -> Iterator[None]:
    """Lay out and subset fonts with WeasyPrint's own functions inside the block (no speed correction), to compare outputs."""
    replaced = {(TargetCollector, "cache_target_page_counters"): UPSTREAM_CACHE_TARGET_PAGE_COUNTERS,
                (layout_module, "layout_document"): UPSTREAM_LAYOUT_DOCUMENT,
                (document_module, "layout_document"): UPSTREAM_LAYOUT_DOCUMENT,
                (page_module, "set_page_type_computed_styles"): UPSTREAM_SET_PAGE_TYPE_COMPUTED_STYLES,
                (page_module, "make_page"): UPSTREAM_MAKE_PAGE,
                (preferred_module, "inline_line_widths"): UPSTREAM_INLINE_LINE_WIDTHS,
                (fonts_module.Font, "_harfbuzz_subset"): UPSTREAM_HARFBUZZ_SUBSET}
    current = {key: getattr(*key) for key in replaced}
    for (owner, name), function in replaced.items():
        setattr(owner, name, function)
    try:
        yield
    finally:
        for (owner, name), function in current.items():
            setattr(owner, name, function)


# -- 9. A list item's content goes in its LBody -------------------------------------------
#
# Upstream: ``pdf/tags.py:155-184`` makes an ``LBody`` only of the anonymous block that holds
# a list item's inline content, and puts the item's block-level children (``<li><p>``,
# ``<li>text<div>``) directly in the ``LI``; ISO 32000-1 14.8.4.3.3 (Table 336) and Annex L
# allow an LI only ``Lbl`` and ``LBody`` kids (PDF/UA-1 7.2-20). Corrected: once an LI is
# built, every kid that is not its ``Lbl`` moves, in order, into one ``LBody``.
# Patch: docs/upstream/list-bodies.patch.


def _gather_list_body(pdf: pydyf.PDF, item: Any, page_number: int) -> None:
    """Move every kid of the LI ``item`` but its Lbl into a single LBody."""
    labels: list[Any] = []
    body_kids: list[Any] = []
    bodies: list[Any] = []
    for kid in item["K"]:
        obj = _object(pdf, kid) if isinstance(kid, bytes) else {}
        role = obj.get("S")
        if role == "/Lbl":
            labels.append(kid)
        elif role == "/LBody":
            bodies.append(obj)
            body_kids.extend(obj["K"])
        else:
            body_kids.append(kid)
    if len(bodies) == 1 and len(labels) + 1 == len(item["K"]):
        return  # already an Lbl and one LBody
    if bodies:
        body = bodies[0]
        for other in bodies[1:]:
            other["K"] = pydyf.Array()
    else:
        body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array(),
                                 "Pg": pdf.page_references[page_number], "P": item.reference})
        pdf.add_object(body)
        # A list item continued on the next page brings its own LBody to merge with this one.
        if hasattr(item, "_mcsp_origin"):
            body._mcsp_origin = item._mcsp_origin
    body["K"] = pydyf.Array(body_kids)
    for kid in body_kids:
        if isinstance(kid, bytes) and _object(pdf, kid).get("Type") == "/StructElem":
            _object(pdf, kid)["P"] = body.reference
    item["K"] = pydyf.Array([*labels, body.reference])


def correct_list_bodies() -> None:
    """Put every block of a list item in its LBody."""

    def gathered(original, box, parent, pdf, page_number, *args):  # noqa: ANN001, ANN202
        elements = list(original(box, parent, pdf, page_number, *args))
        for element in elements:
            # The html and body boxes pass their children's elements through.
            if element.get("S") == "/LI" and not hasattr(element, "_mcsp_gathered"):
                element._mcsp_gathered = True
                _gather_list_body(pdf, element, page_number)
        return iter(elements)

    _wrap_box_tree(gathered)


# -- PDF/A: each associated file listed once; PDF/A-2a/3a declared together with PDF/UA-1 --
#
# Upstream: weasyprint 70.0, ``weasyprint/pdf/pdfa.py:8-69``, the ``pdfa()`` that every
# PDF/A variant runs.
#
# - Lines 36-41 put every embedded file in the catalog's ``/AF`` from the EmbeddedFiles
#   name tree, then lines 42-51 put each in again from its ``/Filespec`` object, so each
#   file is listed twice. ``/AF`` lists a document's associated files (ISO 32000-2
#   §14.13; PDF/A-3 §6.8 requires each embedded file to be one); a file is associated once.
# - Line 65 writes the XMP identification of PDF/A alone (``pdf/metadata.py:101-108``:
#   ``generate_rdf_metadata`` writes the one ``pdf{variant}id`` schema), and a PDF is
#   written as one variant, so an archival copy that is also accessible cannot say so.
#   PDF/UA-1 (ISO 14289-1 §5) needs ``pdfuaid:part``; PDF/A (ISO 19005-2/-3 §6.6.2.3.3)
#   needs every schema it does not predefine, pdfuaid among them, described by a
#   ``pdfaExtension:schemas`` entry in the same XMP.
#
# The corrected ``pdfa()`` lists each file once and, given ``ua_version``, writes both
# identifications and the extension schema; the variants ``pdf/a-2a+ua-1`` and
# ``pdf/a-3a+ua-1`` (level A: tagged, as PDF/UA needs) use it. Upstream, combining
# variants is asked for in Kozea/WeasyPrint#2783. Patch: docs/upstream/pdfa-with-pdfua.patch.

#: The XMP namespaces of a PDF/A extension schema description (ISO 19005-1 Technical Corrigendum 2).
_PDFA_EXTENSION_NS = {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}


def _rdf_with_pdfua(metadata: metadata_module.DocumentMetadata, version: int, conformance: str, ua_version: int) -> bytes:
    """The engine's RDF for PDF/A, with the PDF/UA identification and its extension schema added."""
    ns = {**metadata_module.NS, **_PDFA_EXTENSION_NS}
    for prefix, uri in _PDFA_EXTENSION_NS.items():
        register_namespace(prefix, uri)

    def name(prefix: str, local: str) -> str:
        return f"{{{ns[prefix]}}}{local}"

    rdf = fromstring(metadata.generate_rdf_metadata("a", version, conformance))
    # The first description is the identification: pdfaid:part and pdfaid:conformance.
    rdf[0].set(name("pdfuaid", "part"), str(ua_version))
    description = SubElement(rdf, name("rdf", "Description"), {name("rdf", "about"): ""})
    bag = SubElement(SubElement(description, name("pdfaExtension", "schemas")), name("rdf", "Bag"))
    schema = SubElement(bag, name("rdf", "li"), {name("rdf", "parseType"): "Resource"})
    for key, text in (("schema", "PDF/UA Universal Accessibility Schema"),
                      ("namespaceURI", ns["pdfuaid"]), ("prefix", "pdfuaid")):
        SubElement(schema, name("pdfaSchema", key)).text = text
    sequence = SubElement(SubElement(schema, name("pdfaSchema", "property")), name("rdf", "Seq"))
    part = SubElement(sequence, name("rdf", "li"), {name("rdf", "parseType"): "Resource"})
    for key, text in (("name", "part"), ("valueType", "Integer"), ("category", "internal"),
                      ("description", "Indicates which part of ISO 14289 the document conforms to")):
        SubElement(part, name("pdfaProperty", key)).text = text
    return tostring(rdf, encoding="utf-8")


def _include_metadata(
    metadata: metadata_module.DocumentMetadata, pdf: pydyf.PDF, version: int, conformance: str, compress: bool,
    ua_version: int | None,
) -> None:
    """``DocumentMetadata.include_in_pdf`` (``pdf/metadata.py:84-98``) for PDF/A, with PDF/UA if given."""
    if ua_version is None:
        metadata.include_in_pdf(pdf, "a", version, conformance, compress)
        return
    header = b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    footer = b'</x:xmpmeta>\n<?xpacket end="r"?>'
    xml = _rdf_with_pdfua(metadata, version, conformance, ua_version)
    stream = pydyf.Stream([b"\n".join((header, xml, *metadata.xmp_metadata, footer))],
                          {"Type": "/Metadata", "Subtype": "/XML"}, compress)
    pdf.add_object(stream)
    pdf.catalog["Metadata"] = stream.reference


def _pdfa(
    pdf: pydyf.PDF, document: Any, page_streams: Any, attachments: list[Any], compress: bool,
    version: int, variant: str, ua_version: int | None = None,
) -> None:
    """``pdfa_module.pdfa``, each associated file listed once, declaring PDF/UA too if asked."""
    if version == 1 and "Names" in pdf.catalog and "EmbeddedFiles" in pdf.catalog["Names"]:
        del pdf.catalog["Names"]["EmbeddedFiles"]
    if version <= 2:
        # PDF/A-1 embeds no file, PDF/A-2 only PDF files (as upstream, lines 16-28).
        for pdf_object in pdf.objects:
            if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/Filespec":
                stream = pdf.objects[int(pdf_object["EF"]["F"].split()[0])]
                if version == 1 or stream.extra["Subtype"] != "/application#2fpdf":
                    del pdf_object["EF"]
    if version >= 3:
        relationships = {f"<{a.md5}>": a.relationship for a in attachments if a.md5}
        associated = pydyf.Array()
        # The /Filespec objects alone: the EmbeddedFiles name tree refers to the same ones.
        for pdf_object in pdf.objects:
            if isinstance(pdf_object, pydyf.Dictionary) and pdf_object.get("Type") == "/Filespec":
                checksum = pdf.objects[int(pdf_object["EF"]["F"].split()[0])].extra["Params"]["CheckSum"]
                pdf_object["AFRelationship"] = f"/{relationships.get(checksum, 'Unspecified')}"
                associated.append(pdf_object.reference)
        if associated:
            pdf.catalog.setdefault("AF", pydyf.Array()).extend(associated)
    # Annotations are printed (flag 3, as upstream, lines 56-58).
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/Annot":
            pdf_object["F"] = 2 ** (3 - 1)
    # PDF/A-1 forbids a compressed metadata stream; PDF/A-4 has no info dictionary.
    _include_metadata(document.metadata, pdf, version, variant, compress and version != 1, ua_version)
    if version >= 4:
        pdf.info.clear()


def correct_pdfa() -> None:
    """List each PDF/A associated file once; add ``pdf/a-2a+ua-1`` and ``pdf/a-3a+ua-1`` (see above)."""
    for name, (function, properties) in list(pdf_module.VARIANTS.items()):
        if isinstance(function, partial) and function.func is pdfa_module.pdfa:
            pdf_module.VARIANTS[name] = (partial(_pdfa, **function.keywords), properties)
    for version in (2, 3):
        _, properties = pdf_module.VARIANTS[f"pdf/a-{version}a"]
        pdf_module.VARIANTS[f"pdf/a-{version}a+ua-1"] = (
            partial(_pdfa, version=version, variant="A", ua_version=1), dict(properties))


# -- weasyprint: where copies of the fonts go ---------------------------------------------
#
# Upstream: weasyprint 70.0, ``weasyprint/text/fonts.py:120-121``, ``FontConfiguration.
# add_font_face`` copies every ``@font-face`` font into ``mkdtemp(prefix='weasyprint-')``,
# a new folder in the system's temp folder, and removes it only in ``__del__``. A worker
# process that ends without collecting its configurations, or is killed, leaves the
# copies behind: about 24 MB in /tmp per full build of this project. The rule restored:
# a build leaves nothing outside the project. With a folder set by :func:`use_temp_folder`
# (each build gives its workers a private one under ``build/`` and removes it, and the
# next build removes it after a crash) the copies go there; without one, behaviour is upstream's.
# Patch: docs/upstream/weasyprint-font-folder.patch (offers the folder as a parameter of
# ``FontConfiguration``; here the module's ``mkdtemp`` is replaced, which has the same effect
# without copying the whole of ``add_font_face``).

_temp_folder: Path | None = None


def use_temp_folder(folder: Path | None) -> None:
    """Make WeasyPrint's font copies in ``folder`` (created if needed); ``None`` restores the system's."""
    global _temp_folder
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    _temp_folder = folder


def _mkdtemp(suffix: str | None = None, prefix: str | None = None, dir: str | None = None) -> str:
    """``tempfile.mkdtemp`` in the folder given to :func:`use_temp_folder`, if any."""
    if dir is None and _temp_folder is not None:
        dir = str(_temp_folder)
    return tempfile.mkdtemp(suffix, prefix, dir)


def correct_font_folder() -> None:
    """Make ``FontConfiguration`` create its font folder where :func:`use_temp_folder` says."""
    weasyprint.text.fonts.mkdtemp = _mkdtemp


#: Every correction, in the order :func:`apply` makes them.
CORRECTIONS: tuple[Callable[[], None], ...] = (
    correct_page_references,
    # Tagging (issue 9). The stream's marking is wrapped in this order, so that nothing
    # inside a margin-box artifact is marked whatever the inner corrections decide.
    correct_line_end_spaces,
    correct_continued_elements,
    correct_margin_artifacts,
    correct_link_structure,
    correct_table_headers,
    correct_figure_bbox,
    correct_anonymous_blocks,
    correct_list_bodies,
    # Layout speed (issue 15).
    correct_target_page_counters,
    correct_layout_document,
    correct_make_page_earlier_pages,
    correct_page_type_styles,
    correct_text_line_widths,
    correct_min_content_lines,
    correct_subset_arrays,
    # The archival edition: PDF/A and PDF/UA together (issue 9).
    correct_pdfa,
    correct_font_folder,
)

_applied = False


def apply() -> None:
    """Make every correction once; raise :class:`EngineVersionError` on an unexpected engine."""
    global _applied
    if _applied:
        return
    if not weasyprint.__version__.startswith(ENGINE_SERIES):
        raise EngineVersionError(
            f"mcsp-reports corrects WeasyPrint {ENGINE_SERIES}x, but {weasyprint.__version__} is installed; "
            f"install the pinned version (pip install 'weasyprint>=70,<71')")
    for correct in CORRECTIONS:
        correct()
    _applied = True

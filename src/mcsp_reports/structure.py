"""Reading a tagged PDF back, and the rules its structure tree and marked content must meet.

:mod:`mcsp_reports.verify` calls :func:`check` on every PDF. The rules are those of the
veraPDF profiles (``PDF_UA/PDFUA-1.xml``, ``PDF_UA/ISO-32000-1-Tagged.xml``) and the
Matterhorn Protocol that concern how the engine tags a document: where the structure
tree and the page content disagree, where links are tagged wrongly, where tables lack
what makes them readable, where text read in structure order loses its word breaks.
docs/accessibility.md ("Rules checked") lists them with their rule ids.

Each page's content stream is read once, decoding only the operators these rules need
(marked content, text position, text shown), so the checks stay fast on every build.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from .annex_l import FORBIDDEN_KIDS

# Text within this distance of the top or bottom edge of a page is in its margin: every
# edition's page margins are at least 22 mm, and running heads and page numbers are set
# inside them.
EDGE_BAND_PT = 20 / 25.4 * 72

# Structure types that group blocks; a part of one continued on a later page is a split.
_GROUPING = {"/Part", "/Art", "/Sect", "/Div", "/BlockQuote", "/Table", "/L", "/TOC", "/Index"}
# Structure types that hold text within a line; the nearest other ancestor is the block
# whose text is read as one run.
_INLINE = {"/Span", "/Link", "/NonStruct", "/Quote", "/Code", "/Em", "/Strong", "/Reference",
           "/BibEntry", "/Note", "/Lbl"}
_HEADINGS = {"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/Caption"}
# Ends of text after which a line may join the next without a space: a hyphen.
_JOINS = ("-", "\u2010", "\u00ad", "\u2011")
_WATCHED = "BMC BDC EMC q Q cm BT Tm Td TD T* Tf TJ Tj ' \""


@dataclass
class Chunk:
    """The text of one marked-content sequence with an MCID, as shown on its page."""

    text: str = ""
    actual: str | None = None  # the sequence's /ActualText, which replaces its text
    first_y: float | None = None  # baseline of the first text shown, in points from the bottom
    last_y: float | None = None

    @property
    def read(self) -> str:
        """What assistive technology reads for this sequence."""
        return self.text if self.actual is None else self.actual


@dataclass
class Page:
    """What one page's content stream marks: tagged text by MCID, and tagged text in its margins."""

    chunks: dict[int, Chunk] = field(default_factory=dict)
    margin_text: list[str] = field(default_factory=list)
    artifact_in_tagged: int = 0  # artifacts opened inside tagged content
    tagged_in_artifact: int = 0  # tagged content opened inside an artifact


# -- Reading the content -----------------------------------------------------------------

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", "replace")


def _to_unicode(font: pikepdf.Dictionary) -> tuple[dict[bytes, str], int]:
    """The font's code → text map (from /ToUnicode) and its code length in bytes."""
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    table: dict[bytes, str] = {}
    if "/ToUnicode" not in font:
        return table, width
    data = font.ToUnicode.read_bytes()
    for block in _BFCHAR.findall(data):
        codes = _HEX.findall(block)
        for source, target in zip(codes[::2], codes[1::2]):
            table[bytes.fromhex(source.decode())] = _utf16(target)
    for block in _BFRANGE.findall(data):
        for line in block.splitlines():
            codes = _HEX.findall(line)
            if len(codes) < 3:
                continue
            low, high = int(codes[0], 16), int(codes[1], 16)
            size = len(codes[0]) // 2
            if b"[" in line:
                targets = [_utf16(t) for t in codes[2:]]
            else:
                start = int(codes[2], 16)
                targets = [chr(start + i) for i in range(high - low + 1)]
            for offset, target in enumerate(targets[: high - low + 1]):
                table[(low + offset).to_bytes(size, "big")] = target
    return table, width


def _decode(data: bytes, font: tuple[dict[bytes, str], int]) -> str:
    table, width = font
    return "".join(table.get(data[i:i + width], "\ufffd") for i in range(0, len(data), width))


def _multiply(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix product a × b of two PDF matrices [a b c d e f]."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


_IDENTITY: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def read_page(page: pikepdf.Page, fonts: dict[tuple[int, int], tuple[dict[bytes, str], int]]) -> Page:
    """Read ``page``'s content stream: tagged text by MCID, text in its margins, unmarked drawing.

    ``fonts`` caches decoded /ToUnicode maps across pages.
    """
    result = Page()
    box = [float(v) for v in page.obj.get("/MediaBox", [0, 0, 612, 792])]
    bottom, top = min(box[1], box[3]), max(box[1], box[3])
    resources = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
    ctm, saved = _IDENTITY, []
    text_matrix = line_matrix = _IDENTITY
    font: tuple[dict[bytes, str], int] = ({}, 1)
    # The stack of open marked-content sequences: (MCID or None, is artifact).
    marks: list[tuple[int | None, bool]] = []
    for operands, operator in pikepdf.parse_content_stream(page, _WATCHED):
        op = str(operator)
        if op in ("BMC", "BDC"):
            properties = operands[1] if op == "BDC" and len(operands) > 1 else None
            mcid = None
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                mcid = int(properties.MCID)
                chunk = result.chunks.setdefault(mcid, Chunk())
                if "/ActualText" in properties:
                    chunk.actual = str(properties.ActualText)
            is_artifact = str(operands[0]) == "/Artifact"
            if marks and is_artifact and marks[-1][0] is not None and not marks[-1][1]:
                result.artifact_in_tagged += 1
            if marks and mcid is not None and marks[-1][1]:
                result.tagged_in_artifact += 1
            artifact = is_artifact or bool(marks and marks[-1][1])
            marks.append((mcid if mcid is not None else (marks[-1][0] if marks else None), artifact))
        elif op == "EMC":
            if marks:
                marks.pop()
        elif op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop() if saved else ctm
        elif op == "cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == "BT":
            text_matrix = line_matrix = _IDENTITY
        elif op == "Tm":
            text_matrix = line_matrix = tuple(float(v) for v in operands)
        elif op in ("Td", "TD"):
            line_matrix = _multiply((1, 0, 0, 1, float(operands[0]), float(operands[1])), line_matrix)
            text_matrix = line_matrix
        elif op == "Tf":
            reference = resources.get(str(operands[0]))
            if reference is not None:
                key = reference.objgen
                if key not in fonts:
                    fonts[key] = _to_unicode(reference)
                font = fonts[key]
        elif op in ("TJ", "Tj", "'", '"'):
            if not marks:
                continue  # verify's marked-content check reports text outside marked content
            mcid, artifact = marks[-1]
            if artifact:
                continue
            strings = operands[0] if op == "TJ" else operands[-1:]
            shown = "".join(_decode(bytes(s), font) for s in strings if isinstance(s, pikepdf.String))
            y = _multiply(text_matrix, ctm)[5]
            if y < bottom + EDGE_BAND_PT or y > top - EDGE_BAND_PT:
                result.margin_text.append(shown)
            if mcid is None:
                continue
            chunk = result.chunks[mcid]
            chunk.text += shown
            chunk.first_y = y if chunk.first_y is None else chunk.first_y
            chunk.last_y = y
    return result


# -- Walking the structure tree ----------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """One marked-content sequence in structure order, with the block it is read in."""

    page: int
    mcid: int
    block: tuple[int, int]


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(node: pikepdf.Object) -> bool:
    return isinstance(node, pikepdf.Dictionary) and "/S" in node and node.get("/Type") not in ("/MCR", "/OBJR")


def _number_tree(node: pikepdf.Object) -> Iterator[tuple[int, pikepdf.Object]]:
    for index in range(0, len(node.get("/Nums", [])), 2):
        yield int(node.Nums[index]), node.Nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)


def _name_tree(node: pikepdf.Object) -> Iterator[str]:
    for index in range(0, len(node.get("/Names", [])), 2):
        yield str(node.Names[index])
    for kid in node.get("/Kids", []):
        yield from _name_tree(kid)


@dataclass
class Tree:
    """What one walk of the structure tree finds."""

    reachable: set[tuple[int, int]] = field(default_factory=set)
    wrong_parent: int = 0
    link_in_link: int = 0
    leaves: list[Leaf] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    headers: set[str] = field(default_factory=set)
    unscoped_headers: int = 0
    figures: list[tuple[int, list[float]]] = field(default_factory=list)
    splits: Counter[str] = field(default_factory=Counter)
    forbidden_kids: Counter[tuple[str, str]] = field(default_factory=Counter)


def _first_page(node: pikepdf.Object, pages: dict[tuple[int, int], int]) -> int | None:
    """The page of an element's first content, found from its /Pg entries."""
    if "/Pg" in node and node.Pg.objgen in pages:
        return pages[node.Pg.objgen]
    for kid in _kids(node):
        if isinstance(kid, pikepdf.Dictionary):
            found = _first_page(kid, pages)
            if found is not None:
                return found
    return None


def _last_page(node: pikepdf.Object, pages: dict[tuple[int, int], int]) -> int | None:
    for kid in reversed(_kids(node)):
        if isinstance(kid, pikepdf.Dictionary):
            found = _last_page(kid, pages) if _is_element(kid) else (
                pages.get(kid.Pg.objgen) if "/Pg" in kid else None)
            if found is not None:
                return found
    return pages.get(node.Pg.objgen) if "/Pg" in node else None


def _is_split(before: pikepdf.Object, after: pikepdf.Object, pages: dict[tuple[int, int], int]) -> bool:
    """Whether ``after`` looks like the rest of ``before``, cut off by a page break.

    A new section or table starts with a heading or caption; one cut off by a page
    break starts where the first left off, with more of the same kind of element.
    """
    if str(before.S) != str(after.S) or str(after.S) not in _GROUPING:
        return False
    first, last = _first_page(after, pages), _last_page(before, pages)
    if first is None or last is None or first != last + 1:
        return False
    head = [k for k in _kids(after) if _is_element(k)]
    tail = [k for k in _kids(before) if _is_element(k)]
    if str(after.S) == "/Table":
        # The rest of a captioned table, cut off with its header rows repeated or not.
        return bool(tail and head) and str(tail[0].S) == "/Caption" and str(head[0].S) != "/Caption"
    if not head or str(head[0].S) in _HEADINGS:
        return False
    return bool(tail) and str(tail[-1].S) == str(head[0].S)


def walk(pdf: pikepdf.Pdf) -> Tree:
    """Walk the structure tree from its root once, gathering what the rules need."""
    tree = Tree()
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return tree
    pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    for kid in _kids(root):
        if _is_element(kid):
            _visit(kid, root.objgen, "StructTreeRoot", root.objgen, False, tree, pages)
    return tree


def _visit(node: pikepdf.Object, parent: tuple[int, int], parent_role: str, block: tuple[int, int],
           in_link: bool, tree: Tree, pages: dict[tuple[int, int], int]) -> None:
    """Visit ``node``'s subtree depth-first, keeping its marked content in reading order."""
    key = node.objgen
    if key in tree.reachable:
        return
    tree.reachable.add(key)
    role = str(node.S)
    if role[1:] in FORBIDDEN_KIDS.get(parent_role, ()):
        tree.forbidden_kids[(parent_role, role[1:])] += 1
    if node.get("/P") is None or node.P.objgen != parent:
        tree.wrong_parent += 1
    if role == "/Link" and in_link:
        tree.link_in_link += 1
    if "/ID" in node:
        tree.ids.add(str(node.ID))
    attributes = node.get("/A")
    attribute_list = [a for a in (attributes if isinstance(attributes, pikepdf.Array) else [attributes])
                      if isinstance(a, pikepdf.Dictionary)]
    for attribute in attribute_list:
        tree.headers.update(str(h) for h in attribute.get("/Headers", []))
    if role == "/TH" and not any("/Scope" in a for a in attribute_list):
        tree.unscoped_headers += 1
    if role == "/Figure":
        for attribute in attribute_list:
            if "/BBox" in attribute:
                tree.figures.append((_first_page(node, pages) or 0, [float(v) for v in attribute.BBox]))
    inner = block if role in _INLINE else key
    page = pages.get(node.Pg.objgen, -1) if "/Pg" in node else -1
    kids = _kids(node)
    elements = [k for k in kids if _is_element(k)]
    for before, after in itertools.pairwise(elements):
        # A split element's first and last kids are often split too (a Part cut by a page
        # break cuts its Sect): count every level.
        while _is_split(before, after, pages):
            tree.splits[str(after.S)[1:]] += 1
            before, after = _kids(before)[-1], _kids(after)[0]
            if not (_is_element(before) and _is_element(after)):
                break
    for kid in kids:
        if isinstance(kid, int):
            tree.leaves.append(Leaf(page, kid, inner))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            kid_page = pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page
            tree.leaves.append(Leaf(kid_page, int(kid.MCID), inner))
        elif _is_element(kid):
            _visit(kid, key, role[1:], inner, in_link or role == "/Link", tree, pages)


# -- The rules -----------------------------------------------------------------------------


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    root = pdf.Root.get("/StructTreeRoot", pikepdf.Dictionary())
    return dict(_number_tree(root.ParentTree)) if "/ParentTree" in root else {}


def _detached(pdf: pikepdf.Pdf, tree: Tree, parents: dict[int, pikepdf.Object]) -> int:
    """How many elements the ParentTree lists that the StructTreeRoot does not reach."""
    listed: set[tuple[int, int]] = set()
    for value in parents.values():
        for element in (value if isinstance(value, pikepdf.Array) else [value]):
            if isinstance(element, pikepdf.Dictionary):
                listed.add(element.objgen)
    return len(listed - tree.reachable)


def _run_together(tree: Tree, pages: list[Page]) -> list[str]:
    """Where the last word of a line joins the first of the next, read in structure order."""
    joined: list[str] = []
    previous: tuple[Leaf, Chunk] | None = None
    for leaf in tree.leaves:
        chunk = pages[leaf.page].chunks.get(leaf.mcid) if 0 <= leaf.page < len(pages) else None
        if chunk is None or not chunk.read or chunk.first_y is None:
            continue
        if previous is not None and previous[0].block == leaf.block:
            before, before_chunk = previous
            new_line = before.page != leaf.page or abs((before_chunk.last_y or 0) - chunk.first_y) > 0.5
            end, start = before_chunk.read, chunk.read
            # A line with no space at all is part of a word longer than the line, which
            # overflow-wrap broke where it had to: its parts read as the one word they are.
            broken_word = not any(character.isspace() for character in end)
            if new_line and not end[-1].isspace() and not start[0].isspace() and not end.endswith(_JOINS) \
                    and not broken_word:
                joined.append(f"page {before.page + 1}: \"{end.split()[-1] if end.split() else end}"
                              f"{start.split()[0] if start.split() else start}\"")
        previous = (leaf, chunk)
    return joined


@dataclass(frozen=True)
class Reading:
    """One PDF read once for every rule: its pages' content, its tree and ParentTree."""

    pdf: pikepdf.Pdf
    pages: list[Page]
    tree: Tree
    parents: dict[int, pikepdf.Object]


def _rule_detached(r: Reading) -> list[str]:
    detached = _detached(r.pdf, r.tree, r.parents)
    return [f"{detached} structure elements in the ParentTree are not reachable from the "
            f"StructTreeRoot (ISO 32000-1 14.7.2; PDF/UA-1 7.1-11)"] if detached else []


def _rule_parents(r: Reading) -> list[str]:
    return [f"{r.tree.wrong_parent} structure elements whose /P is not the element that lists them "
            f"(ISO 32000-1 14.7.2, Table 323; PDF/UA-1 7.1-12)"] if r.tree.wrong_parent else []


def _rule_margin(r: Reading) -> list[str]:
    in_margin = [(number, page.margin_text) for number, page in enumerate(r.pages, start=1) if page.margin_text]
    if not in_margin:
        return []
    number, texts = in_margin[0]
    sample = " / ".join(dict.fromkeys(t.strip() for t in texts if t.strip()))
    return [f"{len(in_margin)} pages have tagged text in the page margin where running heads and page "
            f"numbers must be artifacts, e.g. page {number}: {sample[:80]!r} (PDF/UA-1 7.1-3, Matterhorn 18-001)"]


def _rule_links(r: Reading) -> list[str]:
    links = not_link = undescribed = 0
    for page in r.pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            links += 1
            # An annotation with no /StructParent at all is verify's own finding.
            if "/StructParent" in annotation:
                parent = r.parents.get(int(annotation.StructParent))
                if not isinstance(parent, pikepdf.Dictionary) or parent.get("/S") != "/Link":
                    not_link += 1
            contents = str(annotation.get("/Contents", "")).strip()
            targets = {str(annotation.get("/Dest", "")), str(annotation.get("/A", {}).get("/URI", ""))}
            if not contents or contents in targets or contents.lstrip("#") in targets:
                undescribed += 1
    problems = []
    if not_link:
        problems.append(f"{not_link} of {links} link annotations have a structure parent that is not a Link "
                        f"(PDF/UA-1 7.18.5-1, Matterhorn 28-011)")
    if r.tree.link_in_link:
        problems.append(f"{r.tree.link_in_link} Link elements are nested in a Link (ISO 32000-1 14.8.4.4.2; "
                        f"tagged PDF profile, Annex L)")
    if undescribed:
        problems.append(f"{undescribed} of {links} link annotations have no description in /Contents, or "
                        f"only their target (PDF/UA-1 7.18.5-2, Matterhorn 28-012)")
    return problems


def _rule_ids(r: Reading) -> list[str]:
    root = r.pdf.Root.StructTreeRoot
    problems = []
    if r.tree.ids and "/IDTree" not in root:
        problems.append(f"{len(r.tree.ids)} structure elements have an /ID but there is no /IDTree "
                        f"(ISO 32000-1 14.7.2, Table 322)")
    missing = r.tree.headers - (set(_name_tree(root.IDTree)) if "/IDTree" in root else set())
    if missing:
        problems.append(f"{len(missing)} table header ids named in /Headers are not in the /IDTree, e.g. "
                        f"{sorted(missing)[0]!r} (ISO 32000-1 14.8.5.7; PDF/UA-1 7.5)")
    return problems


def _rule_scope(r: Reading) -> list[str]:
    return [f"{r.tree.unscoped_headers} TH elements have no /Scope (PDF/UA-1 7.5-1, Matterhorn 15-003)"
            ] if r.tree.unscoped_headers else []


def _rule_words(r: Reading) -> list[str]:
    joined = _run_together(r.tree, r.pages)
    return [f"{len(joined)} line ends join two words when read in structure order, e.g. {joined[0]} "
            f"(ISO 32000-1 14.8.2.5)"] if joined else []


def _rule_figures(r: Reading) -> list[str]:
    problems = []
    for page_index, bbox in r.tree.figures:
        media = [float(v) for v in r.pdf.pages[min(page_index, len(r.pdf.pages) - 1)].obj.MediaBox]
        x1, y1, x2, y2 = bbox
        inside = (min(media[0], media[2]) - 1 <= x1 < x2 <= max(media[0], media[2]) + 1
                  and min(media[1], media[3]) - 1 <= y1 < y2 <= max(media[1], media[3]) + 1)
        if not inside:
            problems.append(f"page {page_index + 1}: a Figure's /BBox {[round(v) for v in bbox]} is not inside "
                            f"the page {[round(v) for v in media]} (ISO 32000-1 14.8.5.4.3: user space)")
    return problems


def _rule_splits(r: Reading) -> list[str]:
    return [f"{count} {role} elements continue the previous {role} after a page break instead of being "
            f"one element (ISO 32000-1 14.7.2; PDF/UA-1 7.2)" for role, count in sorted(r.tree.splits.items())]


def _rule_unmapped(r: Reading) -> list[str]:
    unmapped = 0
    for number, page in enumerate(r.pages):
        mapped: Any = r.parents.get(number)
        listed = len(mapped) if isinstance(mapped, pikepdf.Array) else 0
        unmapped += sum(1 for mcid in page.chunks if mcid >= listed or not isinstance(
            mapped[mcid], pikepdf.Dictionary))
    return [f"{unmapped} marked-content sequences have an MCID that the ParentTree maps to no element "
            f"(ISO 32000-1 14.7.4.4; PDF/UA-1 7.1-3)"] if unmapped else []


def _rule_nesting(r: Reading) -> list[str]:
    problems = []
    inside_tagged = sum(page.artifact_in_tagged for page in r.pages)
    inside_artifact = sum(page.tagged_in_artifact for page in r.pages)
    if inside_tagged:
        problems.append(f"{inside_tagged} artifacts are marked inside tagged content (PDF/UA-1 7.1-1)")
    if inside_artifact:
        problems.append(f"{inside_artifact} tagged sequences are marked inside an artifact (PDF/UA-1 7.1-2)")
    return problems


def _rule_annex_l(r: Reading) -> list[str]:
    return [f"{count} {kid} elements inside a {parent}, which ISO 32000-1 Annex L does not allow "
            f"(tagged PDF profile, Annex L)" for (parent, kid), count in sorted(r.tree.forbidden_kids.items())]


#: Every rule, in the order its findings are reported.
RULES = (_rule_detached, _rule_parents, _rule_unmapped, _rule_nesting, _rule_margin, _rule_links, _rule_annex_l,
         _rule_ids, _rule_scope, _rule_words, _rule_figures, _rule_splits)


def check(pdf: pikepdf.Pdf) -> list[str]:
    """Every breach of the tagging rules in ``pdf``, one line each (see the module docstring)."""
    if "/StructTreeRoot" not in pdf.Root:
        return []
    fonts: dict[tuple[int, int], tuple[dict[bytes, str], int]] = {}
    reading = Reading(pdf, [read_page(page, fonts) for page in pdf.pages], walk(pdf), _parent_tree(pdf))
    return [problem for rule in RULES for problem in rule(reading)]

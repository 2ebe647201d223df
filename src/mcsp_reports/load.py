"""Reading ``reports/`` into the typed model; the one place where content is validated.

The YAML is read strictly: it must be UTF-8, may not use anchors, aliases, tags or
duplicate keys, and no scalar is typed by its looks (``no`` stays the text ``no``; a
field that wants a month parses ``2018-11`` itself).  The loader works on PyYAML's node
tree rather than on constructed Python objects because nodes keep the line and column
of every value, which every problem report needs.

Every problem in every file is collected before anything is raised, so the people who
keep the content see all their mistakes at once, one line each::

    reports/2017-18.yaml:12:5: achievement 3, 'The Red Umbrella Project', themes: unknown theme 'knife'; …

Besides the schema, the loader refuses what YAML would silently drop or merge (a ``#``
comment cut from a plain text, a mis-indented bullet joined to the one above, leftover
placeholder brackets) and what cannot be seen (control, bidi and zero-width characters);
syntax errors are explained by :mod:`mcsp_reports.syntax`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent, Event, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .errors import ContentError, FileRefusedError, Problem
from .files import read_regular_file
from .model import (
    Achievement,
    Content,
    Edition,
    MonthYear,
    Organisation,
    Partnership,
    Successor,
    Theme,
    YearReport,
    outside_operation,
    reporting_year,
    year_label,
    year_label_start,
    year_title,
)
from .schema import (
    MAX_FILE_BYTES,
    MAX_TEXT,
    PARTNERSHIP,
    YEAR,
    Day,
    ListOf,
    Month,
    Record,
    Ref,
    Text,
    Word,
)
from .syntax import excerpt, explain, invisible_characters

PARTNERSHIP_FILE = "partnership.yaml"
YEAR_FILE = re.compile(r"^(\d{4})-(\d{2})\.yaml$")

# No field of the content needs more than a few levels; a deeper file is refused early.
MAX_DEPTH = 20

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# New year files are scaffolded with [[placeholders]]; none may reach a publication.
_PLACEHOLDER = re.compile(r"\[\[[^\]]*\]\]")
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

T = TypeVar("T")


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that the loader will not read; its ``problem`` is already plain English."""

    @classmethod
    def at(cls, event: Event, problem: str) -> _Refused:
        """The refusal of what starts at ``event``."""
        return cls(problem=problem, problem_mark=event.start_mark)  # type: ignore[arg-type]


class _NodeLoader(Reader, Scanner, Parser, Composer, BaseResolver):
    """Builds PyYAML nodes with no implicit typing, no anchors or aliases, and bounded nesting.

    ``BaseResolver`` has no implicit resolvers, so every plain scalar is tagged as a
    string; a node that carries any other scalar tag was tagged explicitly in the file.
    The composer recurses once per level, so nesting is refused long before Python's
    recursion limit: no content needs more than a few levels.
    """

    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise _Refused.at(event, "a value starting with '*' refers to an anchor (*name), which is not "
                                     "allowed; write the value out, or if the * is part of the text, put "
                                     "the whole text in quotes")
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor is not None:
            raise _Refused.at(event, "a value starting with '&' names an anchor (&name), which is not "
                                     "allowed; if the & is part of the text, put the whole text in quotes")
        if isinstance(event, CollectionStartEvent) and self.depth >= MAX_DEPTH:
            raise _Refused.at(event, f"lists and fields are nested more than {MAX_DEPTH} deep here; "
                                     "no field of the content needs that many levels")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _where(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def field_path(parent: str, name: str) -> str:
    """The readable path of ``name`` inside ``parent``: ``achievement 3, 'The Red Umbrella Project', themes``."""
    return f"{parent}, {name}" if parent else name


# Characters that mark the start of a list item, for a plain text that swallowed one.
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s")
_COMMENT_AFTER = re.compile(r"^\s+#")


def _label(node: Node) -> str:
    """A short name for a list entry in a field path: its title, name or id when readable."""
    if isinstance(node, MappingNode):
        for wanted in ("title", "name", "id"):
            for key, value in node.value:
                if (isinstance(key, ScalarNode) and key.value == wanted and isinstance(value, ScalarNode)
                        and value.value.strip() and "\n" not in value.value.strip()):
                    text = value.value.strip()
                    return f", '{text[:47]}…'" if len(text) > 48 else f", '{text}'"
    return ""


def suggest(value: str, choices: dict[str, str]) -> str | None:
    """The choice closest to ``value``, if one is close enough to be what was meant.

    ``choices`` maps what may be matched (ids and, for vocabularies, names) to what to
    suggest, so that "Knife crime" finds ``knife-crime`` by its name as well as its id.
    """
    def normal(text: str) -> str:
        return re.sub(r"[\s_]+", "-", text.strip().lower())
    table = {normal(k): v for k, v in choices.items()}
    if normal(value) in table:
        return table[normal(value)]
    close = difflib.get_close_matches(normal(value), list(table), n=1, cutoff=0.6)
    return table[close[0]] if close else None


class Fields(dict[str, Node]):
    """The fields of one mapping by name, with the record that defines them and their path."""

    def __init__(self, record: Record, path: str):
        super().__init__()
        self.record = record
        self.path = path


class _References:
    """The partnership's vocabularies by id and its operating period; ``None`` where unreadable."""

    def __init__(self) -> None:
        self.themes: dict[str, Theme] | None = None
        self.organisations: dict[str, Organisation] | None = None
        self.operated: tuple[MonthYear, MonthYear] | None = None


class _Reader:
    """Walks one file's node tree against the schema, recording problems as it goes.

    ``lines`` are the file's lines, which show what YAML dropped or joined without a
    word: a comment cut from a plain text, a mis-indented bullet merged into the one
    above. With ``drafts``, ``[[placeholders]]`` are kept as text (for the preview) and
    counted instead of reported.
    """

    def __init__(self, path: str, problems: list[Problem], lines: list[str], refs: _References,
                 drafts: bool = False):
        self.path = path
        self.problems = problems
        self.lines = lines
        self.refs = refs
        self.drafts = drafts
        self.placeholders = 0

    def problem(self, node: Node | None, field: str, message: str) -> None:
        line, column = _where(node) if node is not None else (1, 1)
        self.problems.append(Problem(self.path, line, column, field, message))

    def problem_at(self, line: int, column: int, field: str, message: str) -> None:
        """Record a problem at a 0-based position in the raw text."""
        self.problems.append(Problem(self.path, line + 1, column + 1, field, message))

    def mapping(self, node: Node, field: str, record: Record) -> Fields | None:
        """The mapping's values by key, or ``None`` if it is not a usable mapping.

        Reports duplicate, unknown and missing keys (as ``record`` defines them); the
        known keys still come back so that their values are checked too.
        """
        if not isinstance(node, MappingNode) or node.tag != _MAP:
            self.problem(node, field, f"expected a mapping of fields, got {_describe(node)}")
            return None
        known = record.names
        required = record.required
        values = Fields(record, field)
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                self.problem(key_node, field, "field names must be plain text")
                continue
            key = key_node.value
            here = field_path(field, key)
            if key in values:
                line, _ = _where(values[key])
                self.problem(key_node, here, f"duplicate field; it is already set on line {line}")
            elif key not in known:
                guess = suggest(key, {k: k for k in known})
                hint = f"did you mean {guess!r}? " if guess and guess not in values else ""
                self.problem(key_node, here, f"unknown field; {hint}expected one of: {', '.join(known)}")
            else:
                values[key] = value_node
        for key in required:
            if key not in values:
                self.problem(node, field_path(field, key), "required field is missing")
        return values

    def sequence(self, node: Node, field: str, limit: int, allow_empty: bool = False) -> list[Node]:
        """The items of a list, or ``[]`` (with a problem) if it is not a usable list."""
        if not isinstance(node, SequenceNode) or node.tag != _SEQ:
            self.problem(node, field, f"expected a list, got {_describe(node)}")
            return []
        if not node.value and not allow_empty:
            self.problem(node, field, "the list is empty; give at least one item")
        if len(node.value) > limit:
            self.problem(node, field, f"too many items ({len(node.value)}); at most {limit}")
        return list(node.value[:limit])

    def _column_of(self, node: ScalarNode, offset: int) -> tuple[int, int]:
        """The 0-based position of character ``offset`` of a one-line scalar's value (else its start)."""
        start, end = node.start_mark, node.end_mark
        if start.line == end.line and node.style in (None, "'", '"') and "\\" not in self._raw(node):
            return start.line, start.column + offset + (node.style is not None)
        return start.line, start.column

    def _raw(self, node: Node) -> str:
        start, end = node.start_mark, node.end_mark
        if start.line != end.line or start.line >= len(self.lines):
            return ""
        return self.lines[start.line][start.column:end.column]

    def scalar(self, node: Node, field: str) -> str | None:
        """The text of a scalar exactly as written, or ``None`` (with a problem)."""
        if not isinstance(node, ScalarNode):
            self.problem(node, field, f"expected text, got {_describe(node)}")
            return None
        if node.tag != _STR:
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            self.problem(node, field, f"a value starting with '!' is a YAML tag ({tag!r}), which is not allowed; "
                                      "if the ! is part of the text, put the whole text in quotes")
            return None
        value: str = node.value
        placeholder = _PLACEHOLDER.search(value)
        if placeholder and self.drafts:
            self.placeholders += 1
            return value
        if placeholder:
            self.problem(node, field, f"fill in the placeholder {placeholder[0]}")
            return None
        for bracket in ("[[", "]]"):
            if bracket in value:
                line, column = self._column_of(node, value.index(bracket))
                self.problem_at(line, column, field,
                                f"{bracket!r} is left over from a placeholder; delete it")
                return None
        return value

    def _lost_text(self, node: ScalarNode, field: str) -> bool:
        """Whether YAML silently dropped or joined part of a plain text (recorded as a problem).

        A plain (unquoted) value ends at ' #', which starts a comment; and its lines are
        joined into one, so a bullet indented too far becomes part of the item above.
        """
        if node.style is not None or node.end_mark.line >= len(self.lines):
            return False
        end = node.end_mark
        rest = self.lines[end.line][end.column:]
        if _COMMENT_AFTER.match(rest):
            lost = rest.lstrip()
            shown = f"{lost[:40]}…" if len(lost) > 41 else lost
            self.problem_at(end.line, end.column + rest.index("#"), field,
                            f"YAML drops everything from ' #' on, so {shown!r} would be lost; "
                            "put the whole text in quotes to keep it")
            return True
        start = node.start_mark
        in_list = self.lines[start.line][: start.column].rstrip().endswith("-")
        for number in range(start.line + 1, end.line + 1):
            line = self.lines[number]
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if _BULLET.match(line):
                self.problem_at(number, indent, field,
                                "this line is indented further than the item above, so YAML joins it to "
                                "that item's text; line its '-' up with the one above to make it an item")
                return True
            if in_list:
                self.problem_at(number, indent, field,
                                f"this list item runs on from line {start.line + 1} and YAML joins the lines "
                                "into one; start a new item with '- ' lined up with the one above, or put "
                                "a long item in quotes")
                return True
        return False

    def text(self, node: Node, field: str, limit: int = MAX_TEXT) -> str | None:
        """Prose: non-empty text, with the line breaks of folded blocks undone."""
        value = self.scalar(node, field)
        if value is None:
            return None
        assert isinstance(node, ScalarNode)
        if self._lost_text(node, field):
            return None
        value = " ".join(value.split())
        if not value:
            self.problem(node, field, "is empty; write some text")
            return None
        if len(value) > limit:
            self.problem(node, field, f"is {len(value)} characters long; at most {limit}")
            return None
        return value

    def match(self, node: Node, field: str, pattern: re.Pattern[str], expected: str) -> str | None:
        """A one-word value that must match ``pattern``."""
        value = self.scalar(node, field)
        if value is None:
            return None
        if not pattern.match(value):
            if self.drafts and _PLACEHOLDER.search(value):
                return value
            self.problem(node, field, f"expected {expected}, got {value!r}")
            return None
        return value

    def month(self, node: Node, field: str, allow_year: bool = False) -> MonthYear | None:
        """A ``YYYY-MM`` month (or, where allowed, a bare ``YYYY``)."""
        value = self.scalar(node, field)
        if value is None:
            return None
        if allow_year and _YEAR.match(value):
            return MonthYear(int(value))
        found = _MONTH.match(value)
        if found and 1 <= int(found[2]) <= 12:
            return MonthYear(int(found[1]), int(found[2]))
        if found:
            self.problem(node, field, f"there is no month {int(found[2])}; write the month as 01 to 12, "
                                      f"e.g. {found[1]}-11")
            return None
        form = "a year as YYYY or a month as YYYY-MM" if allow_year else "a month as YYYY-MM"
        self.problem(node, field, f"expected {form}, e.g. 2018-11; got {value!r}")
        return None

    def day(self, node: Node, field: str) -> date | None:
        """A calendar day written ``YYYY-MM-DD``."""
        value = self.scalar(node, field)
        if value is None:
            return None
        if _DAY.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(node, field, f"expected a day as YYYY-MM-DD, e.g. 2019-06-30; got {value!r}")
        return None

    def resolve(self, node: Node, field: str, vocabulary: str) -> Theme | Organisation | None:
        """The entry of the partnership's ``vocabulary`` that ``node`` names by id."""
        ident = self.scalar(node, field)
        table: dict[str, Theme] | dict[str, Organisation] | None = getattr(self.refs, vocabulary)
        if ident is None or table is None:  # without a readable partnership.yaml, ids cannot be checked
            return None
        if self.drafts and _PLACEHOLDER.search(ident):
            # A draft shows the placeholder itself where the entry's name would be.
            return Theme(ident, ident) if vocabulary == "themes" else Organisation(ident, ident)
        if ident not in table:
            noun = vocabulary.removesuffix("s")
            choices = {**{entry.name: key for key, entry in table.items()}, **{key: key for key in table}}
            guess = suggest(ident, choices)
            if guess:
                self.problem(node, field, f"unknown {noun} {ident!r}; did you mean {guess}? "
                                          f"({vocabulary} are listed in partnership.yaml)")
            else:
                self.problem(node, field, f"unknown {noun} {ident!r}; known {vocabulary}: {', '.join(table)}")
            return None
        return table[ident]

    def value(self, fields: Fields, name: str, build: Callable[[Fields], T | None] | None = None) -> Any:
        """Field ``name`` of ``fields``, read as its schema defines it; ``None`` when absent or wrong.

        A nested record comes back as its :class:`Fields`; a list of records as the
        tuple of what ``build`` makes of each one. An entry of a list is named in words
        in the field path: ``achievement 3, 'The Red Umbrella Project', themes``.
        """
        definition = fields.record.field(name)  # a KeyError here is a bug: the schema has no such field
        if name not in fields:
            return () if isinstance(definition.kind, ListOf) else None
        node, path, kind = fields[name], field_path(fields.path, name), definition.kind
        if isinstance(kind, ListOf):
            items = self.sequence(node, path, kind.limit, kind.allow_empty)
            if isinstance(kind.item, Record):
                assert build is not None, f"{name} needs a builder for its entries"
                found: list[Any] = []
                for i, item in enumerate(items):
                    entry = self.mapping(item, field_path(fields.path, f"{kind.noun} {i + 1}{_label(item)}"),
                                         kind.item)
                    found.append(None if entry is None else build(entry))
            else:
                # A one-word item is named by its list alone: the column points at it.
                found = [self.read(kind.item, item, path) for item in items]
            return tuple(item for item in found if item is not None)
        return self.read(kind, node, path)

    def read(self, kind: Text | Word | Month | Day | Ref | Record | ListOf, node: Node, path: str) -> Any:
        """One value of the given kind; ``None`` (with a problem) when it is wrong."""
        if isinstance(kind, Text):
            return self.text(node, path, kind.limit)
        if isinstance(kind, Word):
            return self.match(node, path, kind.pattern, kind.expected)
        if isinstance(kind, Month):
            return self.month(node, path, kind.allow_year)
        if isinstance(kind, Day):
            return self.day(node, path)
        if isinstance(kind, Ref):
            return self.resolve(node, path, kind.vocabulary)
        assert isinstance(kind, Record), "lists are nested only in records"
        return self.mapping(node, path, kind)


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode) and node.value == "" and node.style is None:
        return "nothing"
    return f"text {node.value!r}" if isinstance(node, ScalarNode) else "something else"


def plain_data(text: str) -> Any:
    """``text`` as the JSON Schema sees it: mappings, lists and strings (``None`` if it is not YAML we read).

    Scalars stay the text that was written, as the loader reads them, so a schema
    check of the result agrees with the loader on what each value is.
    """
    class Refused(Exception):
        pass

    def convert(node: Node) -> Any:
        if node.tag not in (_STR, _SEQ, _MAP):
            raise Refused  # an explicit tag
        if isinstance(node, MappingNode):
            if not all(isinstance(key, ScalarNode) for key, _ in node.value):
                raise Refused  # a list or mapping as a key
            data = {convert(key): convert(value) for key, value in node.value}
            if len(data) < len(node.value):
                raise Refused  # a repeated key
            return data
        if isinstance(node, SequenceNode):
            return [convert(item) for item in node.value]
        return node.value

    try:
        node = _NodeLoader(text.removeprefix("\ufeff")).get_single_node()
        return None if node is None else convert(node)
    except (yaml.YAMLError, Refused):
        return None


def _read_yaml(path: Path, shown: str, problems: list[Problem], kept: dict[str, bytes]) -> tuple[Node, list[str]] | None:
    """Parse one file into a node tree; file kind, encoding, size and syntax problems are recorded.

    Only a regular file inside the project is read (see :func:`read_regular_file`), so
    no message can ever quote a line of a file the user did not write.
    """
    try:
        data = read_regular_file(path, path.parent.parent, MAX_FILE_BYTES, shown)
    except FileRefusedError as error:
        problems.append(Problem(shown, 1, 1, "", error.reason))
        return None
    kept[path.name] = data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        byte = data[error.start]
        problems.append(Problem(
            shown, line, column, "",
            f"byte 0x{byte:02x} is not UTF-8 (was the file saved as Windows-1252?); save it as UTF-8",
        ))
        return None
    text = text.removeprefix("\ufeff")
    text, slips = invisible_characters(text)
    problems.extend(Problem(shown, slip.line, slip.column, "", slip.message) for slip in slips)
    try:
        node = _NodeLoader(text).get_single_node()
    except _Refused as error:
        assert error.problem_mark is not None
        mark = error.problem_mark
        problems.append(Problem(shown, mark.line + 1, mark.column + 1, "", str(error.problem)))
        return None
    except yaml.MarkedYAMLError as error:
        lines = text.split("\n")
        slip = explain(error, lines)
        problems.append(Problem(shown, slip.line, slip.column, "", slip.message,
                                excerpt(lines, slip.line, slip.column)))
        return None
    except yaml.YAMLError as error:  # a reader error cannot remain once the characters are checked; still, no traceback
        problems.append(Problem(shown, 1, 1, "", " ".join(str(error).split()[:6])))
        return None
    if node is None:
        problems.append(Problem(shown, 1, 1, "", "file is empty"))
        return None
    return node, text.split("\n")


def _vocabulary(r: _Reader, fields: Fields, key: str, kind: type[T]) -> tuple[T, ...]:
    """Read a list of ``{id, name}`` entries, rejecting repeated ids."""
    seen: dict[str, int] = {}

    def entry(parts: Fields) -> T | None:
        ident = r.value(parts, "id")
        name = r.value(parts, "name")
        if ident is None or name is None:
            return None
        if ident in seen:
            r.problem(parts["id"], field_path(parts.path, "id"), f"{ident!r} is already used on line {seen[ident]}")
            return None
        seen[ident] = _where(parts["id"])[0]
        return kind(ident, name)  # type: ignore[call-arg]

    return r.value(fields, key, entry)  # type: ignore[no-any-return]


def _all_fields(r: _Reader, fields: Fields, name: str, make: Callable[..., T]) -> T | None:
    """``make`` applied to every field of the record ``name``, in schema order; ``None`` if any is wrong."""
    parts = r.value(fields, name)
    if parts is None:
        return None
    values = [r.value(parts, field.name) for field in parts.record.fields]
    return make(*values) if all(value is not None for value in values) else None


def _read_partnership(
    path: Path, shown: str, problems: list[Problem], refs: _References, kept: dict[str, bytes]
) -> Partnership | None:
    """Read the profile; its vocabularies go into ``refs`` whenever they themselves are sound,
    so that year files are still checked against them when another field is wrong."""
    before = len(problems)
    parsed = _read_yaml(path, shown, problems, kept)
    if parsed is None:
        return None
    node, lines = parsed
    r = _Reader(shown, problems, lines, refs)
    fields = r.mapping(node, "", PARTNERSHIP)
    if fields is None:
        return None
    name, short, lang, area, purpose, commissioner = (
        r.value(fields, key) for key in ("name", "short_name", "language", "area", "purpose", "commissioner"))
    contact = r.value(fields, "contact")

    founded = closed = None
    span = r.value(fields, "operated")
    if span is not None:
        founded = r.value(span, "from")
        closed = r.value(span, "until")
        if founded and closed and closed.latest() < founded.earliest():
            r.problem(span["until"], field_path(span.path, "until"),
                      f"the partnership cannot close ({closed.label}) before it began ({founded.label})")
        elif founded and closed:
            refs.operated = (founded, closed)

    successor = _all_fields(r, fields, "successor", Successor)
    edition = _all_fields(r, fields, "edition", Edition)

    count = len(problems)
    themes = _vocabulary(r, fields, "themes", Theme)
    if len(problems) == count and themes:
        refs.themes = {t.id: t for t in themes}
    count = len(problems)
    organisations = _vocabulary(r, fields, "organisations", Organisation)
    if len(problems) == count and organisations:
        refs.organisations = {o.id: o for o in organisations}
    if len(problems) > before:
        return None
    assert name and short and lang and area and purpose and commissioner
    assert founded and closed and successor and edition
    return Partnership(
        name, short, lang, area, founded, closed, purpose, commissioner, successor,
        themes, organisations, edition, contact,
    )


def _dated_within(
    r: _Reader, node: Node, field: str, date: MonthYear, label: str, refs: _References
) -> MonthYear | None:
    """``date`` if it falls in its reporting year (April to March) and the operating period."""
    first, last = reporting_year(int(label[:4]))
    if not first.earliest() <= date.earliest() <= last.latest():
        r.problem(node, field, f"{date.label} is outside the reporting year {year_title(label)}, which runs "
                               f"from {first.label} to {last.label}; correct the date, or move the "
                               "achievement to the year it belongs to")
        return None
    if refs.operated:
        founded, closed = refs.operated
        if date.earliest() > closed.latest():
            r.problem(node, field, f"{date.label} is after the partnership closed in {closed.label}")
            return None
        if date.latest() < founded.earliest():
            r.problem(node, field, f"{date.label} is before the partnership began in {founded.label}")
            return None
    return date


def _read_year(
    path: Path, shown: str, refs: _References, problems: list[Problem], ids: dict[str, str],
    kept: dict[str, bytes], drafts: bool = False,
) -> tuple[YearReport | None, int]:
    """The year read from ``path`` (``None`` if it has problems) and its count of placeholders."""
    before = len(problems)
    parsed = _read_yaml(path, shown, problems, kept)
    if parsed is None:
        return None, 0
    node, lines = parsed
    r = _Reader(shown, problems, lines, refs, drafts)
    fields = r.mapping(node, "", YEAR)
    if fields is None:
        return None, 0

    label = r.value(fields, "year")
    if label is not None:
        if year_label_start(label) is None:
            r.problem(fields["year"], "year", f"{label!r} does not span two consecutive years; "
                      f"did you mean {year_label(int(label[:4]))}?")
            label = None
        elif path.name != f"{label}.yaml":
            r.problem(fields["year"], "year", f"{label!r} does not match the file name {path.name!r}")
            label = None
        elif refs.operated and (outside := outside_operation(int(label[:4]), *refs.operated)):
            r.problem(fields["year"], "year", f"{outside}; delete this file or correct the year")
            label = None
    intro = r.value(fields, "introduction")
    incomplete = r.value(fields, "incomplete")

    def achievement(parts: Fields) -> Achievement | None:
        field = parts.path
        ident = r.value(parts, "id")
        if ident is not None and ident in ids:
            r.problem(parts["id"], field_path(field, "id"), f"{ident!r} is already used at {ids[ident]}")
            ident = None
        elif ident is not None:
            ids[ident] = f"{shown}:{_where(parts['id'])[0]}"
        title, summary, themes, organisations, points, date = (
            r.value(parts, key) for key in ("title", "summary", "themes", "organisations", "points", "date"))
        if date is not None and label is not None:
            date = _dated_within(r, parts["date"], field_path(field, "date"), date, label, refs)
        milestone = r.value(parts, "milestone")
        source = r.value(parts, "source")
        # An achievement is told in its own year's section of the record.
        if source is not None and label is not None and not source.startswith(year_title(label) + ","):
            r.problem(parts["source"], field_path(field, "source"), f"names another year than {year_title(label)}")
        # A dated achievement is a timeline entry, which needs its own line of text.
        if ("date" in parts) != ("milestone" in parts):
            given, missing = ("date", "milestone") if "date" in parts else ("milestone", "date")
            r.problem(parts[given], field_path(field, missing), f"is required when {given} is given")
        if not (ident and title and summary and themes):
            return None
        return Achievement(ident, title, summary, themes, organisations, points, date, milestone, source)

    achievements = r.value(fields, "achievements", achievement)
    if len(problems) > before or refs.themes is None:
        return None, r.placeholders
    assert label and intro
    return YearReport(label, intro, achievements, incomplete), r.placeholders


@dataclass(frozen=True)
class Draft:
    """What the live preview can show while the files are being edited.

    ``content`` holds the partnership and every year that reads cleanly, with
    ``[[placeholders]]`` kept as text (``None`` when the partnership itself cannot be
    read); ``problems`` lists every other problem, as :func:`load_content` would.
    """

    content: Content | None
    problems: tuple[Problem, ...]
    placeholders: dict[str, int]


def _load(reports: Path, drafts: bool, kept: dict[str, bytes]) -> Draft:
    problems: list[Problem] = []

    def shown(path: Path) -> str:
        return f"{reports.name}/{path.name}"

    if not reports.is_dir():
        return Draft(None, (Problem(reports.name, 1, 1, "", "the reports folder does not exist"),), {})

    partnership_path = reports / PARTNERSHIP_FILE
    partnership = None
    refs = _References()
    if partnership_path.exists() or partnership_path.is_symlink():
        partnership = _read_partnership(partnership_path, shown(partnership_path), problems, refs, kept)
    else:
        problems.append(Problem(shown(partnership_path), 1, 1, "", "file is missing"))
    ids: dict[str, str] = {}
    years: list[YearReport] = []
    placeholders: dict[str, int] = {}
    year_files = []
    for path in sorted(reports.iterdir()):
        if path.name == PARTNERSHIP_FILE or path.name.startswith("."):
            continue
        if YEAR_FILE.match(path.name):
            year_files.append(path)
        elif path.suffix.lower() in (".yaml", ".yml") and (
                YEAR_FILE.match(path.stem + ".yaml") or path.stem == "partnership"):
            # A year saved as .YAML or .yml would otherwise be skipped without a word.
            problems.append(Problem(
                shown(path), 1, 1, "", f"rename the file to {path.stem}.yaml; year files end in .yaml, in lower case",
            ))
        elif path.suffix.lower() in (".yaml", ".yml"):
            problems.append(Problem(
                shown(path), 1, 1, "",
                "unexpected file; year files are named after their year, like 2018-19.yaml",
            ))
    if not year_files:
        problems.append(Problem(f"{reports.name}/", 1, 1, "", "no year files (such as 2018-19.yaml) found"))
    for path in year_files:
        year, count = _read_year(path, shown(path), refs, problems, ids, kept, drafts)
        if year is not None:
            years.append(year)
        if count:
            placeholders[shown(path)] = count
    content = None if partnership is None else Content(partnership, tuple(sorted(years, key=lambda y: y.label)))
    return Draft(content, tuple(problems), placeholders)


def load_content(reports: Path, kept: dict[str, bytes] | None = None) -> Content:
    """Read and validate every file in ``reports``; raise :class:`ContentError` listing all problems.

    Each file is read once; with ``kept``, its bytes are left there by file name, so a
    build embeds and hashes exactly the bytes that were validated, even if a file is
    saved again while it runs.

    Paths in problem reports are shown as ``reports/<file>``, relative to the folder
    that holds ``reports``, which is how the people editing them see them.
    """
    loaded = _load(reports, drafts=False, kept={} if kept is None else kept)
    if loaded.problems:
        raise ContentError(loaded.problems)
    assert loaded.content is not None
    return loaded.content


def load_draft(reports: Path) -> Draft:
    """Read ``reports`` for the live preview: everything that can be shown, and every problem.

    Unlike :func:`load_content` this never raises for content: a broken year is left
    out (and its problems listed) while the others load, and placeholders are kept as
    text so that a year just started with ``invoke new-year`` can be previewed. What it
    returns must never be built or published.
    """
    return _load(reports, drafts=True, kept={})

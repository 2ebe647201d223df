"""What went wrong in a YAML file's text, said in plain English, before and while it is parsed.

The parser's own messages ("could not find expected ':'") describe its state, often on
the line after the mistake. :func:`explain` looks at the raw lines around the place the
parser stopped, recognises the usual slips of people who edit YAML by hand (a tab, a
missing space after ``:``, a shifted line, an unquoted ``: ``, a quote or bracket never
closed) and says where the slip is and what to type instead.

:func:`invisible_characters` finds what the eye cannot check: control characters,
right-to-left overrides and zero-width characters, located by line and column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import yaml

# Characters that change what prints (bidi controls), hide in it (zero-width, soft hyphen)
# or that no text should hold (controls other than tab and line ends; U+2028 and U+2029,
# which YAML counts as line breaks, so positions would no longer match an editor's).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"}
_ALLOWED = {"\t", "\n"}
_BIDI = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
                  0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}
_KEY_WITHOUT_SPACE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_-]*):(?=[^\s:/])")
_INDENT = re.compile(r"^[ \t]*")


@dataclass(frozen=True)
class Slip:
    """A located mistake in the raw text, 1-based, with its explanation."""

    line: int
    column: int
    message: str


def _name(char: str) -> str:
    code = ord(char)
    name = unicodedata.name(char, _CONTROL_NAMES.get(code, ""))
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def _refusal(char: str) -> str | None:
    """Why ``char`` may not stand in the text, or ``None`` if it may."""
    if char in _ALLOWED or unicodedata.category(char) not in _REFUSED_CATEGORIES:
        return None
    if char in _BIDI:
        return (f"invisible character {_name(char)} would reorder the printed text; "
                "delete it (retype the words around it if you cannot find it)")
    if unicodedata.category(char) == "Cf":
        return (f"invisible character {_name(char)} is hidden in the text; "
                "delete it (retype the words around it if you cannot find it)")
    return f"control character {_name(char)} is not allowed in text; delete it"


def invisible_characters(text: str) -> tuple[str, list[Slip]]:
    """``text`` with each refused character replaced by U+FFFD, and a slip for each of them.

    The replacement keeps every other position where it was, so the file can still be
    parsed and its other problems reported in the same run.
    """
    slips: list[Slip] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        # str.isprintable() runs in C and is False for every refused category (and for a
        # few harmless characters, such as a no-break space), so only a line that fails
        # it is looked at character by character. A Windows line end is fine.
        body = line.removesuffix("\r")
        if body.replace("\t", " ").isprintable():
            continue
        chars = list(body)
        for column, char in enumerate(chars):
            message = _refusal(char)
            if message:
                slips.append(Slip(number + 1, column + 1, message))
                chars[column] = "\ufffd"
        lines[number] = "".join(chars) + line[len(body):]
    return "\n".join(lines), slips


def _quote_suggestion(line: str) -> str:
    """``key: "value"`` for a line ``key: value: more``, to show the fix in the message."""
    found = re.match(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):\s+(.*?)\s*$", line)
    if not found:
        return ""
    value = found[2].replace("\\", "\\\\").replace('"', '\\"')
    return f', e.g. {found[1]}: "{value}"'


def explain(error: yaml.MarkedYAMLError, lines: list[str]) -> Slip:
    """Where the mistake behind a parser ``error`` is, and what to do about it."""
    problem = str(error.problem or "")
    context = str(error.context or "")
    mark = error.problem_mark or error.context_mark
    stop = mark.line if mark else len(lines) - 1
    start_line = error.context_mark.line if error.context_mark else stop

    # A tab in the indentation anywhere above the stop is the usual cause of what follows it.
    for number, text in enumerate(lines[: stop + 1]):
        indent = _INDENT.match(text)[0]  # type: ignore[index]
        if "\t" in indent:
            return Slip(number + 1, indent.index("\t") + 1,
                        "a tab is used to indent this line; YAML needs spaces: replace the tab with spaces")
    if "'\\t'" in problem and mark:
        return Slip(mark.line + 1, mark.column + 1,
                    "a tab is used here; YAML needs spaces: replace the tab with a space")

    if "quoted scalar" in context and error.context_mark:
        quote = lines[error.context_mark.line][error.context_mark.column: error.context_mark.column + 1]
        return Slip(error.context_mark.line + 1, error.context_mark.column + 1,
                    f"this quoted text is never closed: add the closing {quote} at the end of the text")
    if "block scalar" in context and error.context_mark:
        return Slip(error.context_mark.line + 1, error.context_mark.column + 1,
                    "after '>' or '|' (and an optional '-' or '+') nothing may follow on the same line; "
                    "start the text on the next line, indented")
    if ("flow sequence" in context or "flow mapping" in context) and error.context_mark:
        opening = lines[error.context_mark.line][error.context_mark.column: error.context_mark.column + 1]
        closing = "]" if opening == "[" else "}"
        return Slip(error.context_mark.line + 1, error.context_mark.column + 1,
                    f"this {opening} is never closed: add {closing} after the last item, on the same line")

    for number in range(max(0, min(start_line, stop) - 1), stop + 1):
        found = _KEY_WITHOUT_SPACE.match(lines[number]) if number < len(lines) else None
        if found:
            column = len(found[1]) + len(found[2]) + 2
            word = lines[number][len(found[1]):].split()[0]
            return Slip(number + 1, column, f"put a space after the ':' in {word!r}")

    if mark is None:
        return Slip(1, 1, " ".join(f"{problem or context or 'invalid YAML'}".split()))
    text = lines[mark.line] if mark.line < len(lines) else ""
    first = len(text) - len(text.lstrip(" ")) + 1
    value_start = re.match(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*:\s+", text)
    if problem.startswith("mapping values are not allowed"):
        if ": " in text[: mark.column] or text[: mark.column].rstrip().endswith(":"):
            return Slip(mark.line + 1, mark.column + 1,
                        "this text contains ': ', which YAML reads as the start of a new field; "
                        f"put the whole text in quotes{_quote_suggestion(text)}")
        return Slip(mark.line + 1, first,
                    "this line is indented further than the field above it, so YAML reads it as part of "
                    "that field's text; line it up with the field above")
    reserved = re.match(r"found character '([@`%])' that cannot start any token", problem)
    if reserved:
        return Slip(mark.line + 1, mark.column + 1,
                    f"in YAML, text cannot start with {reserved[1]!r}; put the whole text in quotes")
    if problem.startswith("sequence entries are not allowed"):
        return Slip(mark.line + 1, mark.column + 1,
                    "a '- ' list item cannot start on the same line as its field; put each item on a line "
                    "of its own under the field, or write the list in brackets, e.g. themes: [youth, asb]")
    if problem.startswith("expected '<document start>'"):
        first_field = next((n for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), 0)
        return Slip(first_field + 1, 1, "the file's first field is indented; every top-level field starts in "
                                        "the first column, with no spaces before it")
    if problem.startswith("expected <block end>") and problem.endswith(("']'", "'}'")):
        closing = problem[-2]
        return Slip(mark.line + 1, mark.column + 1,
                    f"this {closing} closes nothing: delete it (is it left over from a placeholder?)")
    if (value_start and text[value_start.end():].startswith('"')
            and problem.startswith("expected <block end>") and text[: mark.column].rstrip().endswith('"')):
        return Slip(mark.line + 1, mark.column + 1,
                    "the text goes on after its closing quote; put all of the text inside the quotes")
    if value_start and text[value_start.end():].startswith("'") and problem.startswith("expected <block end>"):
        return Slip(mark.line + 1, mark.column,
                    "a ' inside text that starts with ' ends it early; write the ' inside twice ('') "
                    "or put the text in double quotes")
    if "simple key" in context and error.context_mark:
        return Slip(error.context_mark.line + 1, error.context_mark.column + 1,
                    "this line is neither 'field: value' nor a '- ' list item; if it continues the text "
                    "above, indent it further than that field's name")
    if problem.startswith(("expected <block end>", "did not find expected")):
        return Slip(mark.line + 1, first,
                    "this line does not line up with the lines above it: the fields of one entry, and "
                    "the '- ' items of one list, must start in the same column; use spaces to line it up")
    return Slip(mark.line + 1, mark.column + 1, " ".join(problem.split()) or "invalid YAML")


def excerpt(lines: list[str], line: int, column: int) -> tuple[str, ...]:
    """The ``line`` (1-based) as written, with a caret under ``column``, to print beneath a problem.

    Tabs show as → so that the caret stays in its column and the tab can be seen.
    """
    if not 1 <= line <= len(lines):
        return ()
    text = lines[line - 1].rstrip("\r").replace("\t", "→")
    number = str(line)
    return (f"{number} | {text}".rstrip(), f"{' ' * len(number)} | {' ' * (column - 1)}^")

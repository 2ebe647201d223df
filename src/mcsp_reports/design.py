"""The design values and fonts the stylesheets declare, checked before anything is laid out.

WeasyPrint reports a bad custom property where it is *used* (a line of ``print.css``),
substitutes a machine font or a slanted regular face for one a stylesheet forgot, and
never looks at colour contrast. This module reads the stylesheets of each cascade
(standard print, large print, the web pages) with tinycss2 and reports, each at the
``file:line:col`` of the declaration at fault:

- a colour property (``--colour-*``) that is not a colour, or a size that is not a length;
- a pair of text and background colours below WCAG 2.2 AA contrast (:data:`PAIRS`);
- a font family in ``--font-body`` or ``--font-heading`` that no ``@font-face`` declares,
  or that lacks one of the four faces the templates use (:data:`FACES`);
- an ``@font-face`` whose file is missing, is not a font WeasyPrint reads, holds another
  family than the one declared (both names are given), or another style or weight.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import tinycss2
import tinycss2.color3

from .errors import DesignError
from .files import write_if_changed
from .plan import LARGE_PRINT_STYLESHEET, PRINT_STYLESHEETS
from .project import FONT_SUFFIXES

#: The stylesheets the project ships; any other is the user's.
SHIPPED = frozenset({*PRINT_STYLESHEETS, LARGE_PRINT_STYLESHEET, "styles/screen.css"})

#: Text and background colour pairs the stylesheets put together, with the contrast
#: WCAG 2.2 AA asks for: 4.5:1 for text, 3:1 for large text only (18 pt, or 14 pt bold).
#: Each is used for ordinary-sized text somewhere (links, tags, notices), so all need 4.5.
PAIRS: tuple[tuple[str, str, float], ...] = (
    ("--colour-text", "--colour-paper", 4.5),
    ("--colour-muted", "--colour-paper", 4.5),
    ("--colour-accent", "--colour-paper", 4.5),
    ("--colour-accent-text", "--colour-accent", 4.5),
    ("--colour-text", "--colour-notice", 4.5),
)

#: The faces every family in use must ship: the templates set text in regular, italic
#: (dates), bold (labels, headings) and bold italic; a missing one would be taken from
#: the machine or slanted and emboldened by the engine.
FACES: tuple[tuple[str, int], ...] = (("normal", 400), ("italic", 400), ("normal", 700), ("italic", 700))

_LENGTH_UNITS = {"pt", "px", "mm", "cm", "in", "pc", "q", "em", "rem", "ex", "ch"}
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
_VAR = re.compile(r"^var\(\s*(--[\w-]+)\s*(?:,(.*))?\)$", re.S)


@dataclass(frozen=True)
class Where:
    """A place in a stylesheet, as ``styles/x.css:3:5``."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Token:
    """A custom property set on ``:root``: its value as written, and where."""

    name: str
    value: str
    where: Where


@dataclass(frozen=True)
class Face:
    """One ``@font-face`` rule."""

    family: str
    style: str
    weight: int
    url: str | None
    where: Where


@dataclass(frozen=True)
class Sheet:
    """What one stylesheet declares: its ``:root`` custom properties and font faces."""

    tokens: tuple[Token, ...]
    faces: tuple[Face, ...]


# Every build, and each reload of a live preview, checks the same few stylesheets, and the
# theme's values read them again: a sheet is parsed once per distinct text.
@lru_cache(maxsize=64)
def read_sheet(css: str, file: str) -> Sheet:
    """The custom properties of ``:root`` (or ``html``) and the ``@font-face`` rules of ``css``."""
    tokens, faces = [], []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content is not None:
            faces.append(_face(_declarations(rule.content), Where(file, rule.source_line, rule.source_column)))
        elif rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() in (":root", "html"):
            for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                               skip_whitespace=True):
                if declaration.type == "declaration" and declaration.name.startswith("--"):
                    tokens.append(Token(declaration.name, tinycss2.serialize(declaration.value).strip(),
                                        Where(file, declaration.source_line, declaration.source_column)))
    return Sheet(tuple(tokens), tuple(faces))


def _declarations(content: list[Any]) -> dict[str, list[Any]]:
    return {d.lower_name: d.value for d in tinycss2.parse_declaration_list(
        content, skip_comments=True, skip_whitespace=True) if d.type == "declaration"}


def _face(declared: dict[str, list[Any]], where: Where) -> Face:
    family = _families(declared.get("font-family", []))
    style = tinycss2.serialize(declared.get("font-style", [])).strip().lower() or "normal"
    weight_text = tinycss2.serialize(declared.get("font-weight", [])).strip().lower() or "normal"
    weight = {"normal": 400, "bold": 700}.get(weight_text) or (int(weight_text) if weight_text.isdigit() else 0)
    url = next((t.value for t in declared.get("src", []) if t.type == "url"), None)
    if url is None:  # url("…") written as a function
        url = next((t.arguments[0].value for t in declared.get("src", [])
                    if t.type == "function" and t.lower_name == "url" and t.arguments), None)
    return Face(family[0] if family else "", "italic" if style in ("italic", "oblique") else style, weight, url, where)


def _families(value: list[Any]) -> list[str]:
    """The family names of a ``font-family`` value, in order (quoted or bare words)."""
    names: list[str] = []
    words: list[str] = []
    for token in [*value, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if words:
                names.append(" ".join(words))
            words = []
        elif token.type == "string":
            words.append(token.value)
        elif token.type == "ident":
            words.append(token.value)
    return names


def contrast(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """The WCAG 2.2 contrast ratio of two sRGB colours (channels from 0 to 1)."""
    def luminance(rgb: tuple[float, float, float]) -> float:
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _resolve(name: str, tokens: dict[str, Token], depth: int = 0) -> tuple[str, Token] | None:
    """The final value of a custom property, following ``var()``, and the declaration that set it."""
    token = tokens.get(name)
    if token is None or depth > 20:
        return None
    match = _VAR.match(token.value)
    if match:
        found = _resolve(match.group(1), tokens, depth + 1)
        if found is None and match.group(2):
            return match.group(2).strip(), token
        return found
    return token.value, token


def _is_length(value: str) -> bool:
    parsed = tinycss2.parse_one_component_value(value, skip_comments=True)
    if parsed.type == "dimension":
        return bool(parsed.lower_unit in _LENGTH_UNITS)
    return bool(parsed.type == "number" and parsed.value == 0)


def cascade_problems(sheets: Sequence[Sheet], styles: Path, root: Path, facts: Path | None = None) -> list[str]:
    """Every problem of one cascade of stylesheets (later sheets win), one line each.

    ``facts`` is where :func:`font_facts` keeps what it learns of the font files.
    """
    tokens: dict[str, Token] = {}
    for sheet in sheets:
        tokens.update({t.name: t for t in sheet.tokens})
    faces = [face for sheet in sheets for face in sheet.faces]
    problems = []
    colours: dict[str, tuple[tuple[float, float, float], Token]] = {}
    for name in sorted(tokens):
        found = _resolve(name, tokens)
        if found is None:
            problems.append(f"{tokens[name].where}: {name}: {tokens[name].value!r} refers to a property that is not set")
            continue
        value, token = found
        if name.startswith("--colour-"):
            colour = tinycss2.color3.parse_color(value)
            if colour is None or isinstance(colour, str):
                problems.append(f"{token.where}: {name}: {value!r} is not a colour; write it as #rrggbb")
                continue
            # A translucent colour shows the paper through it.
            red, green, blue = (c * colour.alpha + (1 - colour.alpha) for c in colour[:3])
            colours[name] = ((red, green, blue), token)
        elif name.startswith(("--font-size-", "--page-margin-")) or name == "--space":
            if not _is_length(value):
                problems.append(f"{token.where}: {name}: {value!r} is not a length; write it as e.g. 12pt or 20mm")
    for text, background, needed in PAIRS:
        if text in colours and background in colours:
            (fore, fore_token), (back, back_token) = colours[text], colours[background]
            ratio = contrast(fore, back)
            if ratio < needed:
                # Name the user's declaration if one of the two is theirs, else the later one.
                at = max((fore_token, back_token),
                         key=lambda t: (t.where.file not in SHIPPED, _order(sheets, t)))
                problems.append(
                    f"{at.where}: {text} {fore_token.value} on {background} {back_token.value} has a contrast of "
                    f"{ratio:.2f}:1; WCAG 2.2 AA needs at least {needed}:1 for text")
    problems += _font_problems(tokens, faces, styles, root, facts)
    return problems


def _order(sheets: Sequence[Sheet], token: Token) -> tuple[int, int]:
    index = next(i for i, sheet in enumerate(sheets) if token in sheet.tokens)
    return index, token.where.line


FontFacts = tuple[str, bool, int]

#: Where, under ``build/``, the build keeps the facts of the font files it has read.
FONT_FACTS = "font-facts.json"


def _read_font_facts(data: bytes) -> FontFacts:
    """The family name inside the font file ``data``, whether it is italic, and its weight.

    Raises ValueError when ``data`` cannot be read as a font.
    """
    from fontTools.ttLib import TTFont, TTLibError

    # fontTools warns about the files' own header dates, which say nothing about the design.
    quiet = logging.getLogger("fontTools")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            return (str(font["name"].getBestFamilyName()), bool(font["head"].macStyle & 2),
                    int(font["OS/2"].usWeightClass))
    except (TTLibError, KeyError, AssertionError, struct.error) as error:
        raise ValueError(str(error)) from None
    finally:
        quiet.setLevel(level)


#: Facts of the font files read so far, by the SHA-256 of their bytes.
_known_fonts: dict[str, FontFacts] = {}
#: The keys each store was seen to hold, so that each face of each cascade does not read it again.
_stored_keys: dict[Path, set[str]] = {}


def font_facts(path: Path, store: Path | None = None) -> FontFacts:
    """:func:`_read_font_facts` of the file at ``path``, read once per distinct file.

    Keyed by the file's bytes, not its name or time, so a replaced font is read again. With
    ``store`` (a JSON file under ``build/``) the facts outlive the process, so a build with
    nothing to do never loads fontTools; a damaged store is ignored and rewritten.
    """
    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key in _known_fonts and (store is None or key in _stored_keys.get(store, ())):
        return _known_fonts[key]
    stored = _stored_fonts(store) if store is not None else {}
    facts = stored.get(key) or _known_fonts.get(key) or _read_font_facts(data)
    _known_fonts[key] = facts
    if store is not None:
        if key not in stored:
            stored[key] = facts
            write_if_changed(store, json.dumps(stored, indent=0, sort_keys=True).encode())
        _stored_keys[store] = set(stored)
    return facts


def _stored_fonts(store: Path) -> dict[str, FontFacts]:
    """The facts kept in ``store``: only well-formed entries, none if it cannot be read."""
    try:
        entries = json.loads(store.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: (family, italic, weight) for key, value in entries.items()
            if isinstance(value, list) and len(value) == 3 and re.fullmatch(r"[0-9a-f]{64}", str(key))
            for family, italic, weight in [value]
            if isinstance(family, str) and isinstance(italic, bool) and type(weight) is int}


def _font_problems(tokens: dict[str, Token], faces: list[Face], styles: Path, root: Path,
                   facts: Path | None) -> list[str]:
    problems = []
    declared = sorted({face.family for face in faces})
    for face in faces:
        if face.url is None:
            problems.append(f"{face.where}: @font-face {face.family!r}: src has no url(…) of a font file")
            continue
        sheet_folder = (root / face.where.file).parent
        path = (sheet_folder / unquote(face.url)).resolve()
        shown = path.relative_to(root.resolve()).as_posix() if path.is_relative_to(root.resolve()) else face.url
        if path.suffix.lower() not in FONT_SUFFIXES:
            problems.append(f"{face.where}: @font-face {face.family!r}: {shown} is not a font file WeasyPrint "
                            f"reads; use {', '.join(FONT_SUFFIXES)}")
            continue
        if not path.is_relative_to(styles.resolve()) or not path.is_file():
            problems.append(f"{face.where}: @font-face {face.family!r}: {shown}: no such file in styles/")
            continue
        try:
            inside, italic, weight = font_facts(path, facts)
        except (ValueError, OSError) as error:
            problems.append(f"{face.where}: @font-face {face.family!r}: {shown} cannot be read as a font ({error})")
            continue
        if inside != face.family:
            problems.append(f"{face.where}: @font-face font-family {face.family!r} does not match the family "
                            f"inside {shown}, {inside!r}; write font-family: \"{inside}\"")
        if italic != (face.style == "italic") or abs(weight - face.weight) >= 100:
            problems.append(f"{face.where}: @font-face {face.family!r} declares {face.style} {face.weight}, but "
                            f"{shown} is {'an italic' if italic else 'an upright'} {weight} face")
    for name in ("--font-body", "--font-heading"):
        found = _resolve(name, tokens)
        if found is None:
            continue
        value, token = found
        families = [f for f in _families(tinycss2.parse_component_value_list(value)) if f.lower() not in _GENERIC]
        for family in families[:1]:
            if family not in declared:
                problems.append(f"{token.where}: {name}: {family!r} is not declared with @font-face, so it would "
                                f"come from this machine; declared: {', '.join(declared) or 'none'}")
                continue
            have = {(f.style, f.weight) for f in faces if f.family == family}
            for style, weight in FACES:
                if (style, weight) not in have:
                    problems.append(
                        f"{token.where}: {name}: {family!r} has no {style} {weight} face; add an @font-face with "
                        f"font-style: {style}; font-weight: {weight} and its file (it is never taken from the "
                        f"machine or synthesised)")
    return problems


def _read(root: Path, name: str) -> Sheet:
    """The declarations of stylesheet ``name``; none if it is missing (the link check names it)."""
    path = root / name
    return read_sheet(path.read_text(encoding="utf-8"), name) if path.is_file() else Sheet((), ())


def theme_values(root: Path, cascade: Sequence[str]) -> dict[str, str]:
    """Every custom property the cascade ends with, ``var()`` resolved, by name (for the chart)."""
    tokens: dict[str, Token] = {}
    for name in cascade:
        tokens.update({t.name: t for t in _read(root, name).tokens})
    return {name: found[0] for name in tokens if (found := _resolve(name, tokens)) is not None}


#: Points per unit of the absolute CSS lengths.
_POINTS = {"pt": 1.0, "px": 0.75, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0, "q": 18 / 25.4}


def points(value: str, em: float = 12.0) -> float:
    """A CSS length in points (``em``/``rem`` taken as ``em`` points); raises ValueError if it is none."""
    parsed = tinycss2.parse_one_component_value(value, skip_comments=True)
    if parsed.type == "dimension" and parsed.lower_unit in _POINTS:
        return float(parsed.value) * _POINTS[parsed.lower_unit]
    if parsed.type == "dimension" and parsed.lower_unit in ("em", "rem"):
        return float(parsed.value) * em
    if parsed.type == "number" and parsed.value == 0:
        return 0.0
    raise ValueError(f"{value!r} is not a length")


def check_design(root: Path, cascades: Iterable[Sequence[str]], facts: Path | None = None) -> None:
    """Check each cascade of project-relative stylesheets; raise :class:`DesignError` listing every problem.

    ``facts``: see :func:`cascade_problems`.
    """
    read: dict[str, Sheet] = {}
    problems: list[str] = []
    for cascade in cascades:
        for name in cascade:
            if name not in read:
                read[name] = _read(root, name)
        problems += cascade_problems([read[name] for name in cascade], root / "styles", root, facts)
    if problems:
        raise DesignError("\n".join(dict.fromkeys(problems)))


def checked_theme(root: Path, document_stylesheets: Iterable[Sequence[str]], extra: Sequence[str],
                  facts: Path | None = None) -> dict[str, str]:
    """Check every cascade of the documents and the web pages, then return the print theme's values.

    ``extra`` are the user's stylesheets; the values are those the standard print
    cascade ends with, which the templates draw the chart with. ``facts``: see
    :func:`cascade_problems`.
    """
    check_design(root, cascades(document_stylesheets, extra), facts)
    return theme_values(root, (*PRINT_STYLESHEETS, *extra))


def cascades(document_stylesheets: Iterable[Sequence[str]], screen_extra: Sequence[str]) -> list[tuple[str, ...]]:
    """The distinct cascades to check: each document's, and the web pages' (theme, screen, the user's)."""
    found = {tuple(sheets): None for sheets in document_stylesheets}
    found[(PRINT_STYLESHEETS[0], "styles/screen.css", *screen_extra)] = None
    return list(found)


"""Checking every link and asset reference in the generated HTML, without fetching anything.

Internal links (``#id``) must have a target in the same document; relative links must
name a file the build publishes or a project file that exists; ``data:`` URLs must
decode; web addresses must be well-formed ``http(s)`` URLs (they are never fetched).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


class _References(HTMLParser):
    """Collects the ids of a document and every URL it refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in ("href", "src") and value is not None:
                self.urls.append((tag, name, value))


def _data_url_problem(url: str) -> str | None:
    header, _, payload = url.partition(",")
    if not _:
        return "is a data: URL with no data"
    if header.endswith(";base64"):
        try:
            base64.b64decode(payload, validate=True)
        except binascii.Error:
            return "is a data: URL whose base64 does not decode"
    return None


def check_document(
    name: str, html: str, folder: PurePosixPath, published: Iterable[str], root: Path
) -> list[str]:
    """Problems with the links of one HTML document.

    ``folder`` is where the document will sit, relative to the project root;
    ``published`` the paths (relative to the root) the build will publish.
    """
    parser = _References()
    parser.feed(html)
    available = set(published)
    problems = []
    for tag, attribute, url in parser.urls:
        parts = urlsplit(url)
        where = f"{name}: <{tag} {attribute}={url[:60]!r}>"
        if parts.scheme == "data":
            problem = _data_url_problem(url)
            if problem:
                problems.append(f"{where} {problem}")
        elif parts.scheme in ("http", "https"):
            if not parts.netloc or " " in url:
                problems.append(f"{where} is not a well-formed web address")
        elif parts.scheme:
            problems.append(f"{where} uses the scheme {parts.scheme!r}; only http, https and data are allowed")
        elif not parts.path:
            if parts.fragment and unquote(parts.fragment) not in parser.ids:
                problems.append(f"{where} points to no element of this document")
        else:
            target = PurePosixPath(*(folder / unquote(parts.path)).parts)
            resolved = _normalise(target)
            if str(resolved) not in available and not (root / resolved).is_file():
                problems.append(f"{where} points to {resolved}, which does not exist")
    return problems


def _normalise(path: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def check_documents(documents: Mapping[str, tuple[str, PurePosixPath]], published: Iterable[str], root: Path) -> list[str]:
    """Problems with the links of every document, given as ``name → (html, folder)``."""
    available = list(published)
    problems = []
    for name, (html, folder) in documents.items():
        problems += check_document(name, html, folder, available, root)
    return problems

"""Turning HTML into PDF with WeasyPrint, reading nothing outside the project.

WeasyPrint logs problems (a missing image, an unreadable stylesheet, an unknown CSS
property) and carries on; here every such message fails the render, and every resource
is fetched through :class:`ProjectFetcher`, which serves only the project's own asset
files and ``data:`` URLs.
"""

from __future__ import annotations

import base64

# WeasyPrint's URL responses import email.policy on first use, which compiles regular
# expressions: imported here, before a build's workers fork, it is never compiled under a
# worker's memory bound, where a refused allocation crashed the regex compiler instead of
# raising MemoryError.
import email.policy  # noqa: F401
import gc
import logging
import mimetypes
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

# The engine corrections first: WeasyPrint is to be imported by them, with its library
# search corrected (engine.libraries_by_file_name).
from . import engine  # isort: skip
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import FileRefusedError, RenderError
from .files import MAX_ASSET_BYTES, read_regular_file
from .plan import Variant

engine.apply()


class ProjectFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the allowed folders and ``data:`` URLs; refuses all else.

    Paths are resolved before they are checked, so ``..`` and symbolic links that lead
    outside the allowed folders are refused too. With ``snapshot`` (bytes by resolved
    path, as the build read them once at its start) files are served from it alone, so
    a file saved during a build cannot make a PDF differ from what the build hashed;
    without it, each file is read through the gate (:func:`~mcsp_reports.files.read_regular_file`).
    """

    def __init__(self, roots: Iterable[Path], files: Iterable[Path] = (),
                 snapshot: Mapping[Path, bytes] | None = None):
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.files = frozenset(Path(f).resolve() for f in files)
        self.snapshot = snapshot

    def allows(self, path: Path) -> bool:
        """Whether ``path`` (after resolving links) may be read."""
        real = path.resolve()
        return real in self.files or any(real.is_relative_to(root) for root in self.roots)

    def read(self, path: Path) -> bytes:
        """The bytes of an allowed ``path``, from the snapshot or through the gate."""
        real = path.resolve()
        if self.snapshot is not None:
            if real not in self.snapshot:
                raise RenderError(f"missing file {path}")
            return self.snapshot[real]
        if not real.exists():
            raise RenderError(f"missing file {path}")
        root = next((r for r in self.roots if real.is_relative_to(r)), real.parent)
        try:
            return read_regular_file(path, root, MAX_ASSET_BYTES)
        except FileRefusedError as error:
            raise RenderError(str(error)) from None

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RenderError(f"refused {url}: only files inside the project are used, never the network")
        path = Path(unquote(urlsplit(url).path))
        if "\0" in str(path) or not self.allows(path):
            raise RenderError(f"refused {path}: it is outside the project's asset folders")
        # WeasyPrint refuses a stylesheet whose type is not text/css, so say what it is.
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=self.read(path), headers={"Content-Type": kind})


# Messages about the machine rather than the document: WeasyPrint subsets fonts with
# fontTools when the system has no HarfBuzz-Subset library; the output is still right.
_BENIGN = ("Using fontTools instead of HarfBuzz-Subset",)


class _Collect(logging.Handler):
    """Keeps every warning or error WeasyPrint logs, so that none passes unseen."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if not message.startswith(_BENIGN):
            self.messages.append(message)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off while a document is laid out.

    Layout builds a large tree of long-lived boxes; each automatic collection would
    rescan all of it, which makes long documents slower per page the longer they get.
    The boxes are freed together once the document is written, so the pause costs
    no memory that would otherwise have been returned.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _engine_problems() -> Iterator[list[str]]:
    handler = _Collect()
    logger = weasyprint.LOGGER
    # fontTools, when it does the subsetting, warns about the font files' own header
    # dates; that says nothing about the document, so it is kept off the terminal.
    font_tools = logging.getLogger("fontTools")
    level = font_tools.level
    font_tools.setLevel(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        font_tools.setLevel(level)


#: Fontconfig's configuration as :func:`hold_font_caches` loaded it, kept for the life of the process.
_held_fontconfig: Any = None


def hold_font_caches() -> None:
    """Load Fontconfig's configuration and the machine's font caches now, and keep them.

    Each document's font configuration loads them again, and Fontconfig then reuses the
    caches this process has mapped already. A build calls this before its rendering
    processes fork and bound their memory: under the bound, mapping a cache can be refused,
    and Fontconfig then scans that font folder again and writes back a cache of what it
    could read, an empty one, which every program on the machine then reads.
    """
    global _held_fontconfig
    if _held_fontconfig is None:
        from weasyprint.text.ffi import fontconfig

        _held_fontconfig = fontconfig.FcInitLoadConfigAndFonts()


class _DeclaredFonts(FontConfiguration):
    """Remembers the families the stylesheets declare with ``@font-face``.

    The fetcher only serves project files, so a declared family is one the project
    ships; any other family in the finished document came from the machine.
    """

    def __init__(self) -> None:
        super().__init__()
        self.families: set[str] = set()

    def add_font_face(self, rule_descriptors: dict[str, Any], url_fetcher: URLFetcher) -> object:
        self.families.add(rule_descriptors["font_family"])
        return super().add_font_face(rule_descriptors, url_fetcher)


@dataclass(frozen=True)
class Attachment:
    """A file to embed in a PDF, with a fixed date so the bytes never depend on the clock.

    ``media_type`` is its MIME type, which PDF/A requires: WeasyPrint would otherwise guess
    it from the name with Python's table, which before Python 3.13 has no ``.yaml``.
    """

    name: str
    data: bytes
    description: str
    date: datetime
    media_type: str


@dataclass(frozen=True)
class Edition:
    """How one PDF is written from a laid-out document."""

    variant: Variant
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class RenderedPDF:
    """A finished PDF in memory, with its page count and each page's content area.

    A content area is the part of the page inside its margins, as laid out, in PDF
    points from the bottom-left corner (left, bottom, right, top): where the document's
    own text belongs (the running heads live in the margins).
    """

    data: bytes
    pages: int
    content_areas: tuple[tuple[float, float, float, float], ...]


def _content_area(page: weasyprint.Page) -> tuple[float, float, float, float]:
    # WeasyPrint 70 keeps each page's laid-out box only as ``Page._page_box``; its
    # public attributes give the page's size but not its margins. CSS px are 0.75 pt,
    # and CSS measures down from the top where PDF measures up from the bottom.
    box = page._page_box
    left, top = box.content_box_x(), box.content_box_y()
    return (left * 0.75, (page.height - top - box.height) * 0.75,
            (left + box.width) * 0.75, (page.height - top) * 0.75)


def render_pdfs(
    html: str, base_url: str, fetcher: ProjectFetcher, name: str, editions: Sequence[Edition]
) -> list[RenderedPDF]:
    """Lay out ``html`` once and write it as each of ``editions``.

    Raises :class:`RenderError` on any complaint of the engine, and when text is set
    in a font the stylesheets do not ship (a machine's font, or a fallback for a
    character the shipped fonts lack). ``name`` labels the messages.
    """
    declared = _DeclaredFonts()
    results = []
    with _engine_problems() as problems, _collector_paused():
        try:
            html_document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            document = html_document.render(font_config=declared)
            areas = tuple(_content_area(page) for page in document.pages)
            # Layout leaves the box copies it discarded behind in cycles, which the paused
            # collector has not freed; freeing them once, here, lets the writing reuse
            # that memory instead of adding to the peak. They were all made while the
            # collector was paused, so they are all in its youngest generation: collecting
            # that one frees the same objects without rescanning an older heap (a
            # preview's, which keeps printing; a test run's), 2 ms against 130 ms there.
            gc.collect(0)
            # Layout is the costly part and does not depend on the variant, so one
            # layout serves every edition; the plainest variant is written first
            # because PDF/A adds an output profile to the document it writes.
            for edition in editions:
                attachments = [
                    # A data: URL is how WeasyPrint 70 is told an attachment's MIME type.
                    weasyprint.Attachment(
                        url=f"data:{a.media_type};base64,{base64.b64encode(a.data).decode('ascii')}",
                        name=a.name, description=a.description, relationship="Source",
                        created=a.date, modified=a.date, url_fetcher=fetcher)
                    for a in edition.attachments
                ]
                data = document.write_pdf(
                    pdf_variant=edition.variant, pdf_identifier=True, attachments=attachments)
                results.append(RenderedPDF(data, len(document.pages), areas))
            # The fonts a document uses are only known once its pages are drawn.
            foreign = sorted({f.family for f in document.fonts.values()} - declared.families)
            if foreign:
                problems.append(
                    f"text was set in {', '.join(foreign)} from this machine, not in the "
                    f"project's fonts: a font file or a character in it is missing"
                )
        except FatalURLFetchingError as error:
            cause = error.__cause__ or error
            raise RenderError(f"{name}: {cause}") from None
    if problems:
        raise RenderError("\n".join(f"{name}: {message}" for message in dict.fromkeys(problems)))
    return results

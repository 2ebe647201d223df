"""The rest of ``dist/``: the HTML edition, thumbnails, the index, the manifest and checksums.

The pages come from the same templates as the PDFs, rendered for the screen: a skip
link, landmarks, a screen stylesheet and links to the PDF files. ``index.html`` lists
every report with its web page and each PDF edition's thumbnail, pages and size;
``manifest.json`` describes every file and ``SHA256SUMS`` lets anyone check them with
``sha256sum -c SHA256SUMS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import jinja2

from .cache import Record, digest
from .model import Content
from .plan import LARGE_PRINT_STYLESHEET, PRINT_STYLESHEETS, Document, Plan
from .release import CHECKSUMS, MANIFEST
from .render import render_document, render_index

#: Stylesheets of the HTML edition, as linked from pages in ``dist/``.
SCREEN_STYLESHEETS = ("assets/theme.css", "assets/screen.css")
#: Thumbnails are drawn twice as wide as the index shows them (150 CSS px), for sharp screens.
THUMBNAIL_WIDTH = 300


@dataclass(frozen=True)
class Download:
    """A PDF file as the index lists it."""

    href: str
    label: str
    standard: str
    pages: int
    size: int
    thumbnail: str

    @property
    def size_label(self) -> str:
        """Size for readers: ``42.6 KB`` (decimal units, as file managers show them)."""
        return f"{self.size / 1000:.1f} KB" if self.size < 1_000_000 else f"{self.size / 1e6:.1f} MB"


@dataclass(frozen=True)
class Entry:
    """One report on the index: its title, web page and PDF files."""

    title: str
    html: str
    files: tuple[Download, ...]
    note: str | None = None


#: What a published file is, as the manifest says.
FileKind = Literal["pdf", "html", "thumbnail", "asset"]


@dataclass(frozen=True)
class Published:
    """One file of ``dist/`` as the manifest describes it."""

    name: str
    kind: FileKind
    year: str | None
    title: str
    pages: int | None
    bytes: int
    sha256: str


def extra_stylesheets(plan: Plan) -> tuple[str, ...]:
    """The user's own stylesheets in the plan (project-relative, all under ``styles/``)."""
    shipped = {*PRINT_STYLESHEETS, LARGE_PRINT_STYLESHEET}
    return tuple(dict.fromkeys(s for d in plan.documents for s in d.stylesheets if s not in shipped))


def _document_extras(document: Document) -> tuple[str, ...]:
    return extra_stylesheets(Plan(((document,),), complete=False))


def screen_stylesheets(extra: Sequence[str]) -> tuple[str, ...]:
    """The stylesheets of a web page as linked from ``dist/``: the shipped ones, then the user's."""
    return (*SCREEN_STYLESHEETS, *(f"assets/{PurePosixPath(s).relative_to('styles')}" for s in extra))


def asset_files(files: Mapping[str, bytes], extra: Sequence[str] = ()) -> dict[str, bytes]:
    """The files the HTML edition needs, by their path under ``dist/``; ``extra`` are the user's stylesheets.

    ``files`` are the project's files as the build read them (through the file gate),
    by project-relative path: the two screen stylesheets, the user's, and the files
    directly in ``styles/fonts/`` (the licence travels with the fonts); subfolders are
    not published.
    """
    assets = {f"assets/{name}": files[f"styles/{name}"] for name in ("theme.css", "screen.css")}
    for sheet in extra:
        assets[f"assets/{PurePosixPath(sheet).relative_to('styles')}"] = files[sheet]
    for name, data in sorted(files.items()):
        folder, _, base = name.rpartition("/")
        if folder == "styles/fonts":
            assets[f"assets/fonts/{base}"] = data
    return assets


def _thumbnail_name(pdf_name: str) -> str:
    return f"thumbnails/{pdf_name.removesuffix('.pdf')}.png"


def screen_page(
    env: jinja2.Environment, content: Content, document: Document, downloads: list[tuple[str, str]]
) -> str:
    """The HTML-edition page of a standard document, linking ``downloads`` (href, label).

    The page uses the document's own extra stylesheets too, so it has the PDFs' look.
    """
    return render_document(env, content, document, screen_stylesheets(_document_extras(document)),
                           "screen", downloads)


def published_names(plan: Plan, files: Mapping[str, bytes]) -> list[str]:
    """Every file a full build publishes in ``dist/``, by its path there."""
    names = [*asset_files(files, extra_stylesheets(plan)), "index.html", MANIFEST, CHECKSUMS]
    for file in plan.files:
        names += [file.name, _thumbnail_name(file.name)]
    names += [f"{report[0].name}.html" for report in plan.reports]
    return names


def publish(
    content: Content, env: jinja2.Environment, plan: Plan, records: Mapping[str, Record],
    assets: Mapping[str, bytes], thumbnail: Callable[[str], bytes],
) -> dict[str, bytes]:
    """Every file of the release but the PDFs, by its path in ``dist/``.

    ``records`` give the pages, size and digest of every PDF in the plan, ``assets`` the
    files of :func:`asset_files`, and ``thumbnail(name)`` the picture of PDF ``name``'s
    first page. The manifest lists every file (PDFs included) and ``SHA256SUMS`` checks
    every file but itself.
    """
    out: dict[str, bytes] = {}
    published: list[Published] = []

    def put(name: str, kind: FileKind, data: bytes, title: str, year: str | None = None) -> None:
        out[name] = data
        published.append(Published(name, kind, year, title, None, len(data), digest(data)))

    extra = extra_stylesheets(plan)
    for name, data in assets.items():
        put(name, "asset", data, Path(name).name)

    entries = []
    for report in plan.reports:
        document = report[0]
        files = []
        for sibling in report:
            for file in sibling.files:
                record = records[file.name]
                thumb = _thumbnail_name(file.name)
                put(thumb, "thumbnail", thumbnail(file.name), f"First page of {file.name}", document.year)
                published.append(Published(file.name, "pdf", document.year, f"{sibling.title}: {file.label} ({file.standard})",
                                           record.pages, record.size, record.sha256))
                files.append(Download(file.name, file.label, file.standard, record.pages, record.size, thumb))
        downloads = [(f.href, f"{f.label} ({f.standard}): {f.pages} pages, {f.size_label}") for f in files]
        html = screen_page(env, content, document, downloads)
        # The history holds every year, so its entry carries the notes of the incomplete ones.
        years = [content.year(document.year)] if document.year else content.years
        note = " ".join(y.incomplete if document.year else f"{y.title}: {y.incomplete}"
                        for y in years if y.incomplete) or None
        put(f"{document.name}.html", "html", html.encode(), f"{document.title} (web page)", document.year)
        entries.append(Entry(document.title, f"{document.name}.html", tuple(files), note))
    put("index.html", "html", render_index(env, content, screen_stylesheets(extra), entries).encode(), "Reports and downloads")

    published.sort(key=lambda p: p.name)
    manifest = {
        "partnership": content.partnership.name,
        "period": f"{content.partnership.founded.iso}/{content.partnership.closed.iso}",
        "files": [vars(p) for p in published],
    }
    out[MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    sums = [(p.sha256, p.name) for p in published] + [(digest(out[MANIFEST]), MANIFEST)]
    out[CHECKSUMS] = "".join(f"{h}  {n}\n" for h, n in sorted(sums, key=lambda s: s[1])).encode()
    return out

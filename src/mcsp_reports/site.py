"""The HTML edition in ``dist/``: one web page per report, their assets, and ``index.html``.

The pages come from the same templates as the PDFs, rendered for the screen: a skip
link, landmarks, a screen stylesheet and links to the PDF files. ``index.html`` lists
every report with its web page and each PDF edition's pages and size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .cache import Record
from .model import Content
from .plan import Plan
from .render import render_history, render_index, render_year

#: Stylesheets of the HTML edition, as linked from pages in ``dist/``.
SCREEN_STYLESHEETS = ("assets/theme.css", "assets/screen.css")


@dataclass(frozen=True)
class Download:
    """A PDF file as the index lists it."""

    href: str
    label: str
    pages: int
    size: int

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


def asset_files(styles: Path) -> dict[str, Path]:
    """The files the HTML edition needs, by their path under ``dist/``."""
    files = {f"assets/{name}": styles / name for name in ("theme.css", "screen.css")}
    for font in sorted((styles / "fonts").iterdir()):
        files[f"assets/fonts/{font.name}"] = font
    return files


def publish(
    content: Content, env: jinja2.Environment, plan: Plan, records: Mapping[str, Record],
    styles: Path, write: Callable[[str, bytes], None],
) -> None:
    """Write the HTML pages, their assets and the index with ``write(name, data)``.

    ``records`` gives the pages and size of every PDF in the plan.
    """
    for name, path in asset_files(styles).items():
        write(name, path.read_bytes())

    entries = []
    standard = [d for d in plan.documents if not d.name.endswith("-large-print")]
    for document in standard:
        siblings = [d for d in plan.documents if d.name in (document.name, f"{document.name}-large-print")]
        files = tuple(
            Download(f.name, f.label, records[f.name].pages, records[f.name].size)
            for d in siblings for f in d.files
        )
        downloads = [(f.href, f"{f.label}: {f.pages} pages, {f.size_label}") for f in files]
        if document.year is None:
            html = render_history(env, content, SCREEN_STYLESHEETS, "screen", downloads)
            note = None
        else:
            year = content.year(document.year)
            html = render_year(env, content, year, SCREEN_STYLESHEETS, "screen", downloads)
            note = year.incomplete
        write(f"{document.name}.html", html.encode())
        entries.append(Entry(document.title, f"{document.name}.html", files, note))
    write("index.html", render_index(env, content, SCREEN_STYLESHEETS, entries).encode())

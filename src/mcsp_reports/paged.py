"""The paged preview: each document's pages as they will print, kept up to date as files change.

A document is printed to PDF exactly as the build prints it (the same HTML, stylesheets
and engine checks, the accessible edition only) and its pages are pictured from that
PDF. A document is printed again only when its *key* (its HTML, the bytes of its
stylesheets and of every other file under ``styles/``) changes, so saving one year's
YAML re-renders that year's report and the history, and nothing else. Page pictures are
drawn when the browser asks for them, once per page and key.

When the content or a stylesheet has a problem, the last good pages stay and the
problem is kept beside them, for the page to show over them.
"""

from __future__ import annotations

import hashlib
import html
import os
import shutil
import threading
import time
from dataclasses import dataclass, field, replace

from .cache import assets_digest
from .errors import UserError
from .files import MAX_ASSET_BYTES, read_tree
from .plan import ACCESSIBLE, Document
from .project import Project
from .render import PRINT_DIR

#: Width in pixels of a page picture: sharp on a laptop screen at half an A4 page wide.
PAGE_WIDTH = 900
#: Under ``build/``: each preview process's folder for the engine's copies of the fonts.
PREVIEW_TEMP = "preview-tmp"


@dataclass(frozen=True)
class Pages:
    """One document's latest pages: the PDF they come from, or the problem that stopped it.

    ``version`` grows by one each time anything here changes, which is what an open
    page waits for.
    """

    version: int = 0
    key: str = ""
    pdf: bytes = b""
    count: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class _Entry:
    pages: Pages = field(default_factory=Pages)
    pictures: dict[tuple[str, int], bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def document_key(project: Project, document: Document, html: str) -> str:
    """What a document's pages depend on: its HTML, its stylesheets and the other files of ``styles/``."""
    h = hashlib.sha256(html.encode())
    for sheet in document.stylesheets:
        h.update(sheet.encode() + b"\0" + (project.root / sheet).read_bytes())
    h.update(assets_digest(read_tree(project.styles, project.root, MAX_ASSET_BYTES)).encode())
    return h.hexdigest()


class PagedDocuments:
    """The pages of every document that has been looked at, printed again only when their key changes."""

    def __init__(self, project: Project):
        self.project = project
        self.changed = threading.Condition()
        self._entries: dict[str, _Entry] = {}
        # The engine copies the fonts of every document it prints to a temporary folder;
        # kept in the project, not the system's, and removed by close().
        self.temp = project.build / PREVIEW_TEMP / str(os.getpid())

    def close(self) -> None:
        """Remove the engine's temporary files; call it when the preview stops."""
        shutil.rmtree(self.temp, ignore_errors=True)

    def _entry(self, name: str) -> _Entry:
        with self.changed:
            return self._entries.setdefault(name, _Entry())

    @property
    def watched(self) -> list[str]:
        """The documents whose pages have been asked for, which are kept up to date eagerly."""
        with self.changed:
            return list(self._entries)

    def get(self, name: str) -> Pages | None:
        """The current pages of ``name`` (``None`` if never printed)."""
        with self.changed:
            entry = self._entries.get(name)
        return entry.pages if entry is not None else None

    def update(self, name: str, document: Document | None, html: str | None, error: str | None = None) -> Pages:
        """Bring the pages of ``name`` up to date with its HTML, or record ``error`` over the last good ones."""
        entry = self._entry(name)
        with entry.lock:
            pages = entry.pages
            if error is not None or document is None or html is None:
                new = replace(pages, error=error or "this document is no longer in the plan")
            else:
                key = document_key(self.project, document, html)
                if key == pages.key and pages.error is None:
                    return pages
                if key == pages.key:
                    new = replace(pages, error=None)
                else:
                    new = self._print(document, html, key, pages)
            if new == pages:
                return pages
            with self.changed:
                entry.pages = replace(new, version=pages.version + 1)
                self.changed.notify_all()
            return entry.pages

    def _print(self, document: Document, html: str, key: str, last: Pages) -> Pages:
        from . import engine
        from .pdf import Edition, ProjectFetcher, render_pdfs

        engine.use_temp_folder(self.temp)
        start = time.perf_counter()
        base_url = (self.project.root / PRINT_DIR).resolve().as_uri() + "/"
        fetcher = ProjectFetcher([self.project.styles])
        try:
            [pdf] = render_pdfs(html, base_url, fetcher, document.name, [Edition(ACCESSIBLE)])
        except UserError as error:
            return replace(last, error=str(error))
        return Pages(last.version, key, pdf.data, pdf.pages, None, time.perf_counter() - start)

    def picture(self, name: str, key: str, index: int) -> bytes | None:
        """Page ``index`` (0-based) of the pages printed under ``key`` as PNG, or ``None`` if gone."""
        from .pictures import page_png

        entry = self._entry(name)
        pages = entry.pages
        if pages.key != key or not 0 <= index < pages.count:
            return None
        found = entry.pictures.get((key, index))
        if found is None:
            found = page_png(pages.pdf, index, PAGE_WIDTH, quick=True)
            with entry.lock:
                # Pictures of older keys are never asked for again once the page reloads.
                entry.pictures = {k: v for k, v in entry.pictures.items() if k[0] == key}
                entry.pictures[(key, index)] = found
        return found

    def wait(self, name: str, since: int, timeout: float) -> bool:
        """Block until the pages of ``name`` pass version ``since`` (True) or ``timeout`` runs out."""
        with self.changed:
            return self.changed.wait_for(
                lambda: name in self._entries and self._entries[name].pages.version > since, timeout)


# The page that shows a document's pages: reloads itself when they change (keeping its
# scroll position), and lays any problem over the last good pages.
_VIEW = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pages: {title}</title>
<style>
body {{ margin: 0; background: #5f6368; font: 1rem/1.5 sans-serif; }}
header {{ position: sticky; top: 0; background: #202124; color: #fff; padding: 0.5rem 1rem; z-index: 1; }}
header a {{ color: #fff; }}
main {{ display: flex; flex-direction: column; align-items: center; gap: 1rem; padding: 1rem; }}
main img {{ width: min(100%, 60rem); height: auto; background: #fff; box-shadow: 0 1px 4px #000; }}
.problems {{ position: fixed; inset: 4rem 1rem auto; max-height: 80vh; overflow: auto; z-index: 2;
  background: #fff4d6; color: #1d1d1b; border-left: 0.5rem solid #8a5a00; padding: 0.5rem 1rem; }}
.problems li {{ font-family: monospace; }}
</style></head>
<body><header><a href="/">All documents</a> · {title} · {count} pages, printed in {seconds:.1f} s ·
<a href="/{name}.pdf">PDF</a></header>
{problems}<main id="pages" data-version="{version}" data-key="{key}">{images}</main>
<script>
(() => {{
  const events = new EventSource("/__pages?doc={name}&since={version}");
  events.onmessage = () => {{ events.close(); location.reload(); }};
}})();
</script></body></html>
"""


def view(name: str, title: str, pages: Pages) -> str:
    """The HTML of the paged view of document ``name``."""
    images = "".join(
        f'<img src="/pages/{name}/{pages.key}/{index + 1}.png" alt="Page {index + 1} of {pages.count}" '
        f'width="{PAGE_WIDTH}" height="{round(PAGE_WIDTH * 297 / 210)}" loading="{"eager" if index < 2 else "lazy"}">'
        for index in range(pages.count))
    problems = ""
    if pages.error:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in pages.error.splitlines())
        problems = (f'<section class="problems" role="alert"><h1>The pages cannot be updated</h1>'
                    f"<p>The pages below are the last good ones; fix these problems and they update "
                    f"by themselves.</p><ul>{items}</ul></section>")
    return _VIEW.format(name=name, title=html.escape(title), count=pages.count, seconds=pages.seconds,
                        problems=problems, version=pages.version, key=pages.key, images=images)

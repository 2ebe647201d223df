"""Live preview: the HTML edition served on loopback, re-rendered as the files change.

A watcher (watchfiles) follows ``reports/``, ``templates/`` and ``styles/``; each change
re-renders every page in memory, and every open page reloads itself through a
server-sent event. A mistake in a year file shows on that year's pages as the same
``file:line:col`` messages the build prints, and as a banner on every other page,
which still renders; only a broken ``partnership.yaml`` (which every page needs) stops
them all. A year still holding ``[[placeholders]]`` renders as a draft with the
placeholders highlighted, though build and check refuse it. The preview recovers as
soon as a file is fixed. The PDF of a page is rendered on request. The server binds to
127.0.0.1 only and serves nothing but the rendered pages and the files of ``styles/``.
"""

from __future__ import annotations

import html
import mimetypes
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from .design import FONT_FACTS, checked_theme
from .errors import Problem, UserError
from .load import YEAR_FILE, load_draft
from .model import Content
from .paged import PagedDocuments, Pages, view
from .plan import Document, plan, report_base
from .project import Project
from .render import make_environment, print_html
from .site import screen_page, screen_stylesheets

HOST = "127.0.0.1"

# Added to every page: reload when the server says the project changed.
_RELOAD = """<script>
(() => {{
  const events = new EventSource("/__events?since={generation}");
  events.onmessage = () => location.reload();
}})();
</script>
"""

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Preview: problems in the content</title>
<style>body {{ font: 1rem/1.5 sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
li {{ font-family: monospace; margin: 0.5rem 0; }}</style></head>
<body><main><h1>The preview cannot be shown</h1>
<p>Fix these problems; this page reloads by itself when the files are saved.</p>
<ul>{items}</ul></main>{reload}</body></html>
"""

# Shown at the top of every healthy page while some file has problems or placeholders.
_BANNER = """<div class="preview-banner" role="alert" style="border: 3px solid #b00020; background: #fff4f4;
color: #000; padding: 0.5rem 1rem; margin: 0 0 1rem; font: 1rem/1.4 sans-serif">{parts}</div>"""
_PLACEHOLDER = re.compile(r"\[\[[^\]<>]*\]\]")
_MARK = '<mark class="preview-placeholder" style="background: #ffe066; outline: 2px dashed #b00020">{}</mark>'


def _items(problems: list[str]) -> str:
    # A problem may carry the offending line and a caret beneath it: keep its layout.
    return "".join(f"<li><pre style='margin: 0; white-space: pre-wrap'>{html.escape(p)}</pre></li>"
                   for p in problems)


def _highlight(page: str) -> str:
    """``page`` with every ``[[placeholder]]`` in its body text marked (never inside a tag)."""
    head, found, body = page.partition("<body")
    if not found:
        return page
    marked = re.sub(r">([^<]*)<", lambda m: ">" + _PLACEHOLDER.sub(lambda p: _MARK.format(p[0]), m[1]) + "<", body)
    return head + found + marked


@dataclass
class _State:
    """One rendering of the whole preview; replaced, never mutated, on each change."""

    generation: int
    pages: dict[str, str] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)  # every document of the plan, by name
    content: Content | None = None
    env: jinja2.Environment | None = None
    error: str | None = None
    seconds: float = 0.0
    broken: dict[str, list[str]] = field(default_factory=dict)  # page name -> its file's problems
    banner: str = ""


class Preview:
    """The current pages of a project, kept up to date by :meth:`refresh`."""

    def __init__(self, project: Project, stylesheets: Sequence[str | Path] = ()):
        self.project = project
        self.stylesheets = tuple(stylesheets)
        self.changed = threading.Condition()
        self.state = _State(0)
        self.paged = PagedDocuments(project)
        self.refresh()

    def refresh(self) -> _State:
        """Re-read the content and re-render every page; wake every waiting page."""
        start = time.perf_counter()
        state = _State(self.state.generation + 1)
        try:
            draft = load_draft(self.project.reports)
            if draft.content is None:
                raise UserError("\n".join(str(p) for p in draft.problems))
            content = draft.content
            extra = [self.project.stylesheet(s) for s in self.stylesheets]
            the_plan = plan(content, stylesheets=extra)
            theme = checked_theme(self.project.root, (d.stylesheets for d in the_plan.documents), extra,
                                  self.project.build / FONT_FACTS)
            env = make_environment(self.project.templates, theme=theme)
            for document in (report[0] for report in the_plan.reports):
                downloads = [(f"{document.name}.pdf", "Accessible PDF of this page (rendered when opened)"),
                             (f"pages/{document.name}.html", "Its pages as they will print")]
                state.pages[f"{document.name}.html"] = screen_page(env, content, document, downloads)
            state.documents = {d.name: d for d in the_plan.documents}
            broken = self._broken_pages(content, draft.problems)
            state.pages["index.html"] = env.get_template("preview.html.j2").render(
                partnership=content.partnership, content=content, medium="screen", downloads=(),
                stylesheets=screen_stylesheets(extra), reports=the_plan.reports,
                broken=sorted({name.removesuffix("-large-print.html").removesuffix(".html") for name in broken}),
                page={"title": f"Preview: {content.partnership.name}", "description": "Live preview",
                      "keywords": ()})
            state.content = content
            state.env = env
            state.broken = broken
            state.banner = self._banner(draft.problems, draft.placeholders)
        except UserError as error:
            state.error = str(error)
        except Exception as error:  # a template bug must show in the page, not kill the preview
            state.error = f"{type(error).__name__}: {error}"
        state.seconds = time.perf_counter() - start
        with self.changed:
            self.state = state
            self.changed.notify_all()
        return state

    @staticmethod
    def _broken_pages(content: Content, problems: tuple[Problem, ...]) -> dict[str, list[str]]:
        """The pages of each year file that could not be read, with that file's problems."""
        prefix = content.partnership.short_name.lower()
        loaded = {year.label for year in content.years}
        pages: dict[str, list[str]] = {}
        for problem in problems:
            name = problem.path.rsplit("/", 1)[-1]
            if YEAR_FILE.match(name) and name.removesuffix(".yaml") not in loaded:
                base = report_base(prefix, name.removesuffix(".yaml"))
                for page in (f"{base}.html", f"{base}-large-print.html"):
                    pages.setdefault(page, []).append(str(problem))
        return pages

    @staticmethod
    def _banner(problems: tuple[Problem, ...], placeholders: dict[str, int]) -> str:
        parts = []
        if problems:
            parts.append("<p><strong>Some files have problems; the reports they hold are not shown "
                         "until they are fixed.</strong></p><ul>" + _items([str(p) for p in problems]) + "</ul>")
        for path, count in placeholders.items():
            noun = "placeholder" if count == 1 else "placeholders"
            parts.append(f"<p><strong>{html.escape(path)} is a draft</strong>: {count} {noun} to fill in, "
                         "highlighted below. <code>invoke check</code> and the build refuse it until "
                         "they are filled in.</p>")
        return _BANNER.format(parts="".join(parts)) if parts else ""

    def page(self, name: str) -> tuple[int, str] | None:
        """Status and HTML of a page (with the reload script), or ``None`` if there is no such page.

        The page of a year that cannot be read lists its problems; every other page
        renders, with a banner while any file has problems or placeholders.
        """
        state = self.state
        reload = _RELOAD.format(generation=state.generation)
        if state.error is not None:
            items = _items(_split_problems(state.error))
            return HTTPStatus.INTERNAL_SERVER_ERROR, _ERROR_PAGE.format(items=items, reload=reload)
        if name in state.broken:
            return HTTPStatus.INTERNAL_SERVER_ERROR, _ERROR_PAGE.format(items=_items(state.broken[name]),
                                                                        reload=reload)
        text = state.pages.get(name)
        if text is None:
            return None
        text = re.sub(r"<body[^>]*>", lambda m: m[0] + state.banner, _highlight(text), count=1)
        return HTTPStatus.OK, text.replace("</body>", reload + "</body>", 1)

    def printed(self, name: str) -> Pages | None:
        """The pages of document ``name`` as they will print, brought up to date; ``None`` if no such document."""
        state = self.state
        # The whole content, or this document's own year file, may have problems.
        problems = state.error or "\n".join(state.broken.get(f"{name}.html", [])) or None
        if problems is not None:
            if self.paged.get(name) is None:
                return None
            return self.paged.update(name, None, None, problems)
        if name not in state.documents:
            return None
        document = state.documents[name]
        assert state.content is not None and state.env is not None
        return self.paged.update(name, document, print_html(state.env, state.content, document))

    def reprint(self) -> list[Pages]:
        """Bring the pages of every document looked at so far up to date; return those that changed.

        Only a document whose key changed is printed again.
        """
        changed = []
        for name in self.paged.watched:
            before = self.paged.get(name)
            after = self.printed(name)
            if after is not None and (before is None or after.version != before.version):
                changed.append(after)
        return changed

    def pdf(self, name: str) -> bytes | None:
        """The accessible PDF of a document, as its paged view shows it; raises :class:`UserError` on a problem."""
        pages = self.printed(name.removesuffix(".pdf"))
        if pages is None:
            return None
        if pages.error is not None:
            raise UserError(pages.error)
        return pages.pdf

    def asset(self, path: str) -> Path | None:
        """A file of ``styles/`` for ``/assets/<path>``; never anything outside that folder."""
        styles = self.project.styles.resolve()
        candidate = (styles / path).resolve()
        if candidate.is_relative_to(styles) and candidate.is_file():
            return candidate
        return None

    def wait(self, since: int, timeout: float) -> bool:
        """Block until the generation passes ``since`` (True) or ``timeout`` runs out (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.state.generation > since, timeout)


def _split_problems(message: str) -> list[str]:
    """The problems of an error message, each with the indented lines that belong to it."""
    problems: list[str] = []
    for line in message.splitlines():
        if line.startswith(" ") and problems:
            problems[-1] += "\n" + line
        else:
            problems.append(line)
    return problems


def _handler(preview: Preview, stopping: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "mcsp-preview"

        def log_message(self, format: str, *args: object) -> None:
            pass  # the terminal shows rebuilds, not every request

        def send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            # A page on another site can point its own name at 127.0.0.1 (DNS rebinding)
            # and read the drafts: answer only requests addressed to this server by name.
            port = self.server.server_port  # type: ignore[attr-defined]  # an HTTPServer, whose port http.server sets
            if self.headers.get("Host", "").lower() not in {f"{HOST}:{port}", f"localhost:{port}"}:
                return self.send(HTTPStatus.MISDIRECTED_REQUEST, b"this preview answers only to "
                                 b"127.0.0.1 and localhost", "text/plain; charset=utf-8")
            url = urlsplit(self.path)
            try:
                path = unquote(url.path, errors="strict").lstrip("/") or "index.html"
            except UnicodeDecodeError:
                path = "\0"
            if any(ord(c) < 32 or c == "\x7f" for c in path):
                return self.send(HTTPStatus.BAD_REQUEST, b"malformed path", "text/plain; charset=utf-8")
            if path == "__events":
                return self.events(url.query)
            if path == "__pages":
                return self.page_events(url.query)
            if path.startswith("pages/"):
                return self.pages(path.removeprefix("pages/"))
            if path.startswith("assets/"):
                file = preview.asset(path.removeprefix("assets/"))
                if file is not None:
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return self.send(HTTPStatus.OK, file.read_bytes(), kind)
            elif path.endswith(".pdf"):
                try:
                    data = preview.pdf(path)
                except UserError as error:
                    return self.send(HTTPStatus.INTERNAL_SERVER_ERROR, str(error).encode(), "text/plain; charset=utf-8")
                if data is not None:
                    return self.send(HTTPStatus.OK, data, "application/pdf")
            else:
                found = preview.page(path)
                if found is not None:
                    return self.send(found[0], found[1].encode(), "text/html; charset=utf-8")
            self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")

        def pages(self, path: str) -> None:
            """``pages/NAME.html``: the paged view; ``pages/NAME/KEY/N.png``: one page picture."""
            parts = path.split("/")
            if len(parts) == 1 and path.endswith(".html"):
                name = path.removesuffix(".html")
                printed = preview.printed(name)
                if printed is not None:
                    title = preview.state.documents[name].title if name in preview.state.documents else name
                    return self.send(HTTPStatus.OK, view(name, title, printed).encode(), "text/html; charset=utf-8")
            elif len(parts) == 3 and parts[2].removesuffix(".png").isdigit():
                picture = preview.paged.picture(parts[0], parts[1], int(parts[2].removesuffix(".png")) - 1)
                if picture is not None:
                    return self.send(HTTPStatus.OK, picture, "image/png")
            self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")

        def page_events(self, query: str) -> None:
            fields = parse_qs(query)
            name = fields.get("doc", [""])[0]
            given = fields.get("since", ["0"])[0]
            self.stream(lambda: preview.paged.wait(name, int(given) if given.isdigit() else 0, timeout=1.0))

        def events(self, query: str) -> None:
            given = parse_qs(query).get("since", ["0"])[0]
            since = int(given) if given.isdigit() else 0
            self.stream(lambda: preview.wait(since, timeout=1.0))

        def stream(self, changed: Callable[[], bool]) -> None:
            """Send one server-sent event as soon as ``changed()`` (which waits a little) says so."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            try:
                while not stopping.is_set():
                    if changed():
                        self.wfile.write(b"data: changed\n\n")
                        self.wfile.flush()
                        return
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


class _Server(ThreadingHTTPServer):
    """The HTTP server, which keeps the traceback of a request that failed off the terminal."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the handler has answered (or the client has gone); nothing for the terminal


def _warm_engine() -> None:
    """Load WeasyPrint in the background, so the first paged view does not wait for it."""
    from . import pdf  # noqa: F401


class PreviewServer:
    """The preview's HTTP server and file watcher; ``start`` then ``stop``, or ``serve_forever``."""

    def __init__(self, project: Project, port: int = 8000, report: Callable[[str], None] = lambda message: None,
                 stylesheets: Sequence[str | Path] = ()):
        self.preview = Preview(project, stylesheets)
        self.stopping = threading.Event()
        try:
            self.http = _Server((HOST, port), _handler(self.preview, self.stopping))
        except OSError as error:
            raise UserError(f"cannot serve on {HOST}:{port}: {error.strerror}") from None
        self.http.daemon_threads = True
        self.report = report
        self.watching = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Where the preview is served."""
        return f"http://{HOST}:{self.http.server_port}/"

    def _watch(self) -> None:
        from watchfiles import watch

        project = self.preview.project
        folders = [project.reports, project.templates, project.styles]
        # The watcher yields an empty set when idle, which is how we learn it is running.
        for changes in watch(*folders, stop_event=self.stopping, debounce=30, step=10,
                             rust_timeout=100, yield_on_timeout=True):
            if not changes:
                if not self.watching.is_set():
                    self.preview.refresh()  # catch any edit made before the watch began
                    self.watching.set()
                continue
            state = self.preview.refresh()
            names = sorted({Path(path).name for _, path in changes})
            outcome = ("problems in the content" if state.error
                       else "updated, with problems or placeholders shown in the pages" if state.banner
                       else "updated")
            self.report(f"{', '.join(names)}: {outcome} in {state.seconds * 1000:.0f} ms")
            # Then the pages of the documents being looked at, each only if it changed.
            for pages in self.preview.reprint():
                if pages.error is None:
                    self.report(f"  printed {pages.count} pages in {pages.seconds:.1f} s")

    def start(self) -> None:
        """Watch and serve in background threads; return once the watcher is running."""
        for target in (self._watch, self.http.serve_forever, _warm_engine):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        if not self.watching.wait(timeout=30):
            raise RuntimeError("the file watcher did not start")

    def stop(self) -> None:
        """Stop watching and serving, and remove the engine's temporary files."""
        self.stopping.set()
        self.http.shutdown()
        self.http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.preview.paged.close()

    def run_until_interrupted(self, ready: Callable[[], None] = lambda: None) -> None:
        """Keep serving, after :meth:`start`, until Ctrl-C or a termination signal.

        ``ready`` is called once a termination signal would stop the preview cleanly:
        announce the preview there, so that whoever starts it cannot stop it earlier.
        """

        def interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        # A termination signal (as `kill` or a closing terminal sends) stops the preview
        # as Ctrl-C does, so it cleans up instead of vanishing mid-step.
        previous = signal.signal(signal.SIGTERM, interrupt)
        try:
            ready()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)

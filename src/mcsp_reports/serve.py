"""Live preview: the HTML edition served on loopback, re-rendered as the files change.

A watcher (watchfiles) follows ``reports/``, ``templates/`` and ``styles/``; each change
re-renders every page in memory, and every open page reloads itself through a
server-sent event. A content mistake shows as a page listing the same
``file:line:col`` messages the build prints, and the preview recovers as soon as the
file is fixed. The PDF of a page is rendered on request. The server binds to
127.0.0.1 only and serves nothing but the rendered pages and the files of ``styles/``.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .project import Project
from .render import PRINT_DIR, make_environment, print_html
from .errors import UserError
from .load import load_content
from .model import Content
from .plan import Document, plan
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


@dataclass
class _State:
    """One rendering of the whole preview; replaced, never mutated, on each change."""

    generation: int
    pages: dict[str, str] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    content: Content | None = None
    error: str | None = None
    seconds: float = 0.0


class Preview:
    """The current pages of a project, kept up to date by :meth:`refresh`."""

    def __init__(self, project: Project, stylesheets: Sequence[str | Path] = ()):
        self.project = project
        self.stylesheets = tuple(stylesheets)
        self.changed = threading.Condition()
        self.state = _State(0)
        self._pdfs: dict[str, bytes] = {}
        self._pdf_lock = threading.Lock()
        self.refresh()

    def refresh(self) -> _State:
        """Re-read the content and re-render every page; wake every waiting page."""
        start = time.perf_counter()
        state = _State(self.state.generation + 1)
        try:
            content = load_content(self.project.reports)
            extra = [self.project.stylesheet(s) for s in self.stylesheets]
            the_plan = plan(content, stylesheets=extra)
            env = make_environment(self.project.templates)
            for document in (report[0] for report in the_plan.reports):
                downloads = [(f"{document.name}.pdf", "Accessible PDF of this page (rendered when opened)")]
                state.pages[f"{document.name}.html"] = screen_page(env, content, document, downloads)
                state.documents[f"{document.name}.pdf"] = document
            state.pages["index.html"] = env.get_template("preview.html.j2").render(
                partnership=content.partnership, content=content, medium="screen", downloads=(),
                stylesheets=screen_stylesheets(extra),
                documents=[report[0] for report in the_plan.reports],
                page={"title": f"Preview: {content.partnership.name}", "description": "Live preview",
                      "keywords": ()})
            state.content = content
        except UserError as error:
            state.error = str(error)
        except Exception as error:  # a template bug must show in the page, not kill the preview
            state.error = f"{type(error).__name__}: {error}"
        state.seconds = time.perf_counter() - start
        with self.changed:
            self.state = state
            self.changed.notify_all()
        return state

    def page(self, name: str) -> tuple[int, str] | None:
        """Status and HTML of a page (with the reload script), or ``None`` if there is no such page."""
        state = self.state
        reload = _RELOAD.format(generation=state.generation)
        if state.error is not None:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in state.error.splitlines())
            return HTTPStatus.INTERNAL_SERVER_ERROR, _ERROR_PAGE.format(items=items, reload=reload)
        text = state.pages.get(name)
        if text is None:
            return None
        return HTTPStatus.OK, text.replace("</body>", reload + "</body>", 1)

    def pdf(self, name: str) -> bytes | None:
        """The accessible PDF of a page, rendered on request and kept until its HTML changes."""
        state = self.state
        document = state.documents.get(name)
        if document is None or state.content is None:
            return None
        from .pdf import Edition, ProjectFetcher, render_pdfs

        source = print_html(make_environment(self.project.templates), state.content, document)
        key = hashlib.sha256(source.encode()).hexdigest()
        with self._pdf_lock:
            if key not in self._pdfs:
                base_url = (self.project.root / PRINT_DIR).resolve().as_uri() + "/"
                [rendered] = render_pdfs(source, base_url, ProjectFetcher([self.project.styles]),
                                         name, [Edition("pdf/ua-1")])
                self._pdfs = {key: rendered.data}
            return self._pdfs[key]

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
            url = urlsplit(self.path)
            path = unquote(url.path).lstrip("/") or "index.html"
            if path == "__events":
                return self.events(url.query)
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

        def events(self, query: str) -> None:
            given = parse_qs(query).get("since", ["0"])[0]
            since = int(given) if given.isdigit() else 0
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            try:
                while not stopping.is_set():
                    if preview.wait(since, timeout=1.0):
                        self.wfile.write(f"data: {preview.state.generation}\n\n".encode())
                        self.wfile.flush()
                        return
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


class PreviewServer:
    """The preview's HTTP server and file watcher; ``start`` then ``stop``, or ``serve_forever``."""

    def __init__(self, project: Project, port: int = 8000, report=lambda message: None,
                 stylesheets: Sequence[str | Path] = ()):
        self.preview = Preview(project, stylesheets)
        self.stopping = threading.Event()
        try:
            self.http = ThreadingHTTPServer((HOST, port), _handler(self.preview, self.stopping))
        except OSError as error:
            raise UserError(f"cannot serve on {HOST}:{port}: {error.strerror}") from None
        self.http.daemon_threads = True
        self.report = report
        self.watching = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Where the preview is served."""
        host, port = self.http.server_address[:2]
        return f"http://{host}:{port}/"

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
            outcome = "problems in the content" if state.error else "updated"
            self.report(f"{', '.join(names)}: {outcome} in {state.seconds * 1000:.0f} ms")

    def start(self) -> None:
        """Watch and serve in background threads; return once the watcher is running."""
        for target in (self._watch, self.http.serve_forever):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        if not self.watching.wait(timeout=30):
            raise RuntimeError("the file watcher did not start")

    def stop(self) -> None:
        """Stop watching and serving."""
        self.stopping.set()
        self.http.shutdown()
        self.http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def run_until_interrupted(self) -> None:
        """Keep serving, after :meth:`start`, until Ctrl-C or a termination signal."""
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

"""What to build, in what order, and writing it to ``dist/`` safely.

A build runs in three passes so that a problem anywhere stops it before ``dist/`` is
touched: load and validate all the content, render every requested PDF in memory, then
write each file atomically (a temporary file beside it, then ``os.replace``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .load import load_content
from .model import Content
from .render import make_environment, render_history, render_year

#: The stylesheets every document uses, in cascade order, relative to the project root.
BASE_STYLESHEETS = ("styles/theme.css", "styles/print.css")


class BuildError(UserError):
    """A build option names something that does not exist or may not be used."""


@dataclass(frozen=True)
class Project:
    """The folders of an mcsp-reports project, found from its root."""

    root: Path

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def fonts(self) -> list[Path]:
        return sorted((self.styles / "fonts").glob("*.[ot]tf"))

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def build(self) -> Path:
        return self.root / "build"

    def stylesheet(self, given: str | Path) -> str:
        """A user's extra stylesheet as a link relative to the root; it must be in the project."""
        path = Path(given)
        path = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not path.is_file():
            raise BuildError(f"{given}: stylesheet not found")
        if not path.is_relative_to(self.root.resolve()):
            raise BuildError(f"{given}: stylesheet must be inside the project folder {self.root}")
        if path.suffix != ".css":
            raise BuildError(f"{given}: a stylesheet must be a .css file")
        return path.relative_to(self.root.resolve()).as_posix()


@dataclass(frozen=True)
class Output:
    """One file the build can produce."""

    name: str
    kind: str  # "annual" or "history"
    title: str
    year: str | None = None


@dataclass(frozen=True)
class Built:
    """A file written to ``dist/``."""

    output: Output
    path: Path
    pages: int
    size: int


def plan(content: Content, years: Sequence[str] | None = None, history: bool = True) -> list[Output]:
    """The outputs to build: the history first (the longest), then the requested years.

    ``years=None`` means every year; an unknown label is a :class:`BuildError`.
    """
    prefix = content.partnership.short_name.lower()
    known = [y.label for y in content.years]
    wanted = known if years is None else list(years)
    unknown = [label for label in wanted if label not in known]
    if unknown:
        raise BuildError(f"no report for year {', '.join(unknown)}; years in reports/: {', '.join(known)}")
    outputs = []
    if history:
        outputs.append(Output(f"{prefix}-history.pdf", "history", "History of the partnership"))
    outputs += [
        Output(f"{prefix}-annual-achievements-{label}.pdf", "annual",
               f"Notable achievements {content.year(label).title}", label)
        for label in wanted
    ]
    return outputs


def render_html(project: Project, content: Content, outputs: Sequence[Output],
                stylesheets: Sequence[str] = ()) -> list[str]:
    """The HTML each output is printed from, with links relative to the project root."""
    env = make_environment(project.templates)
    sheets = (*BASE_STYLESHEETS, *stylesheets)
    return [
        render_history(env, content, sheets) if output.kind == "history"
        else render_year(env, content, content.year(output.year or ""), sheets)
        for output in outputs
    ]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a part.

    The temporary file lives in the same folder, so ``os.replace`` is a rename on one
    file system; it is removed again if anything fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(
    project: Project,
    years: Sequence[str] | None = None,
    history: bool = True,
    stylesheets: Sequence[str | Path] = (),
) -> list[Built]:
    """Build the requested PDFs into ``dist/``; return what was written.

    Nothing is written unless every requested output rendered: a :class:`UserError`
    (bad content, a bad option, a render problem) leaves ``dist/`` exactly as it was.
    """
    # Imported here, not at the top, so that checking content stays quick: WeasyPrint
    # takes far longer to import than the content takes to validate.
    from .pdf import ProjectFetcher, render_pdf

    content = load_content(project.reports)
    links = [project.stylesheet(s) for s in stylesheets]
    outputs = plan(content, years, history)
    documents = render_html(project, content, outputs, links)

    fetcher = ProjectFetcher([project.styles, project.reports], [project.root / link for link in links])
    base_url = project.root.resolve().as_uri() + "/"
    rendered = [
        render_pdf(html, base_url, fetcher, output.name)
        for output, html in zip(outputs, documents)
    ]

    built = []
    for output, pdf in zip(outputs, rendered):
        path = project.dist / output.name
        write_atomic(path, pdf.data)
        built.append(Built(output, path, pdf.pages, len(pdf.data)))
    return built


def check(project: Project) -> Content:
    """Validate the content without rendering anything; raise :class:`UserError` on problems."""
    return load_content(project.reports)


def clean(project: Project) -> list[Path]:
    """Remove the build's outputs (``dist/`` and ``build/``); return what was removed."""
    removed = []
    for folder in (project.dist, project.build):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def summarise(built: Sequence[Built], root: Path) -> str:
    """One line per file written: its path, pages and size."""
    width = max((len(str(b.path.relative_to(root))) for b in built), default=0)
    return "\n".join(
        f"{str(b.path.relative_to(root)):<{width}}  {b.pages:>3} pages  {b.size / 1024:>7.1f} KiB"
        for b in built
    )

"""Rendering the model to HTML with Jinja2: one document per year and one for the history.

Every template is autoescaped whatever its extension (``select_autoescape`` would miss
``*.html.j2``), and undefined names raise instead of printing nothing, so a mistake in
a template fails the build rather than leaving a silent gap in a PDF.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import CodeType
from typing import Literal

import jinja2
from jinja2.bccache import Bucket

from . import insights
from .errors import ProjectError
from .model import Content, Edition, YearReport
from .plan import LARGE_PRINT_SUFFIX, Document

#: Where ``build/print/*.html`` sit relative to the project root, for their links.
PRINT_DIR = "build/print"

#: The HTML that becomes a PDF ("print"), or the HTML edition ("screen").
Medium = Literal["print", "screen"]


@dataclass(frozen=True)
class Page:
    """What a document is: its title, description and keywords, for the HTML head and PDF info."""

    title: str
    description: str
    keywords: tuple[str, ...]


def publication_time(edition: Edition, environ: Mapping[str, str] = os.environ) -> datetime:
    """The moment every output is dated with: the edition's publication day at 00:00 UTC,
    or ``SOURCE_DATE_EPOCH`` when it is set.

    Never the clock, so the same inputs give the same bytes; ``SOURCE_DATE_EPOCH`` is the
    reproducible-builds convention (https://reproducible-builds.org/specs/source-date-epoch/)
    by which a packager fixes the date of everything a build makes.
    """
    value = environ.get("SOURCE_DATE_EPOCH", "")
    if not value:  # unset, or set empty as some CI systems do, means "not given"
        return datetime(edition.published.year, edition.published.month, edition.published.day,
                        tzinfo=UTC)
    if not value.isascii() or not value.isdigit():
        raise ProjectError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC; "
                           f"got {value!r}")
    return datetime.fromtimestamp(int(value), tz=UTC)


#: Compiled templates by name and source checksum, for every environment this process
#: makes: each build, and each reload of ``invoke serve``, makes a new one.
_COMPILED: dict[tuple[str, str], CodeType] = {}


class _NamedBucket(Bucket):
    """A bucket that knows its template's name, the other half of the in-memory key."""

    def __init__(self, environment: jinja2.Environment, key: str, checksum: str, name: str) -> None:
        super().__init__(environment, key, checksum)
        self.name = name


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's cache of compiled templates: in this process's memory and, given a folder,
    on disk for the next process.

    Compiling the templates costs about a fifth of a second, and a live preview would pay it
    on every save. In memory the key is the template's name and source, not its path, so a
    copy of the project (a test's) reuses what another compiled; the path survives only as
    the code's file name, which tracebacks show, and is set again when the code is reused.
    Every environment is made by :func:`make_environment` with the same options, so the
    same source always compiles to the same code.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        bucket = _NamedBucket(environment, self.get_cache_key(name, filename),
                              self.get_source_checksum(source), name)
        self.load_bytecode(bucket)
        if bucket.code is None and (name, bucket.checksum) in _COMPILED:
            bucket.code = _refiled(_COMPILED[name, bucket.checksum], filename or "<template>")
            self.dump_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        if self.folder is not None:
            self.folder.load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        if isinstance(bucket, _NamedBucket) and bucket.code is not None:
            _COMPILED[bucket.name, bucket.checksum] = bucket.code
        if self.folder is not None:
            self.folder.dump_bytecode(bucket)


def _refiled(code: CodeType, filename: str) -> CodeType:
    """``code``, and the code of every function it defines, as compiled from ``filename``."""
    if code.co_filename == filename:
        return code
    consts = tuple(_refiled(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def make_environment(templates: Path, cache: Path | None = None,
                     theme: Mapping[str, str] | None = None) -> jinja2.Environment:
    """A strict Jinja environment over the project's ``templates/`` folder.

    Compiled templates are kept for the life of the process and, with ``cache``, in that
    folder too (keyed by their source), which spares the next build that has a template
    to render most of the cost of compiling it. ``theme`` holds the design
    values (custom properties, resolved) the templates draw with, the chart above all;
    by default those of the project's ``styles/theme.css``.
    """
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=_CompiledTemplates(cache),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if theme is None:
        from .design import theme_values

        theme = theme_values(templates.parent, ("styles/theme.css",))
    env.globals["theme"] = dict(theme)
    # Jinja's own `capitalize` lower-cases the rest, which would spoil proper names.
    env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]
    # The W3C date-time that WeasyPrint copies from <meta name="dcterms.created"> into the PDF.
    env.filters["publication_time"] = lambda edition: publication_time(edition).isoformat()
    return env


def year_page(content: Content, year: YearReport, large_print: bool = False) -> Page:
    """Title, description and keywords of a year's annual report (or its large-print edition)."""
    p = content.partnership
    return Page(
        title=f"{p.name}: notable achievements {year.title}{LARGE_PRINT_SUFFIX if large_print else ''}",
        description=f"The notable achievements of the {p.name} in the reporting year {year.title}"
        f"{' (an incomplete record)' if year.incomplete else ''}.",
        keywords=tuple(t.name for t in year.themes),
    )


def history_page(content: Content, large_print: bool = False) -> Page:
    """Title, description and keywords of the consolidated history (or its large-print edition)."""
    p = content.partnership
    first, last = content.years[0].title, content.years[-1].title
    note = f" ({insights.incomplete_years(content)})" if insights.incomplete_years(content) else ""
    return Page(
        title=f"{p.name}: a history, {p.founded.label} to {p.closed.label}"
        f"{LARGE_PRINT_SUFFIX if large_print else ''}",
        description=f"The {p.name} from {p.founded.label} to {p.closed.label}, "
        f"with its notable achievements from {first} to {last}{note}.",
        keywords=tuple(dict.fromkeys(t.name for y in content.years for t in y.themes)),
    )


def render_year(
    env: jinja2.Environment, content: Content, year: YearReport, stylesheets: Sequence[str],
    medium: Medium = "print", downloads: Sequence[tuple[str, str]] = (), large_print: bool = False,
) -> str:
    """The HTML of one year's annual-achievements report.

    ``medium`` is ``"print"`` for the HTML that becomes a PDF and ``"screen"`` for the
    HTML edition, whose footer links ``downloads`` (pairs of href and label).
    ``large_print`` gives the large-print edition its own title.
    """
    return env.get_template("annual.html.j2").render(
        content=content, partnership=content.partnership, year=year,
        page=year_page(content, year, large_print), stylesheets=stylesheets, medium=medium, downloads=downloads,
        large_print=large_print,
    )


def render_history(
    env: jinja2.Environment, content: Content, stylesheets: Sequence[str],
    medium: Medium = "print", downloads: Sequence[tuple[str, str]] = (), large_print: bool = False,
) -> str:
    """The HTML of the consolidated history, all years in one document (see :func:`render_year`).

    Besides the years it holds the chart of themes across the years, the timeline and
    the indexes of themes and organisations, all computed from the content. The
    large-print edition gives the chart's figures as its table only: the chart's own
    labels cannot grow to large-print sizes.
    """
    svg = insights.chart_svg(env, content)
    charts = {
        "chart": insights.data_url(svg),
        "svg": svg,
        "fits": insights.chart_style(content, insights.theme_of(env)).fits,
        "summary": insights.chart_summary(content),
        "rows": insights.theme_counts(content),
        "totals": insights.year_totals(content),
    }
    return env.get_template("history.html.j2").render(
        content=content, partnership=content.partnership,
        page=history_page(content, large_print), stylesheets=stylesheets, medium=medium, downloads=downloads,
        large_print=large_print, insights=charts, theme_index=insights.theme_index(content),
        organisation_index=insights.organisation_index(content),
    )


def render_document(
    env: jinja2.Environment, content: Content, document: Document, stylesheets: Sequence[str],
    medium: Medium = "print", downloads: Sequence[tuple[str, str]] = (),
) -> str:
    """The HTML of ``document``: the history, or its year's report (see :func:`render_year`)."""
    if document.year is None:
        return render_history(env, content, stylesheets, medium, downloads, document.large_print)
    return render_year(env, content, content.year(document.year), stylesheets, medium, downloads,
                       document.large_print)


def print_html(env: jinja2.Environment, content: Content, document: Document) -> str:
    """The HTML a document's PDFs are printed from, with links relative to ``build/print/``."""
    up = "../" * len(Path(PRINT_DIR).parts)
    return render_document(env, content, document, [up + sheet for sheet in document.stylesheets])


def render_index(
    env: jinja2.Environment, content: Content, stylesheets: Sequence[str], entries: Sequence[object]
) -> str:
    """The landing page of ``dist/``: every report with its HTML page and PDF files.

    ``entries`` are objects with ``title``, ``html`` (href) and ``files`` (each with
    ``href``, ``label``, ``pages`` and ``size``), as :mod:`mcsp_reports.site` makes them.
    """
    p = content.partnership
    page = Page(
        title=f"{p.name}: reports and downloads",
        description=f"The published reports of the {p.name}, as web pages and PDF files.",
        keywords=tuple(t.name for t in p.themes),
    )
    return env.get_template("index.html.j2").render(
        content=content, partnership=p, page=page, stylesheets=stylesheets,
        medium="screen", downloads=(), entries=entries,
    )

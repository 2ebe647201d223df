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
from typing import Literal

import jinja2

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


def make_environment(templates: Path, cache: Path | None = None,
                     theme: Mapping[str, str] | None = None) -> jinja2.Environment:
    """A strict Jinja environment over the project's ``templates/`` folder.

    With ``cache``, compiled templates are kept in that folder (keyed by their source),
    which spares a build with nothing to do most of its time. ``theme`` holds the design
    values (custom properties, resolved) the templates draw with, the chart above all;
    by default those of the project's ``styles/theme.css``.
    """
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache)) if cache is not None else None,
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

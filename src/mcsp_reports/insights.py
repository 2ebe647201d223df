"""What the history shows across the years: indexes of themes and organisations, and charts.

Everything is computed from the content at build time; nothing is kept by hand. The
chart is drawn as SVG from a template (WeasyPrint runs no JavaScript, and a dot per
achievement needs no plotting library), with a one-sentence text alternative and the
same numbers as a real table beside it. It takes its font, colours and label size from
the theme's custom properties (:class:`ChartStyle`), since an SVG image sees none of the
document's CSS, and is sized in points so that its labels print at the theme's small size.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

import jinja2

from .model import Achievement, Content, Organisation, Theme, YearReport


@dataclass(frozen=True)
class IndexEntry:
    """One term of an index and the achievements it leads to, in year order."""

    id: str
    name: str
    references: tuple[tuple[YearReport, Achievement], ...]


@dataclass(frozen=True)
class ThemeCounts:
    """How many achievements of each year carry one theme."""

    theme: Theme
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """Achievements carrying the theme across all years."""
        return sum(self.counts)


def _index(content: Content, terms: tuple[Theme, ...] | tuple[Organisation, ...], attribute: str) -> list[IndexEntry]:
    entries = []
    for term in terms:
        references = tuple(
            (year, achievement)
            for year in content.years for achievement in year.achievements
            if term in getattr(achievement, attribute)
        )
        if references:
            entries.append(IndexEntry(term.id, term.name, references))
    return sorted(entries, key=lambda e: e.name.casefold().removeprefix("the "))


def theme_index(content: Content) -> list[IndexEntry]:
    """Every theme that some achievement carries, alphabetically, with those achievements."""
    return _index(content, content.partnership.themes, "themes")


def organisation_index(content: Content) -> list[IndexEntry]:
    """Every organisation an achievement names, alphabetically ("The" ignored), with those achievements."""
    return _index(content, content.partnership.organisations, "organisations")


def theme_counts(content: Content) -> list[ThemeCounts]:
    """For each theme in use, in vocabulary order, its number of achievements in each year."""
    rows = [
        ThemeCounts(theme, tuple(sum(theme in a.themes for a in y.achievements) for y in content.years))
        for theme in content.partnership.themes
    ]
    return [row for row in rows if row.total]


def year_totals(content: Content) -> tuple[int, ...]:
    """The number of achievements recorded for each year."""
    return tuple(len(y.achievements) for y in content.years)


def incomplete_years(content: Content) -> str:
    """``2015/16 is an incomplete record`` (or ``… are incomplete records``); empty if none is."""
    incomplete = [y.title for y in content.years if y.incomplete]
    if not incomplete:
        return ""
    return f"{' and '.join(incomplete)} {'is an incomplete record' if len(incomplete) == 1 else 'are incomplete records'}"


def chart_summary(content: Content) -> str:
    """A one-sentence text alternative for the chart, stated from the data."""
    rows = theme_counts(content)
    most = max(row.total for row in rows)
    leaders = [row.theme.name for row in rows if row.total == most]
    leader_text = " and ".join(name.lower() for name in leaders)
    years_active = max(sum(1 for c in row.counts if c) for row in rows if row.total == most)
    caveat = f"; {incomplete_years(content)}" if incomplete_years(content) else ""
    return (
        f"Dot chart of the {sum(year_totals(content))} achievements recorded from {content.years[0].title} "
        f"to {content.years[-1].title}, by theme and year: {leader_text} "
        f"{'leads' if len(leaders) == 1 else 'lead'} with {most}, spread over {years_active} years, "
        f"while each other theme has between {min(r.total for r in rows)} and "
        f"{max((r.total for r in rows if r.total < most), default=most)}{caveat}."
    )


#: A4 width in points: the chart must fit between the page margins at its own size.
_A4_WIDTH = 595.28
#: Average advance of a character of Lato-like text, in ems (bold: a little wider); enough
#: to lay the chart out without measuring glyphs.
_CHARACTER, _BOLD_CHARACTER = 0.55, 0.62


@dataclass(frozen=True)
class ChartStyle:
    """The chart's look and geometry, in points, from the theme's custom properties."""

    font: str
    size: float
    text: str
    muted: str
    accent: str
    rule: str
    label_width: float
    column: float
    row: float
    top: float
    dot: float
    width: float
    height: float
    fits: bool  # whether it fits the text width of the page at the theme's small size


def chart_style(content: Content, theme: Mapping[str, str]) -> ChartStyle:
    """Lay the chart out for ``content`` with the theme's font, colours, small size and page margins."""
    from .design import points

    size = points(theme["--font-size-small"], points(theme.get("--font-size-body", "12pt")))
    rows = theme_counts(content)
    dot = size * 0.32
    longest = max(len(r.theme.name) for r in rows) if rows else 10
    label_width = max(longest * _CHARACTER, len("All achievements") * _BOLD_CHARACTER) * size + size
    most = max((c for r in rows for c in r.counts), default=0)
    column = max(most * dot * 2.6 + 3 * _CHARACTER * size, max(len(y.title) + 1 for y in content.years)
                 * _BOLD_CHARACTER * size) + size
    row = size * 2.1
    top = size * 2.2
    width = round(label_width + column * len(content.years), 1)
    text_width = _A4_WIDTH - points(theme["--page-margin-inside"]) - points(theme["--page-margin-outside"])
    return ChartStyle(
        font=theme["--font-body"], size=round(size, 2), text=theme["--colour-text"], muted=theme["--colour-muted"],
        accent=theme["--colour-accent"], rule=theme["--colour-rule"], label_width=round(label_width, 1),
        column=round(column, 1), row=round(row, 1), top=round(top, 1), dot=round(dot, 2), width=width,
        height=round(top + row * (len(rows) + 1) + size * 0.5, 1), fits=width <= text_width,
    )


def theme_of(env: jinja2.Environment) -> Mapping[str, str]:
    """The design values the environment's templates draw with (see :func:`render.make_environment`)."""
    theme: Mapping[str, str] = env.globals["theme"]  # type: ignore[assignment]
    return theme


def chart_svg(env: jinja2.Environment, content: Content) -> str:
    """The dot chart of achievements per theme per year, as an SVG document, in the environment's theme."""
    return env.get_template("charts/themes-by-year.svg.j2").render(
        years=content.years, rows=theme_counts(content), totals=year_totals(content),
        chart=chart_style(content, theme_of(env)), summary=chart_summary(content),
        title=f"Achievements by theme and year, {content.years[0].title} to {content.years[-1].title}",
    )


def data_url(svg: str) -> str:
    """An SVG document as a ``data:`` URL, so the chart travels inside the HTML."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")

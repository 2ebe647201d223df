"""The typed content model: the partnership, its reporting years and their achievements.

Everything here is an immutable value built by :mod:`mcsp_reports.load`; nothing in this
module reads files or knows about YAML, HTML or PDF.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

#: A reporting-year label: two consecutive calendar years, ``2018-19``.
YEAR_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def year_label_start(label: str) -> int | None:
    """The calendar year a reporting-year ``label`` starts in, or ``None`` if it is no such label.

    ``2018-19`` gives 2018; ``2018-20`` and ``2018/19`` give ``None``.
    """
    found = YEAR_LABEL.match(label)
    if not found or int(found[2]) != (int(found[1]) + 1) % 100:
        return None
    return int(found[1])


def year_label(start: int) -> str:
    """The label of the reporting year that starts in ``start``: 2018 gives ``2018-19``."""
    return f"{start}-{(start + 1) % 100:02d}"


def year_title(label: str) -> str:
    """Reader's form of a reporting-year label: ``2018/19``."""
    return label.replace("-", "/")


@dataclass(frozen=True, order=True)
class MonthYear:
    """A date known to the month, or only to the year when ``month`` is ``None``."""

    year: int
    month: int | None = None

    @property
    def iso(self) -> str:
        """W3C date form: ``2018-11`` or ``2012``."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Reader's form: ``November 2018`` or ``2012``."""
        return str(self.year) if self.month is None else f"{calendar.month_name[self.month]} {self.year}"

    def sort_key(self) -> tuple[int, int]:
        """Order year-only dates before the months of that year."""
        return (self.year, self.month or 0)

    def earliest(self) -> tuple[int, int]:
        """The first (year, month) this date may mean: January for a bare year."""
        return (self.year, self.month or 1)

    def latest(self) -> tuple[int, int]:
        """The last (year, month) this date may mean: December for a bare year."""
        return (self.year, self.month or 12)


def reporting_year(start: int) -> tuple[MonthYear, MonthYear]:
    """The first and last months of the reporting year that starts in ``start``.

    Reporting years run from April to March, the financial year that the partnership's
    public bodies report on: 2017-18 is April 2017 to March 2018.
    """
    return MonthYear(start, 4), MonthYear(start + 1, 3)


def outside_operation(start: int, founded: MonthYear, closed: MonthYear) -> str | None:
    """Why the reporting year starting in ``start`` lies outside the operating period, or ``None``."""
    first, last = reporting_year(start)
    title = year_title(year_label(start))
    if first.earliest() > closed.latest():
        return f"the reporting year {title} starts after the partnership closed in {closed.label}"
    if last.latest() < founded.earliest():
        return f"the reporting year {title} ends before the partnership began in {founded.label}"
    return None


@dataclass(frozen=True)
class Theme:
    """An entry of the partnership's controlled vocabulary of themes."""

    id: str
    name: str


@dataclass(frozen=True)
class Organisation:
    """An organisation that the content names."""

    id: str
    name: str


@dataclass(frozen=True)
class Successor:
    """The body that took the partnership's place."""

    name: str
    date: MonthYear
    summary: str


@dataclass(frozen=True)
class Edition:
    """What the publisher says about this edition, as distinct from what the record says."""

    published: date
    selection: str  # that the record lists a selection of achievements, not all of them
    coverage: str  # which years the record covers and which it leaves out


@dataclass(frozen=True)
class Partnership:
    """The partnership's profile and vocabularies, from ``reports/partnership.yaml``."""

    name: str
    short_name: str
    language: str
    area: str
    founded: MonthYear
    closed: MonthYear
    purpose: str
    commissioner: str
    successor: Successor
    themes: tuple[Theme, ...]
    organisations: tuple[Organisation, ...]
    edition: Edition
    #: Where readers ask for another format: an email address or an https:// address.
    contact: str | None = None


@dataclass(frozen=True)
class Achievement:
    """One notable achievement of a reporting year."""

    id: str
    title: str
    summary: str
    themes: tuple[Theme, ...]
    organisations: tuple[Organisation, ...] = ()
    points: tuple[str, ...] = ()
    date: MonthYear | None = None
    milestone: str | None = None
    source: str | None = None  # where in the public record it comes from: "2017/18, paragraph 1"

    @property
    def primary_theme(self) -> Theme:
        """The theme the achievement is grouped under: the first one listed."""
        return self.themes[0]


@dataclass(frozen=True)
class YearReport:
    """One reporting year, from ``reports/YYYY-YY.yaml``."""

    label: str
    introduction: str
    achievements: tuple[Achievement, ...]
    incomplete: str | None = None

    @property
    def title(self) -> str:
        """Reader's form of the label: ``2018/19``."""
        return year_title(self.label)

    @property
    def themes(self) -> tuple[Theme, ...]:
        """The themes the year's achievements carry, in first-seen order."""
        return tuple(dict.fromkeys(t for a in self.achievements for t in a.themes))

    @property
    def theme_counts(self) -> list[tuple[Theme, int]]:
        """Each theme of the year with the number of achievements that carry it."""
        return [(t, sum(t in a.themes for a in self.achievements)) for t in self.themes]

    def groups(self, vocabulary: tuple[Theme, ...]) -> list[tuple[Theme, list[Achievement]]]:
        """The achievements grouped by primary theme, groups in vocabulary order."""
        grouped: dict[Theme, list[Achievement]] = {}
        for achievement in self.achievements:
            grouped.setdefault(achievement.primary_theme, []).append(achievement)
        # Themes outside the vocabulary exist only in a draft shown by the preview.
        return [(theme, grouped[theme]) for theme in vocabulary if theme in grouped] + [
            (theme, found) for theme, found in grouped.items() if theme not in vocabulary]


@dataclass(frozen=True)
class Milestone:
    """A dated event for a timeline, linked to the achievement it comes from (if any)."""

    date: MonthYear
    text: str
    achievement: Achievement | None = None
    year: YearReport | None = None


@dataclass(frozen=True)
class Content:
    """All the content of a project: the partnership and its years, oldest first."""

    partnership: Partnership
    years: tuple[YearReport, ...]

    def year(self, label: str) -> YearReport:
        """The year with this label; ``KeyError`` if there is none."""
        for year in self.years:
            if year.label == label:
                return year
        raise KeyError(label)

    @property
    def milestones(self) -> list[Milestone]:
        """Every dated event, in date order: the start, each dated achievement, the successor."""
        p = self.partnership
        events = [Milestone(p.founded, f"The {p.name} begins its work.")]
        for year in self.years:
            events += [
                Milestone(a.date, a.milestone, a, year)
                for a in year.achievements
                if a.date is not None and a.milestone is not None
            ]
        events.append(Milestone(p.successor.date, f"The partnership becomes the {p.successor.name}."))
        return sorted(events, key=lambda m: m.date.sort_key())

"""What a build produces: every document, in every edition, and the files it is made from.

A *document* is one HTML layout (the history, or one year's report, in the standard or
the large-print style); WeasyPrint lays it out once and writes it as one or more PDF
*files* (the accessible PDF/UA-1 edition and, for the standard style, the archival
PDF/A-3a and PDF/UA-1 edition that embeds its source YAML). Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import PlanError
from .load import PARTNERSHIP_FILE
from .model import Content, YearReport

#: The stylesheets of the standard print edition, in cascade order (project-relative).
PRINT_STYLESHEETS = ("styles/theme.css", "styles/print.css")
#: The one stylesheet that turns the standard edition into the large-print edition.
LARGE_PRINT_STYLESHEET = "styles/large-print.css"

#: WeasyPrint variants: every PDF is PDF/UA-1; the archival edition is PDF/A-3a as well
#: (level A keeps the tags; part 3 allows the embedded source files), a variant that
#: mcsp_reports.engine adds to WeasyPrint 70, which writes one standard per file.
Variant = Literal["pdf/ua-1", "pdf/a-3a+ua-1"]
ACCESSIBLE: Variant = "pdf/ua-1"
ARCHIVAL: Variant = "pdf/a-3a+ua-1"
#: What the large-print edition adds to its titles, so readers and libraries can tell it apart.
LARGE_PRINT_SUFFIX = " (large print)"
#: The MIME type of the embedded source files (YAML, registered by RFC 9512).
SOURCE_MEDIA_TYPE = "application/yaml"

#: The editions a report is published in.
EditionName = Literal["standard", "archival", "large-print"]


@dataclass(frozen=True)
class PdfFile:
    """One PDF file in ``dist/``."""

    name: str
    edition: EditionName
    variant: Variant
    sources: tuple[str, ...] = ()  # files of reports/ embedded as attachments

    @property
    def label(self) -> str:
        """How the edition is named to readers, in plain words."""
        return {"standard": "Standard PDF", "archival": "For archives", "large-print": "Large print"}[self.edition]

    @property
    def standard(self) -> str:
        """The standard the file meets and what it adds, for the small print."""
        return {
            "standard": "accessible PDF/UA-1",
            "archival": "PDF/A-3a and PDF/UA-1, with the data it was made from",
            "large-print": "PDF/UA-1, text at 16 pt or larger",
        }[self.edition]


@dataclass(frozen=True)
class Document:
    """One layout: a report in one style, written as one or more PDF files."""

    name: str  # e.g. "mcsp-history" or "mcsp-annual-achievements-2018-19-large-print"
    year: str | None
    title: str
    stylesheets: tuple[str, ...]
    files: tuple[PdfFile, ...]

    @property
    def large_print(self) -> bool:
        """Whether this is the large-print layout (its own title; the chart given as a table)."""
        return any(f.edition == "large-print" for f in self.files)

    @property
    def html_name(self) -> str:
        """The file of ``build/print/`` that holds the HTML the PDFs are printed from."""
        return f"{self.name}.html"


@dataclass(frozen=True)
class Plan:
    """The reports to build, the history first, and whether the full set was asked for.

    Each report is its standard document followed by its large-print document: one
    entry of the index, one web page.
    """

    reports: tuple[tuple[Document, ...], ...]
    complete: bool

    @property
    def documents(self) -> list[Document]:
        """Every document of the plan, each report's standard one first."""
        return [d for report in self.reports for d in report]

    @property
    def files(self) -> list[PdfFile]:
        """Every PDF file of the plan."""
        return [f for d in self.documents for f in d.files]


def report_base(prefix: str, label: str | None) -> str:
    """The name a report's files share: ``mcsp-history``, or ``mcsp-annual-achievements-2018-19`` for a year."""
    return f"{prefix}-history" if label is None else f"{prefix}-annual-achievements-{label}"


def _report(
    content: Content, prefix: str, title: str, year: YearReport | None,
    stylesheets: tuple[str, ...],
) -> tuple[Document, ...]:
    base = report_base(prefix, year.label if year is not None else None)
    # Sorted: the PDF's name tree of embedded files must list them in key order.
    sources = tuple(sorted((PARTNERSHIP_FILE, *(f"{y.label}.yaml" for y in content.years)) if year is None
                           else (PARTNERSHIP_FILE, f"{year.label}.yaml")))
    label = year.label if year is not None else None
    standard = Document(base, label, title, stylesheets, (
        PdfFile(f"{base}.pdf", "standard", ACCESSIBLE),
        PdfFile(f"{base}-archival.pdf", "archival", ARCHIVAL, sources),
    ))
    large = Document(f"{base}-large-print", label, f"{title}{LARGE_PRINT_SUFFIX}",
                     (*stylesheets, LARGE_PRINT_STYLESHEET),
                     (PdfFile(f"{base}-large-print.pdf", "large-print", ACCESSIBLE),))
    return (standard, large)


def plan(
    content: Content, years: Sequence[str] | None = None, history: bool = True,
    stylesheets: Sequence[str] = (),
) -> Plan:
    """The documents for the history (if asked) and the given years (``None``: all years).

    The history comes first because it is the longest job; ``stylesheets`` are extra
    project-relative stylesheets applied after the shipped ones in every document.
    """
    known = [y.label for y in content.years]
    wanted = known if years is None else list(dict.fromkeys(years))
    unknown = [label for label in wanted if label not in known]
    if unknown:
        raise PlanError(f"no report for year {', '.join(unknown)}; years in reports/: {', '.join(known)}")
    prefix = content.partnership.short_name.lower()
    sheets = (*PRINT_STYLESHEETS, *stylesheets)
    reports = []
    if history:
        reports.append(_report(content, prefix, "History of the partnership", None, sheets))
    for label in wanted:
        year = content.year(label)
        reports.append(_report(content, prefix, f"Notable achievements {year.title}", year, sheets))
    return Plan(tuple(reports), complete=history and years is None)

"""Content fidelity: the real reports/ say what the partnership's public record says, and publish cleanly.

This is the one test file that reads the real content; every other test runs on the
small test project of tests/project/ (see conftest.py). The checks here hold for any
year added later, so `invoke new-year` followed by filling in the file breaks none of
them; what they pin is the record itself: every fact of the source page, the year
that is known to be cut off, and PDFs of the real content that pass verification.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT
from mcsp_reports import Project, check, load_content, verify_paths

HISTORY = "mcsp-history.pdf"
REAL = Project(ROOT)


def words(text: str) -> str:
    """Text with all runs of white space made single spaces, for phrase searches."""
    return " ".join(text.split())


@functools.lru_cache
def text_of(path: Path) -> str:
    return words(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


@pytest.fixture(scope="module")
def dist(real_built: dict) -> Path:
    return real_built["project"].dist


def test_the_real_content_and_every_link_it_makes_check_clean() -> None:
    content = check(REAL)
    labels = [year.label for year in content.years]
    assert labels[0] == "2015-16"
    assert labels == [f"{start}-{(start + 1) % 100:02d}" for start in range(2015, 2015 + len(labels))]


def test_only_the_cut_off_year_is_marked_incomplete() -> None:
    content = load_content(REAL.reports)
    assert [y.label for y in content.years if y.incomplete] == ["2015-16"]
    assert content.partnership.founded.iso == "2012"
    assert content.partnership.closed.iso == "2019-06"
    assert content.partnership.successor.name == "Safer Merseyside Partnership"


# Every fact of the source page, as names, numbers and phrases a reader would search for.
SOURCE_FACTS = [
    "2012", "June 2019", "Merseyside Police Force area", "reducing crime and disorder",
    "Police and Crime Commissioner", "efficiently and effectively", "consultation",
    "new structure", "terms of reference", "Safer Merseyside Partnership",
    "Commissioner's policing priorities", "evidence-based", "jointly commissioning",
    "good practice", "knife crime action plan", "anti-social behaviour (ASB)",
    "New Integrated Through the Gate Model", "rehabilitation of offenders",
    "Merseyside Youth Alliance", "Early Intervention Youth Fund", "November 2018",
    "formal consultation", "change in the Partnership's priorities", "Crime and Disorder Act 1998",
    "Two decades", "Organised Crime Partnerships", "Serious and Organised Crime Strategy 2018",
    "restructure", "criminal justice system", "diversion activities", "National Probation Service",
    "reduce reoffending", "Red Umbrella Project", "December 2017", "Merseyside Police",
    "(VAWG) transformation fund", "Child Criminal Exploitation", "county lines",
    "fraud and cyber-crime", "prevent people becoming victims", "pursue those responsible",
    "fourth year", "raise awareness of cyber-crime", "Community First", "Police and Crime Plan",
    "programme of work", "Liverpool John Moores University", "bespoke piece of research",
    "austerity", "recommendations for the future of community safety on Merseyside",
    "Membership of the Partnership grew again", "May 2015", "Merseyside Chambers of Commerce",
]


@pytest.mark.parametrize("fact", SOURCE_FACTS)
def test_every_fact_of_the_source_is_in_the_history(dist: Path, fact: str) -> None:
    assert fact in text_of(dist / HISTORY)


def test_every_achievement_is_in_its_year_and_in_the_history(real_built: dict, dist: Path) -> None:
    content = load_content(real_built["project"].reports)
    history = text_of(dist / HISTORY)
    for year in content.years:
        annual = text_of(dist / f"mcsp-annual-achievements-{year.label}.pdf")
        assert ("Incomplete record." in annual) == bool(year.incomplete), year.label
        for achievement in year.achievements:
            assert achievement.title in annual, (year.label, achievement.title)
            assert achievement.title in history, achievement.title
            assert words(achievement.summary) in history, achievement.summary


def test_every_pdf_of_the_real_content_passes_verification(real_built: dict) -> None:
    project = real_built["project"]
    paths = sorted(project.dist.glob("*.pdf"))
    assert len(paths) == 3 * (1 + len(load_content(project.reports).years))
    assert verify_paths(paths, project.fonts) == paths

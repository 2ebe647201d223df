"""Content fidelity: the real reports/ say what the partnership's public record says, and no more.

This is the one test file that reads the real content; every other test runs on the
small test project of tests/project/ (see conftest.py). The checks here hold for any
year added later: every fact of the source page is published, the year known to be cut
off is marked, PDFs of the real content pass verification, and the guard against
invention holds. The record is kept in ``docs/record/mcsp-achievements-page.txt``;
the guard checks that

- every date, number and proper name that ``reports/`` states appears in the record,
  except the few words the publisher adds itself (:data:`PUBLISHER_WORDS`, each with
  its reason);
- every achievement cites a paragraph of its own year's section that exists, and the
  numbers, dates and organisations it states are in that paragraph;
- no run of eight words is copied from the record unless all of it is a name or title.

Each rule is also run on a copy of the real content with an invented fact or a copied
run added, to show that it catches one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, copy_real_project
from mcsp_reports import Checked, Project, check, load_content, verify_paths
from mcsp_reports.model import Content

HISTORY = "mcsp-history.pdf"
REAL = Project(ROOT)


def words(text: str) -> str:
    """Text with all runs of white space made single spaces, for phrase searches."""
    return " ".join(text.split())


@functools.lru_cache
def text_of(path: Path) -> str:
    text = words(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))
    # A line may break after the hyphen of a compound ("sub-" / "regional"), which the
    # extraction gives as "sub- regional".
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


@pytest.fixture(scope="module")
def dist(real_built: dict) -> Path:
    return real_built["project"].dist


def test_the_real_content_and_every_link_it_makes_check_clean() -> None:
    content = load_content(REAL.reports)
    assert check(REAL) == Checked(len(content.years), sum(len(y.achievements) for y in content.years))
    labels = [year.label for year in content.years]
    assert labels[0] == "2015-16"
    assert labels == [f"{start}-{(start + 1) % 100:02d}" for start in range(2015, 2015 + len(labels))]


def test_only_the_cut_off_year_is_marked_incomplete() -> None:
    content = load_content(REAL.reports)
    assert [y.label for y in content.years if y.incomplete] == ["2015-16"]
    assert content.partnership.founded.iso == "2012"
    assert content.partnership.closed.iso == "2019-06"
    assert content.partnership.successor.name == "Safer Merseyside Partnership"


def test_the_edition_says_when_it_was_published_what_the_record_covers_and_that_it_is_a_selection() -> None:
    edition = load_content(REAL.reports).partnership.edition
    assert edition.published.isoformat() == "2026-11-25"
    assert "selection" in edition.selection
    assert "2012/13 to 2014/15" in edition.coverage and "April to June 2019" in edition.coverage


# Every fact of the source page, as names, numbers and phrases a reader would search for.
SOURCE_FACTS = [
    "2012", "June 2019", "Merseyside Police Force area", "reducing crime and disorder",
    "Police and Crime Commissioner", "efficient and effective community safety", "consultation",
    "new structure", "terms of reference", "Safer Merseyside Partnership",
    "Commissioner's policing priorities", "evidence-based", "co-commissioning",
    "best practice", "knife crime action plan", "anti-social behaviour (ASB)",
    "New Integrated Through the Gate Model", "rehabilitation of offenders",
    "Merseyside Youth Alliance", "Early Intervention Youth Fund", "November 2018",
    "formal consultation", "informed a change in its priorities", "Crime and Disorder Act 1998",
    "twenty years", "Organised Crime Partnerships", "Serious and Organised Crime Strategy 2018",
    "restructure", "criminal justice system", "diversion activities", "National Probation Service",
    "reduce reoffending", "Red Umbrella Project", "December 2017", "Merseyside Police",
    "(VAWG) transformation fund", "Child Criminal Exploitation", "county lines",
    "fraud and cyber-crime", "prevent people becoming victims", "pursue those responsible",
    "fourth year", "raise awareness of cyber-crime", "Community First", "Police and Crime Plan",
    "programme of work", "Liverpool John Moores University", "bespoke research",
    "austerity", "recommendations on the future of community safety in Merseyside",
    "membership was expanded further", "I brought partners together",
    "it was suggested", "sub-regional work", "May 2015", "Merseyside Chambers of Commerce",
    "some of the Partnership's achievements", "2012/13 to 2014/15",
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


# The guard against invention and copying.

RECORD = (ROOT / "docs" / "record" / "mcsp-achievements-page.txt").read_text(encoding="utf-8").replace("’", "'")

#: Words the content may state although the record does not, and why.
PUBLISHER_WORDS = {
    "MCSP": "the partnership's short name, used on covers and in file names",
    "2012/13": "the edition says which years the record leaves out (2012/13 to 2014/15)",
    "2014/15": "the edition says which years the record leaves out (2012/13 to 2014/15)",
    "April": "the edition says the record leaves out April to June 2019",
}

#: Names and titles, which may be repeated word for word however long they are.
NAMES_AND_TITLES = (
    "Merseyside Community Safety Partnership", "Community Safety Partnerships", "Safer Merseyside Partnership",
    "Police and Crime Commissioner", "Merseyside Police Force", "Police and Crime Plan",
    "Crime and Disorder Act 1998", "Serious and Organised Crime Partnerships", "Organised Crime Partnerships",
    "Serious and Organised Crime Strategy 2018", "New Integrated Through the Gate Model",
    "Early Intervention Youth Fund", "Merseyside Youth Alliance", "Red Umbrella Project",
    "Child Criminal Exploitation", "Community First", "Liverpool John Moores University",
    "Merseyside Chambers of Commerce", "National Probation Service", "Merseyside Police",
)

NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million first second third fourth fifth sixth seventh eighth ninth tenth twice half dozen".split()
)
_NUMBER = re.compile(r"\d+(?:[/-]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]*")
# A capitalised word here starts a sentence (or a title), which says nothing about names.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;(“\"]\s*)$")
RUN = 8


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w/]+", text))


RECORD_WORDS = _words(RECORD)
RECORD_LOWER = _words(RECORD.lower())


def texts(content: Content) -> Iterator[tuple[str, str]]:
    """Every piece of prose the content publishes, with where it is."""
    p = content.partnership
    yield from [("name", p.name), ("short_name", p.short_name), ("area", p.area), ("purpose", p.purpose),
                ("commissioner", p.commissioner), ("successor.name", p.successor.name),
                ("successor.summary", p.successor.summary), ("edition.selection", p.edition.selection),
                ("edition.coverage", p.edition.coverage)]
    yield from ((f"themes.{t.id}", t.name) for t in p.themes)
    yield from ((f"organisations.{o.id}", o.name) for o in p.organisations)
    for year in content.years:
        yield f"{year.label}.year", year.title
        yield f"{year.label}.introduction", year.introduction
        if year.incomplete:
            yield f"{year.label}.incomplete", year.incomplete
        for a in year.achievements:
            where = f"{year.label}.{a.id}"
            yield from [(f"{where}.title", a.title), (f"{where}.summary", a.summary)]
            yield from ((f"{where}.points", point) for point in a.points)
            if a.milestone:
                yield f"{where}.milestone", a.milestone


def dates(content: Content) -> Iterator[tuple[str, str]]:
    """Every date the content states in a date field, as readers see it.

    ``edition.published`` is left out: it is the publisher's own date, not a claim
    about the partnership.
    """
    p = content.partnership
    yield from [("operated.from", p.founded.label), ("operated.until", p.closed.label),
                ("successor.date", p.successor.date.label)]
    for year in content.years:
        yield from ((f"{year.label}.{a.id}.date", a.date.label) for a in year.achievements if a.date)


def untraced(content: Content) -> list[str]:
    """Each date, number and proper name of the content that the record does not have."""
    found = []
    for where, date in dates(content):
        if date not in RECORD:
            found.append(f"{where}: date {date!r}")
    for where, text in texts(content):
        text = text.replace("’", "'")
        for number in _NUMBER.findall(text):
            if number not in RECORD_WORDS and number not in PUBLISHER_WORDS:
                found.append(f"{where}: number {number!r}")
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in NUMBER_WORDS and word not in RECORD_LOWER:
                found.append(f"{where}: number {word!r}")
        for match in _CAPITALISED.finditer(text):
            name = match[0]
            if _SENTENCE_START.search(text[:match.start()]):
                continue
            if name not in RECORD_WORDS and name not in PUBLISHER_WORDS:
                found.append(f"{where}: name {name!r}")
    return found


def _words_of(text: str) -> list[tuple[str, bool]]:
    """Lower-case words, each marked with whether it belongs to a name or title of :data:`NAMES_AND_TITLES`."""
    text = text.replace("’", "'")
    inside = [False] * len(text)
    for name in NAMES_AND_TITLES:
        for found in re.finditer(re.escape(name), text, flags=re.IGNORECASE):
            inside[found.start():found.end()] = [True] * len(name)
    return [(m[0].lower(), inside[m.start()]) for m in re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text)]


def copied_runs(content: Content) -> list[str]:
    """Each run of :data:`RUN` words the content shares with the record, unless all of it is a name or title.

    Names count word by word, so a name with a few words of the record's sentence
    around it is caught too; only a run that lies wholly within names is let through.
    """
    words = [w for w, _ in _words_of(RECORD)]
    record_runs = {tuple(words[i:i + RUN]) for i in range(len(words) - RUN + 1)}
    found = []
    for where, text in texts(content):
        marked = _words_of(text)
        for i in range(len(marked) - RUN + 1):
            run = marked[i:i + RUN]
            if tuple(w for w, _ in run) in record_runs and not all(named for _, named in run):
                found.append(f"{where}: {' '.join(w for w, _ in run)!r}")
    return found


def paragraphs() -> dict[str, list[str]]:
    """The record's paragraphs by year section (``2017/18``), in order."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in RECORD.splitlines():
        heading = re.fullmatch(r"Notable achievements from (\d{4}/\d{2})", line.strip())
        if heading:
            current = sections.setdefault(heading[1], [])
        elif current is not None and line.strip():
            current.append(line.strip())
    return sections


def miscited(content: Content) -> list[str]:
    """Each achievement without a source, or whose paragraph lacks its numbers, dates or organisations."""
    sections = paragraphs()
    found = []
    for year in content.years:
        for a in year.achievements:
            where = f"{year.label}.{a.id}"
            if a.source is None:
                found.append(f"{where}: no source")
                continue
            section, number = re.fullmatch(r"(\S+), paragraph (\d+)", a.source).groups()
            if int(number) > len(sections.get(section, [])):
                found.append(f"{where}: the record has no {a.source}")
                continue
            paragraph = sections[section][int(number) - 1]
            stated = [*_NUMBER.findall(" ".join([a.title, a.summary, *a.points])),
                      *([a.date.label] if a.date else []), *(o.name for o in a.organisations)]
            found += [f"{where}: {fact!r} is not in {a.source}" for fact in stated
                      if fact.casefold().removeprefix("the ") not in paragraph.casefold()]
    return found


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(REAL.reports)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A private copy of the real project, content included, that a test may edit."""
    return copy_real_project(tmp_path / "real")


def test_every_date_number_and_name_is_in_the_record(content: Content) -> None:
    assert untraced(content) == []


def test_every_achievement_cites_a_paragraph_that_states_its_facts(content: Content) -> None:
    assert miscited(content) == []


def test_no_run_of_eight_words_is_copied_from_the_record(content: Content) -> None:
    assert copied_runs(content) == []


def test_the_record_is_read_into_its_year_sections() -> None:
    assert {year: len(found) for year, found in paragraphs().items()} == {
        "2018/19": 3, "2017/18": 2, "2016/17": 1, "2015/16": 1}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_invented_date_or_name_is_caught(project: Project) -> None:
    year = project.reports / "2017-18.yaml"
    _edit(year, "      aimed at anti-social behaviour (ASB).\n",
          "      aimed at anti-social behaviour (ASB). In March 2014 the Home Office\n      praised Jane Smith.\n")
    _edit(year, "date: 2017-12", "date: 2018-03")
    assert untraced(load_content(project.reports)) == [
        "2017-18.red-umbrella.date: date 'March 2018'",
        "2017-18.youth-diversion.summary: number '2014'",
        "2017-18.youth-diversion.summary: name 'March'",
        "2017-18.youth-diversion.summary: name 'Home'",
        "2017-18.youth-diversion.summary: name 'Office'",
        "2017-18.youth-diversion.summary: name 'Jane'",
        "2017-18.youth-diversion.summary: name 'Smith'",
    ]


def test_an_invented_number_word_is_caught(project: Project) -> None:
    _edit(project.reports / "2016-17.yaml", "for several", "for three")
    assert untraced(load_content(project.reports)) == [
        "2016-17.cyber-crime-awareness.summary: number 'three'"]


def test_a_wrong_citation_is_caught(project: Project) -> None:
    year = project.reports / "2017-18.yaml"
    _edit(year, "source: 2017/18, paragraph 2", "source: 2017/18, paragraph 3")
    _edit(year, "    source: 2017/18, paragraph 1\n\n  - id: red-umbrella", "    source: 2017/18, paragraph 2\n\n"
          "  - id: red-umbrella")
    assert miscited(load_content(project.reports)) == [
        "2017-18.offender-management: 'National Probation Service' is not in 2017/18, paragraph 2",
        "2017-18.exploitation-and-fraud: the record has no 2017/18, paragraph 3",
    ]


def test_a_copied_run_of_eight_words_is_caught(project: Project) -> None:
    _edit(project.reports / "2018-19.yaml", "  priorities.\n\nachievements:",
          "  priorities. Meetings served to identify opportunities for an evidence based\n"
          "  way of working.\n\nachievements:")
    assert copied_runs(load_content(project.reports)) == [
        "2018-19.introduction: 'served to identify opportunities for an evidence based'"]


def test_a_name_with_the_records_words_around_it_is_caught(project: Project) -> None:
    _edit(project.reports / "2018-19.yaml", "  priorities.\n\nachievements:",
          "  priorities. A bid to the Early Intervention Youth Fund announced in\n"
          "  November 2018 succeeded.\n\nachievements:")
    assert copied_runs(load_content(project.reports)) == [
        "2018-19.introduction: 'the early intervention youth fund announced in november'",
        "2018-19.introduction: 'early intervention youth fund announced in november 2018'",
    ]


def test_only_the_words_of_names_and_titles_are_marked_as_such() -> None:
    assert _words_of("The Serious and Organised Crime Strategy 2018 was refreshed") == [
        ("the", False), ("serious", True), ("and", True), ("organised", True), ("crime", True),
        ("strategy", True), ("2018", True), ("was", False), ("refreshed", False)]

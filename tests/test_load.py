"""The loader: the real content loads, and every kind of bad input is reported exactly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mcsp_reports import ContentError, Project, load_content
from mcsp_reports.schema import MAX_ACHIEVEMENTS, MAX_FILE_BYTES

INVALID = Path(__file__).parent / "invalid"


def problems_of(project: Project) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(project.reports)
    return [str(p) for p in caught.value.problems]


def expected(fixture: Path) -> list[str]:
    """The problems a fixture declares: each ``# expect:`` line, with the ``# shows:`` lines
    after it as the excerpt printed beneath it (indented by four spaces)."""
    found: list[str] = []
    for line in fixture.read_bytes().decode("utf-8", errors="replace").splitlines():
        if line.startswith("# expect: "):
            found.append(line.removeprefix("# expect: "))
        elif line.startswith("# shows: "):
            found[-1] += "\n    " + line.removeprefix("# shows: ")
    return found


@pytest.mark.parametrize("fixture", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_invalid_file_gives_exactly_its_messages(project: Project, fixture: Path) -> None:
    # A fixture replaces reports/2017-18.yaml, or the file its "# file: NAME" line names.
    target = re.search(rb"^# file: (\S+)$", fixture.read_bytes(), re.MULTILINE)
    (project.reports / (target[1].decode() if target else "2017-18.yaml")).write_bytes(fixture.read_bytes())
    assert expected(fixture), f"{fixture.name} declares no expected message"
    assert problems_of(project) == expected(fixture)


def test_plain_scalars_stay_the_text_that_was_written(project: Project) -> None:
    path = project.reports / "2017-18.yaml"
    path.write_text(
        "year: 2017-18\nintroduction: no\nachievements:\n"
        "  - id: one\n    title: NO\n    summary: 1:20\n    themes: [youth]\n"
        "    points: [0755, 2019-06-01, yes, ~, 1e3]\n",
        encoding="utf-8",
    )
    year = load_content(project.reports).year("2017-18")
    achievement = year.achievements[0]
    assert year.introduction == "no"
    assert (achievement.title, achievement.summary) == ("NO", "1:20")
    assert achievement.points == ("0755", "2019-06-01", "yes", "~", "1e3")


def test_problems_in_every_file_are_reported_together(project: Project) -> None:
    (project.reports / "2016-17.yaml").write_text(
        (project.reports / "2016-17.yaml").read_text().replace("themes: [research]", "themes: [austerity]"))
    (project.reports / "2018-19.yaml").write_text(
        (project.reports / "2018-19.yaml").read_text().replace("date: 2018-11", "date: November"))
    (project.reports / "partnership.yaml").write_text(
        (project.reports / "partnership.yaml").read_text().replace("language: en-GB", "language: English"))
    found = problems_of(project)
    assert [line.split(":")[0] for line in found] == [
        "reports/partnership.yaml", "reports/2016-17.yaml", "reports/2018-19.yaml"]
    assert found[0].endswith("language: expected a language tag such as en-GB, got 'English'")
    assert "unknown theme 'austerity'" in found[1]
    assert found[2].endswith("expected a month as YYYY-MM, e.g. 2018-11; got 'November'")


def test_a_broken_partnership_file_still_lets_years_be_checked(project: Project) -> None:
    (project.reports / "partnership.yaml").write_text("name: [unclosed\n")
    (project.reports / "2017-18.yaml").write_text("year: 2017-18\nintroduction: x\n")
    found = problems_of(project)
    assert found[0].startswith("reports/partnership.yaml:")
    assert "reports/2017-18.yaml:1:1: achievements: required field is missing" in found


def test_oversized_file_is_refused_before_parsing(project: Project) -> None:
    (project.reports / "2017-18.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert problems_of(project) == [
        f"reports/2017-18.yaml:1:1: file is {MAX_FILE_BYTES + 1} bytes; at most {MAX_FILE_BYTES}"]


def test_overlong_list_is_refused(project: Project) -> None:
    item = "  - id: a{n}\n    title: T\n    summary: S\n    themes: [youth]\n"
    body = "".join(item.format(n=n) for n in range(MAX_ACHIEVEMENTS + 1))
    (project.reports / "2017-18.yaml").write_text(f"year: 2017-18\nintroduction: x\nachievements:\n{body}")
    assert problems_of(project) == [
        f"reports/2017-18.yaml:4:3: achievements: too many items ({MAX_ACHIEVEMENTS + 1}); "
        f"at most {MAX_ACHIEVEMENTS}"]


def test_file_name_must_match_the_year_inside(project: Project) -> None:
    (project.reports / "2017-18.yaml").rename(project.reports / "2019-20.yaml")
    assert problems_of(project) == [
        "reports/2019-20.yaml:2:7: year: '2017-18' does not match the file name '2019-20.yaml'"]


def test_stray_yaml_file_is_reported(project: Project) -> None:
    (project.reports / "notes.yml").write_text("a: 1\n")
    assert problems_of(project) == [
        "reports/notes.yml:1:1: unexpected file; year files are named after their year, like 2018-19.yaml"]


def test_date_and_milestone_come_together(project: Project) -> None:
    path = project.reports / "2015-16.yaml"
    path.write_text(path.read_text().replace("    milestone: Merseyside Chambers of Commerce invited to join\n", ""))
    assert problems_of(project) == [
        "reports/2015-16.yaml:22:11: achievement 1, 'Merseyside Chambers of Commerce invited to join', "
        "milestone: is required when date is given"]


def test_missing_partnership_file_is_reported(project: Project) -> None:
    (project.reports / "partnership.yaml").unlink()
    assert problems_of(project) == ["reports/partnership.yaml:1:1: file is missing"]


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: os.mkfifo(p), "is a named pipe, not a regular file"),
    (lambda p: p.symlink_to("/dev/zero"), "is a link to a file outside the project; copy the file in instead"),
    (lambda p: p.symlink_to("/etc/passwd"), "is a link to a file outside the project; copy the file in instead"),
    (lambda p: (p.touch(), os.truncate(p, 2 * 1024**3)), f"file is {2 * 1024**3} bytes; at most {MAX_FILE_BYTES}"),
], ids=["folder", "fifo", "dev-zero", "etc-passwd", "sparse"])
def test_only_regular_files_inside_the_project_are_read(project: Project, make, message: str) -> None:
    make(project.reports / "2019-20.yaml")
    assert problems_of(project) == [f"reports/2019-20.yaml:1:1: {message}"]


@pytest.mark.parametrize("name", ["2019-20.YAML", "2019-20.yml", "partnership.yml"])
def test_a_year_with_another_extension_is_refused_not_ignored(project: Project, name: str) -> None:
    (project.reports / name).write_text("year: 2019-20\n")
    stem = name.split(".")[0]
    assert problems_of(project) == [
        f"reports/{name}:1:1: rename the file to {stem}.yaml; year files end in .yaml, in lower case"]


def test_a_placeholder_left_in_a_year_is_refused(project: Project) -> None:
    path = project.reports / "2017-18.yaml"
    path.write_text(path.read_text().replace("title: The Red Umbrella Project", "title: \"[[A short title]]\""))
    [problem] = problems_of(project)
    assert problem.startswith("reports/2017-18.yaml:")
    assert problem.endswith("title: fill in the placeholder [[A short title]]")


@pytest.mark.parametrize("month", ["13", "00"])
def test_a_month_outside_the_calendar_is_refused(project: Project, month: str) -> None:
    path = project.reports / "2017-18.yaml"
    path.write_text(path.read_text().replace("date: 2017-12", f"date: 2017-{month}"))
    [problem] = problems_of(project)
    assert problem.startswith("reports/2017-18.yaml:")
    assert f"date: there is no month {int(month)}; write the month as 01 to 12" in problem


def test_edition_needs_a_real_day_and_every_statement(project: Project) -> None:
    path = project.reports / "partnership.yaml"
    text = path.read_text().replace("published: 2026-11-25", "published: 2026-02-30")
    path.write_text(text.replace("  coverage: >-\n", "  covered: >-\n"))
    found = problems_of(project)
    assert found == [
        "reports/partnership.yaml:34:3: edition, covered: unknown field; did you mean 'coverage'? "
        "expected one of: published, selection, coverage",
        "reports/partnership.yaml:30:3: edition, coverage: required field is missing",
        "reports/partnership.yaml:30:14: edition, published: expected a day as YYYY-MM-DD, e.g. 2019-06-30; "
        "got '2026-02-30'",
    ]


def test_the_optional_contact_is_an_email_or_web_address(project: Project) -> None:
    path = project.reports / "partnership.yaml"
    original = path.read_text()
    assert load_content(project.reports).partnership.contact is None
    path.write_text(original + "contact: accessibility@example.org\n")
    assert load_content(project.reports).partnership.contact == "accessibility@example.org"
    path.write_text(original + "contact: ask at the desk\n")
    line = len(original.splitlines()) + 1
    assert problems_of(project) == [
        f"reports/partnership.yaml:{line}:10: contact: expected an email address or an https:// address, "
        "got 'ask at the desk'"]

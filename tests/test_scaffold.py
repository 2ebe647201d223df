"""Starting a new year: the scaffold validates once filled in, and mistakes are refused."""

from __future__ import annotations

import re

import pytest

from mcsp_reports import ContentError, Project, ScaffoldError, load_content, new_year


def test_the_scaffold_is_refused_until_filled_then_loads(project: Project) -> None:
    path = new_year(project, "2019-20")
    assert path == project.reports / "2019-20.yaml"
    with pytest.raises(ContentError) as caught:
        load_content(project.reports)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 5 and all("fill in the placeholder [[" in m for m in messages)
    assert messages[0].startswith("reports/2019-20.yaml:")

    fills = {"[[an-id-for-this-achievement]]": "successor-launch", "[[a-theme-id]]": "governance"}
    text = path.read_text(encoding="utf-8")
    for placeholder, value in fills.items():
        text = text.replace(placeholder, value)
    text = re.sub(r"\[\[([^\]]*)\]\]", lambda m: m[1], text)  # every other placeholder: its own words
    path.write_text(text, encoding="utf-8")
    year = load_content(project.reports).year("2019-20")
    assert [a.id for a in year.achievements] == ["successor-launch"]
    assert year.achievements[0].themes[0].id == "governance"


def test_an_existing_year_is_never_overwritten(project: Project) -> None:
    before = (project.reports / "2018-19.yaml").read_bytes()
    with pytest.raises(ScaffoldError, match="reports/2018-19.yaml already exists"):
        new_year(project, "2018-19")
    assert (project.reports / "2018-19.yaml").read_bytes() == before


@pytest.mark.parametrize("label, message", [
    ("2020-21", "the next year after 2018-19 is 2019-20, not 2020-21"),
    ("2019-21", "'2019-21' is not a year label such as 2019-20"),
    ("2019/20", "'2019/20' is not a year label such as 2019-20"),
])
def test_a_label_that_does_not_follow_is_refused(project: Project, label: str, message: str) -> None:
    # Keep the partnership open for longer, so that 2020-21 is refused for not following.
    profile = project.reports / "partnership.yaml"
    profile.write_text(profile.read_text().replace("until: 2019-06", "until: 2030-03"))
    with pytest.raises(ScaffoldError, match=re.escape(message)):
        new_year(project, label)
    assert sorted(p.name for p in project.reports.iterdir())[-1] == "partnership.yaml"
    assert not (project.reports / f"{label}.yaml").exists()


def test_a_year_after_the_partnership_closed_is_refused(project: Project) -> None:
    profile = project.reports / "partnership.yaml"
    profile.write_text(profile.read_text().replace("until: 2019-06", "until: 2019-03"))
    with pytest.raises(ScaffoldError) as caught:
        new_year(project, "2019-20")
    assert str(caught.value) == (
        "the reporting year 2019/20 starts after the partnership closed in March 2019, so it cannot be started")
    assert not (project.reports / "2019-20.yaml").exists()


def test_a_year_after_the_close_is_refused_for_that_reason_even_while_a_draft_is_unfinished(
    project: Project,
) -> None:
    new_year(project, "2019-20")  # still full of placeholders
    with pytest.raises(ScaffoldError) as caught:
        new_year(project, "2020-21")
    assert str(caught.value) == (
        "the reporting year 2020/21 starts after the partnership closed in June 2019, so it cannot be started")

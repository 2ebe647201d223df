"""Insights across the years: the chart's numbers, the indexes' page numbers and the timeline."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdf
import pytest
import yaml

from mcsp_reports import Project, load_content
from mcsp_reports.insights import chart_summary, organisation_index, theme_counts, theme_index

HISTORY = "mcsp-history.pdf"


def words(text: str) -> str:
    return " ".join(text.split())


def raw_counts(reports: Path) -> dict[str, list[int]]:
    """Counts straight from the YAML files, independently of the loader and model."""
    years = sorted(p for p in reports.glob("*.yaml") if p.name != "partnership.yaml")
    counts: dict[str, list[int]] = {}
    for index, path in enumerate(years):
        for achievement in yaml.safe_load(path.read_text(encoding="utf-8"))["achievements"]:
            for theme in achievement["themes"]:
                counts.setdefault(theme, [0] * len(years))[index] += 1
    return counts


@pytest.fixture(scope="module")
def pages(built: dict) -> list[str]:
    return [words(page.extract_text()) for page in pypdf.PdfReader(built["project"].dist / HISTORY).pages]


@pytest.fixture(scope="module")
def heading_pages(built: dict) -> dict[str, int]:
    """Page (1-based) on which each achievement title is drawn at its heading size."""
    found: dict[str, int] = {}
    for number, page in enumerate(pypdf.PdfReader(built["project"].dist / HISTORY).pages, start=1):
        parts: list[str] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if round(size * abs(tm[3] or 1) * abs(cm[3] or 1), 1) == 13:  # the h4 size in theme.css
                parts.append(text)  # noqa: B023 - called only within this iteration

        page.extract_text(visitor_text=visit)
        text = words(" ".join(parts))
        content = load_content(built["project"].reports)
        for year in content.years:
            for achievement in year.achievements:
                if achievement.title in text:
                    found.setdefault(achievement.title, number)
    return found


def test_chart_counts_equal_the_yaml(built: dict) -> None:
    content = load_content(built["project"].reports)
    computed = {row.theme.id: list(row.counts) for row in theme_counts(content)}
    assert computed == raw_counts(built["project"].reports)


def test_the_data_table_in_the_pdf_has_the_yaml_counts(built: dict, pages: list[str]) -> None:
    content = load_content(built["project"].reports)
    raw = raw_counts(built["project"].reports)
    chapter = next(p for p in pages if "Achievements by theme and year Theme" in p)
    table = chapter[chapter.index("Achievements by theme and year Theme"):]
    names = {t.id: t.name for t in content.partnership.themes}
    for theme_id, counts in raw.items():
        row = re.search(re.escape(names[theme_id]) + r"((?: \d+){5})", table)
        assert row, names[theme_id]
        assert [int(n) for n in row[1].split()] == [*counts, sum(counts)], names[theme_id]
    totals = re.search(r"All achievements((?: \d+){5})", table)[1].split()
    counts = [len(y.achievements) for y in content.years]
    assert [int(n) for n in totals] == [*counts, sum(counts)]


def test_the_chart_is_a_figure_with_its_summary_as_alt_text(built: dict) -> None:
    content = load_content(built["project"].reports)
    with pikepdf.open(built["project"].dist / HISTORY) as pdf:
        alts = [str(o.Alt) for o in pdf.objects
                if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure" and "/Alt" in o]
    assert alts == [chart_summary(content)]
    assert chart_summary(content) == (
        "Dot chart of the 6 achievements recorded from 2015/16 to 2018/19, by theme and year: "
        "partnership and governance leads with 3, spread over 3 years, while each other theme has "
        "between 1 and 2; 2015/16 is an incomplete record.")


def index_section(pages: list[str], title: str, last: str | None) -> str:
    """The text of one index, from its heading to the next index (or the end)."""
    text = " ".join(pages)
    text = text[text.index(f"{title} Every"):]
    return text[: text.index(f"{last} Every")] if last else text


def numbers_for(section: str, key: str) -> list[int]:
    """The page numbers printed after each occurrence of ``key`` ("…, page 7")."""
    return [int(m[1]) for m in re.finditer(re.escape(key) + r", page (\d+)", section)]


def assert_pages(entries: list, section: str, heading_pages: dict[str, int]) -> None:
    """Each reference of each entry is printed with the page its achievement's heading is on."""
    for entry in entries:
        for year, achievement in entry.references:
            key = f"{achievement.title} ({year.title}{', incomplete record' if year.incomplete else ''})"
            times = sum(achievement in [a for _, a in e.references] for e in entries)
            assert numbers_for(section, key) == [heading_pages[achievement.title]] * times, key


def test_every_theme_is_indexed_with_the_pages_its_achievements_land_on(
    built: dict, pages: list[str], heading_pages: dict[str, int]
) -> None:
    content = load_content(built["project"].reports)
    entries = theme_index(content)
    assert {e.id for e in entries} == set(raw_counts(built["project"].reports))
    section = index_section(pages, "Index of themes", "Index of organisations")
    assert_pages(entries, section, heading_pages)


def test_every_organisation_is_indexed_with_the_pages_its_achievements_land_on(
    built: dict, pages: list[str], heading_pages: dict[str, int]
) -> None:
    content = load_content(built["project"].reports)
    named = {o for y in content.years for a in y.achievements for o in a.organisations}
    entries = organisation_index(content)
    assert {e.id for e in entries} == {o.id for o in named}
    assert [e.name for e in entries][:3] == [
        "The Government", "Liverpool John Moores University", "Merseyside Chambers of Commerce"]
    section = index_section(pages, "Index of organisations", None)
    assert_pages(entries, section, heading_pages)


def test_the_timeline_lists_every_dated_achievement_in_order_with_its_page(
    built: dict, pages: list[str], heading_pages: dict[str, int]
) -> None:
    content = load_content(built["project"].reports)
    timeline = next(p for p in pages if "Timeline 2012 " in p)
    dated = sorted((a for y in content.years for a in y.achievements if a.date), key=lambda a: a.date.sort_key())
    positions = []
    years = {a.id: y for y in content.years for a in y.achievements}
    for achievement in dated:
        year = years[achievement.id]
        mark = f" ({year.title}{', incomplete record' if year.incomplete else ''})"
        found = re.search(re.escape(f"{achievement.date.label} {achievement.milestone}{mark}") + r", page (\d+)",
                          timeline)
        assert found, achievement.milestone
        assert int(found[1]) == heading_pages[achievement.title]
        positions.append(found.start())
    assert positions == sorted(positions) and len(positions) == 3


def test_the_indexes_link_to_their_achievements(built: dict) -> None:
    with pikepdf.open(built["project"].dist / HISTORY) as pdf:
        names = pdf.Root.Names.Dests.Names
        destinations = {str(names[i]) for i in range(0, len(names), 2)}
        linked = set()
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                dest = annotation.get("/A", {}).get("/D") or annotation.get("/Dest")
                if dest is not None and not isinstance(dest, pikepdf.Array):
                    linked.add(str(dest))
    content = load_content(built["project"].reports)
    ids = {a.id for y in content.years for a in y.achievements}
    assert ids <= destinations
    assert ids <= linked


def test_the_chart_takes_its_colours_font_and_label_size_from_the_theme(project: Project) -> None:
    from mcsp_reports.design import theme_values
    from mcsp_reports.insights import chart_svg
    from mcsp_reports.render import make_environment

    (project.styles / "brand.css").write_text(
        ':root { --colour-accent: #6a1b4d; --font-body: "Lato", sans-serif; --font-size-small: 9.5pt; }\n')
    theme = theme_values(project.root, ("styles/theme.css", "styles/print.css", "styles/brand.css"))
    svg = chart_svg(make_environment(project.templates, theme=theme), load_content(project.reports))
    assert 'font-family="&#34;Lato&#34;, sans-serif"' in svg and 'font-size="9.5"' in svg
    assert 'fill="#6a1b4d"' in svg and "#00506e" not in svg  # every dot in the user's accent
    # Drawn in points: one unit of the picture is one point of the page.
    width = re.search(r'width="([\d.]+)pt" height="[\d.]+pt" viewBox="0 0 ([\d.]+) ', svg)
    assert width[1] == width[2]


def test_the_chart_labels_print_at_no_less_than_the_themes_small_size(built: dict) -> None:
    from mcsp_reports.design import points, theme_values
    from mcsp_reports.pictures import bookmark_pages

    pdf = built["project"].dist / HISTORY
    chapter = bookmark_pages(pdf.read_bytes())["Themes across the years"]
    theme = theme_values(built["project"].root, ("styles/theme.css",))
    small = points(theme["--font-size-small"])
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            # The size as printed: the font size through the text and current matrices.
            sizes.append(size * abs(tm[3]) * abs(cm[3]))

    pypdf.PdfReader(pdf).pages[chapter].extract_text(visitor_text=visit)
    chart_labels = [s for s in sizes if s < points(theme["--font-size-body"]) - 0.1]
    assert chart_labels and min(chart_labels) >= small - 0.05, sorted(set(round(s, 2) for s in sizes))


def test_a_chart_too_wide_for_the_page_at_the_small_size_gives_way_to_its_table(tmp_path: Path) -> None:
    import sys

    from conftest import ROOT
    from mcsp_reports.insights import chart_style
    from mcsp_reports.render import make_environment

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic import generate

    generate(tmp_path / "reports", years=10, per_year=20)
    env = make_environment(ROOT / "templates")
    assert not chart_style(load_content(tmp_path / "reports"), env.globals["theme"]).fits
    assert chart_style(load_content(ROOT / "reports"), env.globals["theme"]).fits

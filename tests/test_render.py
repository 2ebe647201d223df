"""Templates: what the HTML says, and that content can never become markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from markupsafe import escape

from mcsp_reports import Project, load_content
from mcsp_reports.plan import PRINT_STYLESHEETS as BASE_STYLESHEETS
from mcsp_reports.render import make_environment, render_history, render_year


class Tags(HTMLParser):
    """Counts start tags and collects ids."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def history_html(project: Project) -> str:
    content = load_content(project.reports)
    return render_history(make_environment(project.templates), content, BASE_STYLESHEETS)


def test_markup_in_content_is_escaped(project: Project) -> None:
    path = project.reports / "2017-18.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: The Red Umbrella Project", "title: \"<script>alert(1)</script>\"")
    text = text.replace("  In 2017/18 the Partnership", "  </p><h1>Injected</h1><p> In 2017/18 the Partnership")
    path.write_text(text, encoding="utf-8")
    content = load_content(project.reports)
    html = render_year(make_environment(project.templates), content, content.year("2017-18"), BASE_STYLESHEETS)
    tags = parse(html)
    assert "script" not in tags.tags
    assert tags.tags.count("h1") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/p&gt;&lt;h1&gt;Injected&lt;/h1&gt;&lt;p&gt;" in html


def test_every_template_file_is_autoescaped_whatever_its_extension(project: Project) -> None:
    env = make_environment(project.templates)
    html = env.get_template("partials/contents.html.j2").render(entries=[("x", "<b>bold</b>", 1)])
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>" not in html


def test_an_undefined_name_fails_instead_of_printing_nothing(project: Project) -> None:
    env = make_environment(project.templates)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("partials/contents.html.j2").render()


def test_history_links_every_year_and_achievement_in_order(project: Project) -> None:
    content = load_content(project.reports)
    tags = parse(history_html(project))
    year_ids = [i for i in tags.ids if i.startswith("year-") and i.endswith("-title")]
    assert year_ids == [f"year-{y.label}-title" for y in content.years]
    for year in content.years:
        assert f"#year-{year.label}-title" in tags.hrefs
        for achievement in year.achievements:
            assert achievement.id in tags.ids
    assert tags.tags.count("h1") == 1


def test_timeline_lists_every_dated_achievement_in_date_order(project: Project) -> None:
    content = load_content(project.reports)
    html = history_html(project)
    timeline = html[html.index('id="timeline"'):]
    dated = sorted(
        (a for y in content.years for a in y.achievements if a.date), key=lambda a: a.date.sort_key())
    positions = [timeline.index(f'href="#{a.id}"') for a in dated]
    assert len(dated) == 3 and positions == sorted(positions)


def test_incomplete_year_is_flagged_in_its_report_and_the_history(project: Project) -> None:
    content = load_content(project.reports)
    env = make_environment(project.templates)
    for year in content.years:
        html = render_year(env, content, year, BASE_STYLESHEETS)
        assert ("Incomplete record." in html) == (year.label == "2015-16")
    assert "Notable achievements 2015/16 (incomplete record)" in history_html(project)


def test_the_incomplete_year_is_marked_everywhere_the_history_names_it(project: Project) -> None:
    html = history_html(project)
    assert html.count("Notable achievements 2015/16 (incomplete record)") == 2  # contents and chapter
    # The one 2015/16 achievement, in the timeline and in the indexes of themes and of organisations.
    assert html.count("(2015/16, incomplete record)") == 3
    assert '<th scope="col">2015/16 (incomplete record)</th>' in html  # the chart's data table
    assert html.count("2015/16 is an incomplete record") == 3  # the description, the chart text and caption


def test_cover_and_about_say_what_the_record_covers_and_that_it_lists_a_selection(project: Project) -> None:
    edition = load_content(project.reports).partnership.edition
    html = history_html(project)
    cover = html[:html.index("</header>")]
    about = html[html.index('id="about"'):html.index("</section>", html.index('id="about"'))]
    for part in (cover, about):
        assert str(escape(edition.coverage)) in part and str(escape(edition.selection)) in part
    assert 'This edition was published on <time datetime="2026-11-25">25 November 2026</time>.' in about


def test_the_web_page_shows_where_in_the_record_each_achievement_comes_from(project: Project) -> None:
    content = load_content(project.reports)
    env = make_environment(project.templates)
    year = content.year("2017-18")  # one of its two achievements gives its source
    screen = render_year(env, content, year, BASE_STYLESHEETS, "screen")
    assert screen.count("From the record:") == 1
    assert '<p class="record-source">From the record: 2017/18, paragraph 1</p>' in screen
    assert "From the record" not in render_year(env, content, year, BASE_STYLESHEETS)


def test_head_carries_the_document_metadata(project: Project) -> None:
    html = history_html(project)
    assert '<html lang="en-GB">' in html
    assert '<meta name="author" content="Merseyside Community Safety Partnership">' in html
    assert '<meta name="dcterms.created" content="2026-11-25T00:00:00+00:00">' in html
    assert '<meta name="description" content="The Merseyside Community Safety Partnership from 2012 to June 2019, ' \
        'with its notable achievements from 2015/16 to 2018/19 (2015/16 is an incomplete record).">' in html
    assert "Violence against women and girls" in html[: html.index("</head>")]


def test_compiled_templates_are_reused_by_source_and_name_and_still_point_at_their_own_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str | None] = []
    compile_template = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None,
                 filename: str | None = None, raw: bool = False, defer_init: bool = False) -> object:
        compiled.append(name)
        return compile_template(self, source, name, filename, raw, defer_init)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    source = f"{{# {tmp_path}: a source no other test compiles #}}{{{{ greeting }}}}, {{{{ missing.part }}}}\n"
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "unique-to-this-test.j2").write_text(source)
    (second / "same-source-other-name.j2").write_text(source)

    def failing_line(folder: Path, name: str) -> str:
        with pytest.raises(jinja2.UndefinedError) as failure:
            make_environment(folder, tmp_path / f"cache-{folder.name}").get_template(name).render(greeting="Hi")
        return next(f"{entry.path}:{entry.lineno + 1}" for entry in failure.traceback
                    if str(entry.path).endswith(".j2"))

    assert failing_line(first, "unique-to-this-test.j2") == f"{first}/unique-to-this-test.j2:1"
    assert failing_line(second, "unique-to-this-test.j2") == f"{second}/unique-to-this-test.j2:1"
    assert compiled == ["unique-to-this-test.j2"]  # the second copy reused the first's code
    assert list((tmp_path / "cache-second").iterdir()), "reused code is also kept on disk for the next process"

    failing_line(second, "same-source-other-name.j2")  # the name is part of the key: its own code
    (second / "unique-to-this-test.j2").write_text(source.replace(", ", "\n"))
    assert failing_line(second, "unique-to-this-test.j2") == f"{second}/unique-to-this-test.j2:2"
    assert compiled == ["unique-to-this-test.j2", "same-source-other-name.j2", "unique-to-this-test.j2"]

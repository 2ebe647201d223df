"""A build with nothing to do, and a check of what was checked, end at their stamp; nothing else does.

The stamp (``build/built.json``, ``build/checked.json``) holds the digest of everything
the last run read and the digest of every file it wrote. These tests change each kind of
input and each kind of output in turn and see the long way taken again, and see that
what the stamp answers equals what the long way would.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import mcsp_reports.links as links_module
from mcsp_reports import Checked, ContentError, LinkError, Project, build, check, outdated
from mcsp_reports import cache as cache_module
from mcsp_reports.cache import BUILT_STAMP, CHECKED_STAMP, Stamp, digest
from mcsp_reports.release import listing

# The package's root names the function build, which hides the module of the same name.
build_module = importlib.import_module("mcsp_reports.build")


def counted(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """A list that grows by one at each call of ``owner.name`` from now on."""
    calls: list[int] = []
    original = getattr(owner, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture
def long_way(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that went past the stamp: each renders every planned document's HTML."""
    return counted(monkeypatch, build_module, "_read_inputs")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_is_answered_by_the_stamp_as_the_long_way_answers(
        released: Project, built: dict[str, object], long_way: list[int]) -> None:
    reported: list[str] = []
    answer = build(released, report=reported.append)
    assert long_way == []
    assert outdated(released) == [] and long_way == []
    expected = built["files"]
    assert isinstance(expected, dict)
    assert {b.file.name: (b.file, b.pages, b.size, b.rebuilt) for b in answer} == {
        name: (b.file, b.pages, b.size, False) for name, b in expected.items()}
    assert all(b.path == released.dist / b.file.name for b in answer)
    assert reported == [f"up to date {b.file.name.removesuffix('.pdf')}" for b in answer
                        if not b.file.name.endswith("-archival.pdf")]
    # Forced, it takes the long way.
    assert {f.name for stale in outdated(released, force=True) for f in stale.document.files} == set(expected)
    assert long_way == [1]


def test_the_stamp_names_every_file_of_the_release_and_the_print_html(released: Project) -> None:
    stamp = Stamp.read(released.build / BUILT_STAMP)
    assert stamp is not None
    files = {f"dist/{name}" for name, kind in listing(released.dist).items() if kind == "file"}
    printed = {f"build/print/{p.name}" for p in (released.build / "print").iterdir()}
    assert set(stamp.outputs) == files | printed
    assert all(digest((released.root / name).read_bytes()) == value for name, value in stamp.outputs.items())
    assert stamp.counts == {name: b.pages for name, b in _built(released).items()}


def _built(project: Project) -> dict[str, build_module.Built]:
    return {b.file.name: b for b in build(project)}


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


INPUTS: dict[str, Callable[[Project, pytest.MonkeyPatch], None]] = {
    "a comment in a year file": lambda p, m: _append(p.reports / "2017-18.yaml", "# checked\n"),
    "the partnership": lambda p, m: _append(p.reports / "partnership.yaml", "# checked\n"),
    "a template, even where the HTML stays the same": lambda p, m: _append(p.templates / "annual.html.j2", "{# x #}"),
    "a stylesheet": lambda p, m: _append(p.styles / "print.css", "\n/* x */\n"),
    "a font's bytes": lambda p, m: (p.styles / "fonts" / "Lato-Italic.ttf").write_bytes(
        (p.styles / "fonts" / "Lato-Italic.ttf").read_bytes() + b"\0" * 4),
    "the fonts' licence": lambda p, m: _append(p.styles / "fonts" / "OFL.txt", " "),
    "a new file under styles/": lambda p, m: (p.styles / "logo.svg").write_text("<svg/>"),
    "SOURCE_DATE_EPOCH": lambda p, m: m.setenv("SOURCE_DATE_EPOCH", "1600000000"),
    "the package's code": lambda p, m: _uncached(m).setattr(cache_module, "_package_code", lambda: b"other code"),
}


def _uncached(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """``monkeypatch``, having made the code's digest be taken afresh (it is taken once per process)."""
    monkeypatch.setattr(cache_module, "_code_digest", cache_module._code_digest.__wrapped__)
    return monkeypatch


@pytest.mark.parametrize("change", INPUTS)
def test_every_input_is_in_the_stamp(released: Project, long_way: list[int], monkeypatch: pytest.MonkeyPatch,
                                     change: str) -> None:
    INPUTS[change](released, monkeypatch)
    outdated(released)
    assert long_way == [1]


def test_an_upgraded_library_is_in_the_stamp(released: Project, long_way: list[int], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    # Any distribution on the path, by the name of its metadata folder, which holds its version.
    (tmp_path / "site" / "Jinja2-9.9.dist-info").mkdir(parents=True)
    _uncached(monkeypatch).setattr(sys, "path", [*sys.path, str(tmp_path / "site")])
    outdated(released)
    assert long_way == [1]


def test_a_templates_folder_the_gate_refuses_is_no_stamp_at_all(
        released: Project, long_way: list[int], tmp_path: Path) -> None:
    # A link out of the project cannot be read into the digest: the long way decides, and
    # leaves no stamp that a later build could believe.
    (tmp_path / "outside.j2").write_text("{# outside #}")
    (released.templates / "outside.j2").symlink_to(tmp_path / "outside.j2")
    (released.build / BUILT_STAMP).unlink()
    assert outdated(released) == [] and long_way == [1]
    build(released)
    assert long_way == [1, 1] and not (released.build / BUILT_STAMP).exists()


def test_other_options_are_another_stamp(released: Project, long_way: list[int]) -> None:
    (released.styles / "extra.css").write_text(":root { --space: 5mm; }\n")
    outdated(released, stylesheets=[str(released.styles / "extra.css")])
    outdated(released, years=["2017-18"], history=False)
    assert long_way == [1, 1]


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


OUTPUTS: dict[str, Callable[[Project], object]] = {
    "a PDF of dist/ deleted": lambda p: (p.dist / "mcsp-history.pdf").unlink(),
    "a page of dist/ changed": lambda p: _corrupt(p.dist / "index.html"),
    "a thumbnail changed": lambda p: _corrupt(next((p.dist / "thumbnails").iterdir())),
    "a file added to dist/": lambda p: (p.dist / "notes.txt").write_text("mine"),
    "the print HTML changed": lambda p: _corrupt(p.build / "print" / "mcsp-history.html"),
    "the stamp deleted": lambda p: (p.build / BUILT_STAMP).unlink(),
    "the stamp damaged": lambda p: _corrupt(p.build / BUILT_STAMP),
    "the stamp not JSON": lambda p: (p.build / BUILT_STAMP).write_text("{"),
    "the stamp's pages not counts": lambda p: _rewrite_stamp(p, lambda d: d["counts"].update(x=True)),
    "the stamp's inputs not a digest": lambda p: _rewrite_stamp(p, lambda d: d.update(inputs="x")),
    "a PDF missing from the stamp": lambda p: _rewrite_stamp(p, lambda d: d["counts"].pop("mcsp-history.pdf")),
}


def _rewrite_stamp(project: Project, change: Callable[[dict[str, dict[str, object]]], object],
                   stamp: str = BUILT_STAMP) -> None:
    path = project.build / stamp
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("change", OUTPUTS)
def test_any_doubt_about_the_outputs_takes_the_long_way(released: Project, long_way: list[int], change: str) -> None:
    OUTPUTS[change](released)
    build(released)
    assert long_way == [1]
    # The long way put everything back, and stamped it: the next build ends at the stamp.
    build(released)
    assert long_way == [1]
    assert Stamp.read(released.build / BUILT_STAMP) is not None


def test_bad_content_is_reported_even_where_a_stamp_would_have_answered(released: Project) -> None:
    edit(released.reports / "2017-18.yaml", "title:", "titel:")
    with pytest.raises(ContentError, match="2017-18.yaml"):
        build(released)
    edit(released.reports / "2017-18.yaml", "titel:", "title:")
    assert all(not b.rebuilt for b in build(released))


def test_drafts_are_stamped_too(released: Project, long_way: list[int]) -> None:
    first = build(released, years=["2016-17"], history=False)
    assert long_way == [1] and {b.path.parent for b in first} == {released.build / "drafts"}
    assert build(released, years=["2016-17"], history=False) == first and long_way == [1]
    _corrupt(released.build / "drafts" / "mcsp-annual-achievements-2016-17.pdf")
    assert build(released, years=["2016-17"], history=False) == first and long_way == [1, 1]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the checks that went past their stamp to check every link."""
    return counted(monkeypatch, links_module, "check_documents")


def test_a_check_of_what_was_checked_ends_at_its_stamp_but_finds_a_new_problem(
        project: Project, checks: list[int]) -> None:
    checked = check(project)
    assert checks == [1] and (project.build / CHECKED_STAMP).is_file()
    assert check(project) == checked and checks == [1]
    # A broken link in a template, where the content is unchanged: checked, and found.
    edit(project.templates / "annual.html.j2", "</main>", '<a href="nowhere.html">gone</a></main>')
    with pytest.raises(LinkError, match="nowhere.html"):
        check(project)
    assert checks == [1, 1]
    with pytest.raises(LinkError, match="nowhere.html"):
        check(project)  # a failed check leaves no stamp that passes
    assert checks == [1, 1, 1]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the checks that read and validated the YAML."""
    return counted(monkeypatch, build_module, "load_content")


def test_a_check_of_what_was_checked_reads_no_yaml_and_counts_as_it_did(
        project: Project, parses: list[int]) -> None:
    first = check(project)
    assert first == Checked(years=4, achievements=6) and parses == [1]
    assert check(project) == first and parses == [1]
    stamp = Stamp.read(project.build / CHECKED_STAMP)
    assert stamp is not None and stamp.counts == {"years": 4, "achievements": 6}


def test_a_check_stamp_holding_other_counts_is_not_believed(project: Project, parses: list[int]) -> None:
    check(project)
    _rewrite_stamp(project, lambda d: d["counts"].pop("years"), CHECKED_STAMP)
    assert check(project) == Checked(years=4, achievements=6) and parses == [1, 1]


@pytest.mark.parametrize("change", [
    # A file the loader reports but does not load: the stamp covers all of reports/.
    lambda p: (p.reports / "2019-20.yml").write_text("year: 2019-20\n"),
    lambda p: (p.reports / "notes.yaml").write_text("a note\n"),
    lambda p: edit(p.reports / "2017-18.yaml", "achievements:", "achievements:\n  - oops"),
], ids=["a year saved as .yml", "an unexpected YAML file", "a broken year"])
def test_any_change_in_reports_is_checked_again_and_found(
        project: Project, parses: list[int], change: Callable[[Project], object]) -> None:
    check(project)
    change(project)
    with pytest.raises(ContentError):
        check(project)
    assert parses == [1, 1]


def test_a_file_saved_while_a_check_runs_leaves_no_stamp(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    original = build_module.load_content

    def then_saved(*args: object, **kwargs: object) -> object:
        content = original(*args, **kwargs)  # type: ignore[arg-type]
        edit(project.reports / "2017-18.yaml", "achievements:", "achievements:\n  - oops")
        return content

    monkeypatch.setattr(build_module, "load_content", then_saved)
    check(project)  # what it validated was clean
    monkeypatch.setattr(build_module, "load_content", original)
    assert not (project.build / CHECKED_STAMP).exists()
    with pytest.raises(ContentError):  # the file as saved is checked, not the stamp believed
        check(project)


def test_a_file_fixed_and_broken_again_while_a_check_runs_leaves_no_stamp(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same files before and after, but what was validated was another save of them.
    year = project.reports / "2017-18.yaml"
    good = year.read_text(encoding="utf-8")
    edit(year, "achievements:", "achievements:\n  - oops")
    bad = year.read_text(encoding="utf-8")
    original = build_module.load_content

    def fixed_meanwhile(*args: object, **kwargs: object) -> object:
        year.write_text(good, encoding="utf-8")
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            year.write_text(bad, encoding="utf-8")

    monkeypatch.setattr(build_module, "load_content", fixed_meanwhile)
    check(project)  # what it validated was clean
    monkeypatch.setattr(build_module, "load_content", original)
    assert not (project.build / CHECKED_STAMP).exists()
    with pytest.raises(ContentError):
        check(project)


def test_a_check_with_other_stylesheets_checks_again(project: Project, checks: list[int]) -> None:
    check(project)
    (project.styles / "extra.css").write_text(":root { --space: 5mm; }\n")
    check(project, stylesheets=[str(project.styles / "extra.css")])
    assert checks == [1, 1]


def test_nothing_to_do_loads_neither_the_engine_nor_rendering(released: Project) -> None:
    # Nor fontTools or tinycss2 (the design check), Jinja or the process pool: a build with
    # nothing to do, and a check of what was checked, read the content and their stamps.
    modules = ("weasyprint", "pikepdf", "fontTools", "tinycss2", "jinja2", "multiprocessing")
    check(released)
    code = (
        "import sys; from pathlib import Path; from mcsp_reports import Project, build, check; "
        f"project = Project(Path({str(released.root)!r})); built = build(project); check(project); "
        f"print(sum(b.rebuilt for b in built), *(name in sys.modules for name in {modules!r}))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment)
    assert result.stdout.split() == ["0", *["False"] * len(modules)]

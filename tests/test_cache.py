"""Incremental, parallel and reproducible builds: exactly what changed is rebuilt, and bytes never vary."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mcsp_reports import Project, RenderError, build, outdated
from mcsp_reports import cache as cache_module
from mcsp_reports.cache import BUILT_STAMP, Cache, Record, digest

YEARS = ["2015-16", "2016-17", "2017-18", "2018-19"]
DOCS = ["mcsp-history", *(f"mcsp-annual-achievements-{y}" for y in YEARS)]


def documents(names: set[str]) -> set[str]:
    """File names → the documents they belong to (standard or large print)."""
    out = set()
    for name in names:
        stem = name.removesuffix(".pdf").removesuffix("-archival")
        out.add(stem)
    return out


def rebuilt(project: Project, **options: object) -> set[str]:
    return documents({b.file.name for b in build(project, jobs=2, **options) if b.rebuilt})


def large(doc: str) -> str:
    return f"{doc}-large-print"


ALL = {*DOCS, *(large(d) for d in DOCS)}


@pytest.fixture(scope="module")
def warm(built: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's build, copied once; each test starts from a copy of it, cache and all."""
    assert {b.rebuilt for b in built["files"].values()} == {True}
    root = tmp_path_factory.mktemp("warm") / "project"
    shutil.copytree(built["project"].root, root, symlinks=True)
    return root


@pytest.fixture
def project(warm: Path, tmp_path: Path) -> Project:
    shutil.copytree(warm, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def decided(project: Project, **options: object) -> dict[str, str]:
    """What a build with ``options`` would lay out again and why, decided as the build decides, nothing laid out."""
    return {stale.document.name: stale.reason for stale in outdated(project, **options)}


def test_nothing_changed_means_nothing_rendered(project: Project) -> None:
    assert decided(project) == {}
    assert rebuilt(project) == set()


CHANGED = "what it is made from changed since the last build"


def test_editing_one_year_rebuilds_that_year_and_the_history(project: Project) -> None:
    # End to end: the build lays out again exactly what the decision names, and nothing after.
    edit(project.reports / "2017-18.yaml", "Multi-agency offender management", "Multi-agency management of offenders")
    expected = {"mcsp-history", large("mcsp-history"),
                "mcsp-annual-achievements-2017-18", large("mcsp-annual-achievements-2017-18")}
    assert decided(project) == dict.fromkeys(expected, CHANGED)
    assert rebuilt(project) == expected
    assert "Multi-agency management of offenders" in (
        project.dist / "mcsp-annual-achievements-2017-18.html").read_text(encoding="utf-8")
    assert decided(project) == {}
    assert rebuilt(project) == set()


def test_a_comment_in_a_year_file_rebuilds_only_the_documents_that_embed_it(project: Project) -> None:
    edit(project.reports / "2017-18.yaml", "year: 2017-18\n", "year: 2017-18\n# reviewed\n")
    # The text is unchanged, so only the layouts whose archival edition embeds the file.
    assert set(decided(project)) == {"mcsp-history", "mcsp-annual-achievements-2017-18"}


def test_editing_the_partnership_rebuilds_everything(project: Project) -> None:
    edit(project.reports / "partnership.yaml", "set out to build", "set out to create")
    assert set(decided(project)) == ALL


def test_a_history_only_template_rebuilds_only_the_history(project: Project) -> None:
    edit(project.templates / "partials" / "timeline.html.j2", "<h2 id=\"timeline-title\">Timeline</h2>",
         "<h2 id=\"timeline-title\">Timeline of milestones</h2>")
    assert set(decided(project)) == {"mcsp-history", large("mcsp-history")}


def test_the_large_print_stylesheet_rebuilds_only_large_print(project: Project) -> None:
    edit(project.styles / "large-print.css", "--space: 6mm;", "--space: 7mm;")
    assert set(decided(project)) == {large(d) for d in DOCS}


def test_a_shared_stylesheet_rebuilds_everything(project: Project) -> None:
    edit(project.styles / "theme.css", "--colour-accent: #00506e;", "--colour-accent: #004060;")
    assert set(decided(project)) == ALL


def test_a_changed_font_rebuilds_everything_but_a_touched_one_does_not(project: Project) -> None:
    font = project.styles / "fonts" / "Lato-Italic.ttf"
    data = font.read_bytes()
    font.write_bytes(data)
    os.utime(font, (1, 1))
    assert decided(project) == {}
    # Other bytes, still the italic face (another face's file would be refused as the wrong face).
    font.write_bytes(data + b"\0" * 4)
    assert set(decided(project)) == ALL


def test_a_new_engine_version_rebuilds_everything(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "engine_versions", lambda: "mcsp-reports 9; weasyprint 70.9")
    # An upgrade also changes the installed distributions, which the last build's stamp names.
    monkeypatch.setattr(cache_module, "_code_digest", lambda: "another installation")
    assert decided(project) == dict.fromkeys(ALL, CHANGED)


def test_build_options_are_part_of_the_key(project: Project) -> None:
    (project.styles / "extra.css").write_text(":root { --space: 5mm; }\n")
    assert decided(project, stylesheets=[str(project.styles / "extra.css")]) == dict.fromkeys(ALL, CHANGED)
    assert decided(project, force=True) == dict.fromkeys(ALL, "forced")
    assert decided(project) == {}  # the options the warm build was made with: nothing to do
    assert decided(project, years=["2017-18"], history=False) == {}  # a year build finds its PDFs in dist/


def test_a_deleted_or_altered_output_is_rebuilt(project: Project) -> None:
    (project.dist / "mcsp-annual-achievements-2016-17-large-print.pdf").unlink()
    with (project.dist / "mcsp-annual-achievements-2018-19-archival.pdf").open("r+b") as file:
        file.seek(100)
        file.write(b"X")
    assert decided(project) == {
        large("mcsp-annual-achievements-2016-17"): "mcsp-annual-achievements-2016-17-large-print.pdf is missing",
        "mcsp-annual-achievements-2018-19": "mcsp-annual-achievements-2018-19-archival.pdf differs from the one built",
    }


def test_a_damaged_or_missing_cache_means_a_full_rebuild(project: Project) -> None:
    # Without the last build's stamp, which would answer that nothing changed (test_fastpath.py).
    (project.build / BUILT_STAMP).unlink()
    (project.build / "cache.json").write_text("{not json")
    assert decided(project) == dict.fromkeys(ALL, "no record of an earlier build")
    (project.build / "cache.json").unlink()
    assert decided(project) == dict.fromkeys(ALL, "no record of an earlier build")


DAMAGES = ["{not json", "[]", "null", '{"version": 1, "outputs": []}', '{"version": 1}', "7", '{"version": 2}',
           'PAGES:"lots"', "PAGES:-5", "PAGES:true", "PAGES:0", "PAGES:10001", 'SIZE:"1"', "SIZE:2.5",
           'KEY:"../x"', 'SHA256:"A"', "EXTRA", "MISSING", 'NAME:"../x.pdf"', 'NAME:".x.pdf"', 'NAME:"x.html"']


def damage(text: str, kind: str) -> str:
    """The text of a cache file with one kind of damage: whole-file text, or ``FIELD:json`` in one record."""
    data = json.loads(text)
    name, record = next(iter(data["outputs"].items()))
    field, _, value = kind.partition(":")
    if field in ("PAGES", "SIZE", "KEY", "SHA256"):
        record[field.lower()] = json.loads(value)
    elif field == "EXTRA":
        record["pages_seen"] = 3
    elif field == "MISSING":
        del record["size"]
    elif field == "NAME":
        data["outputs"][json.loads(value)] = data["outputs"].pop(name)
    else:
        return kind
    return json.dumps(data)


@pytest.mark.parametrize("kind", DAMAGES)
def test_a_damaged_cache_is_not_believed_at_all(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "cache.json"
    written = Cache(path)
    written.records = {name: Record(digest(name.encode()), digest(b"pdf" + name.encode()), 12, 34_567)
                       for name in ("mcsp-history.pdf", "mcsp-history-archival.pdf")}
    written.save(lambda target, data: target.write_bytes(data))
    assert Cache(path).records == written.records  # as saved, every record is believed
    path.write_text(damage(path.read_text(), kind))
    assert Cache(path).records == {}  # one thing wrong, and nothing is: the build renders everything again


def snapshot(project: Project) -> dict[str, bytes]:
    return {str(p.relative_to(project.dist)): p.read_bytes() for p in sorted(project.dist.rglob("*")) if p.is_file()}


def test_serial_parallel_cached_and_other_timezone_builds_are_byte_identical(
    small_release: Project, built_elsewhere: Project, tmp_path: Path
) -> None:
    parallel = snapshot(small_release)
    assert snapshot(built_elsewhere) == parallel  # one worker, another time zone, another process
    serial = Project(tmp_path / "serial")
    shutil.copytree(built_elsewhere.root, serial.root, symlinks=True)
    (serial.dist / "mcsp-history.pdf").unlink()
    build(serial, jobs=1)  # the rest comes from the cache
    assert snapshot(serial) == parallel


def test_a_failing_worker_stops_the_build_and_writes_nothing(project: Project) -> None:
    before = snapshot(project)
    edit(project.styles / "large-print.css", "--space: 6mm;", "--space: 6mm; colour: red;")
    edit(project.reports / "2016-17.yaml", "2016/17 was", "The year 2016/17 was")
    with pytest.raises(RenderError, match="large-print: .*colour"):
        build(project, jobs=2)
    assert snapshot(project) == before

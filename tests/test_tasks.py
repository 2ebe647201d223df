"""The invoke tasks: every task and flag is explained, and user errors come out as clean lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Collection

from conftest import ROOT, copy_project

sys.path.insert(0, str(ROOT))
import tasks

COLLECTION = Collection.from_module(tasks)


def invoke(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the project with its tasks.py, so tasks run against throw-away files."""
    copy_project(tmp_path)
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    return tmp_path


def test_the_expected_tasks_exist_and_build_is_the_default() -> None:
    assert set(COLLECTION.task_names) >= {"build", "history", "check", "clean", "test", "verify"}
    assert COLLECTION.default == "build"


@pytest.mark.parametrize("name", sorted(COLLECTION.task_names))
def test_every_task_and_flag_has_help(name: str) -> None:
    task = COLLECTION[name]
    assert task.__doc__ and task.__doc__.strip(), name
    for argument in task.get_arguments():
        assert argument.help, f"{name} --{argument.name} has no help"


def test_help_shows_the_flags_of_build() -> None:
    result = invoke(ROOT, "--help", "build")
    assert result.returncode == 0
    assert "--year" in result.stdout and "--stylesheet" in result.stdout


def test_check_reports_every_problem_on_its_own_line_without_a_traceback(checkout: Path) -> None:
    year = checkout / "reports" / "2017-18.yaml"
    year.write_text(year.read_text().replace("themes: [vawg]", "themes: [knife]").replace("date: 2017-12", "date: soon"))
    result = invoke(checkout, "check")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("reports/2017-18.yaml:") and "unknown theme 'knife'" in lines[0]
    assert lines[1].startswith("reports/2017-18.yaml:") and "got 'soon'" in lines[1]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (checkout / "dist").exists()


def test_check_passes_on_the_shipped_content(checkout: Path) -> None:
    result = invoke(checkout, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reports/: 4 years, 6 achievements, no problems"


def test_build_of_an_unknown_year_is_a_clean_error(checkout: Path) -> None:
    result = invoke(checkout, "build", "--year", "2030-31")
    assert result.returncode == 1
    assert result.stderr.strip() == "no report for year 2030-31; years in reports/: 2015-16, 2016-17, 2017-18, 2018-19"


def test_build_one_year_with_an_extra_stylesheet_then_clean(checkout: Path) -> None:
    (checkout / "styles" / "extra.css").write_text(":root { --colour-accent: #000000; }\n")
    result = invoke(checkout, "build", "--year", "2016-17", "--stylesheet", "styles/extra.css", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("build/drafts/mcsp-annual-achievements-2016-17.pdf")
    assert sorted(p.name for p in (checkout / "build" / "drafts").iterdir()) == [
        "mcsp-annual-achievements-2016-17-archival.pdf", "mcsp-annual-achievements-2016-17-large-print.pdf",
        "mcsp-annual-achievements-2016-17.pdf"]
    assert not (checkout / "dist").exists()  # a year alone is never published
    result = invoke(checkout, "clean")
    assert result.returncode == 0 and not (checkout / "build").exists()


def test_a_stylesheet_outside_the_project_is_refused(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "mine.css"
    outside.write_text("p { color: red }")
    result = invoke(checkout, "build", "--stylesheet", str(outside))
    assert result.returncode == 1
    assert "stylesheet must be inside the project folder" in result.stderr
    assert "Traceback" not in result.stderr


BRAND = ":root { --colour-accent: #6a1b4d; }\n"
#: The brand's accent colour as a PDF fill/stroke colour (0-1 per channel).
BRAND_RGB = (0x6a / 255, 0x1b / 255, 0x4d / 255)


def _colours(pdf: Path) -> set[tuple[float, float, float]]:
    """Every RGB colour set on the first page of ``pdf``, rounded to three places."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        return {tuple(round(float(x), 3) for x in operands)
                for operands, operator in pikepdf.parse_content_stream(document.pages[0])
                if str(operator) in ("rg", "RG")}


def _up_to_date_copy(checkout: Path, built: dict) -> None:
    """Give ``checkout`` the session build's dist/ and build/, so a build there has nothing to do."""
    for part in ("dist", "build"):
        shutil.copytree(built["project"].root / part, checkout / part)


def test_the_settings_of_invoke_yaml_reach_dist_the_web_pages_and_the_zip(checkout: Path) -> None:
    for year in ("2015-16", "2016-17", "2018-19"):  # one year and the history show it as well as four, in half the time
        (checkout / "reports" / f"{year}.yaml").unlink()
    (checkout / "styles" / "brand.css").write_text(BRAND)
    (checkout / "invoke.yaml").write_text("mcsp:\n  stylesheets: [styles/brand.css]\n  jobs: 1\n")
    result = invoke(checkout, "dist")
    assert result.returncode == 0, result.stderr
    brand = tuple(round(x, 3) for x in BRAND_RGB)
    for pdf in sorted((checkout / "dist").glob("*.pdf")):
        # Large print sets its own high-contrast accent after the user's sheets (docs/styles.md).
        if "large-print" not in pdf.name:
            assert brand in _colours(pdf), pdf.name
    for html in sorted((checkout / "build" / "print").glob("*.html")):
        assert '<link rel="stylesheet" href="../../styles/brand.css">' in html.read_text(), html.name
    for page in sorted((checkout / "dist").glob("*.html")):
        assert '<link rel="stylesheet" href="assets/brand.css">' in page.read_text(), page.name
    assert (checkout / "dist" / "assets" / "brand.css").read_text() == BRAND
    [zip_path] = (checkout / "release").glob("*.zip")
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        assert any(name.endswith("/assets/brand.css") for name in archive.namelist())
    assert not list((checkout / "build").glob("*.zip"))
    # The guide a comms officer reads: where the zip is, what goes where, how to check.
    out = result.stdout
    assert out.startswith(f"Release ready: release/{zip_path.name}")
    assert "For the website: upload everything in dist/" in out
    assert f"For the archive: send release/{zip_path.name}" in out
    assert "sha256sum -c SHA256SUMS" in out


def test_a_flag_overrides_the_stylesheets_of_invoke_yaml(checkout: Path) -> None:
    (checkout / "invoke.yaml").write_text("mcsp:\n  stylesheets: [styles/missing.css]\n")
    result = invoke(checkout, "check")
    assert result.returncode == 1 and result.stderr.strip() == "styles/missing.css: stylesheet not found"
    (checkout / "styles" / "brand.css").write_text(BRAND)
    result = invoke(checkout, "build", "--year", "2016-17", "--stylesheet", "styles/brand.css", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert tuple(round(x, 3) for x in BRAND_RGB) in _colours(
        checkout / "build" / "drafts" / "mcsp-annual-achievements-2016-17.pdf")


def test_a_bad_setting_is_a_clean_error_naming_invoke_yaml(checkout: Path) -> None:
    (checkout / "invoke.yaml").write_text("mcsp:\n  jobs: many\n")
    result = invoke(checkout, "build")
    assert result.returncode == 1
    assert result.stderr.strip() == "invoke.yaml: mcsp.jobs: expected a whole number of at least 1; got 'many'"


def test_a_stylesheet_outside_styles_is_refused(checkout: Path) -> None:
    (checkout / "brand.css").write_text(BRAND)
    result = invoke(checkout, "build", "--stylesheet", "brand.css")
    assert result.returncode == 1
    assert result.stderr.strip() == "brand.css: stylesheet must be in the styles/ folder, beside the fonts it may use"


def test_verify_takes_any_number_of_paths_as_words(checkout: Path, built: dict) -> None:
    _up_to_date_copy(checkout, built)
    result = invoke(checkout, "verify", "dist/mcsp-history.pdf", "dist/mcsp-annual-achievements-2015-16.pdf")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 PDF files verified, no violations"
    result = invoke(checkout, "verify", "dist/mcsp-history.pdf", "dist/nothing.pdf")
    assert result.returncode == 1 and result.stderr.strip() == "dist/nothing.pdf: no such file"


def test_build_dry_run_says_what_a_stylesheet_change_would_lay_out_and_builds_nothing(
        checkout: Path, built: dict) -> None:
    _up_to_date_copy(checkout, built)
    sheet = checkout / "styles" / "large-print.css"
    sheet.write_text(sheet.read_text().replace("--space: 6mm;", "--space: 7mm;"))
    before = {p: p.read_bytes() for p in sorted((checkout / "dist").rglob("*")) if p.is_file()}
    result = invoke(checkout, "build", "--dry-run")
    assert result.returncode == 0, result.stderr
    years = ["2015-16", "2016-17", "2017-18", "2018-19"]
    assert result.stdout.splitlines() == [
        *(f"{name}-large-print: what it is made from changed since the last build"
          for name in ["mcsp-history", *(f"mcsp-annual-achievements-{y}" for y in years)]),
        "5 documents to lay out again; nothing was built",
    ]
    assert {p: p.read_bytes() for p in sorted((checkout / "dist").rglob("*")) if p.is_file()} == before
    result = invoke(checkout, "build", "--dry-run", "--year", "2017-18", "--force")
    assert result.stdout.splitlines() == ["mcsp-annual-achievements-2017-18: forced",
                                          "mcsp-annual-achievements-2017-18-large-print: forced",
                                          "2 documents to lay out again; nothing was built"]
    assert not (checkout / "build" / "drafts").exists()


def test_build_open_opens_the_landing_page_in_the_browser(checkout: Path, built: dict) -> None:
    _up_to_date_copy(checkout, built)
    opened = checkout / "opened.txt"
    browser = checkout / "browser.py"
    # webbrowser runs $BROWSER with the URL: a stand-in that records it instead of opening a window.
    browser.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\n")
    env = {**os.environ, "BROWSER": f"{sys.executable} {browser} %s"}
    result = subprocess.run([sys.executable, "-m", "invoke", "build", "--open"], cwd=checkout,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert opened.read_text() == (checkout / "dist" / "index.html").resolve().as_uri()


def test_a_broken_year_stops_build_with_readable_messages_and_leaves_dist_untouched(checkout: Path) -> None:
    year = checkout / "reports" / "2017-18.yaml"
    year.write_text(year.read_text().replace("title: The Red Umbrella Project", "title:The Red Umbrella Project"))
    (checkout / "reports" / "2019-20.yaml").symlink_to("/etc/passwd")
    (checkout / "dist").mkdir()
    (checkout / "dist" / "old.pdf").write_bytes(b"%PDF-1.7 earlier build")
    result = invoke(checkout, "build")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "reports/2017-18.yaml:18:11: put a space after the ':' in 'title:The'",
        "    18 |     title:The Red Umbrella Project",
        "       |           ^",
        "reports/2019-20.yaml:1:1: is a link to a file outside the project; copy the file in instead",
    ]
    assert "Traceback" not in result.stderr + result.stdout and "root:" not in result.stderr
    assert [p.name for p in (checkout / "dist").iterdir()] == ["old.pdf"]
    assert (checkout / "dist" / "old.pdf").read_bytes() == b"%PDF-1.7 earlier build"

"""The invoke tasks: every task and flag is explained, and user errors come out as clean lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Collection

from conftest import ROOT, copy_project

sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402

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
    assert result.stdout.strip() == "reports/: 4 years, 16 achievements, no problems"


def test_build_of_an_unknown_year_is_a_clean_error(checkout: Path) -> None:
    result = invoke(checkout, "build", "--year", "2030-31")
    assert result.returncode == 1
    assert result.stderr.strip() == "no report for year 2030-31; years in reports/: 2015-16, 2016-17, 2017-18, 2018-19"


def test_build_one_year_with_an_extra_stylesheet_then_clean(checkout: Path) -> None:
    (checkout / "styles" / "extra.css").write_text(":root { --colour-accent: #000000; }\n")
    result = invoke(checkout, "build", "--year", "2016-17", "--stylesheet", "styles/extra.css")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dist/mcsp-annual-achievements-2016-17.pdf")
    assert sorted(p.name for p in (checkout / "dist").iterdir()) == [
        "mcsp-annual-achievements-2016-17-archival.pdf", "mcsp-annual-achievements-2016-17-large-print.pdf",
        "mcsp-annual-achievements-2016-17.pdf"]
    result = invoke(checkout, "clean")
    assert result.returncode == 0 and not (checkout / "dist").exists()


def test_a_stylesheet_outside_the_project_is_refused(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "mine.css"
    outside.write_text("p { color: red }")
    result = invoke(checkout, "build", "--stylesheet", str(outside))
    assert result.returncode == 1
    assert "stylesheet must be inside the project folder" in result.stderr
    assert "Traceback" not in result.stderr

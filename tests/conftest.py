"""Shared fixtures: throw-away projects on the small test content, and one shared build of each.

Behaviour tests run on the *test project*: the shipped templates and styles with the
small, frozen content of ``tests/project/reports/`` (four years, six achievements, the
partnership's real vocabularies), so editing ``reports/`` or starting a new year with
``invoke new-year`` changes no test but those of ``tests/test_content.py``, which alone
read the real content. Tests that build PDFs or drive a browser are marked ``slow``
(see ``pytest_collection_modifyitems``); ``invoke test --quick`` leaves them out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mcsp_reports import Built, Project, build

ROOT = Path(__file__).resolve().parent.parent
#: The small content every behaviour test runs on.
TEST_REPORTS = Path(__file__).resolve().parent / "project" / "reports"
SHARED_PARTS = ("templates", "styles")

#: Fixtures that build real PDFs: a test using one is slow, whatever its module.
SLOW_FIXTURES = {"built", "built_elsewhere", "real_built", "warm", "server", "browser", "checkout"}


def copy_project(target: Path) -> Project:
    """The test project under ``target``: the shipped templates and styles, the test content."""
    for part in SHARED_PARTS:
        shutil.copytree(ROOT / part, target / part)
    shutil.copytree(TEST_REPORTS, target / "reports")
    return Project(target)


def copy_real_project(target: Path) -> Project:
    """A copy of the real project, content included, for the content-fidelity tests."""
    project = copy_project(target)
    shutil.rmtree(project.reports)
    shutil.copytree(ROOT / "reports", project.reports)
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A private test project that a test may edit freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output of the test project, built once for the whole session; read it, never change it."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    return {"project": project, "files": _by_name(build(project))}


@pytest.fixture(scope="session")
def built_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The test project built again from scratch in another process: one worker, another time zone.

    Its ``dist/`` must equal that of :func:`built` byte for byte; the reproducibility
    tests of the build, the cache and the zip share it instead of each building again.
    """
    project = copy_project(tmp_path_factory.mktemp("elsewhere") / "project")
    code = ("from pathlib import Path; from mcsp_reports import Project, build; "
            f"build(Project(Path({str(project.root)!r})), jobs=1)")
    environment = {**os.environ, "TZ": "Pacific/Kiritimati"}
    subprocess.run([sys.executable, "-c", code], env=environment, check=True)
    return project


@pytest.fixture(scope="session")
def real_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output of the real content, built once for the whole session (tests/test_content.py)."""
    project = copy_real_project(tmp_path_factory.mktemp("real") / "project")
    return {"project": project, "files": _by_name(build(project))}


def _by_name(files: list[Built]) -> dict[str, Built]:
    return {b.file.name: b for b in files}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a built project, a server or a browser."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

"""Shared fixtures: throw-away projects on the small test content, and one shared build of each.

Behaviour tests run on the *test project*: the shipped templates and styles with the
small, frozen content of ``tests/project/reports/`` (four years, six achievements, the
partnership's real vocabularies), so editing ``reports/`` or starting a new year with
``invoke new-year`` changes no test but those of ``tests/test_content.py``, which alone
read the real content. Tests that build PDFs or drive a browser are marked ``slow``
(see ``pytest_collection_modifyitems``); ``invoke test --quick`` leaves them out.

A build in a test passes ``jobs=1`` unless the test is about rendering in parallel: the
suite already runs one pytest-xdist worker per core, and each rendering process warms
up its own engine, so one process lays out a few documents with less CPU than two (about
a tenth less for a year and the history). The shared builds keep one process per core:
other workers may be waiting for them.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

# WeasyPrint is imported here through the engine corrections, as a build imports it, before
# any test module imports it: so each test process opens the engine's libraries without
# upstream's library search (engine.libraries_by_file_name).
import mcsp_reports.pdf  # noqa: F401
from mcsp_reports import Built, Project, build

ROOT = Path(__file__).resolve().parent.parent
#: The small content every behaviour test runs on.
TEST_REPORTS = Path(__file__).resolve().parent / "project" / "reports"
SHARED_PARTS = ("templates", "styles")

#: Fixtures that build real PDFs: a test using one is slow, whatever its module.
SLOW_FIXTURES = {"built", "built_elsewhere", "real_built", "released", "small_release", "warm", "server",
                 "reading_server", "browser", "checkout"}

T = TypeVar("T")


def copy_project(target: Path, years: Sequence[str] | None = None) -> Project:
    """The test project under ``target``: the shipped templates and styles, the test content
    (of its years, only ``years`` when given: a smaller project for tests of faults that do not
    depend on how much there is to lay out)."""
    for part in SHARED_PARTS:
        shutil.copytree(ROOT / part, target / part)

    def left_out(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if years is not None and n[:1].isdigit() and n.removesuffix(".yaml") not in years}

    shutil.copytree(TEST_REPORTS, target / "reports", ignore=left_out)
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


def once_per_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """``make(folder)``, run once for the whole test run, even when pytest-xdist runs it in several workers.

    Alone, pytest runs each session fixture once. Under ``pytest -n`` every worker is a
    session of its own, and each would build the test project again: instead the first
    worker to ask makes it in the folder the workers share, while the others wait on a
    lock, then read its result. What is made this way must be read only, never changed.
    """
    own = factory.getbasetemp()
    # A worker's own folder is popen-gw0 (and so on) in the folder of this run; a pytest that
    # merely inherited the variable from a worker (a test running pytest) is no worker.
    if own.name != f"popen-{os.environ.get('PYTEST_XDIST_WORKER')}":
        return make(factory.mktemp(name))
    shared = own.parent  # this run's folder, which holds every worker's own
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if make() fails
        done = shared / f"{name}.pickle"
        if done.is_file():
            result: T = pickle.loads(done.read_bytes())
            return result
        folder = shared / name
        shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed to make it left
        folder.mkdir()
        value = make(folder)
        done.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output of the test project, built once for the whole run; read it, never change it."""

    def make(folder: Path) -> dict[str, object]:
        project = copy_project(folder / "project")
        return {"project": project, "files": _by_name(build(project))}

    return once_per_run(tmp_path_factory, "built", make)


@pytest.fixture
def released(built: dict[str, object], tmp_path: Path) -> Project:
    """A private copy of :func:`built`, its release in dist/ and its records in build/ included, to change freely."""
    source = built["project"]
    assert isinstance(source, Project)
    shutil.copytree(source.root, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


#: The one year of :func:`small_release`.
SMALL_YEAR = "2017-18"


@pytest.fixture(scope="session")
def small_release(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The test project cut to one year and the history (four documents, six PDFs), built and
    released once for the whole run; read it, never change it.

    For tests that need a release but not four years of it: faults tried on a release
    (tests/test_release.py) and the reproducibility of builds.
    """

    def make(folder: Path) -> Project:
        project = copy_project(folder / "project", years=[SMALL_YEAR])
        build(project)
        return project

    return once_per_run(tmp_path_factory, "release", make)


@pytest.fixture(scope="session")
def built_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """:func:`small_release`'s project built again from scratch in another process: one worker,
    another time zone.

    Its ``dist/`` must equal that of :func:`small_release` (built with a worker per core)
    byte for byte; the reproducibility tests of the build, the cache and the zip share it
    instead of each building again.
    """

    def make(folder: Path) -> Project:
        project = copy_project(folder / "project", years=[SMALL_YEAR])
        code = ("from pathlib import Path; from mcsp_reports import Project, build; "
                f"build(Project(Path({str(project.root)!r})), jobs=1)")
        environment = {**os.environ, "TZ": "Pacific/Kiritimati"}
        subprocess.run([sys.executable, "-c", code], env=environment, check=True)
        return project

    return once_per_run(tmp_path_factory, "elsewhere", make)


@pytest.fixture(scope="session")
def real_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output of the real content, built once for the whole run (tests/test_content.py)."""

    def make(folder: Path) -> dict[str, object]:
        project = copy_real_project(folder / "project")
        return {"project": project, "files": _by_name(build(project))}

    return once_per_run(tmp_path_factory, "real", make)


CHROMIUM = Path("/usr/bin/chromium")
# The flags a machine with no network needs; without them Chromium keeps trying to call home.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, driven by Playwright, started once for the session: each test opens its own page."""
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/bootstrap --test"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield instance
        instance.close()


def _by_name(files: list[Built]) -> dict[str, Built]:
    return {b.file.name: b for b in files}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a built project, a server or a browser."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

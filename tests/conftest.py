"""Shared fixtures: throw-away copies of the project, and one real build for the PDF tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mcsp_reports import Project, build

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PARTS = ("reports", "templates", "styles")


def copy_project(target: Path) -> Project:
    """A copy of the real project's content, templates and styles under ``target``."""
    for part in SOURCE_PARTS:
        shutil.copytree(ROOT / part, target / part)
    return Project(target)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A private copy of the project that a test may edit freely."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output of the real content, built once for the whole session."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    files = build(project)
    return {"project": project, "files": {b.file.name: b for b in files}}

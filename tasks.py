"""The project's commands: `invoke --list` shows them, `invoke --help NAME` explains one.

Each task calls one function of mcsp_reports and turns a user error into a clean exit
with its message; the work itself lives in the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Context, Exit, task

from mcsp_reports import Project, UserError, build as build_outputs, check as check_content
from mcsp_reports import clean as clean_outputs, summarise

ROOT = Path(__file__).resolve().parent
PROJECT = Project(ROOT)


def _run(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except UserError as error:
        raise Exit(str(error), code=1) from None


@task(
    default=True,
    iterable=["year", "stylesheet"],
    help={
        "year": "Build only this year's annual report, e.g. 2017-18 (repeatable). Skips the history.",
        "stylesheet": "An extra CSS file inside the project, applied after the shipped ones (repeatable).",
    },
)
def build(c: Context, year: list[str] | None = None, stylesheet: list[str] | None = None) -> None:
    """Build the annual-achievements PDFs and the history into dist/."""
    built = _run(build_outputs, PROJECT, years=year or None, history=not year, stylesheets=stylesheet or ())
    print(summarise(built, ROOT))


@task(help={"stylesheet": "An extra CSS file inside the project, applied after the shipped ones (repeatable)."},
      iterable=["stylesheet"])
def history(c: Context, stylesheet: list[str] | None = None) -> None:
    """Build only the consolidated history PDF into dist/."""
    built = _run(build_outputs, PROJECT, years=(), history=True, stylesheets=stylesheet or ())
    print(summarise(built, ROOT))


@task
def check(c: Context) -> None:
    """Validate everything in reports/ and list every problem found; writes nothing."""
    content = _run(check_content, PROJECT)
    count = sum(len(y.achievements) for y in content.years)
    print(f"reports/: {len(content.years)} years, {count} achievements, no problems")


@task
def clean(c: Context) -> None:
    """Delete dist/ and build/."""
    for folder in clean_outputs(PROJECT):
        print(f"removed {folder.relative_to(ROOT)}/")


@task(help={"args": "Extra arguments for pytest, e.g. \"-k load -x\"."})
def test(c: Context, args: str = "") -> None:
    """Run the test suite with pytest."""
    c.run(f"{sys.executable} -m pytest {args}", pty=False)

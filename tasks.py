"""The project's commands: `invoke --list` shows them, `invoke --help NAME` explains one.

Each task calls one function of mcsp_reports and turns a user error into a clean exit
with its message; the work itself lives in the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Context, Exit, task

import mcsp_reports
from mcsp_reports import Project, UserError, summarise

ROOT = Path(__file__).resolve().parent
PROJECT = Project(ROOT)

STYLESHEET_HELP = "An extra CSS file inside the project, applied after the shipped ones (repeatable)."
JOBS_HELP = "Worker processes for rendering (default: one per core)."
FORCE_HELP = "Rebuild every output, even those that are up to date."


def _run(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except UserError as error:
        raise Exit(str(error), code=1) from None


def _progress(message: str) -> None:
    # Progress is for people watching a terminal; logs and pipes get only the summary.
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


@task(
    default=True,
    iterable=["year", "stylesheet"],
    help={
        "year": "Build only this year's reports, e.g. 2017-18 (repeatable). Skips the history and the index.",
        "stylesheet": STYLESHEET_HELP,
        "jobs": JOBS_HELP,
        "force": FORCE_HELP,
    },
)
def build(c: Context, year: list[str] | None = None, stylesheet: list[str] | None = None,
          jobs: int = 0, force: bool = False) -> None:
    """Build every report into dist/: PDFs (accessible, archival, large print) and the HTML edition."""
    built = _run(mcsp_reports.build, PROJECT, years=year or None, history=not year,
                 stylesheets=stylesheet or (), jobs=jobs or None, force=force, report=_progress)
    print(summarise(built, ROOT))


@task(iterable=["stylesheet"], help={"stylesheet": STYLESHEET_HELP, "jobs": JOBS_HELP, "force": FORCE_HELP})
def history(c: Context, stylesheet: list[str] | None = None, jobs: int = 0, force: bool = False) -> None:
    """Build only the consolidated history's PDFs into dist/."""
    built = _run(mcsp_reports.build, PROJECT, years=(), history=True, stylesheets=stylesheet or (),
                 jobs=jobs or None, force=force, report=_progress)
    print(summarise(built, ROOT))


@task
def check(c: Context) -> None:
    """Validate everything in reports/ and list every problem found; writes nothing."""
    content = _run(mcsp_reports.check, PROJECT)
    count = sum(len(y.achievements) for y in content.years)
    print(f"reports/: {len(content.years)} years, {count} achievements, no problems")


@task(positional=["paths"], iterable=["paths"],
      help={"paths": "PDF files to check (default: every PDF in dist/)."})
def verify(c: Context, paths: list[str] | None = None) -> None:
    """Check PDFs for PDF/UA-1 (or the PDF/A level they declare): tags, fonts, metadata, language."""
    files = [Path(p) for p in paths] if paths else sorted(PROJECT.dist.glob("*.pdf"))
    if not files:
        raise Exit("no PDF files to verify; run `invoke build` first", code=1)
    checked = _run(mcsp_reports.verify_paths, files, PROJECT.fonts)
    print(f"{len(checked)} PDF files verified, no violations")


@task(help={"port": "Port on 127.0.0.1 to serve on (default 8000; 0 picks a free one)."})
def serve(c: Context, port: int = 8000) -> None:
    """Preview the HTML of every report on 127.0.0.1, re-rendered and reloaded as you edit."""
    server = _run(mcsp_reports.PreviewServer, PROJECT, port, report=lambda m: print(m, flush=True))
    server.start()
    print(f"previewing on {server.url} (Ctrl-C to stop)", flush=True)
    server.run_until_interrupted()


@task(name="dist")
def dist(c: Context) -> None:
    """Bring dist/ up to date, then pack it into one reproducible zip in build/."""
    built = _run(mcsp_reports.build, PROJECT, report=_progress)
    path = _run(mcsp_reports.pack, PROJECT)
    print(f"{path.relative_to(ROOT)}: {len(built)} PDF files and their web pages, {path.stat().st_size / 1024:.0f} KiB")


@task(name="new-year", positional=["label"],
      help={"label": "The new reporting year, e.g. 2019-20; it must follow the latest year in reports/."})
def new_year(c: Context, label: str) -> None:
    """Start a new reporting year: write reports/LABEL.yaml from a template with placeholders to fill in."""
    path = _run(mcsp_reports.new_year, PROJECT, label)
    print(f"wrote {path.relative_to(ROOT)}: fill in its [[placeholders]], then run `invoke check`")


@task
def images(c: Context) -> None:
    """Picture the history's chart and index pages as PNG files in docs/images/ (builds the history first)."""
    for path in _run(mcsp_reports.picture_history, PROJECT, ROOT / "docs" / "images"):
        print(path.relative_to(ROOT))


@task
def clean(c: Context) -> None:
    """Delete dist/ and build/."""
    for folder in mcsp_reports.clean(PROJECT):
        print(f"removed {folder.relative_to(ROOT)}/")


@task(help={"args": "Extra arguments for pytest, e.g. \"-k load -x\"."})
def test(c: Context, args: str = "") -> None:
    """Run the test suite with pytest."""
    c.run(f"{sys.executable} -m pytest {args}", pty=False)


@task(help={"quick": "Fewer runs and a shorter long history, for a quick look (figures are noisier)."})
def bench(c: Context, quick: bool = False) -> None:
    """Benchmark the build against plain WeasyPrint and write docs/performance.md."""
    c.run(f"{sys.executable} {ROOT / 'benchmarks' / 'bench.py'}{' --quick' if quick else ''}", pty=False)

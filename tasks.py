"""The project's commands: `invoke --list` shows them, `invoke --help NAME` explains one.

Each task calls one function of mcsp_reports and turns a user error into a clean exit
with its message; the work itself lives in the package.
"""

from __future__ import annotations

import os
import shutil
import sys
import webbrowser
from pathlib import Path

from invoke import Argument, Context, Exit, Task, task

import mcsp_reports
from mcsp_reports import Project, Settings, UserError, summarise, summarise_outdated

ROOT = Path(__file__).resolve().parent
PROJECT = Project(ROOT)

STYLESHEET_HELP = ("An extra CSS file in styles/, applied after the shipped ones (repeatable); "
                   "replaces mcsp.stylesheets of invoke.yaml.")
JOBS_HELP = "Worker processes for rendering (default: mcsp.jobs of invoke.yaml, else one per core)."
FORCE_HELP = "Rebuild every output, even those that are up to date."


def _run(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except UserError as error:
        raise Exit(str(error), code=1) from None


def _settings(c: Context, stylesheet: list[str] | None = None, jobs: int = 0, port: int | None = None) -> Settings:
    """The ``mcsp`` settings of invoke.yaml, with this command's flags over them."""
    given = c.config.get("mcsp") or {}
    settings = _run(mcsp_reports.read_settings, {key: given[key] for key in given})
    return settings.override(stylesheet or (), jobs, port)


def _progress(message: str) -> None:
    # Progress is for people watching a terminal; logs and pipes get only the summary.
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


@task(
    default=True,
    iterable=["year", "stylesheet"],
    help={
        "year": "Build only this year's reports, e.g. 2017-18 (repeatable), as drafts in build/drafts/; dist/ is left alone.",
        "stylesheet": STYLESHEET_HELP,
        "jobs": JOBS_HELP,
        "force": FORCE_HELP,
        "open": "Open dist/index.html in the web browser once the build is done.",
        "dry-run": "Build nothing: say which documents the build would lay out again, and why.",
    },
)
def build(c: Context, year: list[str] | None = None, stylesheet: list[str] | None = None,
          jobs: int = 0, force: bool = False, open: bool = False, dry_run: bool = False) -> None:
    """Build every report into dist/: PDFs (accessible, archival, large print) and the HTML edition."""
    settings = _settings(c, stylesheet, jobs)
    if dry_run:
        stale = _run(mcsp_reports.outdated, PROJECT, years=year or None, history=not year,
                     stylesheets=settings.stylesheets, force=force)
        print(summarise_outdated(stale))
        return
    built = _run(mcsp_reports.build, PROJECT, years=year or None, history=not year,
                 stylesheets=settings.stylesheets, jobs=settings.jobs, force=force, report=_progress)
    print(summarise(built, ROOT))
    if open:
        landing = PROJECT.dist / "index.html"
        if not landing.is_file():
            raise Exit("dist/index.html is made by a full build; run `invoke build --open` without --year", code=1)
        webbrowser.open(landing.resolve().as_uri())


@task(iterable=["stylesheet"], help={"stylesheet": STYLESHEET_HELP, "jobs": JOBS_HELP, "force": FORCE_HELP})
def history(c: Context, stylesheet: list[str] | None = None, jobs: int = 0, force: bool = False) -> None:
    """Build only the consolidated history's PDFs, as drafts in build/drafts/; dist/ is left alone."""
    settings = _settings(c, stylesheet, jobs)
    built = _run(mcsp_reports.build, PROJECT, years=(), history=True, stylesheets=settings.stylesheets,
                 jobs=settings.jobs, force=force, report=_progress)
    print(summarise(built, ROOT))


@task
def check(c: Context) -> None:
    """Validate everything in reports/ and every link of the pages it makes; writes only the template cache."""
    checked = _run(mcsp_reports.check, PROJECT, _settings(c).stylesheets)
    print(f"reports/: {checked.years} years, {checked.achievements} achievements, no problems")


class _Words(Argument):
    """A positional list argument that takes every remaining word, as in `invoke verify A B C`.

    invoke fills a positional argument with one word. This one reads as "still missing"
    to the parser while it handles words, so each one is added, and as given once the
    command line ends (the parser asks again from ``complete_context``).
    """

    @property
    def value(self) -> list[str] | None:
        callers = [sys._getframe(depth).f_code.co_name for depth in range(1, 5)]
        if "complete_context" not in callers and {"missing_positional_args", "see_positional_arg"} & set(callers):
            return None
        return self._value

    @value.setter
    def value(self, word: str) -> None:
        self._value = [*self._value, word]
        self.raw_value = word


class _WordsTask(Task):
    """A task whose positional list argument takes every remaining word (see :class:`_Words`)."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        arguments = super().get_arguments(ignore_unknown_help)
        for argument in arguments:
            if argument.positional and argument.kind is list:
                argument.__class__ = _Words
        return arguments


@task(klass=_WordsTask, positional=["paths"], iterable=["paths"],
      help={"paths": "PDF files to check, as `invoke verify A.pdf B.pdf` (default: every PDF in dist/)."})
def verify(c: Context, paths: list[str] | None = None) -> None:
    """Check PDFs for PDF/UA-1 (and the PDF/A level they declare): tags, fonts, metadata, text size and place."""
    files = [Path(p) for p in paths] if paths else sorted(PROJECT.dist.glob("*.pdf"))
    if not files:
        raise Exit("no PDF files to verify; run `invoke build` first", code=1)
    checked = _run(mcsp_reports.verify_paths, files, PROJECT.fonts)
    print(f"{len(checked)} PDF files verified, no violations")


@task(help={"port": "Port on 127.0.0.1 to serve on (default: mcsp.port of invoke.yaml, else 8000; 0 picks a free one).",
            "stylesheet": STYLESHEET_HELP}, iterable=["stylesheet"])
def serve(c: Context, port: str | None = None, stylesheet: list[str] | None = None) -> None:
    """Preview every report on 127.0.0.1, re-rendered and reloaded as you edit."""
    if port is not None and not port.isdigit():
        raise Exit(f"--port: expected a port number; got {port!r}", code=1)
    settings = _settings(c, stylesheet, port=None if port is None else int(port))
    server = _run(mcsp_reports.PreviewServer, PROJECT, settings.port, report=lambda m: print(m, flush=True),
                  stylesheets=settings.stylesheets)
    server.start()
    server.run_until_interrupted(ready=lambda: print(f"previewing on {server.url} (Ctrl-C to stop)", flush=True))


@task(name="dist")
def dist(c: Context) -> None:
    """Bring dist/ up to date (with the settings of invoke.yaml), pack it into release/, and say what goes where."""
    settings = _settings(c)
    _run(mcsp_reports.build, PROJECT, stylesheets=settings.stylesheets, jobs=settings.jobs, report=_progress)
    path = _run(mcsp_reports.pack, PROJECT)
    print(mcsp_reports.release_guide(PROJECT, path))


@task(name="new-year", positional=["label"],
      help={"label": "The new reporting year, e.g. 2019-20; it must follow the latest year in reports/."})
def new_year(c: Context, label: str) -> None:
    """Start a new reporting year: write reports/LABEL.yaml from a template with placeholders to fill in."""
    path = _run(mcsp_reports.new_year, PROJECT, label)
    print(f"wrote {path.relative_to(ROOT)}: fill in its [[placeholders]], then run `invoke check`")


@task
def images(c: Context) -> None:
    """Picture the history's chart and index pages as PNG files in docs/images/ (builds the history first)."""
    settings = _settings(c)
    for path in _run(mcsp_reports.picture_history, PROJECT, ROOT / "docs" / "images",
                     settings.stylesheets, settings.jobs):
        print(path.relative_to(ROOT))


@task
def clean(c: Context) -> None:
    """Delete dist/, build/ and release/."""
    for folder in mcsp_reports.clean(PROJECT):
        print(f"removed {folder.relative_to(ROOT)}/")


@task
def schemas(c: Context) -> None:
    """Rewrite schemas/*.schema.json, which editors use to check reports/ as you type, from the loader's schema."""
    changed = _run(mcsp_reports.write_schemas, PROJECT)
    for path in changed:
        print(path.relative_to(ROOT))
    if not changed:
        print("schemas/ is up to date")


@task(help={"fix": "Let ruff fix what it safely can (import order, unused noqa, ...) before reporting."})
def lint(c: Context, fix: bool = False) -> None:
    """Check the code against the house rules: ruff (style and likely bugs), then mypy --strict on src/."""
    c.run(f"{sys.executable} -m ruff check{' --fix' if fix else ''} .", pty=False)
    c.run(f"{sys.executable} -m mypy", pty=False)


@task(help={
    "args": "Extra arguments for pytest, e.g. \"-k load -x\".",
    "quick": "Only the fast tests, on the small test project (no lint, no tests marked slow).",
})
def test(c: Context, args: str = "", quick: bool = False) -> None:
    """Run lint and types (invoke lint), then the test suite with pytest; --quick: only the fast tests."""
    if not quick:
        lint(c)
    marker = ' -m "not slow"' if quick else ""
    # One pytest-xdist worker per core, each taking over queued tests from the others when it
    # runs out (the tests' lengths vary from milliseconds to seconds); tests/conftest.py makes
    # the shared builds once for all of them. Each worker, and each of the some fifty Python
    # processes the tests start, would otherwise compile the package and rewrite the tests
    # again where PYTHONDONTWRITEBYTECODE is set: let them share the git-ignored __pycache__/.
    env = {"PYTHONDONTWRITEBYTECODE": ""}
    # The tests write over a gigabyte of throw-away projects and delete them as they pass:
    # on Linux's RAM disk, when it has room and no TMPDIR was chosen, the suite takes about
    # a fifteenth less time (less journalling and writing back for files nobody keeps).
    ram = Path("/dev/shm")
    if "TMPDIR" not in os.environ and ram.is_dir() and shutil.disk_usage(ram).free >= 2 * 1024**3:
        env["TMPDIR"] = str(ram)
    c.run(f"{sys.executable} -m pytest -n auto --dist worksteal{marker} {args}", pty=False, env=env)


@task
def golden(c: Context) -> None:
    """Rewrite tests/golden/, the test project's print HTML, after a deliberate template change."""
    c.run(f"{sys.executable} {ROOT / 'tests' / 'test_golden.py'}", pty=False)


@task(help={"only": "Run only the mutants whose name contains this text, e.g. verify."})
def mutate(c: Context, only: str = "") -> None:
    """Plant each named bug of scripts/mutate.py in a copy of the code and report which the tests catch."""
    c.run(f"{sys.executable} {ROOT / 'scripts' / 'mutate.py'}{f' --only {only!r}' if only else ''}", pty=False)


@task(help={"quick": "Fewer runs and a shorter long history, for a quick look (figures are noisier)."})
def bench(c: Context, quick: bool = False) -> None:
    """Benchmark the build against plain WeasyPrint and write docs/performance.md."""
    c.run(f"{sys.executable} {ROOT / 'benchmarks' / 'bench.py'}{' --quick' if quick else ''}", pty=False)


"""Running a build: validate, plan, render what is out of date, verify, then write ``dist/``.

A build goes in passes so that a problem anywhere stops it before ``dist/`` is touched:

1. load and validate all the content (:mod:`mcsp_reports.load`);
2. render the HTML of every planned document and keep it under ``build/print/``;
3. find the documents whose inputs changed since the last build (:mod:`mcsp_reports.cache`);
4. lay those out and write their PDFs in memory, in parallel, and verify each one
   (:mod:`mcsp_reports.pdf`, :mod:`mcsp_reports.verify`);
5. only then write each file atomically: a temporary file beside it, then ``os.replace``.

WeasyPrint is imported only when something must be rendered, so a build with nothing
to do stays well under a second.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .cache import Cache, Record, assets_digest, digest, document_key
from .design import checked_theme
from .errors import LinkError, VerificationError
from .files import write_atomic, write_if_changed
from .load import load_content
from .model import Content
from .plan import ARCHIVAL, SOURCE_MEDIA_TYPE, Document, PdfFile, plan
from .project import Project
from .render import PRINT_DIR, make_environment, print_html, publication_time


@dataclass(frozen=True)
class Built:
    """A PDF file of the plan, as it now stands in ``dist/``."""

    file: PdfFile
    path: Path
    pages: int
    size: int
    rebuilt: bool


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs to render one document (picklable)."""

    document: Document
    html: str
    base_url: str
    roots: tuple[Path, ...]
    files: tuple[Path, ...]
    sources: dict[str, bytes]
    source_date: datetime
    families: frozenset[str]


@dataclass(frozen=True)
class _Result:
    name: str
    pdfs: tuple[tuple[bytes, int], ...]
    seconds: float


def _render_job(job: _Job) -> _Result:
    """Lay out one document, write its editions and verify each; runs in a worker."""
    from .pdf import Attachment, Edition, ProjectFetcher, render_pdfs
    from .verify import MIN_LARGE_PRINT_SIZE, MIN_TEXT_SIZE, Expectation, verify_pdf

    start = time.perf_counter()
    editions = [
        Edition(f.variant, tuple(
            Attachment(name, job.sources[name], f"Source data: reports/{name}", job.source_date,
                       SOURCE_MEDIA_TYPE)
            for name in f.sources))
        for f in job.document.files
    ]
    fetcher = ProjectFetcher(job.roots, job.files)
    pdfs = render_pdfs(job.html, job.base_url, fetcher, job.document.name, editions)
    problems = []
    for file, pdf in zip(job.document.files, pdfs, strict=True):
        expect = Expectation(
            job.families, "3A" if file.variant == ARCHIVAL else None, file.sources,
            MIN_LARGE_PRINT_SIZE if file.edition == "large-print" else MIN_TEXT_SIZE, pdf.content_areas)
        problems += [f"{file.name}: {p}" for p in verify_pdf(pdf.data, expect)]
    if problems:
        raise VerificationError("\n".join(problems))
    return _Result(job.document.name, tuple((p.data, p.pages) for p in pdfs), time.perf_counter() - start)


def _render_all(jobs: Sequence[_Job], workers: int, report: Callable[[str], None]) -> dict[str, _Result]:
    """Render every job, longest first, on up to ``workers`` processes."""
    ordered = sorted(jobs, key=lambda j: len(j.html) * len(j.document.stylesheets), reverse=True)
    results: dict[str, _Result] = {}

    def done(result: _Result) -> None:
        results[result.name] = result
        pages, size = result.pdfs[0][1], sum(len(data) for data, _ in result.pdfs)
        report(f"rendered {result.name}: {pages} pages, {size / 1024:.1f} KiB in {result.seconds:.2f} s")

    if workers <= 1 or len(ordered) <= 1:
        for job in ordered:
            report(f"rendering {job.document.name}")
            done(_render_job(job))
        return results

    # Import the engine once, before the workers fork, so none of them pays for it; and
    # freeze what exists now so the collector does not rescan it in every worker.
    import weasyprint  # noqa: F401

    gc.collect()
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(ordered)), mp_context=context) as pool:
            futures = []
            for job in ordered:
                report(f"rendering {job.document.name}")
                futures.append(pool.submit(_render_job, job))
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    if future.exception() is not None:
                        for other in pending:
                            other.cancel()
                        raise future.exception()  # type: ignore[misc]
                    done(future.result())
    finally:
        gc.unfreeze()
    return results


def build(
    project: Project,
    years: Sequence[str] | None = None,
    history: bool = True,
    stylesheets: Sequence[str | Path] = (),
    jobs: int | None = None,
    force: bool = False,
    report: Callable[[str], None] = lambda message: None,
) -> list[Built]:
    """Bring ``dist/`` up to date with the content; return every planned PDF and whether it was rebuilt.

    ``years=None`` means every year; ``history`` adds the history; ``stylesheets`` are
    extra project stylesheets; ``jobs`` is the number of worker processes (default: one
    per core); ``force`` rebuilds even what is up to date; ``report`` receives a line
    as each document is rendered. A full build (every year and the history) also
    publishes the HTML edition and ``index.html``. A :class:`UserError` (bad content, a
    bad option, a render or verification problem) leaves ``dist/`` exactly as it was.
    """
    content = load_content(project.reports)
    links = [project.stylesheet(s) for s in stylesheets]
    the_plan = plan(content, years, history, links)
    theme = checked_theme(project.root, (d.stylesheets for d in the_plan.documents), links)

    env = make_environment(project.templates, project.build / "templates", theme)
    html = {d.name: print_html(env, content, d) for d in the_plan.documents}
    sources = {name: (project.reports / name).read_bytes()
               for name in sorted({n for f in the_plan.files for n in f.sources})}
    assets = assets_digest(project.styles)
    cache = Cache(project.build / "cache.json")
    keys = {d.name: document_key(d, html[d.name], project.root, sources, assets) for d in the_plan.documents}
    stale = [
        d for d in the_plan.documents
        if force or any(cache.fresh(f.name, keys[d.name], project.dist) is None for f in d.files)
    ]

    print_dir = project.root / PRINT_DIR
    for document in the_plan.documents:
        write_if_changed(print_dir / document.html_name, html[document.name].encode())
        if document not in stale:
            report(f"up to date {document.name}")

    if stale:
        from .verify import shipped_families

        job_template: dict[str, Any] = dict(
            base_url=print_dir.resolve().as_uri() + "/",
            roots=(project.styles,),
            files=tuple(project.root / link for link in links),
            sources=sources,
            source_date=publication_time(content.partnership.edition),
            families=shipped_families(project.fonts),
        )
        rendered = _render_all(
            [_Job(d, html[d.name], **job_template) for d in stale], jobs or os.cpu_count() or 1, report)
        for document in stale:
            for file, (data, pages) in zip(document.files, rendered[document.name].pdfs, strict=True):
                write_atomic(project.dist / file.name, data)
                cache.records[file.name] = Record(keys[document.name], digest(data), pages, len(data))
        cache.save(write_atomic)

    rebuilt = {d.name for d in stale}
    if the_plan.complete:
        from .site import publish

        publish(content, env, the_plan, cache.records, project.styles, project.dist,
                {f.name for d in stale for f in d.files},
                lambda name, data: write_if_changed(project.dist / name, data))

    return [
        Built(f, project.dist / f.name, cache.records[f.name].pages, cache.records[f.name].size, d.name in rebuilt)
        for d in the_plan.documents for f in d.files
    ]


def check(project: Project, stylesheets: Sequence[str | Path] = ()) -> Content:
    """Validate the content, then every link and asset reference of every page it makes.

    Renders the HTML (which is quick, with the build's template cache) but no PDF, and
    writes nothing else; raises :class:`UserError` listing every problem.
    ``stylesheets`` are the extra stylesheets, as for :func:`build`.
    """
    from .links import check_documents
    from .site import published_names, screen_page

    content = load_content(project.reports)
    links = [project.stylesheet(s) for s in stylesheets]
    the_plan = plan(content, stylesheets=links)
    theme = checked_theme(project.root, (d.stylesheets for d in the_plan.documents), links)
    env = make_environment(project.templates, project.build / "templates", theme)
    documents = {}
    problems = []
    for report in the_plan.reports:
        # A report's documents print the same HTML but for their stylesheets, so the first
        # is checked whole and of the others only the stylesheets they add.
        first, *siblings = report
        documents[f"{PRINT_DIR}/{first.html_name}"] = (print_html(env, content, first), PurePosixPath(PRINT_DIR))
        problems += [
            f"{PRINT_DIR}/{sibling.html_name}: stylesheet {sheet} does not exist"
            for sibling in siblings for sheet in sibling.stylesheets
            if sheet not in first.stylesheets and not (project.root / sheet).is_file()
        ]
        downloads = [(f.name, f.label) for d in report for f in d.files]
        page = screen_page(env, content, first, downloads)
        documents[f"dist/{first.name}.html"] = (page, PurePosixPath("dist"))
    published = [f"dist/{name}" for name in published_names(the_plan, project.styles)]
    problems = check_documents(documents, published, project.root) + problems
    if problems:
        raise LinkError("\n".join(problems))
    return content


#: The history's chapters pictured in docs/images/ and shown in the README.
PICTURED = ("Themes across the years", "Index of themes", "Index of organisations")


def picture_history(project: Project, out: Path, stylesheets: Sequence[str | Path] = (),
                    jobs: int | None = None) -> list[Path]:
    """Bring the history up to date (with these extra stylesheets) and picture its chart and index pages in ``out``."""
    from .pictures import chapter_images

    built = build(project, years=(), history=True, stylesheets=stylesheets, jobs=jobs)
    history = next(b.path for b in built if b.file.edition == "standard")
    return chapter_images(history, PICTURED, out)


def clean(project: Project) -> list[Path]:
    """Remove the build's outputs (``dist/``, ``build/`` and ``release/``); return what was removed."""
    removed = []
    for folder in (project.dist, project.build, project.release):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def summarise(built: Sequence[Built], root: Path) -> str:
    """One line per PDF: its path, pages, size and whether this build rendered it."""
    width = max((len(str(b.path.relative_to(root))) for b in built), default=0)
    return "\n".join(
        f"{b.path.relative_to(root)!s:<{width}}  {b.pages:>3} pages  {b.size / 1024:>7.1f} KiB  "
        f"{'rebuilt' if b.rebuilt else 'up to date'}"
        for b in built
    )

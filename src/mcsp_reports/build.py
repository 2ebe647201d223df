"""Running a build: validate, plan, render what is out of date, verify, then publish ``dist/``.

A build goes in passes so that a problem anywhere stops it before ``dist/`` is touched:

1. take the project's build lock and clear what an interrupted build left
   (:mod:`mcsp_reports.release`);
2. read every source once, through the file gate, into memory: the YAML (validated by
   :mod:`mcsp_reports.load`), the stylesheets, fonts and images; rendering, attachments
   and cache keys all use those bytes. When the last finished build had the very same
   inputs and every file it wrote is intact (its :class:`~mcsp_reports.cache.Stamp`),
   there is nothing to do, and the build ends here;
3. render the HTML of every planned document and keep it under ``build/print/``;
4. find the documents whose inputs changed since the last build (:mod:`mcsp_reports.cache`);
5. lay those out in worker processes, each bounded in time and memory, and verify each
   PDF (:mod:`mcsp_reports.pdf`, :mod:`mcsp_reports.verify`);
6. a full build assembles the whole release (PDFs, web pages, thumbnails, assets,
   manifest, checksums) in a staging folder, verifies it there and swaps it in as
   ``dist/`` in one atomic step (:mod:`mcsp_reports.release`); a build of some years or
   of the history alone writes its PDFs to ``build/drafts/`` and leaves ``dist/`` alone.

WeasyPrint, Jinja and the design check are imported only when something must be
rendered, so a build with nothing to do takes about a fifth of a second.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from . import release
from .cache import (
    BUILT_STAMP,
    CHECKED_STAMP,
    VERIFIED,
    Cache,
    Record,
    Stamp,
    Verified,
    assets_digest,
    checks_digest,
    digest,
    document_key,
    inputs_digest,
    verdict_key,
)
from .errors import FileSystemError, LinkError, RenderError, UserError, VerificationError
from .files import MAX_ASSET_BYTES, read_regular_file, read_tree, write_atomic, write_if_changed
from .load import load_content
from .model import Content
from .plan import ARCHIVAL, SOURCE_MEDIA_TYPE, Document, PdfFile, Plan, plan
from .project import Project

# A build with nothing to do reads and validates the content, and finds its stamp: it
# needs none of the engine, verify (pikepdf), the design check (tinycss2, fontTools),
# rendering (Jinja) or the process pool. Those are imported by the functions that use them.
if TYPE_CHECKING:
    import jinja2

    from .glyphs import Box
    from .verify import Expectation

#: Where a build of some years (or of the history alone) writes its PDFs: not the release.
DRAFTS = "drafts"
#: Pictures of first pages, by the digest of the PDF they show, so none outlives its PDF.
THUMBNAILS = "thumbnails"


@dataclass(frozen=True)
class Limits:
    """What one document may cost a worker: wall-clock seconds and bytes of address space."""

    seconds: float = 300.0
    memory: int = 4 * 1024**3


@dataclass(frozen=True)
class Built:
    """A PDF file of the plan, as it now stands in ``dist/`` (or ``build/drafts/``)."""

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
    source_date: datetime


@dataclass(frozen=True)
class _Shared:
    """What every job of a build shares; given to each worker once, when it starts."""

    roots: tuple[Path, ...]
    files: tuple[Path, ...]
    snapshot: dict[Path, bytes]
    sources: dict[str, bytes]
    families: frozenset[str]
    temp: Path
    limits: Limits


@dataclass(frozen=True)
class _Result:
    name: str
    pdfs: tuple[tuple[bytes, int], ...]
    seconds: float


_shared: _Shared | None = None


class _OutOfTime(Exception):
    pass


def _start_worker(shared: _Shared) -> None:
    """Set a worker up: the build's files, the engine's private temp folder, the memory bound."""
    global _shared
    _shared = shared
    release.leave_lock_to_parent()
    from . import engine

    engine.use_temp_folder(shared.temp / str(os.getpid()))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = shared.limits.memory if hard == resource.RLIM_INFINITY else min(shared.limits.memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _out_of_time(signum: int, frame: object) -> None:
    raise _OutOfTime


def _near_memory_limit(limit: int) -> bool:
    """Whether this process's address space has come within a tenth of ``limit`` (Linux)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024 > limit * 0.9
    return False


def expectation(
    file: PdfFile, families: frozenset[str], content_areas: tuple[Box, ...] | None = None
) -> Expectation:
    """What a planned PDF file must meet: its declarations, attachments and smallest text size.

    ``content_areas`` (from the layout) hold its text inside the margins; without them
    only the page itself bounds the text.
    """
    from .verify import MIN_LARGE_PRINT_SIZE, MIN_TEXT_SIZE, Expectation

    return Expectation(families, "3A" if file.variant == ARCHIVAL else None, file.sources,
                       MIN_LARGE_PRINT_SIZE if file.edition == "large-print" else MIN_TEXT_SIZE, content_areas)


def _render_job(job: _Job) -> _Result:
    """Lay out one document, write its editions and verify each; runs in a worker."""
    from .pdf import Attachment, Edition, ProjectFetcher, render_pdfs
    from .render import PRINT_DIR
    from .verify import verify_pdf

    assert _shared is not None, "workers are started with _start_worker"
    shared, name = _shared, job.document.name
    start = time.perf_counter()
    editions = [
        Edition(f.variant, tuple(
            Attachment(source, shared.sources[source], f"Source data: reports/{source}", job.source_date,
                       SOURCE_MEDIA_TYPE)
            for source in f.sources))
        for f in job.document.files
    ]
    fetcher = ProjectFetcher(shared.roots, shared.files, shared.snapshot)
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, shared.limits.seconds)
    try:
        pdfs = render_pdfs(job.html, job.base_url, fetcher, name, editions)
    except _OutOfTime:
        raise RenderError(
            f"{PRINT_DIR}/{job.document.html_name}: laying out {name} took more than "
            f"{shared.limits.seconds:g} s; look for a tiny @page size or margin in its stylesheets") from None
    except Exception as error:
        # Out of memory shows as MemoryError in Python code, but as odd errors when C code
        # of the engine is refused memory: the process's peak tells which it was.
        if not isinstance(error, MemoryError) and not _near_memory_limit(shared.limits.memory):
            raise
        raise RenderError(
            f"{PRINT_DIR}/{job.document.html_name}: laying out {name} needed more than "
            f"{shared.limits.memory // 1024**2} MiB; look for a tiny @page size or margin in its stylesheets") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    problems = []
    for file, pdf in zip(job.document.files, pdfs, strict=True):
        expect = expectation(file, shared.families, pdf.content_areas)
        problems += [f"{file.name}: {p}" for p in verify_pdf(pdf.data, expect)]
    if problems:
        raise VerificationError("\n".join(problems))
    return _Result(name, tuple((p.data, p.pages) for p in pdfs), time.perf_counter() - start)


def _render_all(jobs: Sequence[_Job], shared: _Shared, workers: int,
                report: Callable[[str], None]) -> dict[str, _Result]:
    """Render every job, longest first, on up to ``workers`` processes.

    Even one job goes to a worker process: its memory bound and the engine's temporary
    folder must not touch the process that runs the build.
    """
    ordered = sorted(jobs, key=lambda j: len(j.html) * len(j.document.stylesheets), reverse=True)
    results: dict[str, _Result] = {}

    def done(result: _Result) -> None:
        results[result.name] = result
        pages, size = result.pdfs[0][1], sum(len(data) for data, _ in result.pdfs)
        report(f"rendered {result.name}: {pages} pages, {size / 1024:.1f} KiB in {result.seconds:.2f} s")

    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # Before the workers fork, load what none of them should load again, nor under its
    # memory bound: the engine with its corrections (compiling the corrected code can fail
    # there) and Fontconfig's caches (see pdf.hold_font_caches). Then freeze what exists,
    # so the collector does not rescan it in every worker; without collecting first, as
    # Python's documentation of gc.freeze advises: that would cost this process 50 ms
    # (more in a long-lived one) and free nothing the workers would not start with.
    from . import pdf

    pdf.hold_font_caches()
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(ordered))), mp_context=context,
                                 initializer=_start_worker, initargs=(shared,)) as pool:
            futures = {}
            for job in ordered:
                report(f"rendering {job.document.name}")
                futures[pool.submit(_render_job, job)] = job.document.name
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        if isinstance(error, MemoryError):  # before the layout began
                            raise RenderError(f"{futures[future]}: needed more than "
                                              f"{shared.limits.memory // 1024**2} MiB of memory") from None
                        if isinstance(error, BrokenProcessPool):
                            raise RenderError(
                                f"{futures[future]}: a rendering process was killed (out of memory, or "
                                f"a file size limit?); see the system log, then build again") from None
                        raise error
                    done(future.result())
    finally:
        gc.unfreeze()
        shutil.rmtree(shared.temp, ignore_errors=True)
    return results


def _read_files(project: Project, links: Sequence[str], kept: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every file a build uses, by project-relative path, read once through the file gate."""
    files = {f"reports/{name}": data for name, data in kept.items()}
    files.update(read_tree(project.styles, project.root, MAX_ASSET_BYTES))
    for link in links:  # under styles/, so already read; kept for any other rule later
        if link not in files:
            files[link] = read_regular_file(project.root / link, project.root, MAX_ASSET_BYTES, link)
    return files


def _thumbnail(store: Path, data: bytes) -> bytes:
    """The picture of the cover of the PDF ``data``, drawn once per distinct PDF (and size)."""
    from .site import THUMBNAIL_WIDTH

    path = store / f"{digest(data)}-{THUMBNAIL_WIDTH}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    from .pictures import cover_thumbnail  # PDFium is loaded only when a picture is due

    picture = cover_thumbnail(data, THUMBNAIL_WIDTH)
    write_atomic(path, picture)
    return picture


def _release_verifier(plan_: Plan, fonts: list[Path], verified: Verified) -> release.Verifier:
    """The checks a staged release must pass before it becomes ``dist/``.

    Every PDF is read back from the staged folder; one whose exact bytes already passed
    every check (in a worker of this build, or in an earlier build with the same checks)
    is not checked again, but its page count must still agree with the manifest.
    """

    def verify(folder: Path, files: Mapping[str, bytes]) -> list[str]:
        from .links import check_document

        problems = release.check_release(folder, release.MANIFEST, release.CHECKSUMS)
        if problems:
            return problems
        pages = {e["name"]: e["pages"] for e in json.loads((folder / release.MANIFEST).read_bytes())["files"]}
        unverified = []
        for file in plan_.files:
            data = (folder / file.name).read_bytes()
            known = verified.passed.get(verdict_key(data, file))
            if known is None:
                unverified.append((file, data))
            elif known != pages.get(file.name):
                problems.append(f"{file.name}: has {known} pages; {release.MANIFEST} says {pages.get(file.name)}")
        if unverified:
            import io

            import pikepdf  # only now: a release of verified PDFs never loads it

            from .verify import shipped_families, verify_pdf

            families = shipped_families(fonts)
            for file, data in unverified:
                expect = expectation(file, families)
                found = [f"{file.name}: {p}" for p in verify_pdf(data, expect)]
                problems += found
                try:
                    with pikepdf.open(io.BytesIO(data)) as pdf:
                        count = len(pdf.pages)
                except pikepdf.PdfError:
                    continue  # verify_pdf has said so
                if count != pages.get(file.name):
                    problems.append(f"{file.name}: has {count} pages; {release.MANIFEST} says {pages.get(file.name)}")
                elif not found:
                    verified.passed[verdict_key(data, file)] = count
        names = list(files)
        for name in names:
            if name.endswith(".html"):
                html = (folder / name).read_text(encoding="utf-8")
                problems += check_document(name, html, PurePosixPath(name).parent, names, folder)
        return problems

    return verify


def build(
    project: Project,
    years: Sequence[str] | None = None,
    history: bool = True,
    stylesheets: Sequence[str | Path] = (),
    jobs: int | None = None,
    force: bool = False,
    report: Callable[[str], None] = lambda message: None,
    limits: Limits = Limits(),
) -> list[Built]:
    """Bring ``dist/`` up to date with the content; return every planned PDF and whether it was rebuilt.

    ``years=None`` means every year; ``history`` adds the history; ``stylesheets`` are
    extra project stylesheets; ``jobs`` is the number of worker processes (default: one
    per core); ``force`` rebuilds even what is up to date; ``report`` receives a line
    as each document is rendered; ``limits`` bound each document's rendering.

    Only a full build (every year and the history) publishes: it replaces ``dist/`` with
    a complete, verified release in one atomic step. A build of some years or of the
    history alone writes its PDFs to ``build/drafts/`` and leaves ``dist/`` alone. A
    :class:`UserError` (bad content, a bad option, a render or verification problem, an
    operating-system error such as a full disk) leaves ``dist/`` exactly as it was.
    """
    try:
        with release.locked(project.build, report):
            release.clean_debris(project.dist, project.build)
            return _build(project, years, history, stylesheets, jobs, force, report, limits)
    except OSError as error:
        problem = FileSystemError.from_os(error, root=project.root)
        raise FileSystemError(problem.path, f"{problem.reason} (dist/ is unchanged)") from None


@dataclass(frozen=True)
class Stale:
    """A document that a build would lay out again, and why (e.g. "what it is made from changed")."""

    document: Document
    reason: str


@dataclass(frozen=True)
class _Sources:
    """What a build reads, once, before it renders anything."""

    content: Content
    kept: dict[str, bytes]
    files: dict[str, bytes]
    links: list[str]
    plan: Plan
    digest: str | None  # the inputs_digest of all of it; None if templates/ cannot be read


@dataclass(frozen=True)
class _Inputs:
    """What a build reads and renders before it decides what is stale."""

    sources: _Sources
    env: jinja2.Environment
    html: dict[str, str]
    keys: dict[str, str]


def _digest(project: Project, purpose: str, files: Mapping[str, bytes]) -> str | None:
    """:func:`inputs_digest` of ``files`` and the templates, or ``None`` if ``templates/``
    holds a file the gate refuses: then no stamp is believed or left, and the long way
    reports whatever it finds."""
    try:
        templates = read_tree(project.templates, project.root, MAX_ASSET_BYTES)
    except (UserError, OSError):
        return None
    return inputs_digest(purpose, {**files, **templates})


def _read_sources(project: Project, years: Sequence[str] | None, history: bool,
                  stylesheets: Sequence[str | Path]) -> _Sources:
    """Read and validate every source once, and plan."""
    kept: dict[str, bytes] = {}
    content = load_content(project.reports, kept)
    links = [project.stylesheet(s) for s in stylesheets]
    files = _read_files(project, links, kept)
    the_plan = plan(content, years, history, links)
    return _Sources(content, kept, files, links, the_plan, _digest(project, f"build {the_plan!r}", files))


def _read_inputs(project: Project, sources: _Sources) -> _Inputs:
    """Check the design, then render each planned document's print HTML and key."""
    from .design import FONT_FACTS, checked_theme
    from .render import make_environment, print_html

    the_plan, files = sources.plan, sources.files
    theme = checked_theme(project.root, (d.stylesheets for d in the_plan.documents), sources.links,
                          project.build / FONT_FACTS)
    env = make_environment(project.templates, project.build / "templates", theme)
    html = {d.name: print_html(env, sources.content, d) for d in the_plan.documents}
    assets = assets_digest(files)
    keys = {d.name: document_key(d, html[d.name], files, assets) for d in the_plan.documents}
    return _Inputs(sources, env, html, keys)


def _unchanged(project: Project, sources: _Sources) -> list[Built] | None:
    """What the last build made, if it was given exactly these inputs and every file it
    wrote (the release, or the drafts, and the print HTML) is still intact; else ``None``.

    Then there is nothing to do: the same code on the same bytes would render, decide and
    check exactly as that build did. The content has been validated all the same.
    """
    stamp = Stamp.read(project.build / BUILT_STAMP)
    if stamp is None or sources.digest is None or stamp.inputs != sources.digest:
        return None
    if sources.plan.complete:
        where = project.dist
        released = {name.removeprefix("dist/"): value for name, value in stamp.outputs.items()
                    if name.startswith("dist/")}
        if not release.holds(where, released):
            return None
    else:
        where = project.build / DRAFTS
    for name, value in stamp.outputs.items():
        if not name.startswith("dist/") and not _intact(project.root / name, value):
            return None
    built = []
    for file in sources.plan.files:
        path = where / file.name
        pages = stamp.counts.get(file.name)
        if pages is None or path.relative_to(project.root).as_posix() not in stamp.outputs:
            return None
        built.append(Built(file, path, pages, path.stat().st_size, False))
    return built


def _intact(path: Path, value: str) -> bool:
    """Whether ``path`` is a regular file whose bytes have the digest ``value``."""
    try:
        return path.is_file() and not path.is_symlink() and digest(path.read_bytes()) == value
    except OSError:
        return False


def _decide(project: Project, inputs: _Inputs, cache: Cache,
            force: bool) -> tuple[dict[str, str], dict[str, tuple[bytes, Path]]]:
    """Why each stale document is stale, by name; and the bytes and place of every PDF of the others.

    A document is up to date only when every one of its files was built from its key and is
    still intact in ``dist/`` or ``build/drafts/``; this decision is taken before anything is laid out.
    """
    reasons: dict[str, str] = {}
    found: dict[str, tuple[bytes, Path]] = {}
    for document in inputs.sources.plan.documents:
        if force:
            reasons[document.name] = "forced"
            continue
        hits = [cache.find(f.name, inputs.keys[document.name], (project.dist, project.build / DRAFTS))
                for f in document.files]
        why = next((hit for hit in hits if isinstance(hit, str)), None)
        if why is not None:
            reasons[document.name] = why
            continue
        for file, hit in zip(document.files, hits, strict=True):
            assert not isinstance(hit, str)
            found[file.name] = hit[1], hit[2]
    return reasons, found


def outdated(project: Project, years: Sequence[str] | None = None, history: bool = True,
             stylesheets: Sequence[str | Path] = (), force: bool = False) -> list[Stale]:
    """The documents that :func:`build` with these options would lay out again, and why, in plan order.

    It reads and validates what a build reads, but lays nothing out and writes nothing
    except the template cache (as :func:`check`). It takes no lock: while a build runs, or
    after one was interrupted, the answer may name documents that the next build finds done.
    """
    sources = _read_sources(project, years, history, stylesheets)
    if not force and _unchanged(project, sources) is not None:
        return []
    inputs = _read_inputs(project, sources)
    reasons, _ = _decide(project, inputs, Cache(project.build / "cache.json", project.root), force)
    return [Stale(d, reasons[d.name]) for d in sources.plan.documents if d.name in reasons]


def _build(
    project: Project, years: Sequence[str] | None, history: bool, stylesheets: Sequence[str | Path],
    jobs: int | None, force: bool, report: Callable[[str], None], limits: Limits,
) -> list[Built]:
    sources = _read_sources(project, years, history, stylesheets)
    unchanged = None if force else _unchanged(project, sources)
    if unchanged is not None:
        for document in sources.plan.documents:
            report(f"up to date {document.name}")
        return unchanged
    from .render import PRINT_DIR, publication_time

    inputs = _read_inputs(project, sources)
    content, kept, files, links = sources.content, sources.kept, sources.files, sources.links
    the_plan, env, html, keys = sources.plan, inputs.env, inputs.html, inputs.keys
    cache = Cache(project.build / "cache.json", project.root)
    drafts = project.build / DRAFTS
    verified = Verified(project.build / VERIFIED, checks_digest())
    reasons, hits = _decide(project, inputs, cache, force)
    stale = [d for d in the_plan.documents if d.name in reasons]
    pdfs = {name: data for name, (data, _) in hits.items()}
    found = {name: path for name, (_, path) in hits.items()}

    print_dir = project.root / PRINT_DIR
    for document in the_plan.documents:
        write_if_changed(print_dir / document.html_name, html[document.name].encode())
        if document not in stale:
            report(f"up to date {document.name}")

    if stale:
        from .verify import shipped_families

        shared = _Shared(
            roots=(project.styles,),
            files=tuple(project.root / link for link in links),
            snapshot={(project.root / name).resolve(): data for name, data in files.items()
                      if not name.startswith("reports/")},
            sources=kept,
            families=shipped_families(project.fonts),
            temp=project.build / release.ENGINE_TEMP,
            limits=limits,
        )
        source_date = publication_time(content.partnership.edition)
        base_url = print_dir.resolve().as_uri() + "/"
        rendered = _render_all([_Job(d, html[d.name], base_url, source_date) for d in stale],
                               shared, jobs or os.cpu_count() or 1, report)
        for document in stale:
            for file, (data, pages) in zip(document.files, rendered[document.name].pdfs, strict=True):
                pdfs[file.name] = data
                cache.records[file.name] = Record(keys[document.name], digest(data), pages, len(data))
                verified.passed[verdict_key(data, file)] = pages  # the worker checked these bytes

    rebuilt = {d.name for d in stale}
    if the_plan.complete:
        from .site import THUMBNAIL_WIDTH, asset_files, extra_stylesheets, publish

        store = project.build / THUMBNAILS
        # A document's editions are one layout written twice, so their covers are one
        # picture, drawn from the first edition's PDF (the standard and archival PDFs share one).
        first = {f.name: d.files[0].name for d in the_plan.documents for f in d.files}
        site = publish(content, env, the_plan, cache.records, asset_files(files, extra_stylesheets(the_plan)),
                       lambda name: _thumbnail(store, pdfs[first[name]]))
        # The cache is saved first, so a failure to save it leaves dist/ as it was; if
        # the release then fails, the next build finds no file matching the new records
        # and renders those documents again, which costs time but never correctness.
        cache.save(write_atomic)
        staged = release.publish(project.dist, project.build, {**pdfs, **site}, found,
                                 _release_verifier(the_plan, project.fonts, verified))
        if staged is not None:
            report(f"published dist/: {staged['written']} files written, {staged['linked']} unchanged")
            _prune(store, {f"{digest(data)}-{THUMBNAIL_WIDTH}.png" for data in pdfs.values()})
        where = project.dist
        written = {f"dist/{name}": data for name, data in {**pdfs, **site}.items()}
    else:
        for document in the_plan.documents:
            for file in document.files:  # what was rendered replaces its draft; the rest stays if equal
                write = write_atomic if document in stale else write_if_changed
                write(drafts / file.name, pdfs[file.name])
        cache.save(write_atomic)
        where = drafts
        written = {f"build/{DRAFTS}/{name}": data for name, data in pdfs.items()}
    # Verdicts are kept for the PDFs this build knows of, in dist/ or in drafts.
    verified.save({verdict_key(pdfs[f.name], f) for f in the_plan.files} | {
        key for key in verified.passed if key.split(" ", 1)[0] in {r.sha256 for r in cache.records.values()}})
    written.update((f"{PRINT_DIR}/{d.html_name}", html[d.name].encode()) for d in the_plan.documents)
    if sources.digest is not None:
        Stamp(sources.digest, {name: digest(data) for name, data in written.items()},
              {f.name: cache.records[f.name].pages for f in the_plan.files}).leave(project.build / BUILT_STAMP)

    return [
        Built(f, where / f.name, cache.records[f.name].pages, cache.records[f.name].size, d.name in rebuilt)
        for d in the_plan.documents for f in d.files
    ]


def _prune(folder: Path, keep: set[str]) -> None:
    """Remove the files of ``folder`` not in ``keep``."""
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.name not in keep:
            path.unlink()


@dataclass(frozen=True)
class Checked:
    """What a check that found no problem counted in the content."""

    years: int
    achievements: int


def _check_inputs(project: Project, links: Sequence[str]) -> tuple[str, dict[str, bytes]] | None:
    """The :func:`inputs_digest` of everything a check reads (all of ``reports/``, not only
    the files it loads), with the bytes read of ``reports/``; ``None`` if the file gate
    refuses a file: the long way then reports it."""
    try:
        reports = read_tree(project.reports, project.root, MAX_ASSET_BYTES)
        files = _read_files(project, links, {})
    except (UserError, OSError):
        return None
    inputs = _digest(project, f"check {links!r}", {**reports, **files})
    return None if inputs is None else (inputs, reports)


def check(project: Project, stylesheets: Sequence[str | Path] = ()) -> Checked:
    """Validate the content, then every link and asset reference of every page it makes.

    Renders the HTML (which is quick, with the build's template cache) but no PDF, and
    writes nothing but that cache, the font facts and its stamp (under ``build/``); raises
    :class:`UserError` listing every problem.
    ``stylesheets`` are the extra stylesheets, as for :func:`build`.

    A check that found no problem leaves a :class:`Stamp` of exactly what it read (every
    file of ``reports/``, ``styles/`` and ``templates/``), its stylesheets and the code.
    A check that finds the same ends there, without reading the YAML again: the same code
    on the same bytes would find what that check found, which was nothing.
    """
    links = [project.stylesheet(s) for s in stylesheets]
    before = _check_inputs(project, links)
    stamp = Stamp.read(project.build / CHECKED_STAMP)
    if (before is not None and stamp is not None and stamp.inputs == before[0]
            and set(stamp.counts) == {f.name for f in fields(Checked)}):
        return Checked(**stamp.counts)
    from .design import FONT_FACTS, checked_theme
    from .links import check_documents
    from .render import PRINT_DIR, make_environment, print_html
    from .site import published_names, screen_page

    kept: dict[str, bytes] = {}
    content = load_content(project.reports, kept)
    files = _read_files(project, links, kept)
    the_plan = plan(content, stylesheets=links)
    theme = checked_theme(project.root, (d.stylesheets for d in the_plan.documents), links,
                          project.build / FONT_FACTS)
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
    published = [f"dist/{name}" for name in published_names(the_plan, files)]
    problems = check_documents(documents, published, project.root) + problems
    if problems:
        raise LinkError("\n".join(problems))
    checked = Checked(len(content.years), sum(len(y.achievements) for y in content.years))
    # Stamped only if what was checked is what was digested: the same files of reports/
    # before and after, holding the bytes that were validated (none saved meanwhile).
    after = _check_inputs(project, links)
    if (before is not None and after == before
            and all(before[1].get(f"reports/{name}") == data for name, data in kept.items())):
        Stamp(before[0], {}, asdict(checked)).leave(project.build / CHECKED_STAMP)
    return checked


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


def summarise_outdated(stale: Sequence[Stale]) -> str:
    """One line per document a build would lay out again, with its reason, then how many."""
    lines = [f"{s.document.name}: {s.reason}" for s in stale]
    count = len(stale)
    return "\n".join([*lines, f"{count or 'no'} document{'s' * (count != 1)} to lay out again; nothing was built"])


def summarise(built: Sequence[Built], root: Path) -> str:
    """One line per PDF: its path, pages, size and whether this build rendered it."""
    width = max((len(str(b.path.relative_to(root))) for b in built), default=0)
    return "\n".join(
        f"{b.path.relative_to(root)!s:<{width}}  {b.pages:>3} pages  {b.size / 1024:>7.1f} KiB  "
        f"{'rebuilt' if b.rebuilt else 'up to date'}"
        for b in built
    )

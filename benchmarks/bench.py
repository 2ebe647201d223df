"""Benchmark the build against plain WeasyPrint, side by side in one run; `invoke bench` runs it.

Every figure is measured on this machine in this run, in fresh processes (start-up and
imports count, as they do at a terminal). The real content's contenders are run in turn,
A B A B ..., so that a change in the machine's load falls on both; the synthetic
histories run beside them, four processes at a time, longest first. Each cell gives the
median and the range (min–max) of wall-clock time and of CPU time (user + system of the
process and everything it waited for, from its own accounting), and each row the
machine's one-minute load average when its runs started. It works on a throw-away copy
of the project, keeps the figures in build/bench.json as each run ends, and writes
docs/performance.md from them.

    python benchmarks/bench.py [--quick] [--output FILE] [--raw FILE] [--report-only] [--idle FILE]
    python benchmarks/bench.py --content-only --raw FILE

``--content-only`` measures the real content's rows alone, for a run on an idle machine
(the wall-clock targets are set for one); ``--idle FILE`` reports such a run beside the
main one.

``--quick`` runs everything once and the scaling curve only to 200 pages: a smoke test
of the benchmark, not figures to quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Python caches each module's bytecode as an installed project does, even where the shell
# says not to (PYTHONDONTWRITEBYTECODE): recompiling the package's source at every start
# would add some 40 ms to each short command, which no user's machine pays.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT / "src")}
sys.path.insert(0, str(ROOT / "src"))

# Plain WeasyPrint in one fresh process, serially, making exactly the PDF files the build
# makes from exactly the HTML it prints them from (build/print/), with the same variants
# and attachments and no verification: `HTML(...).write_pdf()` once per file, as
# WeasyPrint's API and command line do.
BASELINE = r"""
import json, sys, datetime
import weasyprint
date = datetime.datetime(2019, 6, 1, tzinfo=datetime.timezone.utc)
for job in json.loads(sys.argv[1]):
    for out, variant, sources in job["files"]:
        attachments = [weasyprint.Attachment(filename=s, relationship="Source", created=date, modified=date)
                       for s in sources]
        weasyprint.HTML(filename=job["html"]).write_pdf(out, pdf_variant=variant, attachments=attachments)
"""

# The `weasyprint` command, once per PDF file.
COMMAND = r"""
import json, subprocess, sys
for job in json.loads(sys.argv[2]):
    for out, variant, sources in job["files"]:
        attach = [a for s in sources for a in ("--attachment", s)]
        subprocess.run([sys.argv[1], "--pdf-variant", variant, *attach, job["html"], out], check=True)
"""

# A full build, serial, with WeasyPrint's own layout functions instead of the layout
# corrections: its PDFs must be the same bytes.
UPSTREAM_BUILD = r"""
import sys
from pathlib import Path
import mcsp_reports.pdf
from mcsp_reports import Project, build, engine
with engine.upstream_layout():
    build(Project(Path(sys.argv[1])), force=True, jobs=1)
"""

# Synthetic histories (benchmarks/synthetic.py): years × achievements a year, about the pages named.
SIZES = {50: (6, 20), 200: (15, 50), 500: (36, 50), 1000: (73, 50), 2000: (146, 50)}


@dataclass
class Sample:
    """One run: wall and CPU seconds, the load average when it started, and what it reported."""

    wall: float
    cpu: float
    load: float
    report: dict = field(default_factory=dict)


def as_samples(raw: list[dict]) -> list[Sample]:
    return [Sample(**r) for r in raw]


def timed(command: Sequence[str], cwd: Path, prepare: Callable[[], None] | None = None) -> Sample:
    """Run ``command`` once (after ``prepare``); its wall time, CPU time and printed JSON if any.

    CPU time is read from this child's own accounting (``wait4``), which includes the
    processes it waited for and nothing else that runs meanwhile.
    """
    if prepare:
        prepare()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    lines = output.strip().splitlines()
    report = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return Sample(wall, usage.ru_utime + usage.ru_stime, load, report)


@dataclass
class Contender:
    """One side of a comparison: a command and what must happen before each of its runs."""

    name: str
    command: Sequence[str]
    prepare: Callable[[], None] | None = None


def side_by_side(cwd: Path, runs: int, *contenders: Contender) -> dict[str, list[Sample]]:
    """Run the contenders in turn, ``runs`` rounds, so that each sees the same machine."""
    samples: dict[str, list[Sample]] = {c.name: [] for c in contenders}
    for _ in range(runs):
        for contender in contenders:
            sample = timed(contender.command, cwd, contender.prepare)
            samples[contender.name].append(sample)
            print(json.dumps({contender.name: sample.__dict__}), file=sys.stderr, flush=True)
    return samples


def spread(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """The median and, with more than one value, the range: ``1.23 s (1.20–1.31)``."""
    middle = f"{statistics.median(values):.{digits}f} {unit}".strip()
    if len(values) == 1:
        return middle
    return f"{middle} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def wall(samples: list[Sample]) -> float:
    return statistics.median(s.wall for s in samples)


def cpu(samples: list[Sample]) -> float:
    return statistics.median(s.cpu for s in samples)


def load(samples: list[Sample]) -> str:
    return f"{statistics.median(s.load for s in samples):.1f}"


def row(name: str, samples: list[Sample], note: str = "") -> str:
    return (f"| {name} | {spread([s.wall for s in samples])} | {spread([s.cpu for s in samples])} | "
            f"{load(samples)} | {len(samples)} | {note} |")


def copy_project(target: Path) -> Path:
    for part in ("reports", "templates", "styles"):
        shutil.copytree(ROOT / part, target / part)
    shutil.copy(ROOT / "tasks.py", target / "tasks.py")
    return target


def plan_jobs(project: Path, out: Path) -> list[dict]:
    """The build's documents, as the baseline and the command line need them."""
    from mcsp_reports import load_content, plan

    # WeasyPrint alone knows no "pdf/a-3a+ua-1" (engine.correct_pdfa adds it): it writes
    # "pdf/a-3a", the same work but for the lines of XMP that also declare PDF/UA-1.
    return [
        {"html": str(project / "build" / "print" / document.html_name),
         "files": [(str(out / f.name), f.variant.split("+")[0], [str(project / "reports" / s) for s in f.sources])
                   for f in document.files]}
        for document in plan(load_content(project / "reports")).documents
    ]


def pdf_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.pdf"))}


def history_html(work: Path, years: int, per_year: int) -> Path:
    """Write a synthetic history's print HTML (styles linked from the real project) and return its path."""
    from synthetic import generate

    from mcsp_reports.load import load_content
    from mcsp_reports.render import make_environment, render_history

    folder = work / f"history-{years}x{per_year}"
    generate(folder / "reports", years, per_year)
    html = render_history(make_environment(ROOT / "templates"), load_content(folder / "reports"),
                          ["styles/theme.css", "styles/print.css"])
    path = folder / "history.html"
    path.write_text(html, encoding="utf-8")
    return path


def real_content(work: Path, quick: bool) -> dict:
    """Measure the real content: cold, unchanged, check and one-year edit, and compare outputs."""
    project = copy_project(work / "project")
    out = work / "baseline"
    out.mkdir()
    invoke = [PYTHON, "-m", "invoke"]

    def wipe() -> None:
        shutil.rmtree(project / "dist", ignore_errors=True)
        shutil.rmtree(project / "build", ignore_errors=True)

    timed([*invoke, "build"], project)  # build/print/ holds the HTML the baselines print
    jobs = plan_jobs(project, out)
    command = shutil.which("weasyprint", path=str(Path(PYTHON).parent)) or "weasyprint"
    runs = 1 if quick else 3

    print("cold build, plain WeasyPrint, the command", file=sys.stderr)
    cold = side_by_side(
        project, runs,
        Contender("cold", [*invoke, "build"], wipe),
        Contender("plain", [PYTHON, "-c", BASELINE, json.dumps(jobs)]),
        Contender("command", [PYTHON, "-c", COMMAND, command, json.dumps(jobs)]),
    )
    parallel = pdf_digests(project / "dist")

    print("nothing changed, check", file=sys.stderr)
    quiet = side_by_side(project, 3 if quick else 9,
                         Contender("unchanged", [*invoke, "build"]), Contender("check", [*invoke, "check"]))

    year_file = project / "reports" / "2017-18.yaml"
    original = year_file.read_text(encoding="utf-8")
    edits = iter(range(1, 100))

    def edit() -> None:
        # Another word at the end of the year's first title, whatever the content says.
        edited = re.sub(r"^(\s+title: .+)$", rf"\1 {next(edits)}", original, count=1, flags=re.M)
        assert edited != original, f"{year_file}: no title to edit"
        year_file.write_text(edited, encoding="utf-8")

    def restore_and_wipe() -> None:
        year_file.write_text(original, encoding="utf-8")
        wipe()

    print("one-year edit, cold build", file=sys.stderr)
    edited = side_by_side(project, runs, Contender("cold", [*invoke, "build"], restore_and_wipe),
                          Contender("edit", [*invoke, "build"], edit))
    # A check ends at its stamp when the content is as it checked it last: measure one
    # that cannot, each run on content edited anew.
    print("check of edited content", file=sys.stderr)
    checked = side_by_side(project, 3 if quick else 9, Contender("check", [*invoke, "check"], edit))
    year_file.write_text(original, encoding="utf-8")
    timed([*invoke, "build"], project)
    cached = pdf_digests(project / "dist")
    timed([*invoke, "build", "--force", "--jobs", "1"], project)
    serial = pdf_digests(project / "dist")
    timed([PYTHON, "-c", UPSTREAM_BUILD, str(project)], project)
    upstream = pdf_digests(project / "dist")
    return {
        "files": sum(len(j["files"]) for j in jobs),
        "megabytes": sum((project / "dist" / name).stat().st_size for name in parallel) / 2**20,
        "samples": {f"{group}/{name}": [s.__dict__ for s in taken]
                    for group, samples in (("cold", cold), ("quiet", quiet), ("edited", edited),
                                           ("checked", checked))
                    for name, taken in samples.items()},
        "identity": {
            f"serial (`--jobs 1 --force`) = parallel ({len(parallel)} PDFs)": serial == parallel,
            "cached (one year edited, restored, rebuilt) = parallel": cached == parallel,
            "WeasyPrint's own layout functions = corrected engine (15 PDFs)": upstream == parallel,
        },
    }


def content_report(raw: dict) -> tuple[list[str], list[tuple[str, bool, str]]]:
    """Rows and targets for the real content."""
    s = {name: as_samples(taken) for name, taken in raw["samples"].items()}
    c, p, cmd = s["cold/cold"], s["cold/plain"], s["cold/command"]
    unchanged, check, edit, cold = s["quiet/unchanged"], s["quiet/check"], s["edited/edit"], s["edited/cold"]
    rows = [
        row("(1) plain WeasyPrint, one process, serial, `write_pdf` per file", p),
        row(f"(2) `weasyprint` command once per PDF ({raw['files']} runs)", cmd),
        row("(3) `invoke build`, cold", c,
            f"wall {wall(c) / wall(p):.2f}× (1), CPU {cpu(c) / cpu(p):.2f}× (1); (2) takes {wall(cmd) / wall(c):.1f}× "
            "its wall"),
        row("(4) `invoke build`, nothing changed", unchanged),
        row("(5) `invoke check`", check, f"wall {wall(check) / wall(unchanged):.2f}× (4)"),
        *([row("(5e) `invoke check` of content just edited (no stamp applies)", s["checked/check"],
               f"wall {wall(s['checked/check']) / wall(unchanged):.2f}× (4)")] if "checked/check" in s else []),
        row("(6) `invoke build` after editing one year", edit, f"wall {wall(edit) / wall(cold):.2f}× (6c)"),
        row("(6c) `invoke build`, cold, alternating with (6)", cold),
    ]
    targets = [
        ("cold build ≤ 0.65× plain serial WeasyPrint (wall)", wall(c) / wall(p) <= 0.65, f"{wall(c) / wall(p):.2f}×"),
        ("cold build ≥ 3× faster than the command once per PDF", wall(cmd) / wall(c) >= 3,
         f"{wall(cmd) / wall(c):.1f}×"),
        ("nothing-changed build ≤ 0.3 s (wall, on an idle machine)", wall(unchanged) <= 0.3,
         f"wall {wall(unchanged):.3f} s at load {load(unchanged)}; CPU {cpu(unchanged):.3f} s"),
        ("`invoke check` ≤ nothing-changed build", wall(check) <= wall(unchanged) and cpu(check) <= cpu(unchanged),
         f"wall {wall(check):.3f} s vs {wall(unchanged):.3f} s; CPU {cpu(check):.3f} s vs {cpu(unchanged):.3f} s"),
    ]
    return rows, targets


def scaling(work: Path, sizes: dict[int, int], raw: dict, keep: Callable[[], None]) -> None:
    """Measure pipeline and plain WeasyPrint on synthetic histories into ``raw``, ``keep()`` after each run.

    Runs go four processes at a time, the longest first so that the run ends in
    reasonable time on a shared machine: CPU time and peak memory are each process's
    own, and wall time is as loaded as the load column says. Plain WeasyPrint runs at
    every size (its 2,000-page run, the longest of all, goes first); at 50, 500 and 2,000
    pages the pipeline also runs with WeasyPrint's own layout functions, whose PDF must
    be the pipeline's byte for byte.
    """
    script = str(ROOT / "benchmarks" / "history_run.py")
    base = ROOT.as_uri() + "/"
    raw["sizes"] = {}
    html = {size: str(history_html(work, *SIZES[size])) for size in sizes}
    runs: list[tuple[str, str, str]] = []  # (size, mode, html), longest first
    for size in sorted(sizes, reverse=True):
        raw["sizes"][str(size)] = {}
        modes = {2000: ("pipeline", "upstream")}.get(
            size, ("pipeline", "plain", "upstream") if size in (50, 500) else ("pipeline", "plain"))
        runs += [(str(size), mode, html[size]) for _ in range(sizes[size]) for mode in modes]
        if size == 200 and len(sizes) > 2:
            runs.append((str(size), "memory", html[size]))
        if size == 50 and len(sizes) > 2:
            runs.append((str(size), "trace", html[size]))
    if 2000 in sizes:  # the longest run of all starts first, so that the others fill the other core
        runs.insert(0, ("2000", "plain", html[2000]))
    lock = threading.Lock()

    def measure(size: str, mode: str, html: str) -> None:
        sample = timed([PYTHON, script, mode, html, base], ROOT)
        with lock:
            print(json.dumps({size: {mode: sample.__dict__}}), file=sys.stderr, flush=True)
            if mode in ("memory", "trace"):
                raw[mode] = sample.report
            else:
                raw["sizes"][size].setdefault(mode, []).append(sample.__dict__)
            keep()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(measure, *run) for run in runs]:
            future.result()


def quiet_curve(work: Path, runs: int, raw: dict, keep: Callable[[], None]) -> None:
    """Measure the pipeline alone at 50 and 2,000 pages into ``raw``, one process at a time.

    The two sizes alternate (50, 2,000, 50, 2,000, ...), so both see the same machine. In
    the main run four processes share two cores, and a process with a 3 GB heap loses
    more to the others' use of the caches than one with 0.1 GB: this run, on an idle
    machine, measures the cost per page without that.
    """
    script = str(ROOT / "benchmarks" / "history_run.py")
    base = ROOT.as_uri() + "/"
    raw["sizes"] = {"50": {}, "2000": {}}
    html = {size: str(history_html(work, *SIZES[size])) for size in (50, 2000)}
    for _ in range(runs):
        for size in (50, 2000):
            sample = timed([PYTHON, script, "pipeline", html[size], base], ROOT)
            print(json.dumps({size: {"pipeline": sample.__dict__}}), file=sys.stderr, flush=True)
            raw["sizes"][str(size)].setdefault("pipeline", []).append(sample.__dict__)
            keep()


def scaling_report(raw: dict) -> tuple[list[str], list[tuple[str, bool, str]], dict[str, bool], list[str]]:
    """Rows, targets, identity checks and memory notes for the synthetic histories (of what was measured)."""
    rows, identity, curve = [], {}, {}
    order = ("pipeline", "plain", "upstream")
    for size, by_mode in sorted(raw.get("sizes", {}).items(), key=lambda item: int(item[0])):
        by_mode = {mode: by_mode[mode] for mode in order if by_mode.get(mode)}
        for mode, taken in by_mode.items():
            taken = as_samples(taken)
            pages = taken[0].report["pages"]
            per_page = {k: [s.report[k] / pages * (1 if k == "peak_mb" else 1000) for s in taken]
                        for k in ("seconds", "cpu", "peak_mb")}
            curve[(int(size), mode)] = {k: statistics.median(v) for k, v in per_page.items()}
            rows.append(f"| {size} | {mode} | {pages} | {spread(per_page['seconds'], 'ms', 0)} | "
                        f"{spread(per_page['cpu'], 'ms', 0)} | {spread(per_page['peak_mb'], 'MB')} | "
                        f"{load(taken)} | {len(taken)} |")
        # Plain WeasyPrint writes other bytes (none of the tagging corrections); the pipeline
        # with WeasyPrint's own layout functions must write the pipeline's.
        compared = [mode for mode in ("pipeline", "upstream") if mode in by_mode]
        if len(compared) > 1:
            digests = {s["report"]["sha256"] for mode in compared for s in by_mode[mode]}
            identity[f"{size}-page history: pipeline = pipeline with WeasyPrint's own layout functions"] = (
                len(digests) == 1)
    memory = []
    if "memory" in raw:
        pages = raw["memory"]["pages"]
        memory += [f"| {stage} | {figures['rss_mb'] / pages:.2f} | {figures['peak_rise_mb'] / pages:.2f} |"
                   for stage, figures in raw["memory"]["stages"].items()]
    if "trace" in raw:
        pages = raw["trace"]["pages"]
        memory += ["", f"Largest Python allocations after layout ({pages} pages, tracemalloc, MB per page):", ""]
        memory += [f"- `{where.split('site-packages/')[-1]}`: {mb / pages:.3f}"
                   for where, mb in raw["trace"]["stages"]["layout"]["top"][:10]]
    targets = []
    sizes = sorted({size for size, mode in curve if mode == "pipeline"})
    if len(sizes) > 1:
        first, last = curve[(sizes[0], "pipeline")], curve[(sizes[-1], "pipeline")]
        plain = [curve.get((size, "plain")) for size in (sizes[0], sizes[-1])]
        targets.append((
            f"pipeline CPU per page at {sizes[-1]} pages ≤ 1.1× the {sizes[0]}-page figure",
            last["cpu"] / first["cpu"] <= 1.1,
            f"{last['cpu'] / first['cpu']:.2f}× (wall {last['seconds'] / first['seconds']:.2f}×"
            + (f"; plain WeasyPrint {plain[1]['cpu'] / plain[0]['cpu']:.2f}×)" if all(plain) else ")")))
    both = [size for size in sizes if (size, "plain") in curve]
    if both:
        at = 1000 if 1000 in both else both[-1]
        ours, theirs = curve[(at, "pipeline")]["peak_mb"], curve[(at, "plain")]["peak_mb"]
        targets += [
            (f"pipeline peak ≤ 1.2 MB a page at {at} pages", ours <= 1.2, f"{ours:.2f} MB"),
            (f"or: pipeline's peak above plain WeasyPrint's ≤ 5 % at {at} pages", ours <= theirs * 1.05,
             f"{(ours / theirs - 1) * 100:+.1f} % ({theirs:.2f} MB a page for plain WeasyPrint)"),
        ]
    return rows, targets, identity, memory


def report(raw: dict, idle: dict | None = None) -> str:
    """docs/performance.md from the figures of one run, and of a ``--content-only`` run on an idle machine."""
    content = raw.get("content")
    content_rows, content_targets = content_report(content) if content else ([], [])
    idle_rows, idle_targets = content_report(idle["content"]) if idle else ([], [])
    idle_curve_rows, idle_curve_targets, _, _ = scaling_report(idle.get("scaling", {})) if idle else ([], [], {}, [])
    idle_targets = [(f"{name} (idle run)", met, value) for name, met, value in idle_targets + idle_curve_targets]
    curve_rows, curve_targets, curve_identity, memory = scaling_report(raw.get("scaling", {}))
    identity = {**(content["identity"] if content else {}), **curve_identity}
    machine = raw["machine"]
    lines = [
        "# Performance",
        "",
        f"Measured by `{raw['command']}` (benchmarks/bench.py), in one run of {raw['minutes']:.0f} minutes from "
        f"{raw['started']} UTC, on a machine with {machine} shared with other work: the load column is the "
        "one-minute load average when a row's runs started (median). The real content's contenders were run "
        "in turn (A B A B ...) while the synthetic histories ran beside them, four processes at a time, longest "
        "first. Cells give the median and (min–max); CPU is user + system time of the process and all it "
        "waited for, read from its own accounting. On a loaded machine wall time measures the machine as much "
        "as the program: compare CPU times, and wall times only within a row group.",
        "",
        *([raw["note"], ""] if raw.get("note") else []),
        "## The real content",
        "",
        f"{content['files']} PDF files, {content['megabytes']:.1f} MB in all." if content
        else "Not measured: this run ended before the real content's rows.",
        "",
        "| what | wall | CPU | load | runs | ratio |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *content_rows,
        "",
        *([f"The same rows from `{idle['command']}`, a run of {idle['minutes']:.0f} minutes from {idle['started']} "
           "UTC with nothing else running on the machine (the wall-clock targets are set for an idle machine):",
           "",
           "| what | wall | CPU | load | runs | ratio |",
           "| --- | ---: | ---: | ---: | ---: | --- |",
           *idle_rows,
           ""] if idle else []),
        "## Synthetic histories (benchmarks/synthetic.py), one edition (PDF/UA-1)",
        "",
        "Per page, in a fresh process from parsing the HTML to the PDF's bytes (imports excluded). "
        "*pipeline* is `mcsp_reports.pdf.render_pdfs` with the engine corrections; *plain* is WeasyPrint "
        "alone with the same options and no correction; *upstream* is the pipeline with WeasyPrint's own "
        "layout functions in place of the layout corrections (`engine.upstream_layout()`). Peak is the rise "
        "of the process's peak resident size.",
        "",
        "| pages asked | what | pages | wall per page | CPU per page | peak per page | load | runs |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *curve_rows,
        "",
        *([f"The pipeline alone at 50 and 2,000 pages, one process at a time and alternating, from "
           f"`{idle['command']}` on the idle machine:",
           "",
           "| pages asked | what | pages | wall per page | CPU per page | peak per page | load | runs |",
           "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
           *idle_curve_rows,
           ""] if idle_curve_rows else []),
    ]
    if memory:
        lines += [
            f"## Where the memory goes (WeasyPrint's own steps as the pipeline takes them, "
            f"{raw['scaling']['memory']['pages']} pages)",
            "",
            "| after | resident MB per page | peak rise MB per page |",
            "| --- | ---: | ---: |",
            *memory,
            "",
        ]
    lines += [
        "## Same bytes",
        "",
        "| outputs compared | identical |",
        "| --- | --- |",
        *(f"| {name} | {'yes' if same else '**no**'} |" for name, same in identity.items()),
        "",
        "## Targets",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
        *(f"| {name} | {'yes' if met else '**no**'} | {value} |"
          for name, met, value in content_targets + idle_targets + curve_targets),
        "",
    ]
    notes = ROOT / "benchmarks" / "notes.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each and histories to 200 pages only")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--raw", type=Path, default=ROOT / "build" / "bench.json",
                        help="where the run's figures are kept as JSON, written as each run ends")
    parser.add_argument("--report-only", action="store_true", help="rewrite --output from --raw without measuring")
    parser.add_argument("--content-only", action="store_true",
                        help="measure only the real content's rows (for a run on an idle machine) into --raw")
    parser.add_argument("--quiet-curve", type=int, metavar="RUNS", default=0,
                        help="with --content-only: also measure the pipeline alone at 50 and 2,000 pages, "
                             "RUNS times each, one process at a time")
    parser.add_argument("--idle", type=Path, help="a --content-only run's JSON, reported beside the main run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    if not args.report_only:
        started = datetime.now(UTC)
        raw: dict = {
            "command": f"python benchmarks/bench.py --content-only"
                       f"{f' --quiet-curve {args.quiet_curve}' if args.quiet_curve else ''}" if args.content_only
            else "invoke bench --quick" if args.quick else "invoke bench",
            "started": f"{started:%Y-%m-%d %H:%M}",
            "machine": f"{os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()})",
        }
        args.raw.parent.mkdir(parents=True, exist_ok=True)
        sizes = {50: 1, 200: 1} if args.quick else {50: 3, 200: 2, 500: 1, 1000: 1, 2000: 1}
        with tempfile.TemporaryDirectory() as temporary:
            work = Path(temporary)

            def keep() -> None:
                raw["minutes"] = (datetime.now(UTC) - started).total_seconds() / 60
                args.raw.write_text(json.dumps(raw, indent=1), encoding="utf-8")

            # The real content is measured while the histories run: on a shared machine
            # the run must end in reasonable time, and CPU times do not depend on it.
            if args.content_only:
                raw["content"] = real_content(work, args.quick)
                keep()
                if args.quiet_curve:
                    raw["scaling"] = {}
                    quiet_curve(work, args.quiet_curve, raw["scaling"], keep)
                return
            raw["scaling"] = {}
            with ThreadPoolExecutor(max_workers=1) as content:
                measured = content.submit(real_content, work, args.quick)
                scaling(work, sizes, raw["scaling"], keep)
                raw["content"] = measured.result()
            keep()
    raw = json.loads(args.raw.read_text(encoding="utf-8"))
    idle = json.loads(args.idle.read_text(encoding="utf-8")) if args.idle else None
    text = report(raw, idle)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

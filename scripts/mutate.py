"""Plant named bugs in the safety-critical code, one at a time, and see whether the tests catch them.

Each mutant is a one-line change a hurried edit could make: a check deleted, a
comparison loosened, a write made in place. It is applied to a throw-away copy of the
project, the tests that should notice it are run there, and the mutant is *killed* when
they fail, *survived* when they pass. A mutant names its target by the exact text of the
code it changes, so when that code is rewritten the mutant is reported as *target not
found* (and the run fails) instead of passing silently: rewrite the mutant then.

    python scripts/mutate.py                   # every mutant; exit 1 if any survives
    python scripts/mutate.py --only verify     # mutants whose name contains "verify"
    python scripts/mutate.py --revision REV    # against the code and tests of a git revision (a "before" rate)

The list covers what must never silently break: load validation, the fetcher, verify,
the atomic writers, the build's verify-then-write step, the publish step and pack. A
well-kept generator such as mutmut produces hundreds of mutants across every module,
each needing a run of the suite; on a 2-core machine that takes hours. A short list of
named, meaningful mutants over the code that guards the output runs in minutes, and each
line of its report says which bug the suite would miss.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: What a test run needs from the project; dist/, build/ and caches are left behind.
COPIED = ("src", "tests", "reports", "templates", "styles", "benchmarks", "docs", "scripts",
          "pyproject.toml", "tasks.py", "README.md")
TIMEOUT = 900  # seconds; a mutant that makes the tests hang counts as caught


@dataclass(frozen=True)
class Mutant:
    """One planted bug: in ``file``, the text ``find`` (exactly once) becomes ``replace``."""

    name: str
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]  # pytest arguments: the tests that should notice

    def apply(self, source: str) -> str | None:
        """The mutated source, or ``None`` when the target text is not there exactly once."""
        if source.count(self.find) != 1:
            return None
        return source.replace(self.find, self.replace)


QUICK = ("-m", "not slow")
LOAD = ("tests/test_load.py", *QUICK)
PDF = ("tests/test_pdf.py", *QUICK)
# The tests of built PDFs cannot notice a loosened check (those PDFs pass anyway), so the
# verifier's mutants leave them out, whatever their marks.
VERIFY = ("tests/test_verify.py", *QUICK, "--deselect", "tests/test_verify.py::test_every_built_pdf_passes",
          "--deselect", "tests/test_verify.py::test_archival_pdfs_carry_their_sources_byte_for_byte")
FILES = ("tests/test_files.py", "tests/test_load.py", *QUICK)
# Building is slow, so the build's mutants run only the tests that build one year.
BUILD = tuple(f"tests/test_build.py::test_{name}" for name in (
    "a_pdf_that_fails_verification_is_never_written",
    "a_rebuilt_pdf_replaces_the_old_file_instead_of_rewriting_it",
    "a_render_failure_leaves_dist_exactly_as_it_was",
))
# The release swap: a folder copied over dist/ would keep files of the old release.
SWAP = ("tests/test_release.py::test_stale_files_and_debris_in_dist_are_gone_after_the_next_build",)
SITE = ("tests/test_site.py", "tests/test_bundle.py", *QUICK)
BUNDLE = ("tests/test_bundle.py", *QUICK)
FASTPATH = ("tests/test_fastpath.py",)

MUTANTS = [
    # load: strict reading of the YAML
    Mutant("load: duplicate fields accepted", "load.py",
           "            if key in values:\n", "            if False:\n", LOAD),
    Mutant("load: unknown fields accepted", "load.py",
           "            elif key not in known:\n", "            elif False:\n", LOAD),
    Mutant("load: missing required fields accepted", "load.py",
           "            if key not in values:\n                self.problem(node,",
           "            if False:\n                self.problem(node,", LOAD),
    Mutant("load: aliases accepted", "load.py",
           "        if isinstance(event, AliasEvent):", "        if False:", LOAD),
    Mutant("load: explicit tags accepted", "load.py",
           "        if node.tag != _STR:\n            tag =", "        if False:\n            tag =", LOAD),
    Mutant("load: placeholders accepted", "load.py",
           "        if placeholder:\n", "        if False:\n", LOAD),
    Mutant("load: months beyond 12 accepted", "load.py",
           "if found and 1 <= int(found[2]) <= 12:", "if found:", LOAD),
    Mutant("load: unknown theme ids accepted", "load.py",
           "        if ident not in table:", "        if False:", LOAD),
    Mutant("load: repeated achievement ids accepted", "load.py",
           "        if ident is not None and ident in ids:", "        if False:", LOAD),
    # load: nothing typed is lost or altered without a message
    Mutant("load: text after ' #' dropped silently", "load.py",
           "        if _COMMENT_AFTER.match(rest):", "        if False:", LOAD),
    Mutant("load: a mis-indented bullet merged silently", "load.py",
           "            if _BULLET.match(line):", "            if False:", LOAD),
    Mutant("load: invisible and control characters accepted", "syntax.py",
           "            message = _refusal(char)\n            if message:",
           "            message = _refusal(char)\n            if False:", LOAD),
    Mutant("load: dates outside their reporting year accepted", "load.py",
           "    if not first.earliest() <= date.earliest() <= last.latest():", "    if False:", LOAD),
    Mutant("load: years after the partnership closed accepted", "load.py",
           "        elif refs.operated and (outside := outside_operation(int(label[:4]), *refs.operated)):",
           "        elif False:", LOAD),
    Mutant("load: nesting depth unbounded", "load.py",
           "if isinstance(event, CollectionStartEvent) and self.depth >= MAX_DEPTH:", "if False:", LOAD),
    Mutant("load: new-year starts a year after the partnership closed", "scaffold.py",
           "        if outside:\n            raise ScaffoldError", "        if False:\n            raise ScaffoldError",
           ("tests/test_scaffold.py", *QUICK)),
    # the fetcher: nothing outside the project, never the network
    Mutant("fetcher: the network allowed", "pdf.py",
           '        if scheme != "file":\n', '        if scheme not in ("file", "http", "https"):\n', PDF),
    Mutant("fetcher: files outside the project allowed", "pdf.py",
           'if "\\0" in str(path) or not self.allows(path):', 'if "\\0" in str(path):', PDF),
    Mutant("fetcher: links not resolved before the check", "pdf.py",
           "        real = path.resolve()\n        return real in self.files",
           "        real = path.absolute()\n        return real in self.files", PDF),
    Mutant("pdf: engine warnings ignored", "pdf.py",
           "    if problems:\n        raise RenderError", "    if False:\n        raise RenderError", PDF),
    Mutant("pdf: the garbage collector left off after a render", "pdf.py",
           "        if enabled:\n            gc.enable()", "        if enabled:\n            pass", PDF),
    # verify: each check of the PDFs
    Mutant("verify: no /Lang accepted", "verify.py",
           'if not str(root.get("/Lang", "")).strip():', "if False:", VERIFY),
    Mutant("verify: missing /MarkInfo accepted", "verify.py",
           'if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):', "if False:", VERIFY),
    Mutant("verify: no structure tree accepted", "verify.py",
           "    if tree is None:\n        problems.append(", "    if False:\n        problems.append(", VERIFY),
    Mutant("verify: missing dc:title accepted", "verify.py",
           "    if not title:\n", "    if False:\n", VERIFY),
    Mutant("verify: PDF/UA declaration not checked", "verify.py",
           '    if ua_part != "1":', "    if False:", VERIFY),
    Mutant("verify: missing output intent accepted", "verify.py",
           'if not any("/DestOutputProfile" in intent for intent in intents):', "if False:", VERIFY),
    Mutant("verify: unembedded fonts accepted", "verify.py",
           'if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):',
           "if False:", VERIFY),
    Mutant("verify: figures without /Alt accepted", "verify.py",
           """if role == "/Figure" and not str(node.get("/Alt", "")).strip():""", "if False:", VERIFY),
    Mutant("verify: a document with no H1 accepted", "verify.py",
           "    if levels.count(1) != 1:", "    if levels.count(1) > 1:", VERIFY),
    Mutant("verify: skipped heading levels accepted", "verify.py",
           "        if after > before + 1:", "        if after > before + 2:", VERIFY),
    Mutant("verify: untagged links accepted", "verify.py",
           'if annotation.get("/Subtype") == "/Link" and "/StructParent" not in annotation:',
           "if False:", VERIFY),
    Mutant("verify: painting outside marked content accepted", "verify.py",
           "            elif depth <= 0 and (op in _TEXT or op in _PAINT):",
           "            elif depth < 0 and (op in _TEXT or op in _PAINT):", VERIFY),
    Mutant("verify: missing /AFRelationship accepted", "verify.py",
           '            if "/AFRelationship" not in spec:', "            if False:", VERIFY),
    Mutant("verify: unexpected attachments accepted", "verify.py",
           "if expect.attachments is not None and sorted(found) != sorted(expect.attachments):",
           "if expect.attachments is not None and not found and expect.attachments:", VERIFY),
    # reading content files, and atomic writes
    Mutant("files: a file's size not checked before it is read", "files.py",
           "    if before.st_size > limit:", "    if False:", FILES),
    Mutant("files: links leaving the project followed", "files.py",
           "    if not real.is_relative_to(real_root):", "    if False:", FILES),
    Mutant("files: special files (pipes, devices) read", "files.py",
           "    reason = _kind(before.st_mode)\n    if reason:", "    reason = _kind(before.st_mode)\n    if False:",
           FILES),
    Mutant("files: write in place instead of the atomic rename", "files.py",
           "    path.parent.mkdir(parents=True, exist_ok=True)\n    fd,",
           "    path.parent.mkdir(parents=True, exist_ok=True)\n    path.write_bytes(data)\n    return\n    fd,",
           FILES),
    Mutant("files: temporary file left behind on failure", "files.py",
           "    except OSError as error:\n        Path(temporary).unlink(missing_ok=True)\n",
           "    except OSError as error:\n        pass\n", FILES),
    Mutant("files: written files unreadable to others", "files.py",
           "os.chmod(temporary, 0o644)", "os.chmod(temporary, 0o600)", FILES),
    Mutant("files: unchanged files rewritten", "files.py",
           "        if path.read_bytes() == data:\n            return False",
           "        if False:\n            return False", FILES),
    # the build's verify-then-write step
    Mutant("build: the PDFs it writes are not verified", "build.py",
           "for p in verify_pdf(pdf.data, expect)]", "for p in []]", BUILD),
    Mutant("build: Fontconfig's caches loaded only under a worker's memory bound", "build.py",
           "    pdf.hold_font_caches()\n", "    pass\n",
           ("tests/test_release.py::test_rendering_is_bounded_in_memory_and_leaves_the_machines_font_caches_alone",)),
    Mutant("build: dist/ files written in place", "release.py",
           "            _exchange(staging, dist)\n", "            shutil.copytree(staging, dist, dirs_exist_ok=True)\n",
           SWAP),
    # the publish step
    Mutant("publish: thumbnails never redrawn", "build.py",
           'path = store / f"{digest(data)}-{THUMBNAIL_WIDTH}.png"', 'path = store / f"cover-{THUMBNAIL_WIDTH}.png"',
           SITE),
    Mutant("publish: manifest left out of SHA256SUMS", "site.py",
           " + [(digest(out[MANIFEST]), MANIFEST)]", "", SITE),
    # a build with nothing to do, a check of what was checked
    Mutant("stamp: the templates left out of the inputs", "build.py",
           "    return inputs_digest(purpose, {**files, **templates})", "    return inputs_digest(purpose, files)",
           FASTPATH),
    Mutant("stamp: dist/ believed without reading it", "build.py",
           "        if not release.holds(where, released):", "        if False:", FASTPATH),
    Mutant("stamp: the print HTML and drafts believed without reading them", "build.py",
           'if not name.startswith("dist/") and not _intact(project.root / name, value):', "if False:", FASTPATH),
    Mutant("stamp: SOURCE_DATE_EPOCH left out of the inputs", "cache.py",
           "{os.environ.get('SOURCE_DATE_EPOCH')!r}", "", FASTPATH),
    Mutant("stamp: a check blind to reports/", "build.py",
           'inputs = _digest(project, f"check {links!r}", {**reports, **files})',
           'inputs = _digest(project, f"check {links!r}", files)', FASTPATH),
    Mutant("stamp: a check stamps files saved while it ran", "build.py",
           "    if (before is not None and after == before\n", "    if (before is not None\n", FASTPATH),
    Mutant("stamp: a check stamps bytes it did not validate", "build.py",
           'and all(before[1].get(f"reports/{name}") == data for name, data in kept.items())', "and True",
           FASTPATH),
    # pack
    Mutant("pack: digests not checked", "release.py",
           'if entry.get("bytes") != len(data) or entry.get("sha256") != digest(data):',
           'if entry.get("bytes") != len(data):', BUNDLE),
    Mutant("pack: entries dated by the clock", "bundle.py",
           "date_time=stamp)", "date_time=(2020, 1, 1, 0, 0, 0))", BUNDLE),
]


def copy_project(target: Path, revision: str | None) -> None:
    """The parts of the project a test run needs: as they are now, or as they were at ``revision``."""
    if (ROOT / "node_modules").exists():  # axe-core, for the tests of the web pages
        (target / "node_modules").symlink_to((ROOT / "node_modules").resolve())
    if revision:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, *COPIED],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        return
    for part in COPIED:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, target / part)


def run_tests(copy: Path, tests: tuple[str, ...], revision: str | None = None) -> tuple[int, float]:
    """Run pytest in ``copy`` on its own sources; the exit code and the seconds it took."""
    if revision:  # a revision from before the slow marker was registered still accepts `-m "not slow"`
        tests = (*tests, "-o", "markers=slow: builds real PDFs or drives a browser")
    # A test file the copy lacks (an older revision's tests) is left out rather than failing the run.
    tests = tuple(t for t in tests if not t.startswith("tests/") or (copy / t.split("::")[0]).exists())
    if not any(t.startswith("tests/") for t in tests):
        return 5, 0.0  # pytest's own code for "no tests ran"
    # Bytecode is written in the copy, as `invoke test` writes it: the processes the tests
    # start then load the package as they do there (a test of a memory bound depends on it).
    environment = {**os.environ, "PYTHONPATH": str(copy / "src"), "PYTHONDONTWRITEBYTECODE": ""}
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=copy, env=environment, capture_output=True, timeout=TIMEOUT)
        code = result.returncode
    except subprocess.TimeoutExpired:
        code = -1
    return code, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the mutants; print one line each and the kill rate; 1 if any survived or was not found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="run only the mutants whose name contains this text (repeatable)")
    parser.add_argument("--revision", default=None,
                        help="run against the sources and tests of this git revision instead of the work tree")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    arguments = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not arguments.only or any(o.lower() in m.name.lower() for o in arguments.only)]
    if arguments.list:
        for mutant in chosen:
            print(f"{mutant.name}  [src/mcsp_reports/{mutant.file}; {' '.join(mutant.tests)}]")
        return 0

    fates: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="mcsp-mutate-") as folder:
        copy = Path(folder)
        copy_project(copy, arguments.revision)
        # Each selection of tests must pass on the unchanged code, or a "kill" means nothing.
        broken = set()
        for tests in dict.fromkeys(m.tests for m in chosen):
            code, seconds = run_tests(copy, tests, arguments.revision)
            if code not in (0, 4, 5):
                broken.add(tests)
                print(f"{'tests fail unmutated':<22} {seconds:6.1f} s  {' '.join(tests)}", flush=True)
        for mutant in chosen:
            path = copy / "src" / "mcsp_reports" / mutant.file
            original = path.read_text(encoding="utf-8") if path.is_file() else ""
            mutated = mutant.apply(original)
            if mutant.tests in broken:
                fate, seconds = "not run (tests fail)", 0.0
            elif mutated is None:
                fate, seconds = "target not found", 0.0
            else:
                path.write_text(mutated, encoding="utf-8")
                try:
                    code, seconds = run_tests(copy, mutant.tests, arguments.revision)
                finally:
                    path.write_text(original, encoding="utf-8")
                fate = {0: "SURVIVED", 4: "SURVIVED (no test ran)", 5: "SURVIVED (no test ran)",
                        -1: "killed (timeout)"}.get(code, "killed")
            fates[fate] = fates.get(fate, 0) + 1
            print(f"{fate:<22} {seconds:6.1f} s  {mutant.name}", flush=True)

    tried = len(chosen) - fates.get("target not found", 0) - fates.get("not run (tests fail)", 0)
    killed = sum(n for fate, n in fates.items() if fate.startswith("killed"))
    print(f"\n{killed} of {tried} mutants killed ({100 * killed / max(tried, 1):.0f}%)"
          + (f"; {fates['target not found']} not found: update their text in scripts/mutate.py"
             if fates.get("target not found") else ""))
    return 0 if killed == tried and not fates.get("target not found") and not broken else 1


if __name__ == "__main__":
    sys.exit(main())

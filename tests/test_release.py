"""Publishing as one transaction, tried with real faults: kills, full disks, read-only folders,
concurrent builds, files saved mid-build and hostile files. Each asserts that dist/ is the old
release or the new one, that `sha256sum --check --strict` passes in it, and that the next
build recovers and leaves no debris."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdf
import pytest

from conftest import ROOT, copy_project
from mcsp_reports import ContentError, FileRefusedError, Project, RenderError, VerificationError, build, outdated
from mcsp_reports.build import Limits
from mcsp_reports.cache import BUILT_STAMP
from mcsp_reports.errors import FileSystemError

pytestmark = pytest.mark.slow  # real builds, killed, on full and read-only disks

SRC = str(ROOT / "src")  # the sources under test, for the build processes the tests start
YEAR = "2017-18"
OLD_TITLE = "Multi-agency offender management"
NEW_TITLE = "Multi-agency management of offenders"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def sums_check(dist: Path) -> None:
    result = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=dist,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def debris(project: Project) -> list[str]:
    """What an interrupted build could leave: part files, staging and engine temp folders."""
    found = [p.relative_to(project.root).as_posix() for p in project.root.rglob("*.part")]
    found += [name for name in ("build/release.staging", "build/tmp") if (project.root / name).exists()]
    return found


def edit(project: Project) -> None:
    """Change a title: four documents to render again, and their pages."""
    path = project.reports / f"{YEAR}.yaml"
    text = path.read_text(encoding="utf-8")
    assert OLD_TITLE in text
    path.write_text(text.replace(OLD_TITLE, NEW_TITLE, 1), encoding="utf-8")


def reword(project: Project) -> None:
    """Change the annual reports' cover line: the year's two documents to render again, not the history.

    For faults that need only something to lay out: the history is the slowest document
    to lay out, and a change of a year's file would make it stale too (its archival
    edition embeds the file)."""
    path = project.templates / "annual.html.j2"
    text = path.read_text(encoding="utf-8")
    assert "'Annual achievements report for the reporting year '" in text
    path.write_text(text.replace("'Annual achievements report for the reporting year '",
                                 "'Annual report of achievements for the year '", 1), encoding="utf-8")


def restyle(project: Project) -> None:
    """Change the web pages' stylesheet: nothing to render, but a new release to publish."""
    with (project.styles / "screen.css").open("a", encoding="utf-8") as file:
        file.write("\nmain { max-width: 44rem; }\n")


@pytest.fixture(scope="module")
def warm(small_release: Project) -> Path:
    """A project with a full release in dist/ (conftest's ``small_release``: one year and
    the history); each test starts from a copy of it. No fault tried here depends on how
    much there is to lay out, and each test's builds take half the time of four years'."""
    assert small_release.reports.joinpath(f"{YEAR}.yaml").is_file()
    return small_release.root


@pytest.fixture
def project(warm: Path, tmp_path: Path) -> Project:
    shutil.copytree(warm, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


def run_build(project: Project, *args: str, env: dict[str, str] | None = None,
              preexec: object = None) -> subprocess.CompletedProcess[str]:
    """`invoke build` in the project, as a comms officer runs it."""
    if not (project.root / "tasks.py").exists():
        shutil.copy(ROOT / "tasks.py", project.root / "tasks.py")
    return subprocess.run([sys.executable, "-m", "invoke", "build", *args], cwd=project.root, text=True,
                          capture_output=True, timeout=600, preexec_fn=preexec,  # type: ignore[arg-type]
                          env={**os.environ, "PYTHONPATH": SRC, **(env or {})})


# A real build process that SIGKILLs itself at a chosen moment: as abrupt as `kill -9`,
# but at a moment that is known, so that every step of the transaction is tried.
KILLER = r"""
import os, signal, sys
from pathlib import Path
import mcsp_reports.release as release
from mcsp_reports import Project, build

root, moment = Path(sys.argv[1]), sys.argv[2]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

def after(module, name):
    original = getattr(module, name)
    def wrapped(*args, **kwargs):
        original(*args, **kwargs)
        die()
    setattr(module, name, wrapped)

report = lambda message: None
if moment == "rendering":
    report = lambda message: die() if message.startswith("rendered") else None
elif moment == "staging":
    calls, link = [0], os.link
    def counted(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 10:
            die()
        return link(*args, **kwargs)
    os.link = counted
elif moment == "staged":
    after(release, "stage")
elif moment == "verified":
    release.swap = die
elif moment == "exchanged":
    after(release, "_exchange")
elif moment == "between-renames":  # a file system without the atomic exchange
    import errno
    def no_exchange(*args):
        raise OSError(errno.EINVAL, "not supported")
    release._exchange = no_exchange
    rename = os.rename
    def dying_rename(source, target, *args, **kwargs):
        if str(source).endswith("release.staging"):
            die()
        return rename(source, target, *args, **kwargs)
    os.rename = dying_rename
elif moment == "cache":
    replace = os.replace
    def dying(source, target, *args, **kwargs):
        if str(target).endswith("cache.json"):
            die()
        return replace(source, target, *args, **kwargs)
    os.replace = dying
build(Project(root), report=report, jobs=1)
"""


@pytest.mark.parametrize("moment", ["rendering", "cache", "staging", "staged", "verified", "exchanged"])
def test_a_build_killed_at_any_moment_leaves_one_release_and_the_next_recovers(project: Project, moment: str) -> None:
    old = snapshot(project.dist)
    reword(project) if moment == "rendering" else restyle(project)
    killed = subprocess.run([sys.executable, "-c", KILLER, str(project.root), moment], timeout=600,
                            env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after_kill = snapshot(project.dist)
    sums_check(project.dist)

    build(project, jobs=1)  # would wait for ever on a lock kept by a worker orphaned by the kill
    new = snapshot(project.dist)
    assert new != old
    # Only once the exchange has happened is the new release there; before, the old one.
    assert after_kill == (new if moment == "exchanged" else old)
    sums_check(project.dist)
    assert debris(project) == []


def test_without_the_atomic_exchange_a_kill_between_the_renames_is_repaired_by_the_next_build(
        project: Project) -> None:
    old = snapshot(project.dist)
    restyle(project)
    killed = subprocess.run([sys.executable, "-c", KILLER, str(project.root), "between-renames"], timeout=600,
                            env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not project.dist.exists() and snapshot(project.build / "release.retiring") == old
    build(project)
    assert snapshot(project.dist) != old
    sums_check(project.dist)
    assert debris(project) == [] and not (project.build / "release.retiring").exists()


def test_two_builds_at_once_take_turns_and_publish_one_release(project: Project) -> None:
    reword(project)
    code = ("import sys; from pathlib import Path; from mcsp_reports import Project, build; "
            "build(Project(Path(sys.argv[1])), jobs=1, report=lambda m: print(m, flush=True))")
    env = {**os.environ, "PYTHONPATH": SRC}
    first, second = (subprocess.Popen([sys.executable, "-c", code, str(project.root)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2))
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert first.returncode == second.returncode == 0, outputs
    assert sum("waiting for it to finish" in out for out, _ in outputs) == 1
    sums_check(project.dist)
    assert debris(project) == []
    # The second build found the first one's release complete: nothing left to render.
    assert sum("rendered" in out for out, _ in outputs) == 1


def test_a_file_saved_during_a_build_does_not_split_what_a_pdf_shows_from_what_it_embeds(project: Project) -> None:
    edit(project)
    path = project.reports / f"{YEAR}.yaml"
    read = path.read_bytes()
    code = ("import sys; from pathlib import Path; from mcsp_reports import Project, build; "
            "build(Project(Path(sys.argv[1])), jobs=1, report=lambda m: print(m, flush=True))")
    process = subprocess.Popen([sys.executable, "-c", code, str(project.root)], env={**os.environ, "PYTHONPATH": SRC},
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("rendering"):
            path.write_bytes(read.replace(NEW_TITLE.encode(), b"Saved while the build ran"))
            break
    process.communicate(timeout=600)
    assert process.returncode == 0
    archival = project.dist / f"mcsp-annual-achievements-{YEAR}-archival.pdf"
    with pikepdf.open(archival) as pdf:
        embedded = pdf.attachments[f"{YEAR}.yaml"].get_file().read_bytes()
    assert embedded == read  # the bytes validated at the start, not the file saved later
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(archival).pages)
    assert NEW_TITLE in " ".join(text.split())
    sums_check(project.dist)
    # The saved file is the next build's business: it would lay the year out again.
    assert {s.document.name: s.reason for s in outdated(project)}[f"mcsp-annual-achievements-{YEAR}"] == (
        "what it is made from changed since the last build")


def test_a_full_build_leaves_nothing_in_the_system_temp_folder(project: Project, tmp_path: Path) -> None:
    temp = tmp_path / "system-temp"
    temp.mkdir()
    reword(project)
    result = run_build(project, env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert list(temp.iterdir()) == []  # WeasyPrint's font copies went to build/tmp, now removed
    assert debris(project) == []
    sums_check(project.dist)


# -- Operating-system errors ------------------------------------------------------------


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A folder on a small tmpfs of its own (the tests run as root in CI), unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill the file system of ``disk`` until only about ``leave`` bytes are free."""
    filler = disk / "filler"
    stats = os.statvfs(disk)
    with open(filler, "wb") as file:
        file.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return filler


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]


def test_a_full_disk_is_one_line_and_leaves_the_release(warm: Path, mounted: Path) -> None:
    project = Project(mounted / "project")
    shutil.copytree(warm, project.root, symlinks=True)
    old = snapshot(project.dist)
    reword(project)
    filler = fill(mounted, 300_000)
    result = run_build(project)
    assert_clean_failure(result, "disk is full", "(dist/ is unchanged)")
    assert snapshot(project.dist) == old
    sums_check(project.dist)
    filler.unlink()
    assert run_build(project).returncode == 0
    sums_check(project.dist)
    assert debris(project) == []


def test_a_file_size_limit_is_one_line_and_leaves_the_release(project: Project) -> None:
    old = snapshot(project.dist)
    reword(project)
    limit = 100_000  # smaller than each font file the engine copies

    def ulimit_f() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run_build(project, preexec=ulimit_f)
    assert_clean_failure(result, "ulimit -f")
    assert snapshot(project.dist) == old
    sums_check(project.dist)


@pytest.mark.parametrize("folder", ["build", "dist", "project"])
def test_a_read_only_folder_is_one_line_and_leaves_the_release(warm: Path, mounted: Path, folder: str) -> None:
    project = Project(mounted / "project")
    shutil.copytree(warm, project.root, symlinks=True)
    old = snapshot(project.dist)
    restyle(project)
    shutil.copy(ROOT / "tasks.py", project.root / "tasks.py")
    target = mounted if folder == "project" else project.root / folder
    if folder == "project":
        remount = ["mount", "-o", "remount,ro", str(mounted)]
    else:
        subprocess.run(["mount", "--bind", str(target), str(target)], check=True)
        remount = ["mount", "-o", "remount,ro,bind", str(target)]
    try:
        subprocess.run(remount, check=True)
        result = run_build(project)
    finally:
        if folder == "project":
            subprocess.run(["mount", "-o", "remount,rw", str(mounted)], check=True)
        else:
            subprocess.run(["umount", str(target)], check=True)
    assert_clean_failure(result, "(dist/ is unchanged)")
    assert snapshot(project.dist) == old
    sums_check(project.dist)
    assert run_build(project).returncode == 0
    sums_check(project.dist)
    assert debris(project) == []


# -- Hostile files and a hostile cache ----------------------------------------------------


@pytest.mark.parametrize("short_name", ["../../outside/m", "/tmp/m", "m/n", "..", "M CSP"])
def test_a_short_name_that_is_not_a_slug_is_refused(project: Project, short_name: str) -> None:
    path = project.reports / "partnership.yaml"
    path.write_text(path.read_text().replace("short_name: MCSP", f"short_name: {json.dumps(short_name)}"))
    old = snapshot(project.dist)
    with pytest.raises(ContentError, match="short_name: expected a short name of letters, digits and hyphens"):
        build(project)
    assert snapshot(project.dist) == old
    assert not (project.root.parent / "outside").exists()


@pytest.mark.parametrize("kind", ["file", "folder", "font"])
def test_a_link_out_of_the_project_in_styles_is_refused_before_anything_is_written(
        project: Project, tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:secret\n")
    link = {"file": "fonts/NOTES.txt", "folder": "fonts/old", "font": "fonts/Lato-Extra.ttf"}[kind]
    (project.styles / link).symlink_to(outside if kind == "folder" else outside / "passwd")
    old = snapshot(project.dist)
    edit(project)
    with pytest.raises(FileRefusedError, match=f"styles/{link}: is a link to a file outside the project") as caught:
        build(project)
    assert "secret" not in str(caught.value)
    assert snapshot(project.dist) == old


def test_an_ordinary_subfolder_of_fonts_is_not_published(project: Project) -> None:
    old = project.styles / "fonts" / "old"
    old.mkdir()
    (old / "Lato-Light.ttf").write_bytes((project.styles / "fonts" / "Lato-Regular.ttf").read_bytes())
    build(project, jobs=1)
    assert not (project.dist / "assets" / "fonts" / "old").exists()
    sums_check(project.dist)


def test_a_damaged_cache_means_rebuild_never_a_crash_or_a_wrong_number(project: Project) -> None:
    # Every kind of damage is refused by the cache's reader (tests/test_cache.py); this one,
    # a page count that Python takes for the number 1, shows a whole build never believes it.
    from test_cache import damage

    path = project.build / "cache.json"
    path.write_text(damage(path.read_text(), "PAGES:true"))
    (project.build / BUILT_STAMP).unlink()  # which would answer that nothing changed
    built = build(project, jobs=1)
    assert all(b.rebuilt for b in built)  # nothing in the damaged cache was believed
    manifest = json.loads((project.dist / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["kind"] == "pdf":
            assert entry["pages"] == len(pypdf.PdfReader(project.dist / entry["name"]).pages)
    sums_check(project.dist)


def test_a_cache_folder_is_one_clear_error_and_leaves_the_release(project: Project) -> None:
    old = snapshot(project.dist)
    (project.build / "cache.json").unlink()
    (project.build / "cache.json").mkdir()
    restyle(project)
    said: list[str] = []
    with pytest.raises(FileSystemError, match="build/cache.json: is a folder where a file belongs"):
        build(project, jobs=1, report=said.append)
    assert said == []  # said before anything was laid out, not after
    assert snapshot(project.dist) == old


def test_a_pdf_the_cache_vouches_for_is_still_verified_before_it_is_published(project: Project) -> None:
    # Someone replaced a PDF and its record to match: only the release's own check stands.
    plain = pikepdf.new()
    plain.add_blank_page()
    target = project.dist / "mcsp-history-large-print.pdf"
    plain.save(target)
    data = target.read_bytes()
    cache = json.loads((project.build / "cache.json").read_text())
    import hashlib

    cache["outputs"][target.name].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data), pages=1)
    (project.build / "cache.json").write_text(json.dumps(cache))
    restyle(project)
    before = snapshot(project.dist)
    with pytest.raises(VerificationError, match="(?s)staged release failed its checks; dist/ is unchanged:.*"
                                                "mcsp-history-large-print.pdf: "):
        build(project)
    assert snapshot(project.dist) == before


def test_a_year_build_never_touches_the_release_and_the_next_full_build_reuses_its_pdfs(project: Project) -> None:
    old = snapshot(project.dist)
    edit(project)
    built = build(project, years=[YEAR], history=False, jobs=1)
    assert all(b.rebuilt and b.path.parent == project.build / "drafts" for b in built)
    assert snapshot(project.dist) == old
    sums_check(project.dist)
    rebuilt = {b.file.name for b in build(project, jobs=1) if b.rebuilt}
    assert rebuilt == {"mcsp-history.pdf", "mcsp-history-archival.pdf", "mcsp-history-large-print.pdf"}
    sums_check(project.dist)
    # Every thumbnail shows the PDF published beside it, the year's new one included.
    from mcsp_reports.pictures import cover_thumbnail
    from mcsp_reports.site import THUMBNAIL_WIDTH

    pdf = f"mcsp-annual-achievements-{YEAR}.pdf"
    assert (project.dist / pdf).read_bytes() != old[pdf]
    for name in (pdf, "mcsp-history.pdf"):
        thumbnail = project.dist / "thumbnails" / name.replace(".pdf", ".png")
        assert thumbnail.read_bytes() == cover_thumbnail((project.dist / name).read_bytes(), THUMBNAIL_WIDTH)


def test_stale_files_and_debris_in_dist_are_gone_after_the_next_build(project: Project) -> None:
    (project.dist / ".mcsp-history.pdf.x1y2.part").write_bytes(b"half a pdf")
    (project.dist / "mcsp-annual-achievements-2011-12.pdf").write_bytes(b"from an old build")
    built = build(project)
    assert not any(b.rebuilt for b in built)  # nothing rendered, yet dist/ is clean again
    assert not (project.dist / ".mcsp-history.pdf.x1y2.part").exists()
    assert not (project.dist / "mcsp-annual-achievements-2011-12.pdf").exists()
    sums_check(project.dist)


def test_rendering_is_bounded_in_time(project: Project) -> None:
    (project.styles / "tiny.css").write_text("@page { size: 3mm 3mm; margin: 0 }\n")
    with pytest.raises(RenderError, match=rf"build/print/mcsp-annual-achievements-{YEAR}(-large-print)?.html: laying out "
                                          rf"mcsp-annual-achievements-{YEAR}\S* took more than 0.25 s"):
        build(project, years=[YEAR], history=False, stylesheets=[str(project.styles / "tiny.css")], jobs=1,
              limits=Limits(seconds=0.25))
    assert debris(project) == []


# The engine is loaded before the build, as in a process that rendered before (a preview, a
# test run): with that memory map the worker meets the bound in Fontconfig's start.
BOUNDED = """
import sys
from pathlib import Path
import mcsp_reports.pdf
from mcsp_reports import Project, RenderError, build
from mcsp_reports.build import Limits
try:
    build(Project(Path(sys.argv[1])), years=[sys.argv[2]], history=False, jobs=1, limits=Limits(memory=64 * 1024**2))
except RenderError as error:
    print(error)
"""


@pytest.mark.skipif(not Path("/etc/fonts/fonts.conf").is_file(), reason="no Fontconfig configuration to copy")
def test_rendering_is_bounded_in_memory_and_leaves_the_machines_font_caches_alone(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", years=[YEAR])
    # The machine's Fontconfig configuration with caches of its own, so that what a worker
    # out of memory does to them is seen here, not in the caches every program reads.
    caches = tmp_path / "font-caches"
    config = tmp_path / "fonts.conf"
    config.write_text(re.sub(r"<cachedir[^>]*>[^<]*</cachedir>", "", Path("/etc/fonts/fonts.conf").read_text())
                      .replace(">conf.d<", ">/etc/fonts/conf.d<")
                      .replace("</fontconfig>", f"<cachedir>{caches}</cachedir></fontconfig>"))
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": SRC}
    subprocess.run([sys.executable, "-c", "from weasyprint.text.ffi import fontconfig as f; f.FcInitLoadConfigAndFonts()"],
                   env=env, check=True)
    before = snapshot(caches)
    assert before, "Fontconfig wrote no caches"

    result = subprocess.run([sys.executable, "-c", BOUNDED, str(project.root), YEAR], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert re.match(rf"mcsp-annual-achievements-{YEAR}\S*: .*(MiB|killed)", result.stdout), result.stdout
    # Under the bound, mapping a cache can be refused: unless the build held the caches
    # before its workers forked, Fontconfig would scan the folder again and write back an
    # empty cache for it.
    assert snapshot(caches) == before
    assert debris(project) == []


def test_pdfs_published_again_unchanged_are_not_checked_again(project: Project) -> None:
    restyle(project)
    code = ("import sys; from pathlib import Path; from mcsp_reports import Project, build; "
            f"build(Project(Path({str(project.root)!r}))); print('pikepdf' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": SRC})
    assert result.stdout.split() == ["False"]  # every PDF's bytes had passed the checks before
    assert "max-width: 44rem" in (project.dist / "assets" / "screen.css").read_text()
    sums_check(project.dist)


def test_verdicts_from_other_checks_are_not_believed(project: Project) -> None:
    path = project.build / "verified.json"
    verdicts = json.loads(path.read_text())
    path.write_text(json.dumps({**verdicts, "checks": "0" * 64}))
    restyle(project)
    code = ("import sys; from pathlib import Path; from mcsp_reports import Project, build; "
            f"build(Project(Path({str(project.root)!r}))); print('pikepdf' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": SRC})
    assert result.stdout.split() == ["True"]  # every PDF was checked again
    assert json.loads(path.read_text())["checks"] == verdicts["checks"]


def test_an_atomic_write_interrupted_at_the_rename_leaves_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcsp_reports.files import write_atomic

    target = tmp_path / "cache.json"
    target.write_bytes(b"old")

    def refused(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"new")
    assert caught.value.filename == str(target)  # named after the file, not its .part
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]

"""Publishing ``dist/`` as one transaction: stage the whole release, verify it, swap it in.

A build never writes inside ``dist/``. It assembles the complete release (every PDF,
web page, asset, thumbnail, ``manifest.json``, ``SHA256SUMS``, ``index.html``) in
``build/release.staging``, on the same file system; files that are unchanged are hard
links to the ones in ``dist/`` (or in ``build/drafts/``), so nothing is rendered or
copied twice. The staged folder is then verified from the disk, as a reader would get
it: every PDF through :func:`~mcsp_reports.verify.verify_pdf`, every manifest entry
(bytes, digest, page count), every line of ``SHA256SUMS``, every link of every page,
and no file more or less than the manifest lists.

Only then does it become ``dist/``, in one ``renameat2(RENAME_EXCHANGE)``: the kernel
swaps the two names atomically, so anyone reading ``dist/`` sees the previous release
or the new one, never a mix and never a missing folder. ``dist/`` stays a plain folder
(a comms officer uploads it as it stands; a symbolic link would be copied as a link by
``cp -r`` or ``rsync -a``). The previous release is kept in ``build/release.previous``
until the next swap. On a file system without the exchange the two names are renamed
one after the other, and a build that finds ``dist/`` missing with a release left
between the two renames (``build/release.retiring``) puts that release back first.

One build at a time holds an OS lock (``fcntl.flock``) on ``build/build.lock``; a second
build waits for it. Under the lock, a build first removes what a killed build may have
left: the staging folder, the engine's temporary folder and ``.part`` files.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .cache import digest
from .errors import FileSystemError

LOCK = "build.lock"
STAGING = "release.staging"
PREVIOUS = "release.previous"
#: Where the old release waits, only between the two renames of the fallback swap.
RETIRING = "release.retiring"
#: The rendering engine's private temporary folder (see :func:`mcsp_reports.engine.use_temp_folder`).
ENGINE_TEMP = "tmp"
#: A release's own description: every file with its size and digest, and the digests alone.
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"

#: How a release is checked once staged: the problems found in the folder, one line each.
Verifier = Callable[[Path, Mapping[str, bytes]], list[str]]


@contextmanager
def locked(build: Path, report: Callable[[str], None]) -> Iterator[None]:
    """Hold the project's build lock; wait (saying so) while another build holds it.

    The lock belongs to the open file, so the kernel releases it when the process ends,
    however it ends: a killed build never leaves the project locked.
    """
    global _held
    build.mkdir(parents=True, exist_ok=True)
    fd = os.open(build / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("another build of this project is running; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held = fd
        yield
    finally:
        _held = None
        os.close(fd)


_held: int | None = None


def leave_lock_to_parent() -> None:
    """In a forked worker: close the inherited lock descriptor and die with the parent.

    A ``flock`` lasts while any descriptor of the open file does, and a fork copies the
    descriptor; a worker that outlived a killed build would otherwise keep the project
    locked. ``PR_SET_PDEATHSIG`` makes the kernel end the worker when the build ends.
    """
    global _held
    if _held is not None:
        os.close(_held)
        _held = None
    try:
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker ends when it next reads from its closed queue


def clean_debris(dist: Path, build: Path) -> None:
    """Remove what an interrupted build left behind; call it holding the lock.

    A swap interrupted between its two renames (only where the exchange is missing)
    left ``dist/`` absent and the previous release beside it: that release goes back.
    """
    retiring = build / RETIRING
    if not os.path.lexists(dist) and retiring.is_dir():
        os.rename(retiring, dist)
    for folder in (build / STAGING, build / ENGINE_TEMP, build / RETIRING):
        if os.path.lexists(folder):
            shutil.rmtree(folder)
    for here, folders, names in os.walk(build):
        folders[:] = [f for f in folders if f != PREVIOUS]
        for name in names:
            if name.endswith(".part"):
                os.unlink(Path(here) / name)


def _safe_name(name: str) -> PurePosixPath:
    """A release path that cannot leave the release folder (a bug otherwise, not a user error)."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"unsafe path in a release: {name!r}")
    return path


def listing(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` by relative path: ``"file"``, ``"folder"`` or ``"other"``."""
    found = {}
    for here, folders, names in os.walk(folder):
        base = Path(here)
        for name in [*folders, *names]:
            mode = os.lstat(base / name).st_mode
            kind = "file" if stat.S_ISREG(mode) else "folder" if stat.S_ISDIR(mode) else "other"
            found[(base / name).relative_to(folder).as_posix()] = kind
    return found


def _expected_listing(files: Mapping[str, object]) -> dict[str, str]:
    expected = {}
    for name in files:
        path = _safe_name(name)
        expected[name] = "file"
        for parent in path.parents:
            if parent != PurePosixPath("."):
                expected[str(parent)] = "folder"
    return expected


def holds(folder: Path, digests: Mapping[str, str]) -> bool:
    """Whether ``folder`` holds exactly these files (relative path: SHA-256) and nothing else."""
    if os.path.islink(folder) or not folder.is_dir():
        return False
    try:
        if listing(folder) != _expected_listing(digests):
            return False
        return all(digest((folder / name).read_bytes()) == value for name, value in digests.items())
    except OSError:
        return False


def is_current(dist: Path, files: Mapping[str, bytes]) -> bool:
    """Whether ``dist/`` already is exactly this release: the same entries, the same bytes."""
    return holds(dist, {name: digest(data) for name, data in files.items()})


def _same_file(candidate: Path, data: bytes) -> bool:
    try:
        info = os.lstat(candidate)
        return stat.S_ISREG(info.st_mode) and info.st_size == len(data) and candidate.read_bytes() == data
    except OSError:
        return False


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(folder: Path, files: Mapping[str, bytes], reuse: Mapping[str, Path], dist: Path) -> dict[str, int]:
    """Write the release into ``folder`` (which must not exist); return how many files were linked and written.

    A file whose bytes are already on disk, in ``reuse[name]`` or at ``dist/name``, is
    hard-linked from there (a release never changes a file in place, so sharing the
    inode is safe); any other is written and flushed to the disk.
    """
    folder.mkdir(mode=0o755)
    counts = {"linked": 0, "written": 0}
    folders = {folder}
    for name, data in sorted(files.items()):
        target = folder / _safe_name(name)
        if target.parent not in folders:
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            folders.update([target.parent, *target.parent.parents])
        candidates = [c for c in (reuse.get(name), dist / name) if c is not None]
        source = next((c for c in candidates if _same_file(c, data)), None)
        if source is not None:
            try:
                os.link(source, target, follow_symlinks=False)
                counts["linked"] += 1
                continue
            except OSError as error:
                if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.fchmod(fd, 0o644)  # readable by everyone whatever the umask: it is published
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        counts["written"] += 1
    for each in sorted(f for f in folders if f.is_relative_to(folder)):
        os.chmod(each, 0o755)
        _fsync_folder(each)
    return counts


def check_release(folder: Path, manifest_name: str, sums_name: str) -> list[str]:
    """Problems with a staged release's own description: every file listed with its true
    size and digest in the manifest and in the checksums, and nothing else in the folder."""
    problems = []
    try:
        manifest = json.loads((folder / manifest_name).read_bytes())
        entries = {entry["name"]: entry for entry in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{manifest_name} is missing or unreadable"]
    on_disk = {name for name, kind in listing(folder).items() if kind != "folder"}
    for name in sorted(on_disk - set(entries) - {manifest_name, sums_name}):
        problems.append(f"{name}: in the release but not in {manifest_name}")
    for name, entry in sorted(entries.items()):
        path = folder / name
        if not path.is_file() or path.is_symlink():
            problems.append(f"{name}: listed in {manifest_name} but not a file of the release")
            continue
        data = path.read_bytes()
        if entry.get("bytes") != len(data) or entry.get("sha256") != digest(data):
            problems.append(f"{name}: differs from its entry in {manifest_name}")
    sums: dict[str, str] = {}
    try:
        for line in (folder / sums_name).read_text(encoding="utf-8").splitlines():
            value, _, name = line.partition("  ")
            sums[name] = value
    except (OSError, ValueError):
        return [*problems, f"{sums_name} is missing or unreadable"]
    if set(sums) != on_disk - {sums_name}:
        problems.append(f"{sums_name} does not list exactly the files of the release")
    for name, value in sorted(sums.items()):
        path = folder / name
        if not path.is_file() or digest(path.read_bytes()) != value:
            problems.append(f"{name}: does not match its line in {sums_name}")
    return problems


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(second))
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(second))


def swap(staging: Path, dist: Path, previous: Path) -> None:
    """Make ``staging`` the new ``dist/`` in one atomic step; the old release goes to ``previous``."""
    if os.path.lexists(previous):
        shutil.rmtree(previous)
    if os.path.islink(dist) or (os.path.lexists(dist) and not dist.is_dir()):
        raise FileSystemError(dist.name + "/", "is not a folder; move it away so the build can publish there")
    if not os.path.lexists(dist):
        os.rename(staging, dist)
    else:
        try:
            _exchange(staging, dist)
        except OSError as error:
            if error.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                raise
            # No atomic exchange here: two renames, with a moment without dist/ that
            # clean_debris repairs if the build dies in it.
            retiring = previous.with_name(RETIRING)
            os.rename(dist, retiring)
            os.rename(staging, dist)
            os.rename(retiring, previous)
        else:
            os.rename(staging, previous)
    _fsync_folder(dist.parent)


def publish(dist: Path, build: Path, files: Mapping[str, bytes], reuse: Mapping[str, Path],
            verify: Verifier) -> dict[str, int] | None:
    """Make ``dist/`` exactly ``files``; return what staging cost, or ``None`` if it already was.

    ``verify(folder, files)`` checks the staged folder; any problem it returns fails
    the build with :class:`~mcsp_reports.errors.VerificationError`, ``dist/`` untouched.
    """
    from .errors import VerificationError

    if is_current(dist, files):
        return None
    staging = build / STAGING
    try:
        counts = stage(staging, files, reuse, dist)
        problems = verify(staging, files)
        if problems:
            raise VerificationError("the staged release failed its checks; dist/ is unchanged:\n"
                                    + "\n".join(problems))
        swap(staging, dist, build / PREVIOUS)
    finally:
        if os.path.lexists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    return counts

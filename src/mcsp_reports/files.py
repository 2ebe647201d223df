"""Reading and writing the project's files safely.

Every file the project writes goes through :func:`write_atomic`: the data goes to a
temporary file in the same folder, is flushed to disk, and then replaces the target in
one rename, so a crash or a full disk leaves the old file or the new, never a mix.

Every file read on a user's say-so (content, stylesheets, images, fonts) goes through
:func:`read_regular_file`, which refuses anything that is not a regular file inside the
project before reading it: a folder, a named pipe (which would block for ever), a device
such as ``/dev/zero`` (which never ends) or a link out of the project (whose content is
none of ours to read or quote).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import FileRefusedError


def _kind(mode: int) -> str | None:
    """Why a file of this mode may not be read, or ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def read_regular_file(path: Path, root: Path, limit: int, shown: str | None = None) -> bytes:
    """The bytes of ``path``, read only if it is a regular file inside ``root`` of at most ``limit`` bytes.

    Links are followed only while they stay inside ``root``. The kind of file is checked
    before it is opened (opening a named pipe would wait for a writer), checked again on
    the open descriptor (the file may have been swapped meanwhile), and no more than
    ``limit + 1`` bytes are ever read, so a huge sparse file or a growing one costs
    nothing. Raises :class:`FileRefusedError` naming ``shown`` (default: ``path``) with a
    reason that never quotes the file.
    """
    name = shown if shown is not None else str(path)
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(real_root):
        raise FileRefusedError(name, "is a link to a file outside the project; copy the file in instead")
    try:
        before = os.stat(real)
    except FileNotFoundError:
        raise FileRefusedError(name, "does not exist" if not os.path.islink(path)
                               else "is a link to a file that does not exist") from None
    except OSError as error:
        raise FileRefusedError(name, f"cannot be read ({error.strerror})") from None
    reason = _kind(before.st_mode)
    if reason:
        raise FileRefusedError(name, reason)
    if before.st_size > limit:
        raise FileRefusedError(name, f"file is {before.st_size} bytes; at most {limit}")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as error:
        raise FileRefusedError(name, f"cannot be read ({error.strerror})") from None
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or _kind(opened.st_mode):
            raise FileRefusedError(name, "changed while it was being read; try again")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise FileRefusedError(name, f"cannot be read ({error.strerror})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileRefusedError(name, f"file is more than {limit} bytes; at most {limit}")
    return data


#: The most a stylesheet, font or image under ``styles/`` may hold (the shipped fonts are under 1 MB).
MAX_ASSET_BYTES = 16 * 1024 * 1024


def read_tree(folder: Path, root: Path, limit: int) -> dict[str, bytes]:
    """Every file under ``folder``, by its path relative to ``root``, each read through
    :func:`read_regular_file`; hidden files and ``.part`` debris are skipped.

    Real subfolders are walked; a link to a folder is offered to the gate like any
    entry, which refuses it (a folder is not a file, and one outside is not ours), so
    nothing outside the project is ever read or published through a link.
    """
    files: dict[str, bytes] = {}
    for here, folders, names in os.walk(folder, followlinks=False):
        base = Path(here)
        linked = [name for name in folders if (base / name).is_symlink()]
        folders[:] = sorted(name for name in folders if name not in linked and not name.startswith("."))
        for name in sorted([*names, *linked]):
            if name.startswith("."):
                continue
            path = base / name
            shown = path.relative_to(root).as_posix()
            files[shown] = read_regular_file(path, root, limit, shown)
    return files


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a part.

    The temporary file lives in the same folder, so ``os.replace`` is a rename on one
    file system; it is removed again if anything fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        # Name the file being written, not its temporary neighbour.
        raise OSError(error.errno, error.strerror, str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """:func:`write_atomic`, skipped when ``path`` already holds ``data``; whether it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True

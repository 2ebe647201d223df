"""Writing files so that a reader never sees a part-written one.

Every file the project writes goes through :func:`write_atomic`: the data goes to a
temporary file in the same folder, is flushed to disk, and then replaces the target in
one rename, so a crash or a full disk leaves the old file or the new, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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

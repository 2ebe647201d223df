"""Every error a user can fix, as opposed to bugs, in one place.

Commands print a :class:`UserError` as its message alone, one problem per line, with no
traceback; any other exception is a bug and keeps its traceback. Each stage raises its
own subclass, so callers can tell a content mistake from a render or release problem.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


class UserError(Exception):
    """A problem in the content, the options or the project files, described for its fixer."""


@dataclass(frozen=True)
class Problem:
    """One mistake in the content, located to the line and column.

    ``excerpt`` holds lines to print beneath it, indented (the line as written and a
    caret under the column), so the first line stays ``file:line:col: field: message``.
    """

    path: str
    line: int
    column: int
    field: str
    message: str
    excerpt: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """The problem in one line: ``file:line:col: field: message``."""
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def __str__(self) -> str:
        return "\n".join([self.headline, *(f"    {line}" for line in self.excerpt)])


class ContentError(UserError):
    """The content has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FileRefusedError(UserError):
    """A file was not read: it is not a regular file inside the project, or it is too large.

    ``reason`` says why in words that never quote the file's content, so that a link to
    a file outside the project cannot leak what it holds into a message.
    """

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ProjectError(UserError):
    """An option or a project file names something that does not exist or may not be used."""


class PlanError(UserError):
    """The build was asked for something the content does not have."""


class DesignError(UserError):
    """The stylesheets' design values or fonts break a rule (one line per problem, at its file:line:col)."""


class RenderError(UserError):
    """A document could not be rendered exactly as written (one line per problem)."""


class VerificationError(UserError):
    """A PDF breaks one or more of the checks; the message lists every violation."""


class LinkError(UserError):
    """Generated HTML links to something that does not exist; one line per link."""


class ScaffoldError(UserError):
    """A new reporting year cannot be started as asked."""


class PackError(UserError):
    """``dist/`` cannot be packed: it is missing or differs from its manifest."""


class FileSystemError(UserError):
    """The operating system refused to read or write a file: a full disk, a size limit, a
    read-only or forbidden folder. One line naming the path and what to do about it."""

    #: What to do, by ``errno``; anything else gets the system's own words.
    ADVICE: ClassVar[dict[int, str]] = {
        errno.ENOSPC: "the disk is full; free some space and build again",
        errno.EDQUOT: "the disk quota is used up; free some space and build again",
        errno.EFBIG: "the file is larger than this process may write (see `ulimit -f`); raise the limit",
        errno.EROFS: "the file system is read-only; make it writable or build in a writable copy",
        errno.EACCES: "permission denied; give the user running the build access to it",
        errno.EPERM: "the operation is not permitted; give the user running the build access to it",
        errno.EISDIR: "is a folder where a file belongs; move it away",
        errno.ENOTDIR: "is a file where a folder belongs; move it away",
        errno.EXDEV: "is on another file system; keep dist/ and build/ on the same one",
        errno.EBUSY: "is in use (a mount point?); make it a plain folder of the project",
        errno.ENAMETOOLONG: "the path is too long for the file system",
    }

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    @classmethod
    def from_os(cls, error: OSError, path: str | os.PathLike[str] | None = None,
                root: Path | None = None) -> FileSystemError:
        """The one-line error for ``error`` on ``path`` (default: the path the error names),
        shown relative to ``root`` when it lies inside it."""
        # A rename's error names its source first; the destination is what the user sees.
        where = path if path is not None else error.filename2 or error.filename
        shown = str(where) if where is not None else "(unknown file)"
        if where is not None and root is not None:
            absolute = Path(os.path.abspath(where))
            if absolute.is_relative_to(os.path.abspath(root)):
                shown = absolute.relative_to(os.path.abspath(root)).as_posix()
        advice = cls.ADVICE.get(error.errno or 0)
        reason = advice or f"{error.strerror or type(error).__name__}; fix it and build again"
        return cls(shown, reason)

"""Knowing which outputs are up to date, by content hashes rather than timestamps.

A document's *key* is a SHA-256 over everything its PDFs are made from: the exact HTML
it is printed from (which holds the content and the templates' output), the bytes of
its stylesheets and of every other asset under ``styles/`` (fonts, images), the source
files it embeds, the editions it is written as, and the versions of mcsp-reports and
WeasyPrint. The record of the last build lives in ``build/cache.json``; an output is
up to date when its document's key is unchanged and the file in ``dist/`` still has
the digest recorded for it.

Above the keys, a :class:`Stamp` records what the last finished build (or clean check)
read and wrote, as digests: a run that finds exactly the same has nothing to do.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from .errors import FileSystemError
from .files import write_atomic, write_if_changed
from .plan import Document, PdfFile

CACHE_VERSION = 1


@dataclass(frozen=True)
class Record:
    """What the last build wrote for one PDF file."""

    key: str
    sha256: str
    pages: int
    size: int


def digest(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@functools.cache  # each lookup searches the installed distributions: about a millisecond
def engine_versions() -> str:
    """The versions that shape the output, read without importing WeasyPrint."""
    return f"mcsp-reports {version('mcsp-reports')}; weasyprint {version('weasyprint')}"


def document_key(document: Document, html: str, files: Mapping[str, bytes], assets: str) -> str:
    """The key of ``document``.

    ``files`` are the project's files as the build read them once, by project-relative
    path (``styles/theme.css``, ``reports/2017-18.yaml``): the same bytes are rendered
    and embedded. ``assets`` is :func:`assets_digest` of them.
    """
    h = hashlib.sha256()
    h.update(engine_versions().encode())
    h.update(html.encode())
    for sheet in document.stylesheets:
        h.update(sheet.encode() + b"\0" + files[sheet])
    h.update(assets.encode())
    for file in document.files:
        h.update(f"{file.name}|{file.variant}|{','.join(file.sources)}".encode())
        for name in file.sources:
            h.update(files[f"reports/{name}"])
    return h.hexdigest()


def assets_digest(files: Mapping[str, bytes]) -> str:
    """One digest over every non-stylesheet file under ``styles/`` (fonts, images, licences)."""
    h = hashlib.sha256()
    for name, data in sorted(files.items()):
        if name.startswith("styles/") and not name.endswith(".css"):
            h.update(name.removeprefix("styles/").encode() + b"\0" + data)
    return h.hexdigest()


#: Bounds a record must respect to be believed; a PDF beyond them is not one this project makes.
MAX_PAGES = 10_000
MAX_BYTES = 1 << 31
_HEX = frozenset("0123456789abcdef")


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _is_count(value: object, upper: int) -> bool:
    # bool is an int in Python; a record saying ``true`` pages is as wrong as "lots".
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= upper


def parse_records(data: object) -> dict[str, Record] | None:
    """The records of a cache file's JSON, or ``None`` if anything in it is not as written by :meth:`Cache.save`.

    The cache is read like any input: one wrong type, key or range and none of it is
    believed, so the build starts from scratch rather than publishing a wrong number.
    """
    if not isinstance(data, dict) or set(data) != {"version", "outputs"} or data["version"] != CACHE_VERSION:
        return None
    outputs = data["outputs"]
    if not isinstance(outputs, dict):
        return None
    records = {}
    for name, fields in outputs.items():
        if (not isinstance(name, str) or not name.endswith(".pdf") or "/" in name or name.startswith(".")
                or not isinstance(fields, dict) or set(fields) != {"key", "sha256", "pages", "size"}
                or not _is_digest(fields["key"]) or not _is_digest(fields["sha256"])
                or not _is_count(fields["pages"], MAX_PAGES) or not _is_count(fields["size"], MAX_BYTES)):
            return None
        records[name] = Record(**fields)
    return records


class Cache:
    """The records of ``build/cache.json``, read once and saved after a build."""

    def __init__(self, path: Path, root: Path | None = None):
        self.path = path
        try:
            data = json.loads(path.read_bytes())
        except IsADirectoryError as error:
            # Not damage but a folder the build could never save its records to: said
            # before anything is laid out, not after. The path is shown from ``root``.
            raise FileSystemError.from_os(error, path, root) from None
        except (OSError, ValueError, RecursionError):
            data = None  # a missing, unreadable or damaged cache only means a full rebuild
        self.records: dict[str, Record] = parse_records(data) or {}

    def find(self, name: str, key: str, folders: Sequence[Path]) -> tuple[Record, bytes, Path] | str:
        """The record of ``name``, its bytes and where they are, if it was built from ``key``
        and the first of ``folders`` that holds it holds it intact; otherwise why not, in a few words."""
        record = self.records.get(name)
        if record is None:
            return "no record of an earlier build"
        if record.key != key:
            return "what it is made from changed since the last build"
        seen = False
        for folder in folders:
            path = folder / name
            try:
                if not path.is_file() or path.is_symlink():
                    continue
                seen = True
                if path.stat().st_size != record.size:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if digest(data) == record.sha256:
                return record, data, path
        return f"{name} {'differs from the one built' if seen else 'is missing'}"

    def save(self, write: Callable[[Path, bytes], None]) -> None:
        """Store the records with ``write`` (an atomic writer)."""
        data = {"version": CACHE_VERSION,
                "outputs": {name: asdict(r) for name, r in sorted(self.records.items())}}
        write(self.path, (json.dumps(data, indent=1) + "\n").encode())


#: PDFs that passed every check, by digest: a PDF published again unchanged is not checked again.
VERIFIED = "verified.json"


def checks_digest() -> str:
    """A digest of everything a verdict of :func:`~mcsp_reports.verify.verify_pdf` depends on:
    the code of this package and the engine versions; a change to either checks every PDF again."""
    return digest(engine_versions().encode() + _package_code())


def _package_code() -> bytes:
    """The name and bytes of each module of this package."""
    package = Path(__file__).parent
    return b"".join(p.name.encode() + p.read_bytes() for p in sorted(package.glob("*.py")))


def verdict_key(data: bytes, file: PdfFile) -> str:
    """What a verdict is about: the exact bytes of a PDF and what it was checked to be."""
    return f"{digest(data)} {file.variant} {','.join(file.sources)}"


class Verified:
    """The PDFs that passed every check (``build/verified.json``): page count by verdict key.

    Read like any input: anything unexpected in the file, or checks that have changed
    since it was written, and it is ignored, so every PDF is checked again.
    """

    def __init__(self, path: Path, checks: str):
        self.path, self.checks = path, checks
        self.passed: dict[str, int] = {}
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return
        if (isinstance(data, dict) and data.get("checks") == checks and isinstance(data.get("passed"), dict)
                and all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100_000
                        for k, v in data["passed"].items())):
            self.passed = dict(data["passed"])

    def save(self, keep: set[str]) -> None:
        """Store the verdicts whose keys are in ``keep``."""
        passed = {key: pages for key, pages in sorted(self.passed.items()) if key in keep}
        write_if_changed(self.path, (json.dumps({"checks": self.checks, "passed": passed}, indent=1) + "\n").encode())


#: Where a finished build and a clean check leave their :class:`Stamp` (in ``build/``).
BUILT_STAMP = "built.json"
CHECKED_STAMP = "checked.json"


@functools.cache
def _code_digest() -> str:
    """The package's code, Python's version and every distribution installed on the path.

    A distribution's metadata folder is named after its version (``Jinja2-3.1.6.dist-info``),
    so listing the folders of the path sees an upgrade of any library that shapes what is
    read, rendered or checked, in a millisecond, where asking for each version takes one.
    """
    installed = sorted(
        entry.name for folder in sys.path if folder and os.path.isdir(folder)
        for entry in os.scandir(folder) if entry.name.endswith((".dist-info", ".egg-info")))
    return digest(f"{sys.version}\0{installed}\0".encode() + _package_code())


def inputs_digest(purpose: str, files: Mapping[str, bytes]) -> str:
    """One digest over everything a command's outcome depends on, for its :class:`Stamp`.

    ``purpose`` names the command and what it was asked for (its plan, its stylesheets);
    ``files`` are every project file it reads, by project-relative path. The rest is read
    here: the package's code, the versions of Python, the engine and the libraries, and
    ``SOURCE_DATE_EPOCH`` (which dates the PDFs).
    """
    h = hashlib.sha256()
    h.update(f"{_code_digest()}\0{os.environ.get('SOURCE_DATE_EPOCH')!r}\0{purpose}\0".encode())
    for name, data in sorted(files.items()):
        h.update(f"{name}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What a command that finished found and left: the :func:`inputs_digest` of what it
    read, the digest of each file it wrote (by project-relative path), and what it counted
    (each PDF's pages, for a build; the years and achievements, for a check).

    When a later run finds the same inputs and every one of those files intact, it has
    nothing to do: the same code on the same bytes would decide, render and check the
    same, so it ends there (a build with nothing to do, a check of what was checked).
    """

    inputs: str
    outputs: Mapping[str, str]
    counts: Mapping[str, int]

    @classmethod
    def read(cls, path: Path) -> Stamp | None:
        """The stamp in ``path``, or ``None`` if it is missing or anything in it is not as :meth:`leave` writes it."""
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or set(data) != {"version", "inputs", "outputs", "counts"}:
            return None
        outputs, counts = data["outputs"], data["counts"]
        if (data["version"] != CACHE_VERSION or not _is_digest(data["inputs"])
                or not isinstance(outputs, dict) or not isinstance(counts, dict)
                or not all(isinstance(k, str) and _is_digest(v) for k, v in outputs.items())
                or not all(isinstance(k, str) and _is_count(v, MAX_PAGES) for k, v in counts.items())):
            return None
        return cls(data["inputs"], outputs, counts)

    def leave(self, path: Path) -> None:
        """Store the stamp in ``path``, atomically, if the disk allows.

        It is left once the work is done (and published): failing to store it then must
        not fail the command, whose only loss is that the next run takes the long way.
        """
        data = {"version": CACHE_VERSION, "inputs": self.inputs,
                "outputs": dict(sorted(self.outputs.items())), "counts": dict(sorted(self.counts.items()))}
        try:
            write_atomic(path, (json.dumps(data, indent=1) + "\n").encode())
        except OSError:
            pass

"""Knowing which outputs are up to date, by content hashes rather than timestamps.

A document's *key* is a SHA-256 over everything its PDFs are made from: the exact HTML
it is printed from (which holds the content and the templates' output), the bytes of
its stylesheets and of every other asset under ``styles/`` (fonts, images), the source
files it embeds, the editions it is written as, and the versions of mcsp-reports and
WeasyPrint. The record of the last build lives in ``build/cache.json``; an output is
up to date when its document's key is unchanged and the file in ``dist/`` still has
the digest recorded for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from .plan import Document

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


def engine_versions() -> str:
    """The versions that shape the output, read without importing WeasyPrint."""
    return f"mcsp-reports {version('mcsp-reports')}; weasyprint {version('weasyprint')}"


def document_key(document: Document, html: str, root: Path, sources: dict[str, bytes], assets: str) -> str:
    """The key of ``document``; ``assets`` is :func:`assets_digest` of the project's styles folder."""
    h = hashlib.sha256()
    h.update(engine_versions().encode())
    h.update(html.encode())
    for sheet in document.stylesheets:
        h.update(sheet.encode() + b"\0" + (root / sheet).read_bytes())
    h.update(assets.encode())
    for file in document.files:
        h.update(f"{file.name}|{file.variant}|{','.join(file.sources)}".encode())
        for name in file.sources:
            h.update(sources[name])
    return h.hexdigest()


def assets_digest(styles: Path) -> str:
    """One digest over every non-stylesheet file under ``styles`` (fonts, images, licences)."""
    h = hashlib.sha256()
    for path in sorted(p for p in styles.rglob("*") if p.is_file() and p.suffix != ".css"):
        h.update(path.relative_to(styles).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Cache:
    """The records of ``build/cache.json``, read once and saved after a build."""

    def __init__(self, path: Path):
        self.path = path
        self.records: dict[str, Record] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == CACHE_VERSION:
                self.records = {name: Record(**fields) for name, fields in data["outputs"].items()}
        except (OSError, ValueError, TypeError, KeyError):
            self.records = {}  # a missing or damaged cache only means a full rebuild

    def fresh(self, name: str, key: str, dist: Path) -> Record | None:
        """The record of ``name`` if it was built from ``key`` and ``dist`` still holds it intact."""
        record = self.records.get(name)
        if record is None or record.key != key:
            return None
        path = dist / name
        try:
            if path.stat().st_size != record.size or digest(path.read_bytes()) != record.sha256:
                return None
        except OSError:
            return None
        return record

    def save(self, write: Callable[[Path, bytes], None]) -> None:
        """Store the records with ``write`` (an atomic writer)."""
        data = {"version": CACHE_VERSION,
                "outputs": {name: asdict(r) for name, r in sorted(self.records.items())}}
        write(self.path, (json.dumps(data, indent=1) + "\n").encode())


"""Packing ``dist/`` into one reproducible zip for distribution.

The zip holds exactly the files ``dist/manifest.json`` lists, plus the manifest and
``SHA256SUMS``, each checked against its recorded digest first. Entries are sorted and
carry the content's own date and fixed permissions, so the same ``dist/`` always gives
the same zip bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from .errors import PackError
from .files import write_atomic
from .load import load_content
from .model import Content
from .project import Project
from .site import CHECKSUMS, MANIFEST


def bundle_name(content: Content) -> str:
    """``<short name>-<from>-to-<until>``, e.g. ``mcsp-2012-to-2019-06``."""
    p = content.partnership
    return f"{p.short_name.lower()}-{p.founded.iso}-to-{p.closed.iso}"


def pack(project: Project) -> Path:
    """Write ``build/<bundle name>.zip`` from a complete ``dist/``; return its path."""
    content = load_content(project.reports)
    try:
        manifest = json.loads((project.dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PackError("dist/ holds no complete build (manifest.json is missing); run `invoke build`") from None
    names = [entry["name"] for entry in manifest["files"]]
    problems = []
    for entry in manifest["files"]:
        path = project.dist / entry["name"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"dist/{entry['name']} is missing or differs from manifest.json; run `invoke build`")
    if problems:
        raise PackError("\n".join(problems))

    folder = bundle_name(content)
    closed = content.partnership.closed
    stamp = (closed.year, closed.month or 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted([*names, MANIFEST, CHECKSUMS]):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever machine packs it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (project.dist / name).read_bytes(), compresslevel=9)
    path = project.build / f"{folder}.zip"
    write_atomic(path, out.getvalue())
    return path

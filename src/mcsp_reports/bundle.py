"""Packing ``dist/`` into one reproducible zip for distribution, and saying what goes where.

The zip holds exactly the files ``dist/manifest.json`` lists, plus the manifest and
``SHA256SUMS``, each checked against its recorded digest first. Entries are sorted and
carry the edition's publication date and fixed permissions, so the same ``dist/`` always gives
the same zip bytes. It is written to ``release/``, and :func:`release_guide` tells the
person handing it over which files go to the website and which to the archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

from .errors import FileRefusedError, FileSystemError, PackError
from .files import read_regular_file, write_atomic
from .load import load_content
from .model import Content
from .project import Project
from .release import CHECKSUMS, MANIFEST, check_release

#: The most one packed file may hold (the largest PDF is well under 1 MB).
MAX_PACKED_BYTES = 256 * 1024 * 1024


def bundle_name(content: Content) -> str:
    """``<short name>-<from>-to-<until>``, e.g. ``mcsp-2012-to-2019-06``."""
    p = content.partnership
    return f"{p.short_name.lower()}-{p.founded.iso}-to-{p.closed.iso}"


def pack(project: Project) -> Path:
    """Write ``release/<bundle name>.zip`` from a complete ``dist/``; return its path.

    ``dist/`` must be exactly a release: every file listed in ``manifest.json`` with its
    size and digest, every line of ``SHA256SUMS`` true, nothing else. Each file is read
    once, through the file gate, and the bytes checked are the bytes packed.
    """
    content = load_content(project.reports)
    try:
        return _pack(project, content)
    except OSError as error:
        raise FileSystemError.from_os(error, root=project.root) from None


def _pack(project: Project, content: Content) -> Path:
    dist = project.dist
    if not (dist / MANIFEST).is_file() or os.path.islink(dist):
        raise PackError("dist/ holds no complete build (manifest.json is missing); run `invoke build`")
    problems = check_release(dist, MANIFEST, CHECKSUMS)
    if problems:
        raise PackError("\n".join(f"dist/{p}; run `invoke build`" for p in problems))
    names = sorted(json.loads((dist / MANIFEST).read_bytes())["files"], key=lambda e: e["name"])
    files = {}
    for entry in names:
        try:
            data = read_regular_file(dist / entry["name"], dist, MAX_PACKED_BYTES, f"dist/{entry['name']}")
        except FileRefusedError as error:
            raise PackError(str(error)) from None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # changed since it was checked
            raise PackError(f"dist/{entry['name']} changed while it was being packed; run `invoke dist` again")
        files[entry["name"]] = data
    for name in (MANIFEST, CHECKSUMS):
        files[name] = read_regular_file(dist / name, dist, MAX_PACKED_BYTES, f"dist/{name}")

    folder = bundle_name(content)
    # Zip entries are dated in local time from 1980 on: the UTC time stands for itself,
    # and an earlier SOURCE_DATE_EPOCH is raised to 1980, as Python's own wheel builders do.
    from .render import publication_time  # Jinja is loaded only by the commands that render

    stamp = max(publication_time(content.partnership.edition).timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever machine packs it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=9)
    path = project.release / f"{folder}.zip"
    write_atomic(path, out.getvalue())
    return path


def release_guide(project: Project, zip_path: Path) -> str:
    """What to do with a release: the short guide ``invoke dist`` prints (and the README repeats)."""
    manifest = json.loads((project.dist / MANIFEST).read_text(encoding="utf-8"))
    pdfs = [entry["name"] for entry in manifest["files"] if entry["kind"] == "pdf"]
    archival = [name for name in pdfs if name.endswith("-archival.pdf")]
    zip_name = zip_path.relative_to(project.root).as_posix()
    return "\n".join([
        f"Release ready: {zip_name} ({zip_path.stat().st_size / 1e6:.1f} MB, "
        f"{len(manifest['files']) + 2} files, {len(pdfs)} of them PDFs).",
        "",
        "1. For the website: upload everything in dist/ as it is (the same files are in the zip).",
        "   index.html is the landing page; it links each report's web page, its Standard PDF",
        "   and its Large print PDF.",
        f"2. For the archive: send {zip_name}. It holds every file with its checksum; the",
        f"   {len(archival)} \"For archives\" PDFs (*-archival.pdf, PDF/A-3a) carry the data they were made from.",
        "3. To check the files (before uploading, and for the archive on receipt): unzip, go into",
        "   the folder and run `sha256sum -c SHA256SUMS` (macOS: `shasum -a 256 -c SHA256SUMS`);",
        "   every line must end in OK. Any other answer means a file was damaged or changed.",
    ])

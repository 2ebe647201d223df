"""The distribution bundle: manifest, checksums that sha256sum accepts, and a reproducible zip."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest

from mcsp_reports import PackError, Project, build, pack


def test_manifest_describes_every_file_in_dist(built: dict) -> None:
    dist = built["project"].dist
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["partnership"] == "Merseyside Community Safety Partnership"
    files = {entry["name"]: entry for entry in manifest["files"]}
    on_disk = {str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file()}
    assert set(files) == on_disk - {"manifest.json", "SHA256SUMS"}
    for name, entry in files.items():
        data = (dist / name).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        if name.endswith(".pdf"):
            assert entry["kind"] == "pdf" and entry["pages"] == len(pypdf.PdfReader(dist / name).pages)
        assert entry["title"]
    assert files["mcsp-annual-achievements-2017-18.pdf"]["year"] == "2017-18"
    assert files["mcsp-history.pdf"]["year"] is None
    assert {e["kind"] for e in files.values()} == {"pdf", "html", "thumbnail", "asset"}


def test_sha256sum_accepts_the_checksums(built: dict) -> None:
    result = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=built["project"].dist,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    files = [p for p in built["project"].dist.rglob("*") if p.is_file() and p.name != "SHA256SUMS"]
    assert result.stdout.count(": OK") == len(files)


def test_checksums_catch_a_changed_file(built: dict, tmp_path: Path) -> None:
    copy = tmp_path / "dist"
    shutil.copytree(built["project"].dist, copy)
    (copy / "index.html").write_text("changed")
    result = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 1 and "index.html: FAILED" in result.stdout


def test_two_packs_give_the_same_zip_holding_all_of_dist(
        built: dict, small_release: Project, built_elsewhere: Project, tmp_path: Path) -> None:
    project = built["project"]
    first = pack(project).read_bytes()
    path = pack(project)
    assert path.name == "mcsp-2012-to-2019-06.zip" and path.read_bytes() == first
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 25, 0, 0, 0)}
        inside = {n.removeprefix("mcsp-2012-to-2019-06/") for n in names}
        assert inside == {str(p.relative_to(project.dist)) for p in project.dist.rglob("*") if p.is_file()}
        assert archive.read("mcsp-2012-to-2019-06/mcsp-history.pdf") == (project.dist / "mcsp-history.pdf").read_bytes()

    # A separate build (another process, one worker, another time zone) packs to the same bytes.
    shutil.copytree(small_release.root, tmp_path / "project", symlinks=True)
    assert pack(built_elsewhere).read_bytes() == pack(Project(tmp_path / "project")).read_bytes()


@pytest.mark.slow
def test_pack_refuses_an_incomplete_or_altered_dist(project: Project) -> None:
    with pytest.raises(PackError, match="manifest.json is missing"):
        pack(project)
    build(project, years=["2016-17"], history=False, jobs=1)
    with pytest.raises(PackError, match="manifest.json is missing"):
        pack(project)


def test_pack_dates_entries_by_the_content_and_refuses_a_file_that_differs_from_its_digest(project: Project) -> None:
    data = b"%PDF-1.7 a stand-in for a report"
    project.dist.mkdir()
    (project.dist / "report.pdf").write_bytes(data)
    manifest = {"files": [{"name": "report.pdf", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}]}
    (project.dist / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    listed = hashlib.sha256((project.dist / "manifest.json").read_bytes()).hexdigest()
    (project.dist / "SHA256SUMS").write_text(
        f"{listed}  manifest.json\n{hashlib.sha256(data).hexdigest()}  report.pdf\n")
    with zipfile.ZipFile(pack(project)) as archive:
        assert archive.read("mcsp-2012-to-2019-06/report.pdf") == data
        # Dated by the edition's publication day, never by the clock.
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 25, 0, 0, 0)}

    (project.dist / "report.pdf").write_bytes(data.replace(b"stand-in", b"forgery!"))  # same size, other bytes
    with pytest.raises(PackError, match=r"^dist/report.pdf: differs from its entry in manifest.json"):
        pack(project)
    (project.dist / "report.pdf").unlink()
    with pytest.raises(PackError, match=r"^dist/report.pdf: listed in manifest.json but not a file of the release"):
        pack(project)


@pytest.mark.parametrize("fault", ["changed", "extra", "missing", "sums"])
def test_pack_refuses_a_release_that_does_not_match_its_manifest(built: dict, tmp_path: Path, fault: str) -> None:
    project = Project(tmp_path / "project")
    shutil.copytree(built["project"].root, project.root)
    for old in project.build.glob("*.zip"):
        old.unlink()
    dist = project.dist
    if fault == "changed":
        with (dist / "mcsp-history.pdf").open("r+b") as file:
            file.seek(200)
            file.write(b"X")
        expected = "dist/mcsp-history.pdf: differs from its entry in manifest.json"
    elif fault == "extra":
        (dist / "notes.txt").write_text("not part of the release")
        expected = "dist/notes.txt: in the release but not in manifest.json"
    elif fault == "missing":
        (dist / "thumbnails" / "mcsp-history.png").unlink()
        expected = "dist/thumbnails/mcsp-history.png: listed in manifest.json but not a file of the release"
    else:
        sums = (dist / "SHA256SUMS").read_text().splitlines()
        (dist / "SHA256SUMS").write_text("\n".join(sums[1:]) + "\n")
        expected = "dist/SHA256SUMS does not list exactly the files of the release"
    with pytest.raises(PackError) as caught:
        pack(project)
    assert expected in str(caught.value).splitlines()[0]
    assert not (project.build / "mcsp-2012-to-2019-06.zip").exists()

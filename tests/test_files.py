"""Files: only regular files inside the project are read, never more than the limit; writes are atomic."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mcsp_reports import FileRefusedError
from mcsp_reports.files import read_regular_file, write_atomic, write_if_changed


def refused(path: Path, root: Path, limit: int = 100) -> str:
    with pytest.raises(FileRefusedError) as caught:
        read_regular_file(path, root, limit, shown="x")
    return caught.value.reason


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"year: 2017-18\n")
    assert read_regular_file(tmp_path / "a.yaml", tmp_path, 100) == b"year: 2017-18\n"


def test_a_link_that_stays_inside_the_root_is_followed(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"text")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    assert read_regular_file(tmp_path / "b.yaml", tmp_path, 100) == b"text"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "2019-20.yaml").mkdir()
    assert refused(tmp_path / "2019-20.yaml", tmp_path) == "is a folder, not a file"


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert refused(tmp_path / "pipe.yaml", tmp_path) == "is a named pipe, not a regular file"


def test_a_device_is_refused(tmp_path: Path) -> None:
    assert refused(Path("/dev/zero"), Path("/")) == "is a device, not a regular file"


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd"])
def test_a_link_leaving_the_root_is_refused_without_quoting_its_target(tmp_path: Path, target: str) -> None:
    (tmp_path / "2019-20.yaml").symlink_to(target)
    with pytest.raises(FileRefusedError) as caught:
        read_regular_file(tmp_path / "2019-20.yaml", tmp_path, 100, shown="reports/2019-20.yaml")
    assert str(caught.value) == (
        "reports/2019-20.yaml: is a link to a file outside the project; copy the file in instead")


def test_a_dangling_link_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to("nowhere.yaml")
    assert refused(tmp_path / "gone.yaml", tmp_path) == "is a link to a file that does not exist"
    assert refused(tmp_path / "absent.yaml", tmp_path) == "does not exist"


def test_a_huge_sparse_file_is_refused_from_its_size_alone(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as file:
        file.truncate(3 * 1024**3)  # 3 GiB of holes: reading it would take seconds and all the memory
    assert refused(path, tmp_path, 1000) == f"file is {3 * 1024**3} bytes; at most 1000"


def test_exactly_the_limit_is_accepted_and_one_more_byte_refused(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 10)
    assert read_regular_file(tmp_path / "a", tmp_path, 10) == b"x" * 10
    assert refused(tmp_path / "a", tmp_path, 9) == "file is 10 bytes; at most 9"


def test_an_unreadable_file_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_bytes(b"text")

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    # Tests run as root here, where chmod 000 does not stop a read; refuse the open instead.
    monkeypatch.setattr(os, "open", denied)
    assert refused(tmp_path / "a.yaml", tmp_path) == "cannot be read (Permission denied)"


def test_a_new_file_replaces_the_old_one_by_rename(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with target.open("rb") as reader:  # e.g. a viewer or a web server in the middle of a download
        before = target.stat().st_ino
        write_atomic(target, b"new")
        assert reader.read() == b"old"  # the open file is untouched: it was replaced, not rewritten
    assert target.read_bytes() == b"new"
    assert target.stat().st_ino != before


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "interrupted"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr("os.fsync", fail)
    with pytest.raises(type(failure)):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_written_files_are_readable_by_everyone_and_folders_are_made(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "index.html"
    write_atomic(target, b"<p>")
    assert target.read_bytes() == b"<p>"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_if_changed_leaves_an_identical_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    assert write_if_changed(target, b"one") is True
    before = target.stat()
    assert write_if_changed(target, b"one") is False
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert write_if_changed(target, b"two") is True
    assert target.read_bytes() == b"two"

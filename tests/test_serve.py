"""The live preview, driven for real: a server process, HTTP requests, edits on disk, a browser."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, copy_project
from mcsp_reports.paged import PREVIEW_TEMP

PAGE = "mcsp-annual-achievements-2017-18.html"


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def until(check, timeout: float = 10.0) -> float:
    """Poll ``check`` until it is true; return how long that took."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise AssertionError("the preview did not change in time")
        time.sleep(0.01)
    return time.perf_counter() - start


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`invoke serve --port 0` in a throw-away copy of the project made in ``folder``: its URL.

    When the test is done the preview is stopped as `kill` stops it, and must leave
    nothing behind, in the project or in its own system temporary folder.
    """
    copy_project(folder)
    shutil.copy(ROOT / "tasks.py", folder / "tasks.py")
    system_temp = folder.parent / f"{folder.name}-system-temp"
    system_temp.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "invoke", "serve", "--port", "0"], cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "TMPDIR": str(system_temp)})
    try:
        line = process.stdout.readline()
        assert line.startswith("previewing on http://127.0.0.1:"), line
        yield line.split()[2]
    finally:
        process.terminate()
        process.wait(timeout=60)  # it finishes a print in progress first
        process.stdout.close()
    assert process.returncode == 0
    assert not list(system_temp.iterdir())
    assert not [p for p in (folder / "build" / PREVIEW_TEMP).rglob("*")]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A preview of a copy of the project that the test may edit: (its URL, the copy)."""
    with serving(tmp_path) as url:
        yield url, tmp_path


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One preview for the tests that only ask it for pages, PDFs and pictures: its URL."""
    with serving(tmp_path_factory.mktemp("preview")) as url:
        yield url


def text_of(url: str) -> str:
    return fetch(url)[2].decode("utf-8")


def test_edit_break_and_fix_a_year_while_previewing(server: tuple[str, Path]) -> None:
    url, project = server
    status, kind, body = fetch(url + PAGE)
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert b"Multi-agency offender management" in body and b"EventSource" in body

    year = project / "reports" / "2017-18.yaml"
    good = year.read_text(encoding="utf-8")
    year.write_text(good.replace("Multi-agency offender management", "Offender management in partnership"),
                    encoding="utf-8")
    until(lambda: "Offender management in partnership" in text_of(url + PAGE))

    year.write_text(good.replace("themes: [vawg]", "themes: [violence]"), encoding="utf-8")
    until(lambda: fetch(url + PAGE)[0] == 500)
    error_page = text_of(url + PAGE)
    assert "reports/2017-18.yaml:" in error_page and "unknown theme &#x27;violence&#x27;" in error_page
    assert "EventSource" in error_page  # it reloads itself once the file is fixed

    year.write_text(good, encoding="utf-8")
    until(lambda: fetch(url + PAGE)[0] == 200)
    assert "Multi-agency offender management" in text_of(url + PAGE)


def test_the_pdf_of_a_page_is_rendered_on_request(reading_server: str) -> None:
    url = reading_server
    status, kind, body = fetch(url + PAGE.replace(".html", ".pdf"))
    assert (status, kind) == (200, "application/pdf") and body.startswith(b"%PDF-1.7")
    assert f'href="{PAGE.replace(".html", ".pdf")}"' in text_of(url + PAGE)


def test_only_pages_and_styles_are_served(reading_server: str) -> None:
    url = reading_server
    assert fetch(url + "assets/theme.css")[0] == 200
    assert fetch(url + "assets/fonts/Lato-Regular.ttf")[1] in ("font/ttf", "application/x-font-ttf")
    for path in ("assets/%2e%2e/tasks.py", "assets/..%2F..%2Ftasks.py", "tasks.py", "reports/2017-18.yaml",
                 "assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "nothing.html"):
        assert fetch(url + path)[0] == 404, path


def test_an_open_page_reloads_itself_after_an_edit(server: tuple[str, Path], browser: object) -> None:
    url, project = server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url + PAGE)
    year = project / "reports" / "2017-18.yaml"
    year.write_text(year.read_text(encoding="utf-8").replace("The Red Umbrella Project", "Red Umbrella"),
                    encoding="utf-8")
    page.wait_for_function("document.body.innerText.includes('Red Umbrella\\n')", timeout=10_000)
    assert page.locator("h4", has_text="Red Umbrella").count() == 1
    page.close()


def test_the_preview_uses_the_stylesheets_of_invoke_yaml(tmp_path: Path) -> None:
    copy_project(tmp_path)
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "styles" / "brand.css").write_text(":root { --colour-accent: #6a1b4d; }\n")
    (tmp_path / "invoke.yaml").write_text("mcsp:\n  stylesheets: [styles/brand.css]\n  port: 0\n")
    process = subprocess.Popen([sys.executable, "-m", "invoke", "serve"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("previewing on http://127.0.0.1:"), line
        url = line.split()[2]
        for name in ("index.html", PAGE):
            assert '<link rel="stylesheet" href="assets/brand.css">' in text_of(url + name), name
        assert fetch(url + "assets/brand.css")[2] == b":root { --colour-accent: #6a1b4d; }\n"
    finally:
        process.terminate()
        process.wait(timeout=60)  # it finishes a print in progress first
        process.stdout.close()


def test_a_broken_year_shows_its_problems_on_its_own_page_while_the_others_render(tmp_path: Path) -> None:
    from mcsp_reports.serve import Preview

    project = copy_project(tmp_path)
    year = project.reports / "2017-18.yaml"
    year.write_text(year.read_text(encoding="utf-8").replace("title: The Red Umbrella Project",
                                                             "title:The Red Umbrella Project"), encoding="utf-8")
    preview = Preview(project)
    status, page = preview.page(PAGE)
    assert status == 500 and "put a space after the &#x27;:&#x27; in &#x27;title:The&#x27;" in page
    assert "18 |     title:The Red Umbrella Project" in page  # the line and its caret, as check prints them
    assert preview.page(PAGE.replace(".html", "-large-print.html"))[0] == 500
    status, other = preview.page("mcsp-annual-achievements-2016-17.html")
    assert status == 200 and 'class="preview-banner"' in other and "reports/2017-18.yaml:18:11:" in other
    assert preview.page("mcsp-history.html")[0] == 200
    assert f'href="{PAGE}"' in preview.page("index.html")[1]


def test_a_year_with_placeholders_previews_as_a_highlighted_draft_but_is_still_refused(tmp_path: Path) -> None:
    from mcsp_reports import ContentError, load_content, new_year
    from mcsp_reports.serve import Preview

    project = copy_project(tmp_path)
    new_year(project, "2019-20")
    preview = Preview(project)
    status, page = preview.page("mcsp-annual-achievements-2019-20.html")
    assert status == 200
    assert '<mark class="preview-placeholder"' in page and ">[[A short title]]</mark>" in page
    assert "reports/2019-20.yaml is a draft</strong>: 5 placeholders" in page
    texts = re.findall(r">([^<]*)<", page.split("<body", 1)[1])
    assert [t for t in texts if "[[" in t] == [t for t in texts if t.startswith("[[") and t.endswith("]]")]
    assert page.count('<mark class="preview-placeholder"') == len([t for t in texts if "[[" in t])
    assert preview.page(PAGE)[0] == 200
    with pytest.raises(ContentError):
        load_content(project.reports)


def test_a_broken_partnership_file_shows_its_problems_on_every_page(tmp_path: Path) -> None:
    from mcsp_reports.serve import Preview

    project = copy_project(tmp_path)
    (project.reports / "partnership.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    status, page = Preview(project).page(PAGE)
    assert status == 500 and "this [ is never closed" in page


PAGED = "pages/mcsp-annual-achievements-2017-18.html"
OTHER = "pages/mcsp-annual-achievements-2016-17.html"


def paged(url: str, path: str) -> tuple[str, list[str], str]:
    """The key, picture addresses and whole HTML of a paged view."""
    body = text_of(url + path)
    key = re.search(r'data-key="([0-9a-f]*)"', body).group(1)
    return key, re.findall(r'<img src="/(pages/[^"]+\.png)"', body), body


def test_the_paged_view_shows_the_pages_of_the_real_pdf(reading_server: str) -> None:
    import pypdf
    from PIL import Image

    url = reading_server
    key, pictures, body = paged(url, PAGED)
    pdf = fetch(url + "mcsp-annual-achievements-2017-18.pdf")[2]
    assert len(pictures) == len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 2
    status, kind, png = fetch(url + pictures[0])
    assert (status, kind) == (200, "image/png")
    assert Image.open(io.BytesIO(png)).size[0] == 900
    assert fetch(url + pictures[0].replace(key, "0" * 64))[0] == 404  # pictures of another key are gone
    assert f'href="/{PAGED.removeprefix("pages/").replace(".html", ".pdf")}"' in body


def test_a_save_reprints_only_the_affected_document_and_errors_show_over_its_pages(
        server: tuple[str, Path]) -> None:
    url, project = server
    key, _, _ = paged(url, PAGED)
    other_key, _, other = paged(url, OTHER)
    other_version = re.search(r'data-version="(\d+)"', other).group(1)
    year = project / "reports" / "2017-18.yaml"
    good = year.read_text(encoding="utf-8")
    year.write_text(good.replace("The Red Umbrella Project", "Red Umbrella"), encoding="utf-8")
    until(lambda: paged(url, PAGED)[0] != key, timeout=120)
    assert paged(url, OTHER)[0] == other_key  # 2016-17 is untouched: same pages, not printed again
    assert re.search(r'data-version="(\d+)"', paged(url, OTHER)[2]).group(1) == other_version

    _, new_pictures, _ = paged(url, PAGED)
    year.write_text(good.replace("themes: [vawg]", "themes: [violence]"), encoding="utf-8")
    until(lambda: "The pages cannot be updated" in paged(url, PAGED)[2], timeout=120)
    _, shown, body = paged(url, PAGED)
    assert shown == new_pictures  # the last good pages stay under the problems
    assert "reports/2017-18.yaml:" in body and "unknown theme &#x27;violence&#x27;" in body
    year.write_text(good, encoding="utf-8")
    until(lambda: "The pages cannot be updated" not in paged(url, PAGED)[2], timeout=120)


def test_an_open_paged_view_reloads_with_the_new_pages_after_a_save(server: tuple[str, Path], browser: object) -> None:
    url, project = server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url + PAGED, timeout=120_000)
    old = page.evaluate("document.querySelector('main').dataset.key")
    stylesheet = project / "styles" / "print.css"
    stylesheet.write_text(stylesheet.read_text() + "\nh2 { letter-spacing: 0.01em; }\n")
    page.wait_for_function("(old) => document.querySelector('main')?.dataset.key !== old"
                           " && document.images[0].complete && document.images[0].naturalWidth > 0",
                           arg=old, timeout=120_000)
    page.close()


def raw(url: str, request: bytes) -> bytes:
    """Send ``request`` as it is to the server at ``url``; the whole answer."""
    import socket

    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_only_requests_addressed_to_the_preview_by_name_are_answered(reading_server: str) -> None:
    url = reading_server
    port = url.rstrip("/").rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1", ""):
        answer = raw(url, f"GET /{PAGE} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.0 421") and b"Red Umbrella" not in answer, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        answer = raw(url, f"GET /{PAGE} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.0 200"), host


def test_malformed_paths_get_400_and_no_traceback(tmp_path: Path) -> None:
    copy_project(tmp_path)
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    process = subprocess.Popen([sys.executable, "-m", "invoke", "serve", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = process.stdout.readline().split()[2]
        port = url.rstrip("/").rsplit(":", 1)[1]
        for path in ("/%00", "/assets/%00.css", "/a%ff.html", "/%0a.pdf", "/%7f"):
            answer = raw(url, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            assert answer.startswith(b"HTTP/1.0 400"), (path, answer[:80])
        assert fetch(url + PAGE)[0] == 200  # and the server carries on
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Traceback" not in output


def test_the_preview_keeps_the_engines_copies_of_the_fonts_in_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A preview that is killed outright cannot clean up: what it leaves must be in build/, which
    `invoke clean` empties, not in the machine's temporary folder."""
    import tempfile

    from mcsp_reports import engine
    from mcsp_reports.serve import Preview

    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recorded(suffix: str | None = None, prefix: str | None = None, dir: str | None = None) -> str:
        made.append(Path(mkdtemp(suffix, prefix, dir)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    project = copy_project(tmp_path / "project")
    preview = Preview(project)
    try:
        assert preview.pdf(PAGE.removesuffix(".html")).startswith(b"%PDF-")
        assert made and all(p.parent == project.build / PREVIEW_TEMP / str(os.getpid()) for p in made), made
        preview.paged.close()
        assert not (project.build / PREVIEW_TEMP / str(os.getpid())).exists()
    finally:
        engine.use_temp_folder(None)  # this process goes on to render other tests' documents

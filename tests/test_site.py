"""The HTML edition: served over HTTP, checked with axe-core in headless Chromium, and its index."""

from __future__ import annotations

import functools
import http.server
import io
import itertools
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdf
import pytest

from conftest import ROOT
from mcsp_reports import Project, load_content, plan
from mcsp_reports.build import _thumbnail
from mcsp_reports.cache import Record, digest
from mcsp_reports.files import read_tree, write_atomic
from mcsp_reports.pictures import cover_thumbnail
from mcsp_reports.render import make_environment, render_index
from mcsp_reports.site import SCREEN_STYLESHEETS, THUMBNAIL_WIDTH, asset_files, publish

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(built: dict) -> Iterator[str]:
    """dist/ served on a free loopback port for the duration of the module."""
    handler = functools.partial(_Quiet, directory=str(built["project"].dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def html_pages(built: dict) -> list[str]:
    return sorted(p.name for p in built["project"].dist.glob("*.html"))


def test_every_html_page_has_no_axe_violations(built: dict, site: str, browser: object) -> None:
    assert AXE.exists(), "axe-core is missing: run scripts/bootstrap --test"
    page = browser.new_page()  # type: ignore[attr-defined]
    checked = {}
    for name in html_pages(built):
        response = page.goto(f"{site}/{name}")
        assert response.status == 200
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target).join(', ')})`)",
            WCAG,
        )
        checked[name] = violations
    page.close()
    assert len(checked) == 6
    assert checked == {name: [] for name in checked}


def test_pages_load_their_fonts_and_styles_from_dist(built: dict, site: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(f"{site}/mcsp-history.html", wait_until="networkidle")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    loaded = page.evaluate("document.fonts.check('16px Lato')")
    page.close()
    assert failed == [] and "Lato" in family and loaded


def test_the_skip_link_is_the_first_stop_and_visibly_focused(site: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{site}/mcsp-annual-achievements-2017-18.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]")
    page.keyboard.press("Enter")
    target = page.evaluate("location.hash")
    page.close()
    assert focused == ["Skip to main content", "solid"]
    assert target == "#main"


def test_index_lists_every_page_and_pdf_with_thumbnail_pages_and_size(built: dict) -> None:
    dist = built["project"].dist
    index = (dist / "index.html").read_text(encoding="utf-8")
    listed = {
        m[2]: (m[1], int(m[3]), m[4])
        for m in re.finditer(r'<img class="thumbnail" src="([^"]+)" alt="" width="150">\s*<span><a href="([^"]+\.pdf)">'
                             r'[^<]+</a>\s*<span class="file-facts">\((\d+) pages?, ([\d.]+) KB\)</span>', index)
    }
    pdfs = sorted(p.name for p in dist.glob("*.pdf"))
    assert sorted(listed) == pdfs
    for name, (thumbnail, pages, size) in listed.items():
        assert pages == len(pypdf.PdfReader(dist / name).pages), name
        assert size == f"{(dist / name).stat().st_size / 1000:.1f}", name
        assert (dist / thumbnail).read_bytes().startswith(b"\x89PNG"), thumbnail
    pages = set(re.findall(r'<a href="([^"#]+\.html)">Read', index))
    assert pages == {n for n in html_pages(built) if n != "index.html"}


def one_page_pdf(dark: bool) -> bytes:
    """A one-page PDF, white or painted black, standing in for a rendered report."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Contents = pdf.make_stream(b"0 g 0 0 595 842 re f" if dark else b"")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_publish_draws_each_pdfs_own_thumbnail_and_lists_every_file_in_the_checksums(
    project: Project, tmp_path: Path,
) -> None:
    content = load_content(project.reports)
    the_plan = plan(content)
    env = make_environment(project.templates)
    store = tmp_path / "thumbnails"
    files = read_tree(project.styles, project.root, 16 * 1024 * 1024)

    def release(pdfs: dict[str, bytes]) -> dict[str, bytes]:
        records = {name: Record("0" * 64, digest(data), 1, len(data)) for name, data in pdfs.items()}
        site = publish(content, env, the_plan, records, asset_files(files), lambda name: _thumbnail(store, pdfs[name]))
        return {**pdfs, **site}

    white, black = one_page_pdf(dark=False), one_page_pdf(dark=True)
    first = release({f.name: white for f in the_plan.files})
    changed, unchanged = the_plan.files[0].name, the_plan.files[1].name

    def thumbnail(out: dict[str, bytes], name: str) -> bytes:
        return out["thumbnails/" + name.replace(".pdf", ".png")]

    assert thumbnail(first, changed) == thumbnail(first, unchanged) == cover_thumbnail(white, THUMBNAIL_WIDTH)
    second = release({f.name: black if f.name == changed else white for f in the_plan.files})
    assert thumbnail(second, changed) == cover_thumbnail(black, THUMBNAIL_WIDTH) != cover_thumbnail(white, THUMBNAIL_WIDTH)
    assert thumbnail(second, unchanged) == cover_thumbnail(white, THUMBNAIL_WIDTH)

    dist = tmp_path / "dist"
    for name, data in second.items():
        write_atomic(dist / name, data)
    result = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=dist,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = sorted(str(p.relative_to(dist)) for p in dist.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    assert sorted(line.rsplit(": ", 1)[0] for line in result.stdout.splitlines()) == listed


def test_index_names_editions_plainly_with_the_standard_in_small_print(built: dict) -> None:
    index = (built["project"].dist / "index.html").read_text(encoding="utf-8")
    named = re.findall(r'<a href="([^"]+\.pdf)">([^<]+)</a>.*?<small class="file-standard">([^<]+)</small>',
                       index, re.S)
    labels = {href.removesuffix(".pdf").rsplit("-", 1)[-1] if href.endswith(("-archival.pdf", "-print.pdf"))
              else "standard": (label, small) for href, label, small in named}
    assert labels == {
        "standard": ("Standard PDF", "Accessible PDF/UA-1"),
        "archival": ("For archives", "PDF/A-3a and PDF/UA-1, with the data it was made from"),
        "print": ("Large print", "PDF/UA-1, text at 16 pt or larger"),
    }
    assert len(named) == 15
    # The list names editions plainly; the accessibility statement after it names standards.
    listing = index.split("<main", 1)[1].split('<section class="accessibility"', 1)[0]
    assert "PDF/UA-1" not in re.sub(r"<small.*?</small>", "", listing, flags=re.S)


def test_thumbnails_show_each_cover_large_enough_to_tell_the_reports_apart(built: dict) -> None:
    from PIL import Image, ImageChops

    dist = built["project"].dist
    pictures = {p.name: Image.open(p).convert("L") for p in sorted((dist / "thumbnails").glob("*.png"))}
    standard = {n: im for n, im in pictures.items() if not n.endswith(("-archival.png", "-large-print.png"))}
    assert len(standard) == 5
    for name, image in pictures.items():
        assert image.width == 300, name
        # Cut to the printed area: ink spans nearly the whole width, not a page with white margins.
        left, _, right, _ = ImageChops.invert(image).point(lambda v: 255 if v > 55 else 0).getbbox()
        assert (right - left) / image.width > 0.8, f"{name}: ink spans only {(right - left) / image.width:.0%}"
    names = sorted(standard)
    for first, second in itertools.pairwise(names):
        a, b = standard[first], standard[second]
        size = (min(a.width, b.width), min(a.height, b.height))
        differ = ImageChops.difference(a.crop((0, 0, *size)), b.crop((0, 0, *size))).getbbox()
        assert differ is not None, (first, second)


def test_the_chart_is_inline_in_the_shipped_font_and_gives_way_to_its_table_on_a_phone(
        site: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{site}/mcsp-history.html")
    page.evaluate("document.fonts.ready")
    label = page.locator(".chart svg text").first
    assert label.is_visible()
    family = label.evaluate("t => getComputedStyle(t).fontFamily")
    assert family.strip('"') == "Lato" and page.evaluate("document.fonts.check('12px Lato')")
    page.set_viewport_size({"width": 320, "height": 640})
    assert not page.locator(".chart").is_visible()
    assert page.locator("#chart-data").is_visible()
    # Nothing makes the page itself scroll sideways: a wide table scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def test_the_index_states_what_is_tested_and_how_to_ask_for_another_format(project: Project) -> None:
    env = make_environment(project.templates)
    html = render_index(env, load_content(project.reports), SCREEN_STYLESHEETS, [])
    statement = html[html.index('<section class="accessibility" id="accessibility"'):]
    for heading in ("What is tested", "Known limitations", "Asking for another format"):
        assert f">{heading}</h3>" in statement
    assert "please ask\n  the publisher of this website" in statement and "mailto:" not in statement
    path = project.reports / "partnership.yaml"
    path.write_text(path.read_text() + "contact: accessibility@example.org\n")
    html = render_index(env, load_content(project.reports), SCREEN_STYLESHEETS, [])
    assert '<a href="mailto:accessibility@example.org">accessibility@example.org</a>' in html
    assert "publisher of this website" not in html


def test_every_web_page_links_to_the_accessibility_statement(built: dict) -> None:
    for page in built["project"].dist.glob("*.html"):
        assert '<a href="index.html#accessibility">Accessibility and other formats</a>' in page.read_text(), page

"""Golden print HTML: the test project's documents as WeasyPrint is given them, kept in tests/golden/.

Any change to a template, the model or the renderer shows as a readable diff of these
files (Pelican keeps its functional-test output the same way). When a change is
deliberate, refresh them and commit the diff with the change:

    invoke golden            # or: python tests/test_golden.py
"""

from __future__ import annotations

import difflib
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import copy_project
from mcsp_reports import Project, load_content, plan
from mcsp_reports.render import make_environment, print_html

GOLDEN = Path(__file__).resolve().parent / "golden"
REFRESH = "invoke golden"


def render_print_html(project: Project) -> dict[str, str]:
    """The print HTML of every standard document of ``project``, by file name.

    Large-print documents are left out: each is its standard document plus one
    stylesheet link, which tests/test_build.py checks.
    """
    content = load_content(project.reports)
    env = make_environment(project.templates)
    return {d.html_name: print_html(env, content, d) for d in plan(content).documents if not d.name.endswith("-large-print")}


def refresh(folder: Path = GOLDEN) -> list[Path]:
    """Rewrite the golden files from the shipped templates; return the files written."""
    with tempfile.TemporaryDirectory() as scratch:
        pages = render_print_html(copy_project(Path(scratch) / "project"))
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.html"):
        if stale.name not in pages:
            stale.unlink()
    written = []
    for name, html in sorted(pages.items()):
        (folder / name).write_text(html, encoding="utf-8")
        written.append(folder / name)
    return written


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return render_print_html(copy_project(tmp_path_factory.mktemp("golden") / "project"))


def test_there_is_one_golden_file_per_document(rendered: dict[str, str]) -> None:
    kept = sorted(p.name for p in GOLDEN.glob("*.html"))
    assert kept == sorted(rendered), f"tests/golden/ does not match the documents; run `{REFRESH}`"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.html")))
def test_the_print_html_is_the_golden_html(rendered: dict[str, str], name: str) -> None:
    golden = (GOLDEN / name).read_text(encoding="utf-8")
    now = rendered.get(name, "")
    if now != golden:
        diff = list(difflib.unified_diff(golden.splitlines(), now.splitlines(), f"tests/golden/{name}",
                                         "rendered now", lineterm="", n=2))
        shown = "\n".join(diff[:60]) + ("\n..." if len(diff) > 60 else "")
        pytest.fail(f"the print HTML of {name} changed:\n{shown}\n\nIf the change is meant, run `{REFRESH}` "
                    "and commit the diff of tests/golden/ with it.", pytrace=False)


if __name__ == "__main__":
    for path in refresh():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    sys.exit(0)

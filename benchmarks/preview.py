"""Measure the paged preview: from saving a YAML file to the new page pictures shown in the browser.

For one annual report and for the history, in a throw-away copy of the project, this
starts `invoke serve`, opens the document's paged view in headless Chromium, then saves
an edit of a year file several times and measures, each time, from the save to the
moment the reloaded view shows the new pictures of the pages in sight (the first two;
further pages are drawn as they are scrolled to).

    python benchmarks/preview.py [--edits 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
YEAR = "2017-18"
DOCUMENTS = {"annual report": f"mcsp-annual-achievements-{YEAR}", "history": "mcsp-history"}
# True once the view shows pictures of a key other than `old` and those in sight have loaded.
SHOWN = """(old) => {
  const main = document.querySelector('main');
  if (!main || main.dataset.key === old) return false;
  const eager = [...document.images].filter(i => i.loading === 'eager');
  return eager.length > 0 && eager.every(i => i.complete && i.naturalWidth > 0);
}"""


def measure(name: str, edits: int) -> list[float]:
    """Seconds from each save to the new pictures of document ``name``, one per edit."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for part in ("reports", "templates", "styles"):
            shutil.copytree(ROOT / part, work / part)
        shutil.copy(ROOT / "tasks.py", work / "tasks.py")
        server = subprocess.Popen([sys.executable, "-m", "invoke", "serve", "--port", "0"], cwd=work,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            url = server.stdout.readline().split()[2]
            year = work / "reports" / f"{YEAR}.yaml"
            original = year.read_text(encoding="utf-8")
            times = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{url}pages/{name}.html", timeout=120_000)
                page.wait_for_function(SHOWN, arg="", timeout=120_000)
                for edit in range(edits):
                    old = page.evaluate("document.querySelector('main').dataset.key")
                    time.sleep(1.0)  # let the watcher settle, as between two saves by hand
                    start = time.perf_counter()
                    year.write_text(original.replace("achievements:", f"# edit {edit}\nachievements:", 1)
                                    .replace("Red Umbrella Project", f"Red Umbrella Project {edit}"),
                                    encoding="utf-8")
                    page.wait_for_function(SHOWN, arg=old, timeout=120_000, polling=10)
                    times.append(time.perf_counter() - start)
                browser.close()
            return times
        finally:
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=7, help="saves per document (default 7)")
    args = parser.parse_args()
    for label, name in DOCUMENTS.items():
        times = measure(name, args.edits)
        print(f"{label} ({name}): median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} saves", flush=True)


if __name__ == "__main__":
    main()

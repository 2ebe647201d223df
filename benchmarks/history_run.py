"""Lay out and write one history HTML file in this fresh process; print its figures as JSON.

    python benchmarks/history_run.py MODE HTML BASE_URL [OUT.pdf]

MODE is one of:

- ``pipeline``: ``mcsp_reports.pdf.render_pdfs``, as the build renders (engine corrections on);
- ``plain``: WeasyPrint alone, with the options the build passes; ``mcsp_reports`` is never
  imported, so none of its corrections is in effect;
- ``upstream``: the pipeline with WeasyPrint's own layout functions in place of the layout
  corrections (``engine.upstream_layout()``); its PDF must be the pipeline's, byte for byte;
- ``memory``: WeasyPrint's steps as the pipeline takes them, with resident-size snapshots
  after each (parsing, layout, collecting layout's garbage, writing);
- ``trace``: the same under tracemalloc, for where Python's memory goes (slow: its time means nothing).

Time and CPU are counted from just before the HTML is parsed (imports excluded); peak
memory is the rise of the process's peak resident size over the same span. The SHA-256
of the PDF lets the caller compare outputs across modes.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024  # ru_maxrss is in KiB on Linux


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def main() -> None:
    mode, html_path, base_url = sys.argv[1:4]
    out = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    html = Path(html_path).read_text(encoding="utf-8")
    import weasyprint

    if mode != "plain":
        sys.path.insert(0, str(ROOT / "src"))
        from mcsp_reports import engine
        from mcsp_reports.pdf import Edition, ProjectFetcher, render_pdfs

        fetcher = ProjectFetcher([ROOT / "styles"])
    figures: dict[str, object] = {"mode": mode}
    before, cpu, start = _peak_kib(), time.process_time(), time.perf_counter()
    if mode == "plain":
        assert "mcsp_reports" not in sys.modules
        document = weasyprint.HTML(string=html, base_url=base_url).render()
        data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True)
        pages = len(document.pages)
    elif mode in ("memory", "trace"):
        # The engine's own share: WeasyPrint's steps one by one, as render_pdfs takes them.
        import gc
        import tracemalloc

        if mode == "trace":
            tracemalloc.start(1)
        stages: dict[str, dict] = {}

        def snapshot(stage: str) -> None:
            stages[stage] = {"rss_mb": _rss_kib() / MB, "peak_rise_mb": (_peak_kib() - before) / MB}
            if mode == "trace":
                top = tracemalloc.take_snapshot().statistics("lineno")[:15]
                stages[stage]["python_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
                stages[stage]["top"] = [(str(s.traceback[0]), round(s.size / 2**20, 2)) for s in top]

        gc.disable()
        snapshot("start")
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        snapshot("layout")
        gc.collect()
        snapshot("layout, then gc.collect()")
        data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True)
        snapshot("write_pdf")
        pages = len(document.pages)
        figures["stages"] = stages
    else:
        if mode == "upstream":
            context = engine.upstream_layout()
        else:
            from contextlib import nullcontext

            context = nullcontext()
        with context:
            [pdf] = render_pdfs(html, base_url, fetcher, "history", [Edition("pdf/ua-1")])
        data, pages = pdf.data, pdf.pages
    figures.update(
        pages=pages, seconds=time.perf_counter() - start, cpu=time.process_time() - cpu,
        peak_mb=(_peak_kib() - before) / MB, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    if out:
        out.write_bytes(data)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

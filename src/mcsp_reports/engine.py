"""Corrections to WeasyPrint 70 (and the pydyf it writes with), in one place.

Where the engine is wrong for what this project publishes, the fix lives here, at the
depth of the engine code that is wrong, and nowhere else. Each correction:

- says which upstream code it replaces (file and line of ``weasyprint==70.0`` or
  ``pydyf==0.13.0`` as installed) and the rule or property it restores;
- is applied by :func:`apply` only when the installed engine is the version it was
  written against (``pyproject.toml`` pins ``weasyprint>=70,<71``); any other version
  gets no correction at all, and :func:`apply` raises so the mismatch is seen;
- is tested on its own in ``tests/test_engine.py``;
- is kept as a patch against the upstream sources in ``docs/upstream/``, written so it
  could be offered upstream.

Nothing here post-processes PDF bytes: each correction changes the engine's own
functions, so the engine still writes every byte itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pydyf
import weasyprint

#: The engine series these corrections were written against.
ENGINE_SERIES = "70."


class EngineVersionError(RuntimeError):
    """The installed WeasyPrint is not the version the corrections were written for."""


# -- pydyf: page references ---------------------------------------------------------------
#
# Upstream: pydyf 0.13.0, ``pydyf/__init__.py:506-510``, ``PDF.page_references`` is a
# property that builds the tuple of every page's reference on each access. WeasyPrint 70
# reads it once per tagged element (``pdf/tags.py``, ``pdf/anchors.py``), so writing a
# tagged document costs O(pages²). Kept until a page is added, the same tuple makes it
# linear without changing a byte. Patch: docs/upstream/pydyf-page-references.patch.


def _cached_page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """``pydyf.PDF.page_references``, rebuilt only when a page has been added."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_mcsp_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_mcsp_page_references"] = cached
    return cached[1]


def correct_page_references() -> None:
    """Cache ``pydyf.PDF.page_references`` per page count (see the comment above)."""
    pydyf.PDF.page_references = property(_cached_page_references)


#: Every correction, in the order :func:`apply` makes them.
CORRECTIONS: tuple[Callable[[], None], ...] = (
    correct_page_references,
)

_applied = False


def apply() -> None:
    """Make every correction once; raise :class:`EngineVersionError` on an unexpected engine."""
    global _applied
    if _applied:
        return
    if not weasyprint.__version__.startswith(ENGINE_SERIES):
        raise EngineVersionError(
            f"mcsp-reports corrects WeasyPrint {ENGINE_SERIES}x, but {weasyprint.__version__} is installed; "
            f"install the pinned version (pip install 'weasyprint>=70,<71')")
    for correct in CORRECTIONS:
        correct()
    _applied = True

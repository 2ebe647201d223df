"""The corrections to WeasyPrint 70 and pydyf in mcsp_reports.engine, each tested on its own."""

from __future__ import annotations

import pydyf
import pytest
import weasyprint

from mcsp_reports import engine


def test_corrections_refuse_an_engine_of_another_series(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_applied", False)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(engine.EngineVersionError, match="71.0 is installed"):
        engine.apply()


def test_page_references_are_cached_by_the_correction() -> None:
    engine.apply()
    assert pydyf.PDF.page_references.fget is engine._cached_page_references


def test_page_references_stay_right_as_pages_are_added() -> None:
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first  # cached between additions
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    expected = tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
    assert pdf.page_references == expected and len(expected) == 4

"""Planning: which documents and files a build makes, and the synthetic content benchmarks use."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT
from mcsp_reports import PlanError, Project, load_content, plan
from mcsp_reports.plan import ACCESSIBLE, ARCHIVAL

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import generate


def test_the_full_plan_is_the_history_then_each_year_in_three_editions(project: Project) -> None:
    the_plan = plan(load_content(project.reports))
    assert the_plan.complete
    assert [d.name for d in the_plan.documents][:3] == [
        "mcsp-history", "mcsp-history-large-print", "mcsp-annual-achievements-2015-16"]
    files = {f.name: f for f in the_plan.files}
    assert len(files) == 15
    assert files["mcsp-history.pdf"].variant == ACCESSIBLE
    assert files["mcsp-history-archival.pdf"].variant == ARCHIVAL
    assert files["mcsp-history-archival.pdf"].sources == (
        "2015-16.yaml", "2016-17.yaml", "2017-18.yaml", "2018-19.yaml", "partnership.yaml")
    assert files["mcsp-annual-achievements-2017-18-archival.pdf"].sources == ("2017-18.yaml", "partnership.yaml")
    large = next(d for d in the_plan.documents if d.name == "mcsp-history-large-print")
    assert large.stylesheets[-1] == "styles/large-print.css"


def test_a_partial_plan_is_marked_so_and_unknown_years_are_refused(project: Project) -> None:
    content = load_content(project.reports)
    assert not plan(content, years=["2017-18"], history=False).complete
    with pytest.raises(PlanError, match="no report for year 2030-31"):
        plan(content, years=["2030-31"])


def test_synthetic_content_is_deterministic_and_valid(tmp_path: Path) -> None:
    generate(tmp_path / "a", years=3, per_year=5, seed=7)
    generate(tmp_path / "b", years=3, per_year=5, seed=7)
    for name in ("1980-81.yaml", "1981-82.yaml", "1982-83.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    content = load_content(tmp_path / "a")
    assert [len(y.achievements) for y in content.years] == [5, 5, 5]
    assert len(plan(content).documents) == 8

"""The named mutants of scripts/mutate.py still point at code that exists.

A mutant whose target text has moved can only be reported as "target not found" when
``invoke mutate`` runs; this quick test says so at once, in the suite everyone runs.
"""

from __future__ import annotations

import importlib.util
import sys

from conftest import ROOT


def test_every_mutant_finds_its_target_exactly_once() -> None:
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    assert spec is not None and spec.loader is not None
    mutate = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = mutate  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(mutate)
        missing = [
            f"{m.name} ({m.file})" for m in mutate.MUTANTS
            if (ROOT / "src" / "mcsp_reports" / m.file).read_text(encoding="utf-8").count(m.find) != 1
        ]
    finally:
        del sys.modules["mutate"]
    assert not missing, "mutants whose target code moved; repoint them in scripts/mutate.py: " + ", ".join(missing)

"""Regenerate src/mcsp_reports/annex_l.py from veraPDF's tagged-structure profile.

Usage: python scripts/annex_l.py PATH/TO/ISO-32000-1-Tagged.xml

The profile (github.com/veraPDF/veraPDF-validation-profiles, PDF_UA/ISO-32000-1-Tagged.xml)
states ISO 32000-1 Annex L's parent/child rules one per rule, "X elem should not contain
Y kid"; the generated module keeps them as a table that verify reads.
"""

from __future__ import annotations

import re
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

RULE = re.compile(r"(\w+) elem should not contain (\w+) kid")
TARGET = Path(__file__).resolve().parent.parent / "src" / "mcsp_reports" / "annex_l.py"


def main(profile: Path) -> None:
    forbidden: dict[str, set[str]] = defaultdict(set)
    for rule in ElementTree.parse(profile).getroot().iter("{http://www.verapdf.org/ValidationProfile}rule"):
        match = RULE.fullmatch(rule.findtext("{*}description", "").strip())
        if match:
            # "Hn" stands for each numbered heading, H1 to H6.
            parents = [f"H{n}" for n in range(1, 7)] if match[1] == "Hn" else [match[1]]
            kids = [f"H{n}" for n in range(1, 7)] if match[2] == "Hn" else [match[2]]
            for parent in parents:
                forbidden[parent].update(kids)
    lines = [
        '"""ISO 32000-1 Annex L: which structure types may not contain which (generated).',
        "",
        "Written by scripts/annex_l.py from veraPDF's PDF_UA/ISO-32000-1-Tagged.xml",
        f"({sum(map(len, forbidden.values()))} rules \"Annex_L\", \"X elem should not contain Y kid\"); "
        "do not edit.",
        '"""',
        "",
        "#: For each parent type, the kid types Annex L forbids under it.",
        "FORBIDDEN_KIDS: dict[str, frozenset[str]] = {",
    ]
    for parent in sorted(forbidden):
        wrapped = textwrap.wrap(" ".join(sorted(forbidden[parent])), 80)
        lines.append(f'    "{parent}": frozenset((')
        lines += [f'        "{part} "' for part in wrapped]
        lines.append("    ).split()),")
    lines.append("}")
    TARGET.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

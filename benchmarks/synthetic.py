"""Deterministic synthetic content: many years of plausible achievements, for benchmarks and tests.

The partnership profile is the real one (its themes and organisations); the years and
their achievements are made up from word lists with a seeded generator, so the same
arguments always give the same files. Nothing generated here is published.

    python benchmarks/synthetic.py OUT_DIR --years 40 --per-year 50
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

VERBS = ["Reviewed", "Launched", "Extended", "Funded", "Evaluated", "Coordinated", "Piloted", "Expanded"]
SUBJECTS = [
    "a joint action plan", "a youth diversion scheme", "a victim support pathway", "an offender management review",
    "a data-sharing agreement", "a community engagement programme", "a training course for partners",
    "a night-time economy initiative", "a safeguarding protocol", "a problem-solving workshop",
]
PLACES = ["across Merseyside", "in Liverpool", "in Sefton", "in Wirral", "in Knowsley", "in St Helens"]
SENTENCES = [
    "Partners met regularly to agree priorities and share progress.",
    "The work drew on evidence gathered by several agencies over the year.",
    "Lessons learned were shared with neighbouring partnerships.",
    "The approach was reviewed at the end of the year and adjusted where needed.",
    "Local residents were consulted before the work began.",
    "Funding was pooled so that no single agency carried the whole cost.",
]


def _achievement(rng: random.Random, year: int, index: int, themes: list[str], organisations: list[str]) -> dict:
    item = {
        "id": f"y{year}-a{index}",
        "title": f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(PLACES)}",
        "summary": " ".join(rng.sample(SENTENCES, k=rng.randint(2, 4))),
        "themes": rng.sample(themes, k=rng.randint(1, 3)),
    }
    if rng.random() < 0.5:
        item["organisations"] = rng.sample(organisations, k=rng.randint(1, 2))
    if rng.random() < 0.3:
        item["points"] = rng.sample(SENTENCES, k=2)
    if rng.random() < 0.2:
        # Inside the reporting year, April to March, as the loader requires.
        month = rng.randint(1, 12)
        item["date"] = f"{year if month >= 4 else year + 1}-{month:02d}"
        item["milestone"] = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}"
    return item


def generate(reports: Path, years: int, per_year: int, seed: int = 0, first: int = 1980) -> list[Path]:
    """Write ``partnership.yaml`` and ``years`` year files of ``per_year`` achievements into ``reports``."""
    reports.mkdir(parents=True, exist_ok=True)
    # The made-up years start in `first`: the partnership operates through all of them.
    profile_text = (ROOT / "reports" / "partnership.yaml").read_text(encoding="utf-8")
    profile_text = re.sub(r"(?m)^  from: .*$", f'  from: "{first}"', profile_text)
    profile_text = re.sub(r"(?m)^  until: .*$", f"  until: {first + years}-03", profile_text)
    (reports / "partnership.yaml").write_text(profile_text, encoding="utf-8")
    profile = yaml.safe_load((reports / "partnership.yaml").read_text(encoding="utf-8"))
    themes = [t["id"] for t in profile["themes"]]
    organisations = [o["id"] for o in profile["organisations"]]
    rng = random.Random(seed)
    written = []
    for start in range(first, first + years):
        label = f"{start}-{(start + 1) % 100:02d}"
        data = {
            "year": label,
            "introduction": " ".join(rng.sample(SENTENCES, k=2)),
            "achievements": [_achievement(rng, start, i, themes, organisations) for i in range(per_year)],
        }
        path = reports / f"{label}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, help="folder to write the YAML files into")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--per-year", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    generate(arguments.reports, arguments.years, arguments.per_year, arguments.seed)

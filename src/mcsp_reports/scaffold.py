"""Starting a new reporting year: ``reports/YYYY-YY.yaml`` from a commented template.

The new file follows the latest year, never replaces a file, and is full of
``[[placeholders]]`` that the loader refuses, so an unfinished year cannot be published
by accident; once they are filled in, it validates.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .build import BuildError, Project, write_atomic
from .load import YEAR_FILE, load_content

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def next_label(labels: list[str]) -> str | None:
    """The label that follows the latest of ``labels`` (``None`` when there are none)."""
    if not labels:
        return None
    start = int(max(labels)[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def new_year(project: Project, label: str) -> Path:
    """Write the scaffold for year ``label`` and return its path; :class:`BuildError` if refused."""
    found = _LABEL.match(label)
    if not found or int(found[2]) != (int(found[1]) + 1) % 100:
        raise BuildError(f"{label!r} is not a year label such as 2019-20 (two consecutive years)")
    path = project.reports / f"{label}.yaml"
    if path.exists():
        raise BuildError(f"reports/{path.name} already exists; edit it instead")
    content = load_content(project.reports)  # the new year must follow sound content
    labels = [p.name.removesuffix(".yaml") for p in project.reports.iterdir() if YEAR_FILE.match(p.name)]
    expected = next_label(labels)
    if expected is not None and label != expected:
        raise BuildError(f"the next year after {max(labels)} is {expected}, not {label}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.templates), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True)
    text = env.get_template("new-year.yaml.j2").render(
        label=label, title=label.replace("-", "/"), start=int(label[:4]),
        themes=[t.id for t in content.partnership.themes],
        organisations=[o.id for o in content.partnership.organisations])
    write_atomic(path, text.encode("utf-8"))
    return path

"""Starting a new reporting year: ``reports/YYYY-YY.yaml`` from a commented template.

The new file follows the latest year, never replaces a file, and is full of
``[[placeholders]]`` that the loader refuses, so an unfinished year cannot be published
by accident; once they are filled in, it validates.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ScaffoldError
from .files import write_atomic
from .load import load_content, load_draft
from .model import outside_operation, year_label, year_label_start, year_title
from .project import Project


def next_label(labels: list[str]) -> str | None:
    """The label that follows the latest of ``labels`` (``None`` when there are none)."""
    if not labels:
        return None
    return year_label(int(max(labels)[:4]) + 1)


def new_year(project: Project, label: str) -> Path:
    """Write the scaffold for year ``label`` and return its path; :class:`ScaffoldError` if refused."""
    start = year_label_start(label)
    if start is None:
        raise ScaffoldError(f"{label!r} is not a year label such as 2019-20 (two consecutive years)")
    path = project.reports / f"{label}.yaml"
    if path.exists():
        raise ScaffoldError(f"reports/{path.name} already exists; edit it instead")
    # A year after the partnership closed is refused first: no edit of the other years
    # could make it possible, so that is the message to give even while they have problems.
    draft = load_draft(project.reports)
    if draft.content is not None:
        p = draft.content.partnership
        outside = outside_operation(start, p.founded, p.closed)
        if outside:
            raise ScaffoldError(f"{outside}, so it cannot be started")
    content = load_content(project.reports)  # the new year must follow sound content
    labels = [year.label for year in content.years]
    expected = next_label(labels)
    if expected is not None and label != expected:
        raise ScaffoldError(f"the next year after {max(labels)} is {expected}, not {label}")
    import jinja2  # only here: the package is imported by every command, most of which render nothing

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.templates), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True)
    text = env.get_template("new-year.yaml.j2").render(
        label=label, title=year_title(label), start=start,
        themes=[t.id for t in content.partnership.themes],
        organisations=[o.id for o in content.partnership.organisations])
    write_atomic(path, text.encode("utf-8"))
    return path

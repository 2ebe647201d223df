"""Editor support: the JSON Schema files that let editors complete and underline ``reports/``.

The schemas are written from the loader's own definitions (:mod:`mcsp_reports.schema`)
with the partnership's theme and organisation ids as the allowed values, into
``schemas/``; every year file and the new-year scaffold name their schema in a
``yaml-language-server`` modeline. ``invoke schemas`` rewrites them after the
vocabularies change, and a test fails while they are out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .files import write_if_changed
from .load import load_content
from .project import Project
from .schema import PARTNERSHIP, YEAR, json_schema

SCHEMA_FOLDER = "schemas"
PARTNERSHIP_SCHEMA = "partnership.schema.json"
YEAR_SCHEMA = "year.schema.json"
#: The first line of every year file: tells YAML-aware editors which schema applies.
YEAR_MODELINE = f"# yaml-language-server: $schema=../{SCHEMA_FOLDER}/{YEAR_SCHEMA}"
PARTNERSHIP_MODELINE = f"# yaml-language-server: $schema=../{SCHEMA_FOLDER}/{PARTNERSHIP_SCHEMA}"


def schema_documents(themes: list[str], organisations: list[str]) -> dict[str, dict[str, Any]]:
    """Each schema file's name and content, for a partnership with these theme and organisation ids."""
    enums = {"themes": themes, "organisations": organisations}
    return {
        PARTNERSHIP_SCHEMA: json_schema(
            PARTNERSHIP, "reports/partnership.yaml",
            "The partnership's profile and the vocabularies the year files refer to.", enums),
        YEAR_SCHEMA: json_schema(
            YEAR, "reports/YYYY-YY.yaml",
            "One reporting year (April to March) of the partnership's notable achievements.", enums),
    }


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as it is written to its file: indented JSON, keys in definition order."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(project: Project) -> list[Path]:
    """Write ``schemas/*.schema.json`` from the content's vocabularies; the files that changed."""
    partnership = load_content(project.reports).partnership
    documents = schema_documents([t.id for t in partnership.themes], [o.id for o in partnership.organisations])
    folder = project.root / SCHEMA_FOLDER
    return [folder / name for name, schema in documents.items()
            if write_if_changed(folder / name, schema_text(schema).encode("utf-8"))]

"""The editors' JSON Schema: written from the loader's own definitions, up to date, and in agreement with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from mcsp_reports import ContentError, Project, load_content, new_year
from mcsp_reports.editor import (
    PARTNERSHIP_MODELINE,
    PARTNERSHIP_SCHEMA,
    YEAR_MODELINE,
    YEAR_SCHEMA,
    schema_documents,
    schema_text,
)
from mcsp_reports.load import plain_data
from mcsp_reports.schema import ACHIEVEMENT, PARTNERSHIP, YEAR
from mcsp_reports.syntax import invisible_characters

ROOT = Path(__file__).resolve().parent.parent
INVALID = Path(__file__).parent / "invalid"

# Fixtures the loader refuses for reasons no JSON Schema can see: how one field relates
# to another or to other files, or what YAML dropped or joined before any schema looks.
BEYOND_THE_SCHEMA = {
    "comment-in-text": "YAML drops the comment before the schema sees the value",
    "merged-bullet": "YAML joins the lines before the schema sees the value",
    "merged-item": "YAML joins the lines before the schema sees the value",
    "duplicate-id": "ids unique across entries",
    "partnership-duplicate-ids": "ids unique across entries",
    "date-outside-year": "a date against the year of its file",
    "date-after-end": "a date against partnership.yaml",
    "date-before-start": "a date against partnership.yaml",
    "year-after-end": "a year against partnership.yaml",
    "year-before-start": "a year against partnership.yaml",
    "partnership-closed-before-opened": "one date against another",
}


def validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_for(file_name: str) -> str:
    return PARTNERSHIP_SCHEMA if file_name == "partnership.yaml" else YEAR_SCHEMA


def test_the_schema_files_are_written_from_the_loaders_definitions_and_up_to_date() -> None:
    partnership = load_content(ROOT / "reports").partnership
    documents = schema_documents([t.id for t in partnership.themes], [o.id for o in partnership.organisations])
    for name, schema in documents.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == schema_text(schema), (
            f"schemas/{name} is out of date: run `invoke schemas`")


def test_the_schema_names_every_field_the_loader_reads_with_the_vocabulary_ids_as_choices() -> None:
    year = json.loads((ROOT / "schemas" / YEAR_SCHEMA).read_text(encoding="utf-8"))
    achievement = year["properties"]["achievements"]["items"]
    assert list(year["properties"]) == [f.name for f in YEAR.fields]
    assert list(achievement["properties"]) == [f.name for f in ACHIEVEMENT.fields]
    assert achievement["required"] == list(ACHIEVEMENT.required) and achievement["additionalProperties"] is False
    assert all(p["description"] for p in achievement["properties"].values())
    assert "knife-crime" in achievement["properties"]["themes"]["items"]["enum"]
    assert "merseyside-police" in achievement["properties"]["organisations"]["items"]["enum"]
    profile = json.loads((ROOT / "schemas" / PARTNERSHIP_SCHEMA).read_text(encoding="utf-8"))
    assert list(profile["properties"]) == [f.name for f in PARTNERSHIP.fields]


@pytest.mark.parametrize("path", sorted((ROOT / "reports").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_file_names_its_schema_and_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    modeline = PARTNERSHIP_MODELINE if path.name == "partnership.yaml" else YEAR_MODELINE
    assert text.splitlines()[0] == modeline
    validator(schema_for(path.name)).validate(plain_data(text))


def test_a_filled_in_scaffold_names_its_schema_and_validates(project: Project) -> None:
    path = new_year(project, "2019-20")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == YEAR_MODELINE
    # Unfilled, the schema underlines the placeholders just as check refuses them.
    assert list(validator(YEAR_SCHEMA).iter_errors(plain_data(text)))
    text = text.replace("[[an-id-for-this-achievement]]", "launch").replace("[[a-theme-id]]", "governance")
    text = re.sub(r"\[\[([^\]]*)\]\]", lambda m: m[1], text)
    path.write_text(text, encoding="utf-8")
    load_content(project.reports)
    validator(YEAR_SCHEMA).validate(plain_data(text))


@pytest.mark.parametrize("fixture", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_schema_rejects_every_invalid_fixture_it_can_see(fixture: Path) -> None:
    data = fixture.read_bytes()
    target = re.search(rb"^# file: (\S+)$", data, re.MULTILINE)
    try:
        parsed = plain_data(data.decode("utf-8"))
    except UnicodeDecodeError:
        parsed = None
    if parsed is None:
        return  # not UTF-8 or not YAML we read: an editor underlines it before any schema applies
    errors = list(validator(schema_for(target[1].decode() if target else "2017-18.yaml")).iter_errors(parsed))
    if fixture.stem in BEYOND_THE_SCHEMA:
        assert not errors, f"{fixture.stem} is caught by the schema after all; drop it from BEYOND_THE_SCHEMA"
    else:
        assert errors, f"the schema accepts {fixture.name}, which the loader refuses"


def test_every_character_the_schema_refuses_in_text_the_loader_refuses_too() -> None:
    pattern = re.compile(json.loads((ROOT / "schemas" / YEAR_SCHEMA).read_text())
                         ["properties"]["introduction"]["pattern"])
    refused = [chr(c) for c in range(0x3000) if not pattern.search(f"a{chr(c)}b")]
    assert "\u202e" in refused and "\u200b" in refused and "\0" in refused
    assert [c for c in refused if not invisible_characters(c)[1]] == []


def test_a_content_error_is_still_what_check_reports(project: Project) -> None:
    # The schema helps as you type; the loader stays the authority.
    (project.reports / "2017-18.yaml").write_text("year: 2017-18\n", encoding="utf-8")
    with pytest.raises(ContentError):
        load_content(project.reports)

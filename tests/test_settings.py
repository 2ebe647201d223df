"""The project's settings from invoke.yaml: checked all at once, and overridden by flags."""

from __future__ import annotations

import pytest

from mcsp_reports import ProjectError, Settings, read_settings


def test_no_settings_give_the_defaults() -> None:
    assert read_settings(None) == Settings((), None, 8000)


def test_settings_are_read_and_a_lone_stylesheet_may_be_a_string() -> None:
    assert read_settings({"stylesheets": "styles/brand.css", "jobs": 2, "port": 0}) == Settings(
        ("styles/brand.css",), 2, 0)


def test_every_bad_setting_is_reported_at_once() -> None:
    with pytest.raises(ProjectError) as error:
        read_settings({"stylesheet": ["x.css"], "jobs": 0, "port": "eighty", "stylesheets": [1]})
    assert str(error.value).splitlines() == [
        "invoke.yaml: mcsp.stylesheet: unknown setting; known: stylesheets, jobs, port",
        "invoke.yaml: mcsp.stylesheets: expected a list of paths, e.g. [styles/my-brand.css]",
        "invoke.yaml: mcsp.jobs: expected a whole number of at least 1; got 0",
        "invoke.yaml: mcsp.port: expected a port number from 0 to 65535; got 'eighty'",
    ]


def test_flags_given_on_the_command_line_win_and_absent_flags_keep_the_file() -> None:
    settings = Settings(("styles/brand.css",), 2, 8000)
    assert settings.override() == settings
    assert settings.override(["styles/other.css"], 1, 0) == Settings(("styles/other.css",), 1, 0)

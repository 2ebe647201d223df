"""A project's own settings: the ``mcsp`` key of ``invoke.yaml`` beside ``tasks.py``.

invoke reads that file (and ``INVOKE_MCSP_*`` environment variables) into its
configuration; the tasks hand the ``mcsp`` part here, which checks it and merges the
command-line flags over it, so every command (build, history, dist, serve, images)
works from the same settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .errors import ProjectError

#: Where the settings live, for messages.
SETTINGS_FILE = "invoke.yaml"


@dataclass(frozen=True)
class Settings:
    """What a user may set per project.

    ``stylesheets`` are extra stylesheets applied after the shipped ones in every PDF,
    web page and preview; ``jobs`` is the number of worker processes (``None``: one per
    core); ``port`` is where ``invoke serve`` listens.
    """

    stylesheets: tuple[str, ...] = ()
    jobs: int | None = None
    port: int = 8000

    def override(self, stylesheets: Sequence[str] = (), jobs: int = 0, port: int | None = None) -> Settings:
        """These settings with the command line's flags, where given, taking precedence."""
        changed = self
        if stylesheets:
            changed = replace(changed, stylesheets=tuple(stylesheets))
        if jobs:
            changed = replace(changed, jobs=jobs)
        if port is not None:
            changed = replace(changed, port=port)
        return changed


def read_settings(given: Mapping[str, object] | None) -> Settings:
    """The settings from the ``mcsp`` mapping of invoke's configuration; every problem at once."""
    given = dict(given or {})
    problems = [f"{SETTINGS_FILE}: mcsp.{key}: unknown setting; known: stylesheets, jobs, port"
                for key in sorted(set(given) - {"stylesheets", "jobs", "port"})]
    sheets = given.get("stylesheets", [])
    if isinstance(sheets, str):
        sheets = [sheets]
    if not isinstance(sheets, list | tuple) or not all(isinstance(s, str) for s in sheets):
        problems.append(f"{SETTINGS_FILE}: mcsp.stylesheets: expected a list of paths, e.g. [styles/my-brand.css]")
        sheets = []
    jobs = given.get("jobs")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        problems.append(f"{SETTINGS_FILE}: mcsp.jobs: expected a whole number of at least 1; got {jobs!r}")
        jobs = None
    port = given.get("port", 8000)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 65536:
        problems.append(f"{SETTINGS_FILE}: mcsp.port: expected a port number from 0 to 65535; got {port!r}")
        port = 8000
    if problems:
        raise ProjectError("\n".join(problems))
    return Settings(tuple(sheets), jobs, port)

"""Where things are in an mcsp-reports project, and which paths a user may name.

A project is a folder holding ``reports/``, ``templates/`` and ``styles/``; the build
writes ``dist/`` (what is published) and ``build/`` (its own records) beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError

#: Font files WeasyPrint 70 reads (it unpacks WOFF and WOFF2 itself).
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


@dataclass(frozen=True)
class Project:
    """The folders of an mcsp-reports project, found from its root."""

    root: Path

    @property
    def reports(self) -> Path:
        """The content: ``partnership.yaml`` and the year files."""
        return self.root / "reports"

    @property
    def templates(self) -> Path:
        """The Jinja templates."""
        return self.root / "templates"

    @property
    def styles(self) -> Path:
        """Stylesheets, fonts and any images they use."""
        return self.root / "styles"

    @property
    def fonts(self) -> list[Path]:
        """The shipped font files (TrueType, OpenType, WOFF and WOFF2)."""
        return sorted(p for p in (self.styles / "fonts").glob("*")
                      if p.suffix.lower() in FONT_SUFFIXES)

    @property
    def dist(self) -> Path:
        """What the build publishes."""
        return self.root / "dist"

    @property
    def release(self) -> Path:
        """Where ``invoke dist`` puts the zip to hand over, beside ``dist/``."""
        return self.root / "release"

    @property
    def build(self) -> Path:
        """The build's own records: the cache and the HTML each PDF is printed from."""
        return self.root / "build"

    def stylesheet(self, given: str | Path) -> str:
        """A user's extra stylesheet as a path relative to the root; it must be in the project."""
        path = Path(given)
        path = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not path.is_file():
            raise ProjectError(f"{given}: stylesheet not found")
        if not path.is_relative_to(self.root.resolve()):
            raise ProjectError(f"{given}: stylesheet must be inside the project folder {self.root}")
        if not path.is_relative_to(self.styles.resolve()):
            # The web pages carry the stylesheet to dist/assets/ beside the fonts, so its
            # url()s must resolve the same way there as in styles/.
            raise ProjectError(f"{given}: stylesheet must be in the styles/ folder, beside the fonts it may use")
        if path.suffix != ".css":
            raise ProjectError(f"{given}: a stylesheet must be a .css file")
        return path.relative_to(self.root.resolve()).as_posix()

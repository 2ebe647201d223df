"""mcsp-reports: publish the Merseyside Community Safety Partnership's achievements as PDFs.

The package root is the public API; ``tasks.py`` uses nothing else. The stages, in the
one direction their imports run: model ← load ← plan ← render ← pdf/verify ← build ←
site/bundle/scaffold/serve (see docs/architecture.md).
"""

from .build import Built, Checked, Stale, build, check, clean, outdated, picture_history, summarise, summarise_outdated
from .bundle import pack, release_guide
from .editor import write_schemas
from .errors import (
    ContentError,
    DesignError,
    FileRefusedError,
    FileSystemError,
    LinkError,
    PackError,
    PlanError,
    Problem,
    ProjectError,
    RenderError,
    ScaffoldError,
    UserError,
    VerificationError,
)
from .load import load_content
from .plan import Document, PdfFile, Plan, plan
from .project import Project
from .scaffold import new_year
from .settings import Settings, read_settings

__all__ = [
    "Built", "Checked", "ContentError", "DesignError", "Document", "FileRefusedError", "FileSystemError", "LinkError",
    "PackError", "PdfFile", "Plan",
    "PlanError", "PreviewServer", "Problem", "Project", "ProjectError", "RenderError", "ScaffoldError",
    "Settings", "Stale", "UserError", "VerificationError", "build", "chapter_images", "check", "clean",
    "load_content", "new_year", "outdated", "pack", "picture_history", "plan", "read_settings", "release_guide",
    "summarise", "summarise_outdated", "verify_paths", "write_schemas",
]


def __getattr__(name: str) -> object:
    # verify, the server and the pictures import pikepdf and PDFium, which cost a tenth of
    # a second: load them only when asked, so that check and an up-to-date build stay quick.
    if name == "verify_paths":
        from .verify import verify_paths

        return verify_paths
    if name == "PreviewServer":
        from .serve import PreviewServer

        return PreviewServer
    if name == "chapter_images":
        from .pictures import chapter_images

        return chapter_images
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

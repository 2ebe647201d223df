"""mcsp-reports: publish the Merseyside Community Safety Partnership's achievements as PDFs.

The package root is the public API; ``tasks.py`` uses nothing else.
"""

from .build import Built, Project, build, check, clean, summarise
from .bundle import pack
from .errors import UserError
from .load import ContentError, Problem, load_content
from .plan import Document, PdfFile, Plan, plan
from .scaffold import new_year

__all__ = [
    "Built", "ContentError", "PreviewServer", "Document", "PdfFile", "Plan", "Problem", "Project", "UserError",
    "build", "chapter_images", "picture_history", "check", "clean", "load_content", "new_year", "pack", "plan", "summarise", "verify_paths",
]


def __getattr__(name: str) -> object:
    # verify and preview import pikepdf and PDFium, which cost a tenth of a second: load
    # them only when asked, so that check and an up-to-date build stay quick.
    if name == "verify_paths":
        from .verify import verify_paths

        return verify_paths
    if name == "PreviewServer":
        from .serve import PreviewServer

        return PreviewServer
    if name in ("chapter_images", "picture_history"):
        from . import preview

        return getattr(preview, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

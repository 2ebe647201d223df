"""mcsp-reports: publish the Merseyside Community Safety Partnership's achievements as PDFs.

The package root is the public API; ``tasks.py`` uses nothing else.
"""

from .build import Built, Output, Project, build, check, clean, plan, summarise
from .errors import UserError
from .load import ContentError, Problem, load_content

__all__ = [
    "Built", "ContentError", "Output", "Problem", "Project", "UserError",
    "build", "check", "clean", "load_content", "plan", "summarise",
]

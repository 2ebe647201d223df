"""The error type for mistakes a user can fix, as opposed to bugs.

Commands print a :class:`UserError` as its message alone, one problem per line, with
no traceback; any other exception is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A problem in the content, the options or the project files, described for its fixer."""

"""readq's own errors: each carries one line that can be shown to the user as is."""


class ReadqError(Exception):
    """An error the user can act on; the CLI prints it as one line, no traceback."""


class UnusableInput(ReadqError):
    """An input file that cannot be imported at all (missing, binary, wrong encoding)."""


class DatabaseProblem(ReadqError):
    """A database that readq must not open or modify."""

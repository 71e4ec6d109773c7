"""Error types whose message is meant for a person: what is wrong, where, and how to fix it."""


class CodError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with ``exit_code``."""

    exit_code = 2


class ConfigError(CodError):
    """A bad value or key in ``params.yaml`` or in a stage's parameters."""


class DataError(CodError):
    """A data source that is missing, malformed or does not match its checksum."""

"""The ingest package's exception tree.

    IngestError
     └── ConfigError    the sources or fetch settings are invalid
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error raised by `ingest`."""


class ConfigError(IngestError):
    """The configuration cannot be used; the message names the file, the source id and the field."""

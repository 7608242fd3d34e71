"""The feeds package's exception tree.

    FeedsError
     └── ConfigError    the topics or publishing settings are invalid
"""

from __future__ import annotations


class FeedsError(Exception):
    """Base of every error raised by `feeds`."""


class ConfigError(FeedsError):
    """The configuration cannot be used; the message names the file, the topic and the field."""

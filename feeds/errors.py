"""The feeds package's exception tree.

FeedsError
 ├── ConfigError    the topics or publishing settings are invalid
 └── PublishError   the output folder cannot be written (or read)
"""

from __future__ import annotations


class FeedsError(Exception):
    """Base of every error raised by `feeds`."""


class ConfigError(FeedsError):
    """The configuration cannot be used; the message names the file, the topic and the field."""


class PublishError(FeedsError):
    """Publishing failed; the message names the file or folder and the system's reason."""

"""The ingest package's exception tree.

    IngestError
     ├── ConfigError     the sources or fetch settings are invalid
     ├── UnknownSourceError  a command named a source id that is not configured
     └── FetchError      one poll of one source failed; carries a reason category
          (dns, connect, timeout, http_status, too_large, decode, parse, redirect, io)

Foreign errors (httpx, OSError, feedparser's bozo exceptions) are translated into
`FetchError` at the boundary where they happen, so the orchestrator records one
`SourceFetchFailed` per failure and the worker keeps running.
"""

from __future__ import annotations

#: The reason categories recorded in `SourceFetchFailed.reason`.
REASONS = frozenset(
    {
        "dns",
        "connect",
        "timeout",
        "http_status",
        "too_large",
        "decode",
        "parse",
        "redirect",
        "io",
        "blocked",
        "internal",  # an unexpected error of ours, recorded so that status shows it
    }
)


class IngestError(Exception):
    """Base of every error raised by `ingest`."""


class ConfigError(IngestError):
    """The configuration cannot be used; the message names the file, the source id and the field."""


class UnknownSourceError(IngestError):
    """A source id given on the command line is not in the configuration."""


#: The longest failure message kept, and the longest `Retry-After` value.
MESSAGE_CHARS = 500
RETRY_AFTER_CHARS = 100


class FetchError(IngestError):
    """A poll failed for a classified `reason`; `status` is the HTTP status if there was one,
    `retry_after` the raw `Retry-After` header of a 429 or 503."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown fetch failure reason {reason!r}")
        # What a server sent (a status line of 7 KB, an exception quoting its bytes) is cut:
        # the message is stored in every `SourceFetchFailed` of a failing source.
        message = message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = None if retry_after is None else retry_after[:RETRY_AFTER_CHARS]

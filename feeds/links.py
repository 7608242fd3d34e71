"""The links readers are given: what a source's URL may become in a feed or on a page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

#: A host a link can hold, as urlsplit gives it: a name (IDN letters too) or an IPv6 address.
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+(?:%[\w.-]+)?")


def public_url(url: str | None) -> str | None:
    """The link readers are given for `url`, or None: http(s) with a host name a link can
    hold (never `file://`, `http://exa mple.com/`, a port of 99999), without a user name
    or password (an operator's source URL with credentials, or a source's
    `https://news.example@evil.example/` that reads as news.example)."""
    if not url:
        return None
    try:
        parts = urlsplit(str(url))
        parts.port  # noqa: B018 - raises ValueError when out of range or not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.hostname or ""):
        return None
    if "\\" in parts.netloc:
        return None  # a browser ends the host at "\\", Python at "@": two different hosts
    if "@" not in parts.netloc:
        return str(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))

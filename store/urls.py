"""Database URLs: which ones the store runs on, and how to show one without its password."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: The databases the store runs on, each with the one driver it is written for: PostgreSQL's
#: bulk appends use psycopg 3's COPY and binary parameters (`%b`), and the store is
#: synchronous, so an async driver (asyncpg) or another DB-API module (pg8000, psycopg2,
#: pysqlcipher) would fail at the first connection or the first append, not here.
SUPPORTED = {
    "sqlite": ("pysqlite", "sqlite:///path/to/file.db"),
    "postgresql": ("psycopg", "postgresql://user@host/db"),
}
#: Query parameters a driver takes as a password (libpq's and SQLAlchemy's spellings).
_SECRET_KEYS = ("password", "passwd", "pwd", "sslpassword", "sslkey_password")
_MASK = "***"


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` (what Docker images hand out) for psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_url(url: str) -> str:
    """`url` normalised if the store can use it; ValueError says why not in one line (the
    URL shown with its password hidden)."""
    normalised = normalise_url(url)
    try:
        parsed = make_url(normalised)
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except Exception:  # SQLAlchemy's ArgumentError, or ValueError for a bad port
        raise ValueError(f"not a database URL: {hide_secrets(url)!r}") from None
    forms = " or ".join(f"{name} ({form})" for name, (_, form) in SUPPORTED.items())
    if backend not in SUPPORTED:
        raise ValueError(f"unsupported database {backend!r}: newsledger runs on {forms}")
    if "@" in (parsed.host or ""):
        # "user:p@ss@host": the URL ends the password at the first "@", so the rest of the
        # password became the host (and would be printed as one in every error).
        raise ValueError(
            f"the host of {hide_secrets(url)!r} holds an '@': a password (or user name)"
            " with an '@' must be percent-encoded in a URL, '@' as %40"
        )
    wanted = SUPPORTED[backend][0]
    if driver != wanted:
        raise ValueError(
            f"unsupported driver {driver!r} for {backend}: newsledger uses {wanted}"
            f" (write {backend}:// without a driver, e.g. {SUPPORTED[backend][1]})"
        )
    return normalised


def display_url(url: str | URL) -> str:
    """`url` as it may be logged or printed: the password hidden, in the user part and in
    the query string (`?password=`, which libpq accepts as well)."""
    parsed = make_url(url) if isinstance(url, str) else url
    return hide_secrets(parsed.render_as_string(hide_password=True))


def hide_secrets(text: str) -> str:
    """A URL, or a text a person meant as one, shown with whatever may be its password
    hidden: a password key's value (`?password=x`, libpq's `host=db password=x`), and a
    `user:password@` part, with or without a scheme. A password may hold ':', '/' and '@'
    (raw, though a URL needs them percent-encoded), so everything from the user's ':' to
    the last '@' before the host is hidden."""
    keys = "|".join(_SECRET_KEYS)
    text = re.sub(
        rf"((?:^|[?&;\s])(?:{keys})\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#;\s]*)",
        rf"\g<1>{_MASK}",
        text,
        flags=re.IGNORECASE,
    )
    head, at, tail = text.rpartition("@")
    if not at:
        return text
    scheme, _, rest = head.rpartition("://")
    prefix = f"{scheme}://" if scheme else ""
    user = re.match(r"/*[^:/?#]*:", rest)
    if user is None or "?" in rest[: user.end()] or rest.startswith(_MASK):
        return text
    return f"{prefix}{rest[: user.end()]}{_MASK}@{tail}"


def sqlite_in_memory(url: URL) -> bool:
    """Whether a SQLite `url` names an in-memory database, which no other process can
    open: no name, ":memory:", or a URI with `mode=memory` (shared within one process)."""
    return (url.database or "") in ("", ":memory:") or url.query.get("mode") == "memory"


def sqlite_unnamed_memory(url: str) -> bool:
    """Whether `url` is `sqlite://` or `sqlite:///:memory:`: a new, empty database for
    each connection (a `mode=memory` URI with a name is shared within the process)."""
    parsed = make_url(normalise_url(url))
    return (
        parsed.get_backend_name() == "sqlite"
        and sqlite_in_memory(parsed)
        and parsed.query.get("mode") != "memory"
    )


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite `url` names; None for another database, an in-memory one, or a
    `file:` URI (which names its file its own way)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or sqlite_in_memory(parsed):
        return None
    if parsed.query.get("uri") or (parsed.database or "").startswith("file:"):
        return None
    return Path(parsed.database or "")

"""The one configuration module: a TOML file plus environment overrides, validated at start-up.

Each package validates its own section (`ingest` the sources and fetch settings,
`feeds` the topics and publishing settings); this module finds the file, reads it,
applies environment overrides and reports every error with the file's name.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feeds import usable_base_url
from store import check_url, hide_secrets, sqlite_file, sqlite_unnamed_memory

DEFAULT_CONFIG = Path("newsledger.toml")
DEFAULT_STORE_URL = "sqlite:///newsledger.db"

#: Environment variables read by newsledger, with what they override (documented in README).
ENVIRONMENT = {
    "NEWSLEDGER_CONFIG": "path of the configuration file (after --config)",
    "DATABASE_URL": "the store's database URL, overriding [store] url",
    "NEWSLEDGER_LOG_FORMAT": "`json` for JSON-lines logs, else human-readable",
    "NEWSLEDGER_LOG_LEVEL": "log level (DEBUG, INFO, WARNING, ERROR); default INFO",
    "NEWSLEDGER_REPLICA_ID": "the worker replica's name in the lease table",
    "NEWSLEDGER_BASE_URL": "absolute URL feeds, pages and the OPML file link to, "
    "overriding [feeds] base_url and the address served",
}


#: The top-level tables a configuration may have; anything else is a typo (`[feed]`).
TABLES = ("store", "sources", "fetch", "feeds", "serve", "topics", "stories", "worker")
#: The keys of `[store]`.
STORE_KEYS = ("url",)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, the entry and the field."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The configuration file, read and with environment overrides applied."""

    path: Path | None
    store_url: str
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """Relative paths in the file are relative to the file's folder."""
        return self.path.parent if self.path is not None else Path.cwd()

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else "<defaults>"

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.name}: [{name}] must be a table")
        return value


def config_path(flag: str | None, environ: dict[str, str] | None = None) -> Path | None:
    """`--config`, else NEWSLEDGER_CONFIG, else ./newsledger.toml if it exists."""
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag)
    if env.get("NEWSLEDGER_CONFIG"):
        return Path(env["NEWSLEDGER_CONFIG"])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def load_settings(flag: str | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read and check the configuration file; raises ConfigError with a one-line reason."""
    env = dict(os.environ if environ is None else environ)
    path = config_path(flag, env)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            # utf-8-sig: Windows editors (Notepad) start a UTF-8 file with a byte-order
            # mark, which tomllib refuses as a stray character on line 1.
            raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder, not a configuration file") from None
        except OSError as exc:  # permission denied, an unreadable device
            raise ConfigError(
                f"{path}: cannot read the configuration file: {exc.strerror}"
            ) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    name = str(path) if path else "<defaults>"
    unknown = sorted(set(raw) - set(TABLES))
    if unknown:
        raise ConfigError(
            f"{name}: unknown table or key {unknown[0]!r} (known: {', '.join(TABLES)})"
        )
    store = raw.get("store", {})
    if not isinstance(store, dict):
        raise ConfigError(f"{name}: [store] must be a table")
    extra = sorted(set(store) - set(STORE_KEYS))
    if extra:
        raise ConfigError(f"{name}: [store] has an unknown key {extra[0]!r} (known: url)")
    where = "DATABASE_URL" if env.get("DATABASE_URL") else f"{name}: [store] url"
    url = env.get("DATABASE_URL") or store.get("url") or DEFAULT_STORE_URL
    if not isinstance(url, str) or "://" not in url:
        shown = hide_secrets(url) if isinstance(url, str) else url
        raise ConfigError(f"{where} must be a database URL, got {shown!r}")
    try:
        check_url(url)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if sqlite_unnamed_memory(url):
        # Every connection to it is a new, empty database, and the worker's threads and
        # commands open several: `check` said ok, then every command failed "no such table".
        raise ConfigError(
            f"{where}: {url!r} is an in-memory SQLite database without a name, a new empty"
            " one for each connection newsledger opens; use a file (sqlite:///newsledger.db)"
        )
    base = path.parent if path is not None else Path.cwd()
    raw = _with_base_url(raw, env.get("NEWSLEDGER_BASE_URL"), name)
    store_url = _absolute_sqlite(url, base)
    _check_sqlite_file(store_url, where)
    return Settings(path=path, store_url=store_url, raw=raw)


def _check_sqlite_file(url: str, where: str) -> None:
    """A SQLite file newsledger can never open is a configuration error, said at once: the
    driver only says "unable to open database file", which the worker took for a database
    that is down and retried for ever (`run --once` too)."""
    file = sqlite_file(url)
    if file is None:
        return
    if file.is_dir():
        raise ConfigError(f"{where}: {file} is a folder, not a database file")
    if not file.parent.is_dir():
        raise ConfigError(
            f"{where}: the folder {file.parent} does not exist (newsledger creates the"
            " database file, not its folder)"
        )
    shm = file.with_name(file.name + "-shm")
    if not os.access(file.parent, os.W_OK | os.X_OK) and not os.access(shm, os.W_OK):
        # The driver said "unable to open database file" of a file that was there.
        raise ConfigError(
            f"{where}: the folder {file.parent} cannot be written, and SQLite keeps its"
            " write-ahead log (the -wal and -shm files) beside the database, even to read it"
        )


def _with_base_url(raw: dict[str, Any], base_url: str | None, name: str) -> dict[str, Any]:
    """NEWSLEDGER_BASE_URL replaces `[feeds] base_url`: in a container the public address is
    the deployment's business (published port, proxy), not the configuration file's."""
    if not base_url:
        return raw
    # Checked here by the feeds' own rule, so that a mistake names the variable, not the
    # file's [feeds] base_url it replaces.
    if not usable_base_url(base_url):
        raise ConfigError(
            "NEWSLEDGER_BASE_URL must be an absolute http(s) URL with a host and no query,"
            f" fragment or white space, got {base_url!r}"
        )
    feeds = raw.get("feeds", {})
    if not isinstance(feeds, dict):
        raise ConfigError(f"{name}: [feeds] must be a table")
    return {**raw, "feeds": {**feeds, "base_url": base_url}}


def _absolute_sqlite(url: str, base: Path) -> str:
    """`sqlite:///x.db` is relative to the configuration file, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url

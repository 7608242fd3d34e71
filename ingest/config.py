"""The `[[sources]]` and `[fetch]` sections of the configuration file, validated into values."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingest.errors import ConfigError
from ingest.parse.headlines import RULES as HEADLINE_RULES
from newsfacts.times import DEFAULT_TIMEZONE, known_zone

KINDS = ("feed", "page", "folder")
DEFAULT_USER_AGENT = (
    "newsledger/0.1 (event-sourced news ingestion; +https://github.com/newsledger/newsledger)"
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZES = {"b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20, "gb": 10**9, "gib": 2**30}
# `name` (a display name) is read and validated by feeds/config.py: ingest never shows it.
_SOURCE_KEYS = {
    "id",
    "kind",
    "url",
    "path",
    "interval",
    "language",
    "enabled",
    "full_text",
    "name",
    "timezone",
    "headline",
}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source."""

    id: str
    kind: str
    url: str | None = None
    path: Path | None = None
    interval: float = 1800.0
    language: str | None = None
    enabled: bool = True
    full_text: bool = False
    #: IANA zone of the source's dates that carry no offset (`14/09/2026 19:46`).
    timezone: str = DEFAULT_TIMEZONE
    #: How a text without a title line gets one (ingest.parse.headlines.RULES).
    headline: str = "sentence"

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def location(self) -> str:
        """The URL polled, or the folder's path."""
        return self.url if self.url is not None else str(self.path)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How politely and how defensively sources are fetched."""

    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 10**6
    max_decompressed_bytes: int = 10 * 10**6
    max_redirects: int = 5
    concurrency: int = 10
    host_gap: float = 1.0
    backoff_base: float = 60.0
    backoff_cap: float = 86400.0
    moved_after: int = 3
    full_text_limit: int = 20
    user_agent: str = DEFAULT_USER_AGENT
    #: Requests in flight to one host at once: a slow host holds no more of `concurrency`.
    host_concurrency: int = 2
    #: `host:port` pairs that URLs from content and redirects may reach although they
    #: resolve to loopback, private or link-local addresses (ingest/fetch/guard.py).
    allow_private: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IngestConfig:
    sources: tuple[SourceConfig, ...] = ()
    fetch: FetchSettings = field(default_factory=FetchSettings)

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)


MAX_DURATION, MAX_SIZE = 366 * 86400.0, 10**12  #: the longest duration, the largest size


def parse_allow_list(entries: Iterable[str]) -> frozenset[str]:
    """`host:port` entries (`[::1]:8080` for IPv6), lower-cased; ValueError names a bad one."""
    parts = [(entry, *entry.strip().rpartition(":")) for entry in entries]
    for entry, host, _, port in parts:
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port, got {entry!r}")
    return frozenset(f"{host.strip('[]').lower()}:{int(port)}" for _, host, _, port in parts)


def parse_duration(value: object) -> float:
    """`"15m"`, `"30s"`, `"2h"`, `"1h30m"`, `"1d"` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ValueError('expected a duration like "15m"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        matches = list(_DURATION.finditer(text))
        if not matches or "".join(m.group(0) for m in matches) != text.replace(" ", ""):
            raise ValueError(f'expected a duration like "15m", "30s" or "2h", got {value!r}')
        seconds = sum(float(m.group(1)) * _UNITS[m.group(2)] for m in matches)
    else:
        raise ValueError(f'expected a duration like "15m", got {value!r}')
    # `inf`, `nan`, `1e308` and "99999999999d" parse as numbers but no timer can use them
    # (they killed the scheduler on reload): a year is the longest anything here waits.
    if not math.isfinite(seconds):
        raise ValueError(f"a duration must be a finite number, got {value!r}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    if seconds > MAX_DURATION:
        raise ValueError(f"a duration must be at most 366d, got {value!r}")
    return seconds


def parse_size(value: object) -> int:
    """`"10MB"`, `"512KiB"` or a number of bytes → bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIZE:
        return value
    if isinstance(value, str) and (m := _SIZE.match(value)):
        size = float(m.group(1)) * _SIZES[(m.group(2) or "b").lower()]
        if math.isfinite(size) and 0 < size <= MAX_SIZE:
            return int(size)
    raise ValueError(f'expected a size like "10MB" or a number of bytes, got {value!r}')


def parse_config(raw: dict[str, Any], *, file: str, base_dir: Path) -> IngestConfig:
    """Validate the whole parsed TOML; errors name the file, the source id and the field."""
    fetch = _parse_fetch(raw.get("fetch", {}), file)
    entries = raw.get("sources", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{file}: sources must be an array of tables ([[sources]])")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        source = _parse_source(entry, index, file, base_dir)
        if source.id in seen:
            raise ConfigError(f"{file}: source {source.id!r}: field 'id': duplicate source id")
        seen.add(source.id)
        sources.append(source)
    return IngestConfig(sources=tuple(sources), fetch=fetch)


def _parse_source(entry: object, index: int, file: str, base_dir: Path) -> SourceConfig:
    where = f"{file}: source #{index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise ConfigError(
            f"{where}: field 'id': expected 1-100 letters, digits, '.', '_' or '-', got {ident!r}"
        )

    def fail(name: str, expected: str) -> ConfigError:
        return ConfigError(f"{file}: source {ident!r}: field {name!r}: {expected}")

    unknown = sorted(set(entry) - _SOURCE_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown field (known: {', '.join(sorted(_SOURCE_KEYS))})")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    url, path = _location(entry, kind, base_dir, fail)
    interval = _interval(entry, fail)
    language = entry.get("language")
    if language is not None and (
        not isinstance(language, str)
        or not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", language)
    ):
        raise fail("language", f'expected a language tag like "vi" or "en", got {language!r}')
    enabled, full_text = entry.get("enabled", True), entry.get("full_text", False)
    for name, flag in (("enabled", enabled), ("full_text", full_text)):
        if not isinstance(flag, bool):
            raise fail(name, f"expected true or false, got {flag!r}")
    if full_text and kind != "feed":
        raise fail("full_text", "only feed sources fetch linked pages")
    timezone, headline_rule = _dates_and_headlines(entry, fail)
    return SourceConfig(
        id=ident,
        kind=kind,
        url=url,
        path=path,
        interval=interval,
        language=language.lower() if isinstance(language, str) else None,
        enabled=enabled,
        full_text=full_text,
        timezone=timezone,
        headline=headline_rule,
    )


def _dates_and_headlines(entry: dict[str, Any], fail: Fail) -> tuple[str, str]:
    timezone = entry.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str) or not known_zone(timezone):
        raise fail("timezone", f'expected an IANA time zone like "{DEFAULT_TIMEZONE}", '
                   f"got {timezone!r}")  # fmt: skip
    headline_rule = entry.get("headline", "sentence")
    if headline_rule not in HEADLINE_RULES:
        raise fail(
            "headline", f"expected one of {', '.join(HEADLINE_RULES)}, got {headline_rule!r}"
        )
    return timezone, headline_rule


Fail = Callable[[str, str], ConfigError]


def _location(
    entry: dict[str, Any], kind: str, base_dir: Path, fail: Fail
) -> tuple[str | None, Path | None]:
    """A folder's resolved path, or a feed's or page's http(s) URL."""
    if kind == "folder":
        raw_path = entry.get("path")
        if not isinstance(raw_path, str) or not raw_path.strip():
            raise fail("path", "a folder source needs a path")
        if "url" in entry:
            raise fail("url", "a folder source takes a path, not a url")
        return None, (base_dir / raw_path).resolve()
    raw_url = entry.get("url")
    if not isinstance(raw_url, str) or not raw_url.strip():
        raise fail("url", f"a {kind} source needs a url")
    if not re.match(r"^https?://[^/\s]+", raw_url.strip(), re.IGNORECASE):
        raise fail("url", f"expected an http:// or https:// URL, got {raw_url!r}")
    return raw_url.strip(), None


def _interval(entry: dict[str, Any], fail: Fail) -> float:
    try:
        interval = parse_duration(entry.get("interval", "30m"))
    except ValueError as exc:
        raise fail("interval", str(exc)) from None
    if interval < 1:
        raise fail("interval", "must be at least 1s")
    return interval


def _parse_fetch(table: object, file: str) -> FetchSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [fetch] must be a table")
    defaults = FetchSettings()
    values: dict[str, Any] = {}
    durations = ("timeout", "connect_timeout", "host_gap", "backoff_base", "backoff_cap")
    sizes = ("max_bytes", "max_decompressed_bytes")
    counts = ("max_redirects", "concurrency", "moved_after", "full_text_limit", "host_concurrency")
    for name, value in table.items():
        try:
            if name in durations:
                values[name] = parse_duration(value)
            elif name in sizes:
                values[name] = parse_size(value)
            elif name in counts:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"expected a whole number ≥ 1, got {value!r}")
                values[name] = value
            elif name == "allow_private":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f'expected a list like ["127.0.0.1:8080"], got {value!r}')
                values[name] = parse_allow_list(value)
            elif name == "user_agent":
                if not isinstance(value, str) or not value.strip() or "\n" in value:
                    raise ValueError(f"expected a one-line string, got {value!r}")
                values[name] = value.strip()
            else:
                known = ", ".join(
                    sorted((*durations, *sizes, *counts, "user_agent", "allow_private"))
                )
                raise ValueError(f"unknown setting (known: {known})")
        except ValueError as exc:
            raise ConfigError(f"{file}: [fetch] field {name!r}: {exc}") from None
    for name in ("timeout", "connect_timeout"):
        if name in values and values[name] <= 0:
            raise ConfigError(f"{file}: [fetch] field {name!r}: must be more than 0s")
    merged = {**{k: getattr(defaults, k) for k in defaults.__dataclass_fields__}, **values}
    return FetchSettings(**merged)

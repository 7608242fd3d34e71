"""The feeds settings (`[feeds]`, `[serve]`, `[[topics]]`), validated with messages naming the
file, the key and what was expected."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feeds.copies import Settings
from feeds.errors import ConfigError
from feeds.topics import Topic, load_topics
from newsfacts.times import DEFAULT_TIMEZONE, known_zone

#: (key, default, help) of `[feeds]` and `[serve]`, the table docs/feeds.md repeats.
FEEDS_KEYS: tuple[tuple[str, object, str], ...] = (
    ("output_dir", "public", "folder the Atom, OPML and HTML files are published to"),
    (
        "base_url",
        "the address served",
        "absolute URL the files are served under; unset: `http://<host>:<port>` of the "
        "address `serve`/`run` listen on (`NEWSLEDGER_BASE_URL` overrides both)",
    ),
    ("entries_per_feed", 50, "entries in a feed document; older ones go to archive pages"),
    ("site_title", "newsledger", "name used in feed titles, the OPML file and the index page"),
    ("topics_file", None, "TOML file replacing the shipped topics (then [[topics]] apply)"),
    (
        "timezone",
        DEFAULT_TIMEZONE,
        "IANA time zone the pages show dates and times in (feeds carry UTC instants)",
    ),
)
#: (key, default, help) of `[stories]`: when two articles are copies (docs/stories.md).
STORIES_KEYS: tuple[tuple[str, object, str], ...] = (
    ("jaccard", 0.7, "a copy shares at least this Jaccard similarity of word shingles"),
    ("containment", 0.9, "or at least this share of the shorter text's shingles"),
    ("across_languages", True, "join reports of one meeting in other languages (meetings)"),
)
SERVE_KEYS: tuple[tuple[str, object, str], ...] = (
    ("host", "127.0.0.1", "address `newsledger serve` listens on"),
    ("port", 8080, "port `newsledger serve` listens on"),
    ("cache_seconds", 300, "Cache-Control max-age sent with feeds and pages"),
)


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    topics: tuple[Topic, ...]
    output_dir: Path
    base_url: str
    entries_per_feed: int = 50
    site_title: str = "newsledger"
    host: str = "127.0.0.1"
    port: int = 8080
    cache_seconds: int = 300
    #: display names of the sources (`[[sources]] name = "VnExpress"`), by source id
    source_names: Mapping[str, str] = field(default_factory=dict)
    #: each source's `timezone` where set: a day its dateline or lead names is shown in it
    source_zones: Mapping[str, str] = field(default_factory=dict)
    #: when two articles are copies of one story (`[stories]`)
    stories: Settings = field(default_factory=Settings)
    #: whether reports of one meeting in different languages join one story
    stories_across_languages: bool = True
    #: the zone of the dates and times on the pages: a dateline's day is its midnight in
    #: the source's zone, which UTC showed as the day before
    timezone: str = DEFAULT_TIMEZONE
    #: False when `base_url` was derived from [serve] rather than set: `served_at` may move it.
    base_url_set: bool = True

    def served_at(self, host: str | None, port: int | None) -> FeedsConfig:
        """This configuration as served on `host`:`port` (`serve`/`run --host/--port`): an
        unset base_url follows the address actually listened on, so self links, article
        links and the OPML file point where the files really are."""
        if host is not None and not _listenable(host):
            raise ConfigError(f"--host must be an IP address or a host name, got {host!r}")
        host = host or self.host
        port = self.port if port is None else port
        if self.base_url_set:
            return replace(self, host=host, port=port)
        if port == 0:  # any free port: the links written into the files cannot know it
            raise ConfigError("--port 0 (any free port) needs [feeds] base_url set")
        return replace(self, host=host, port=port, base_url=derived_base_url(host, port))

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def rendering_fingerprint(self) -> str:
        """What the published bytes depend on besides the views: any change re-renders all."""
        topics = [(t.id, t.title, t.description, t.show_figures) for t in self.topics]
        names = sorted(self.source_names.items())
        body = [self.base_url, self.entries_per_feed, self.site_title, topics, names]
        body += [self.timezone, sorted(self.source_zones.items())]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()[:16]


#: A host name: dot-separated labels of letters, digits and inner hyphens.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def parse_config(raw: dict[str, Any], *, file: str, base_dir: Path) -> FeedsConfig:
    """Validate `[feeds]`, `[serve]` and `[[topics]]` of the whole parsed TOML document."""
    feeds = _table(raw, "feeds", file)
    serve = _table(raw, "serve", file)
    _no_unknown(feeds, {k for k, _, _ in FEEDS_KEYS}, "feeds", file)
    _no_unknown(serve, {k for k, _, _ in SERVE_KEYS}, "serve", file)
    host = serve.get("host", "127.0.0.1")
    if not isinstance(host, str) or not _listenable(host):
        raise ConfigError(
            f"{file}: [serve] host must be an IP address or a host name to listen on, got {host!r}"
        )
    port = _int(serve, "port", 8080, "serve", file, low=0, high=65535)
    if port == 0 and "base_url" not in feeds:
        # Port 0 listens on any free port, which the links written into the files cannot
        # know: every feed and page would point at port 0.
        raise ConfigError(f"{file}: [serve] port 0 (any free port) needs [feeds] base_url set")
    output = feeds.get("output_dir", "public")
    if not isinstance(output, str) or not output:
        raise ConfigError(f"{file}: [feeds] output_dir must be a path string")
    output_dir = (base_dir / output).resolve()
    # The folder is created when first published; the nearest part of it that exists
    # must be a folder ("public/site" under a file "public" could never be created).
    existing = next((p for p in (output_dir, *output_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ConfigError(f"{file}: [feeds] output_dir {output_dir}: {existing} is a file")
    base_url = feeds.get("base_url", derived_base_url(host, port))
    if not isinstance(base_url, str) or not usable_base_url(base_url):
        raise ConfigError(
            f"{file}: [feeds] base_url must be an absolute http(s) URL with a host and no"
            f" query or fragment, got {base_url!r}"
        )
    title = feeds.get("site_title", "newsledger")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(f"{file}: [feeds] site_title must be a non-empty string")
    timezone = feeds.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str) or not known_zone(timezone):
        raise ConfigError(
            f'{file}: [feeds] timezone must be an IANA time zone like "{DEFAULT_TIMEZONE}",'
            f" got {timezone!r}"
        )
    return FeedsConfig(
        topics=load_topics(raw, file=file, base_dir=base_dir),
        output_dir=output_dir,
        base_url=base_url.rstrip("/"),
        entries_per_feed=_int(feeds, "entries_per_feed", 50, "feeds", file, low=1, high=1000),
        site_title=title.strip(),
        host=host,
        port=port,
        cache_seconds=_int(serve, "cache_seconds", 300, "serve", file, low=0, high=86400 * 30),
        source_names=_source_names(raw, file),
        source_zones=_source_zones(raw),
        base_url_set="base_url" in feeds,
        stories=_stories(raw, file),
        stories_across_languages=_across_languages(raw, file),
        timezone=timezone,
    )


def derived_base_url(host: str, port: int) -> str:
    """The URL of a server listening on `host`:`port`. A wildcard address (`0.0.0.0`, `::`)
    names no host a reader can use, so it becomes `localhost`; set base_url (or
    NEWSLEDGER_BASE_URL) for anything reached from elsewhere."""
    name = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in name and not name.startswith("["):
        name = f"[{name.replace('%', '%25')}]"  # an IPv6 literal (its zone's "%" escaped)
    return f"http://{name}:{port}"


def _listenable(host: str) -> bool:
    """An IP literal, or a name made of DNS labels (what a socket can be bound to)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        # A name of digits and dots only is a mistyped address ("999.1.1.1"), or one the
        # resolver reads its own way ("0" is 0.0.0.0, which links cannot use).
        return _HOST_NAME.fullmatch(host) is not None and not host.replace(".", "").isdigit()


def usable_base_url(url: str) -> bool:
    """Links are the base URL plus a path: it needs a scheme and a host, and a query or a
    fragment would end up in the middle of every link. White space or a control character
    (a value read from a file or a secret keeps its final line break) would be written
    into every link too; `urlsplit` drops some of them silently, so they are looked for
    here."""
    if any(char.isspace() or not char.isprintable() or char == "\\" for char in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.port != 0
        and not parts.query
        and not parts.fragment
        and not url.endswith(("?", "#"))
    )


def _stories(raw: dict[str, Any], file: str) -> Settings:
    table = _table(raw, "stories", file)
    _no_unknown(table, {k for k, _, _ in STORIES_KEYS}, "stories", file)
    values = {}
    for key, default, _ in STORIES_KEYS:
        if isinstance(default, bool):
            continue
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise ConfigError(f"{file}: [stories] {key} must be a number above 0 and at most 1")
        values[key] = float(value)
    return Settings(jaccard=values["jaccard"], containment=values["containment"])


def _source_names(raw: dict[str, Any], file: str) -> dict[str, str]:
    """`name` of each `[[sources]]` entry (the ingest settings validate the rest)."""
    names: dict[str, str] = {}
    sources = raw.get("sources", [])
    for entry in sources if isinstance(sources, list) else []:
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        name = entry["name"]
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"{file}: source {entry.get('id')!r}: name must be a non-empty string"
            )
        names[str(entry.get("id"))] = " ".join(name.split())
    return names


def _source_zones(raw: dict[str, Any]) -> dict[str, str]:
    """`timezone` of each `[[sources]]` entry that sets a known one (ingest's settings
    name a wrong one as an error)."""
    sources = raw.get("sources", [])
    return {
        str(entry.get("id")): entry["timezone"]
        for entry in (sources if isinstance(sources, list) else [])
        if isinstance(entry, dict)
        and isinstance(entry.get("timezone"), str)
        and known_zone(entry["timezone"])
    }


def _table(raw: dict[str, Any], name: str, file: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: [{name}] must be a table")
    return value


def _no_unknown(table: dict[str, Any], known: set[str], name: str, file: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{file}: [{name}] has unknown key {unknown[0]!r}")


def _int(
    table: dict[str, Any], key: str, default: int, name: str, file: str, *, low: int, high: int
) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{file}: [{name}] {key} must be an integer from {low} to {high}")
    return value


def _across_languages(raw: dict[str, Any], file: str) -> bool:
    value = _table(raw, "stories", file).get("across_languages", True)
    if not isinstance(value, bool):
        raise ConfigError(f"{file}: [stories] across_languages must be true or false")
    return value

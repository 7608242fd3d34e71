"""Topics that narrow another (`base` and `countries`), checked once every topic is known:
a misspelt or disabled base left such a topic silently empty (it narrowed nothing), and a
code of no country matched nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from feeds.countries import names
from feeds.errors import ConfigError


class Narrowing(Protocol):
    """What is read of a topic here (feeds.topics.Topic, which imports this module)."""

    @property
    def id(self) -> str: ...
    @property
    def base(self) -> str | None: ...
    @property
    def countries(self) -> tuple[str, ...]: ...


def check_bases(topics: Mapping[str, Narrowing], disabled: set[str], file: str) -> None:
    """Raise ConfigError naming the first topic whose base is not among `topics` (or was
    `disabled`), or whose countries hold a code no country has."""
    codes = set(names().values())
    for topic in topics.values():
        if topic.base is None:
            continue
        if topic.base not in topics:
            why = "is disabled" if topic.base in disabled else "is not a topic"
            raise ConfigError(f"{file}: topic {topic.id!r}: its base {topic.base!r} {why}")
        unknown = sorted(set(topic.countries) - codes)
        if unknown:
            raise ConfigError(
                f"{file}: topic {topic.id!r}: {unknown[0]!r} is not an ISO 3166 country code"
            )

"""The composition root: builds the store, the projections and each package's configuration
from the settings, lazily, so nothing connects before a command needs it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from newsledger.config import Settings, load_settings
from store import EventStore, Projection, ProjectionRunner, Upcasters

if TYPE_CHECKING:
    from feeds.config import FeedsConfig
    from ingest.config import IngestConfig


class App:
    """What a command needs, built on first use from one configuration."""

    def __init__(self, config_flag: str | None = None, *, settings: Settings | None = None) -> None:
        self._config_flag = config_flag
        if settings is not None:
            self.__dict__["settings"] = settings

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self._config_flag)

    @cached_property
    def ingest_config(self) -> IngestConfig:
        from ingest.config import parse_config

        s = self.settings
        return parse_config(s.raw, file=s.name, base_dir=s.base_dir)

    @cached_property
    def feeds_config(self) -> FeedsConfig:
        from feeds.config import parse_config

        s = self.settings
        return parse_config(s.raw, file=s.name, base_dir=s.base_dir)

    @cached_property
    def upcasters(self) -> Upcasters:
        from newsfacts import upcasters

        return upcasters()

    @cached_property
    def store(self) -> EventStore:
        return EventStore.open(self.settings.store_url, upcasters=self.upcasters)

    def projections(self) -> list[Projection]:
        from feeds.projections import build_projections as feeds_projections
        from ingest.projections import build_projections as ingest_projections

        return [*ingest_projections(self.ingest_config), *feeds_projections(self.feeds_config)]

    @cached_property
    def runner(self) -> ProjectionRunner:
        return ProjectionRunner(self.store, self.projections())

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

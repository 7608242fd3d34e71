"""The composition root: builds the store, the projections and each package's configuration
from the settings, lazily, so nothing connects before a command needs it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from newsledger.config import Settings, load_settings
from store import EventStore, Projection, ProjectionRunner

if TYPE_CHECKING:
    from feeds import FeedsConfig
    from ingest import IngestConfig


class App:
    """What a command needs, built on first use from one configuration.

    `settings` and `store` may be handed in (tests; a configuration reload keeps the
    store it already has open).
    """

    def __init__(
        self,
        config_flag: str | None = None,
        *,
        settings: Settings | None = None,
        store: EventStore | None = None,
        served: tuple[str | None, int | None] | None = None,
    ) -> None:
        self._config_flag = config_flag
        self._settings = settings
        self._store = store
        self._served = served

    def serve_at(self, host: str | None, port: int | None) -> None:
        """Serve on `host`:`port` (the `--host`/`--port` options): an unset `[feeds]
        base_url` then follows this address, so links point where the files really are."""
        self._served = (host, port)
        if "feeds_config" in self.__dict__:  # computed before the address was known
            del self.feeds_config

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._config_flag)
        return self._settings

    @property
    def store(self) -> EventStore:
        """The store, opened (and migrated) on first use."""
        if self._store is None:
            from newsfacts import upcasters

            self._store = EventStore.open(self.settings.store_url, upcasters=upcasters())
        return self._store

    def reloaded(self) -> App:
        """This configuration read again from its file, keeping the open store (a reload
        changes sources and settings; a new store URL needs a restart)."""
        path = self.settings.path
        return App(str(path) if path is not None else None, store=self.store, served=self._served)

    @cached_property
    def ingest_config(self) -> IngestConfig:
        from ingest import parse_config

        s = self.settings
        return parse_config(s.raw, file=s.name, base_dir=s.base_dir)

    @cached_property
    def feeds_config(self) -> FeedsConfig:
        from feeds import parse_config

        s = self.settings
        # NEWSLEDGER_BASE_URL is already in s.raw: load_settings applies it, once.
        config = parse_config(s.raw, file=s.name, base_dir=s.base_dir)
        return config if self._served is None else config.served_at(*self._served)

    def projections(self) -> list[Projection]:
        from feeds import build_projections as feeds_projections
        from ingest import build_projections as ingest_projections

        return [*ingest_projections(self.ingest_config), *feeds_projections(self.feeds_config)]

    @cached_property
    def runner(self) -> ProjectionRunner:
        return ProjectionRunner(self.store, self.projections())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def projection_runner(settings: Settings) -> ProjectionRunner:
    """The app's runner, built in the worker's projection process (store/follow.py) from the
    same settings as the worker's, so both apply the same projections to the same store."""
    from newsledger.logs import configure_logging

    configure_logging()
    return App(settings=settings).runner

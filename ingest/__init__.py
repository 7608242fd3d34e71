"""Ingestion: fetch sources, normalise articles, decide what is new, append facts.

The tree reads as the pipeline: `fetch/` (polite HTTP, charsets), `parse/` (feeds, web
pages, folders), `normalise/` (canonical text and URLs, sanitised HTML, items),
`record/` (dedup decisions, article events, source facts), orchestrated by `poller.py`;
`projections.py` folds the source facts into each source's state and health.

This module is the package's public face: the composition root (`newsledger`) imports
only what is listed here.
"""

from ingest.backoff import Backoff
from ingest.budget import ConcurrencyBudget
from ingest.config import IngestConfig, SourceConfig, parse_config, parse_duration
from ingest.errors import IngestError, UnknownSourceError
from ingest.memory import seed
from ingest.notes import PollNote, poll_notes
from ingest.poller import Poller
from ingest.projections import (
    SourceState,
    build_projections,
    health,
    last_success,
    next_poll,
    source_states,
)
from ingest.reports import PollReport

__all__ = [
    "Backoff",
    "ConcurrencyBudget",
    "IngestConfig",
    "IngestError",
    "PollNote",
    "PollReport",
    "Poller",
    "SourceConfig",
    "SourceState",
    "UnknownSourceError",
    "build_projections",
    "health",
    "last_success",
    "next_poll",
    "parse_config",
    "parse_duration",
    "poll_notes",
    "seed",
    "source_states",
]

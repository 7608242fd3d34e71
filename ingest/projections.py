"""Source state derived from the log: last success and error, failures, validators, moves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, Integer, String, Table, Text, delete, insert, select

from ingest.config import IngestConfig
from ingest.notes import PollNote
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    ARTICLE_TYPES,
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    SOURCE_TYPES,
    maybe_parse_timestamp,
    maybe_timestamp,
)
from store import Projection, ProjectionRunner, RecordedEvent, catch_up_or_stale, view_table

NAME = "ingest_sources"


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the log says about one source (timestamps are ISO strings from event data)."""

    source_id: str
    url: str | None = None  # last URL polled
    moved_from: str | None = None
    moved_to: str | None = None
    gone_url: str | None = None
    last_success: str | None = None
    last_attempt: str | None = None
    last_error: str | None = None
    last_error_reason: str | None = None
    last_error_at: str | None = None
    failures: int = 0
    retry_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirect_target: str | None = None
    redirect_streak: int = 0
    ingested: int = 0
    revised: int = 0
    sighted: int = 0

    @property
    def articles(self) -> int:
        """Articles this source contributed: first sightings plus sightings of known ones."""
        return self.ingested + self.sighted

    def current_url(self, configured: str) -> str:
        """The URL polled for `configured`: the target of a confirmed move away from it.

        A move recorded for another configured URL no longer applies: editing the
        configuration starts over from the new URL.
        """
        if self.moved_to and self.moved_from == configured:
            return self.moved_to
        return configured

    def gone_at(self, url: str) -> bool:
        """Whether `url` answered 410 (a source is polled again once its URL changes)."""
        return self.gone_url is not None and self.gone_url == url


def health(
    state: SourceState | None,
    *,
    enabled: bool,
    configured: str,
    note: PollNote | None = None,
) -> str:
    """`disabled`, `never polled`, `gone`, `failing` or `ok`: the one rule of a source's health.
    A poll that brought nothing new leaves no fact, only the source's note
    (ingest/notes.py): a source whose every poll so far brought nothing is ok, not "never
    polled". Failures are always facts, so the note never hides one."""
    if not enabled:
        return "disabled"
    succeeded = last_success(state, note, configured) is not None
    if state is None:
        return "ok" if succeeded else "never polled"
    if state.gone_at(state.current_url(configured)):
        return "gone"
    if state.failures:
        return "failing"
    if not succeeded:
        return "never polled" if state.last_error_at is None else "failing"
    return "ok"


def last_success(state: SourceState | None, note: PollNote | None, configured: str) -> str | None:
    """The later of the log's last success and the note's, the note counting when it was
    written for the source as configured now (at whichever URL it was polled)."""
    logged = maybe_parse_timestamp(state.last_success) if state is not None else None
    noted = note.last_success if note is not None and note.configured == configured else None
    return maybe_timestamp(max((t for t in (logged, noted) if t is not None), default=None))


def next_poll(
    *, interval: float, last_attempt: datetime | None, retry_at: datetime | None
) -> datetime | None:
    """When a source is due next: its interval after the last attempt; after a failure,
    when its back-off or a host's Retry-After ends, earlier or later than that (the worker
    retries a failed source then, newsledger/worker/jobs.py, and `sources` and `run --once`
    must agree with it). None: at once."""
    if retry_at is not None:
        return retry_at
    return last_attempt + timedelta(seconds=interval) if last_attempt is not None else None


_TEXT_FIELDS = {
    "url",
    "moved_from",
    "moved_to",
    "gone_url",
    "last_error",
    "etag",
    "last_modified",
    "redirect_target",
}
_INT_FIELDS = {"failures", "redirect_streak", "ingested", "revised", "sighted"}


def _column(name: str) -> Column[Any]:
    if name == "source_id":
        return Column(name, String(100), primary_key=True)
    if name in _INT_FIELDS:
        return Column(name, Integer, nullable=False)
    if name in _TEXT_FIELDS:
        return Column(name, Text, nullable=True)
    return Column(name, String(40), nullable=True)


class SourceStateProjection(Projection):
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str] | None] = SOURCE_TYPES | ARTICLE_TYPES

    def tables(self, generation: int) -> dict[str, Table]:
        columns = [_column(f.name) for f in fields(SourceState)]
        return {"state": view_table("ingest_source_state", generation, *columns)}

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        table = tables["state"]
        ids = sorted({str(e.data.get("source_id")) for e in events if e.data.get("source_id")})
        if not ids:
            return
        rows = {
            row.source_id: dict(row._mapping)
            for row in conn.execute(select(table).where(table.c.source_id.in_(ids)))
        }
        _fold_all(rows, events)
        conn.execute(delete(table).where(table.c.source_id.in_(ids)))
        conn.execute(insert(table), [rows[i] for i in ids if i in rows])


def fold(events: Iterable[RecordedEvent]) -> dict[str, SourceState]:
    """The state of every source named by `events`, folded from nothing (tests, tools)."""
    rows: dict[str, dict[str, Any]] = {}
    _fold_all(rows, events)
    return {source_id: SourceState(**row) for source_id, row in rows.items()}


def _fold_all(rows: dict[str, dict[str, Any]], events: Iterable[RecordedEvent]) -> None:
    for event in events:
        sid = event.data.get("source_id")
        if not sid:
            continue
        _fold(rows.setdefault(str(sid), _empty(str(sid))), event)


def _empty(source_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: None for f in fields(SourceState)}
    row.update(dict.fromkeys(_INT_FIELDS, 0))
    row["source_id"] = source_id
    return row


def _fold(row: dict[str, Any], event: RecordedEvent) -> None:
    """One event's effect on a source's row."""
    data = event.data
    kind = event.type
    # An adoption (ingest/record/adoption.py) restates what the sources sighted before: the
    # adopter's sighting becomes its article, the others' sightings are counted already.
    adopted = bool(event.metadata.get("adopted_from"))
    if kind == ARTICLE_INGESTED.name:
        row["ingested"] += 1
        row["sighted"] -= adopted
    elif kind == ARTICLE_REVISED.name:
        row["revised"] += 1
    elif kind == ARTICLE_SIGHTED.name:
        row["sighted"] += not adopted
    elif kind == SOURCE_FETCHED.name:
        row.update(
            url=data.get("url"),
            last_success=data.get("fetched"),
            last_attempt=data.get("fetched"),
            failures=0,
            retry_at=None,
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
        )
        target = data.get("permanent_redirect")
        if target and target == row["redirect_target"]:
            row["redirect_streak"] += 1
        else:
            row["redirect_target"] = target
            row["redirect_streak"] = 1 if target else 0
    elif kind == SOURCE_FETCH_FAILED.name:
        row.update(
            url=data.get("url"),
            last_attempt=data.get("fetched"),
            last_error=data.get("message"),
            last_error_reason=data.get("reason"),
            last_error_at=data.get("fetched"),
            failures=int(data.get("failures") or row["failures"] + 1),
            retry_at=data.get("retry_at"),
        )
    elif kind == SOURCE_MOVED.name:
        row.update(
            moved_from=data.get("from_url"),
            moved_to=data.get("to_url"),
            redirect_target=None,
            redirect_streak=0,
            etag=None,
            last_modified=None,
        )
    elif kind == SOURCE_GONE.name:
        row.update(
            # The URL polled, as for every poll: an attempt at it is no attempt at another.
            url=data.get("url"),
            gone_url=data.get("url"),
            last_attempt=data.get("fetched"),
            last_error=data.get("message"),
            last_error_reason="gone",
            last_error_at=data.get("fetched"),
        )


def build_projections(config: IngestConfig) -> list[Projection]:
    """The projections ingest contributes to the app's runner."""
    return [SourceStateProjection()]


def source_states(
    runner: ProjectionRunner, *, source_id: str | None = None, stale_ok: bool = False
) -> dict[str, SourceState]:
    """Every source's state (or `source_id`'s alone), after bringing the projection up to
    date; `stale_ok`: as it stands if the store refuses writes (store/stale.py)."""
    if NAME not in runner.projections:
        runner = ProjectionRunner(runner.store, [SourceStateProjection()])
    if stale_ok:
        catch_up_or_stale(runner, NAME)
    else:
        runner.catch_up(NAME)
    table = runner.tables(NAME)["state"]
    query = select(table)
    if source_id is not None:
        query = query.where(table.c.source_id == source_id)
    with runner.store.reading() as conn:
        return {row.source_id: SourceState(**dict(row._mapping)) for row in conn.execute(query)}

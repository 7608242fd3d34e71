"""A poison event (an ArticleIngested without its article id, in a log that can never be
changed) makes a projection's pure `prepare` raise. Whether that work runs in this process
(a catch-up: before the batch's write transaction) or in worker processes (a replay, a long
catch-up), the batch is applied unprepared and only the poison event becomes a fault: the
articles around it are in the views of both projections."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from newsfacts import article_stream
from store import EventStore, NewEvent, ProjectionRunner
from tests.feeds.conftest import article_uuid, ingested


def _log_with_a_poison(store: EventStore) -> None:
    for n in range(6):
        event = ingested(f"good-{n}", title=f"Hội đàm số {n}", text=f"Bài thứ {n}.", n=n)
        store.append(article_stream(str(event.data["article_id"])), [event])
        if n == 2:
            poison = ingested("poison", title="Bài độc", text="Không có mã bài.", n=99)
            bad = {k: v for k, v in poison.data.items() if k != "article_id"}
            store.append("article-poison", [NewEvent(poison.type, bad)])


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
def test_a_poison_event_is_a_fault_of_each_projection_and_its_neighbours_are_applied(
    store: EventStore, config: FeedsConfig, workers: int
) -> None:
    _log_with_a_poison(store)
    runner = ProjectionRunner(store, build_projections(config), workers=workers, ahead_from=1)
    runner.catch_up()
    runner.replay()  # and again from scratch, into a new generation
    poison_position = 4
    for name in ("topics", "stories"):
        assert [f.position for f in runner.faults(name)] == [poison_position], name
    members = runner.tables("stories")["story_members"]
    with store.reading() as conn:
        grouped = set(conn.execute(select(members.c.article_id)).scalars())
    assert grouped == {article_uuid(f"good-{n}") for n in range(6)}

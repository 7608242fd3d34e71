"""An article event whose text fields hold other JSON values (a hand-made or imported log:
`"author": true`, `"place": 1.0`) is projected with each as its JSON text, the same on
SQLite and PostgreSQL. Left to the drivers, `true` became '1' on SQLite, 'true' through
PostgreSQL's INSERT and 't' through its COPY."""

from __future__ import annotations

from sqlalchemy import select

from feeds.articles import ArticleVersion
from feeds.config import FeedsConfig
from feeds.projections import build_projections
from newsfacts import article_stream
from store import EventStore, NewEvent, ProjectionRunner
from tests.feeds.conftest import article_uuid, ingested

ODD = {"author": True, "place": 1.0, "language": ["vi"], "source_kind": False}


def test_a_text_field_holding_another_json_value_is_read_as_its_json_text() -> None:
    event = ingested("odd", title="Hội đàm", text="Hai bên hội đàm.", n=1)
    version = ArticleVersion.from_data({**event.data, **ODD})
    assert (version.author, version.place, version.language) == ("true", "1.0", '["vi"]')
    assert ArticleVersion.from_data(event.data).language == event.data.get("language")


def test_the_views_store_such_values_alike_on_either_database(
    store: EventStore, config: FeedsConfig
) -> None:
    event = ingested("odd", title="Hội đàm Việt Nam - Lào", text="Hai bên hội đàm.", n=1)
    store.append(
        article_stream(str(event.data["article_id"])), [NewEvent(event.type, {**event.data, **ODD})]
    )
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    articles = runner.tables("topics")["feed_articles"]
    events = runner.tables("topics")["article_events"]
    with store.reading() as conn:
        stored = conn.execute(
            select(articles.c.author, articles.c.place, articles.c.language)
        ).one()
        kind = conn.execute(select(events.c.source_kind)).scalar_one()
    assert tuple(stored) == ("true", "1.0", '["vi"]')
    assert kind == "false"
    assert not runner.faults("topics")
    assert article_uuid("odd") == str(event.data["article_id"])

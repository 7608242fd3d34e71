"""The feeds views' tables, one set per projection generation (see `store.view_table`)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from store import view_table


def topics_tables(generation: int) -> dict[str, Table]:
    g = generation
    return {
        "feed_articles": view_table(
            "feed_articles",
            g,
            Column("article_id", String(64), primary_key=True),
            Column("position", Integer, nullable=False, index=True),  # first ingestion
            Column("version", Integer, nullable=False),
            Column("source_id", String(200), nullable=False),
            Column("url", Text),
            Column("title", Text, nullable=False),
            Column("text", Text, nullable=False),
            Column("html", Text),
            Column("language", String(35)),
            Column("author", Text),
            Column("place", Text),
            Column("published", String(20)),
            Column("updated", String(20), nullable=False),
            Column("meetings", Text),  # JSON: the meetings found (feeds.meetings.Meeting.as_json)
            Column("countries", String(200)),  # ISO codes of its happened bilateral meetings
            # The index page's order, newest first: indexed, so the page reads ten rows.
            Index(f"ix_feed_articles_g{g}_dated", "published", "article_id"),
        ),
        "feed_sightings": view_table(
            "feed_sightings",
            g,
            Column("article_id", String(64), primary_key=True),
            Column("position", Integer, primary_key=True),
            Column("source_id", String(200), nullable=False),
            Column("url", Text),
        ),
        "topic_entries": view_table(
            "topic_entries",
            g,
            Column("topic_id", String(64), primary_key=True),
            Column("article_id", String(64), primary_key=True),
            Column("seq", Integer, nullable=False),  # order of entry into the topic, from 1
            Column("score", Float, nullable=False),
            Column("explanation", Text, nullable=False),  # JSON: which rule matched which words
            Index(f"ix_topic_entries_g{g}_seq", "topic_id", "seq", unique=True),
            Index(f"ix_topic_entries_g{g}_article", "article_id"),
        ),
        "topic_heads": view_table(
            "topic_heads",
            g,
            Column("topic_id", String(64), primary_key=True),
            Column("next_seq", Integer, nullable=False),
            Column("stamp", Integer, nullable=False),  # position of the last change
        ),
        "topic_pages": view_table(
            "topic_pages",
            g,
            Column("topic_id", String(64), primary_key=True),
            Column("page", Integer, primary_key=True),
            Column("stamp", Integer, nullable=False),  # position of the last change on the page
        ),
        "figures": figures_table(g),
        "article_events": view_table(
            "article_events",
            g,
            # Every event of an article's stream, as the article page's provenance shows it.
            Column("article_id", String(64), primary_key=True),
            Column("position", Integer, primary_key=True),
            Column("event_id", String(36), nullable=False),
            Column("type", String(40), nullable=False),
            Column("hash", String(64), nullable=False),  # the log's chain hash (`verify`)
            Column("recorded_at", String(32), nullable=False),
            Column("version", Integer),
            Column("source_id", String(200), nullable=False),
            Column("source_kind", String(20)),
            Column("url", Text),
            Column("content_hash", String(64)),
            Column("previous_hash", String(64)),
            Column("title", Text),
            Column("previous_text", Text),  # revisions: the title and text they replaced
            Column("published", String(20)),
            Column("fetched", String(20)),
            Column("dates", Text),  # JSON: where each date came from, when the event says
            Index(f"ix_article_events_g{g}_position", "position"),
        ),
    }


def figures_table(generation: int) -> Table:
    return view_table(
        "figures",
        generation,
        Column("article_id", String(64), primary_key=True),
        Column("ordinal", Integer, primary_key=True),
        Column("position", Integer, nullable=False, index=True),
        Column("field", String(10), nullable=False),
        Column("kind", String(10), nullable=False),
        Column("value", String(60), nullable=False),  # exact decimal, as text
        Column("unit", String(40), nullable=False),
        Column("direction", String(5)),
        Column("measure", String(30), nullable=False),  # trade, prices… or fine, prize…
        Column("economic", Boolean, nullable=False),
        Column("period", Text),
        Column("inferred", Boolean, nullable=False),  # currency not written ("27.000 tỷ")
        Column("cue", Text, nullable=False),  # the words that decided the measure
        Column("text", Text, nullable=False),
        Column("sentence", Text, nullable=False),
        Column("start", Integer, nullable=False),
        Column("end", Integer, nullable=False),
    )

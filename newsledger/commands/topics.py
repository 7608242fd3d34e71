"""Commands that show what the topics decided: `articles` lists articles with their topics,
figures and meetings; `explain` says, for each topic, why an article is in it or not."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select

from feeds import ArticleListing, ArticleText, build_projections, explain_article, listings
from newsledger.app import App
from store import ProjectionRunner, catch_up_or_stale


def _runner(app: App) -> ProjectionRunner:
    runner = ProjectionRunner(app.store, build_projections(app.feeds_config))
    catch_up_or_stale(runner, "topics")
    return runner


def _line(row: ArticleListing) -> str:
    figures = "; ".join(
        f"{f['text']} ({f['measure']}{', ' + f['period'] if f['period'] else ''})"
        for f in row.figures
    )
    meetings = "; ".join(
        f"{text} (×{count})" if count > 1 else text for text, count in _meetings_said(row)
    )
    return "  ".join(
        [
            row.article_id,
            row.published or "-",
            row.language or "-",
            row.source_id,
            f"«{row.title}»",
            f"topics: {', '.join(row.topics) or '-'}",
            f"figures: {figures or '-'}",
            f"meetings: {meetings or '-'}",
            row.url or "-",
        ]
    )


def _meetings_said(row: ArticleListing) -> list[tuple[str, int]]:
    """Each meeting once with the number of sentences telling it: one line per article,
    not the same talks again for every sentence retelling them. Sentences of one kind,
    state and pair of countries are one meeting, dated by whichever sentence dates it
    (the day its words name: "Chiều 9/1" and "ngày 9/1" are one); two different days among
    them are two meetings (two visits a year apart). A meeting only recalled (background)
    is told apart from the one reported."""
    told: dict[tuple[str, str, str, bool], list[dict[str, Any]]] = {}
    for meeting in row.meetings:
        countries = "–".join(side["country"] or "?" for side in meeting["sides"])
        key = (meeting["kind"], meeting["status"], countries, bool(meeting.get("background")))
        told.setdefault(key, []).append(meeting)
    said: list[tuple[str, int]] = []
    for (kind, status, countries, background), sentences in told.items():
        # A day the words name, else the words themselves (no anchor to resolve them).
        dates = [row.meeting_day(m) or m.get("when") for m in sentences]
        days = list(dict.fromkeys(d for d in dates if d))
        undated = dates.count(None)
        for at, day in enumerate(days or [None]):
            count = sum(1 for d in dates if day and d == day)
            count += undated if at == 0 else 0  # undated sentences join the first day
            words = [kind, status, countries, *([f"on {day}"] if day else [])]
            said.append((" ".join(words + (["(background)"] if background else [])), count))
    return said


@click.command("articles")
@click.option("--topic", "topic", metavar="TOPIC", help="Only the articles of this topic.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one article per line.")
@click.pass_obj
def articles(app: App, topic: str | None, as_json: bool) -> None:
    """List articles with their topics, figures (measure, period) and meetings."""
    if topic is not None and app.feeds_config.topic(topic) is None:
        known = ", ".join(t.id for t in app.feeds_config.topics)
        raise click.ClickException(f"unknown topic {topic!r} (known: {known})")
    runner = _runner(app)
    tables = runner.tables("topics")
    with app.store.engine.connect() as conn:
        for row in listings(conn, tables, topic=topic):
            if as_json:
                click.echo(json.dumps(row.as_json(), ensure_ascii=False, sort_keys=True))
            else:
                click.echo(_line(row))


@click.command("explain")
@click.argument("article_id")
@click.pass_obj
def explain(app: App, article_id: str) -> None:
    """For each topic, why ARTICLE_ID is in it or not."""
    runner = _runner(app)
    table = runner.tables("topics")["feed_articles"]
    with app.store.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.article_id == article_id)).first()
    if row is None:
        raise click.ClickException(f"no article {article_id!r} in the views")
    click.echo(f"{row.article_id}  «{row.title}»")
    article = ArticleText(row.title, row.text, row.language, row.published)
    for verdict in explain_article(article, app.feeds_config.topics):
        click.echo(f"{verdict.topic}: {'in' if verdict.member else 'not in'}")
        for reason in verdict.reasons:
            click.echo(f"  - {reason}")


COMMANDS: list[click.Command] = [articles, explain]

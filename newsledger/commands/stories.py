"""`newsledger stories`: each story of several reports, its articles, and why and how closely
each joined (the `stories` projection, caught up first)."""

from __future__ import annotations

import json

import click

from feeds import STORIES, Member, build_projections, list_stories
from newsledger.app import App
from store import ProjectionRunner, catch_up_or_stale


def _how(member: Member) -> str:
    if member.reason == "copy":
        return (
            f"copy of {member.via}: jaccard {member.jaccard:.2f}, "
            f"containment {member.containment:.2f}"
        )
    if member.reason == "meeting":
        return f"{member.why} (via {member.via})"
    return "first report"


@click.command("stories")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one story per line.")
@click.option("--all", "every", is_flag=True, help="Also the stories of a single article.")
@click.pass_obj
def stories_command(app: App, as_json: bool, every: bool) -> None:
    """List stories: their articles, and why and how closely each joined."""
    runner = ProjectionRunner(app.store, build_projections(app.feeds_config))
    catch_up_or_stale(runner, STORIES)
    tables = runner.tables(STORIES)
    with app.store.reading() as conn:
        found = list_stories(conn, tables, min_members=1 if every else 2)
    for story in found:
        if as_json:
            click.echo(json.dumps(story.as_json(), ensure_ascii=False, sort_keys=True))
            continue
        languages = ",".join(story.languages) or "?"
        click.echo(f"{story.story_id}  {len(story.members)} reports [{languages}]  «{story.title}»")
        for m in story.members:
            url = f"  {m.url}" if m.url else ""
            click.echo(f"  {m.article_id}  {m.source_id}  {m.language or '?'}  {_how(m)}{url}")


COMMANDS: list[click.Command] = [stories_command]

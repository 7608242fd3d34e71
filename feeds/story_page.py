"""A story's own page: every report of one story — source, language, why and how closely it
joined — and the first SIDE_BY_SIDE side by side with, for a copy in the first report's
language, what it changed."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Table, func, select

from feeds.diffs import word_diff
from feeds.files import page_file, write_if_changed
from feeds.render import Site
from feeds.site import CSP, _environment
from feeds.story_rows import title_and_text
from feeds.story_views import Member, Story, stories
from store import EventsAt

Tables = Mapping[str, Table]

#: Reports a chunk of story pages holds at once, about (the texts of SIDE_BY_SIDE each).
_REPORTS = 1000
#: Reports whose texts a story's page shows side by side (with what each changed); the
#: others are rows of its table only. A wire story can be copied by hundreds of feeds (a
#: hostile one by thousands): every copy's text and diff made a page of megabytes, read,
#: compared and written again each time one more copy joined (1.6 s of a 2.9 s publish
#: of 100 new articles at 10,000, feeds_bench).
SIDE_BY_SIDE = 30


@dataclass(frozen=True, slots=True)
class Report:
    member: Member
    text: str
    #: against the first report, word by word ("=", "-", "+"); empty for the first report
    #: and for a report in another language (joined by its meeting, not by its words)
    diff: tuple[tuple[str, str], ...] = ()

    @property
    def changed(self) -> bool:
        return any(op != "=" for op, _ in self.diff)


@dataclass(frozen=True, slots=True)
class StoryPage:
    story: Story
    reports: tuple[Report, ...]  # every report; those past SIDE_BY_SIDE without their text

    @property
    def side_by_side(self) -> tuple[Report, ...]:
        return self.reports[:SIDE_BY_SIDE]


def story_pages(
    conn: Connection, tables: Tables, events_at: EventsAt, *, since: int | None
) -> Iterator[StoryPage]:
    """The page of every story of several reports that grew after position `since` (all of
    them when None); each report's text read from its event in the log (`events_at`)."""
    s = tables["stories"]
    query = select(s.c.story_id, s.c.members).where(s.c.members > 1)
    if since is not None:
        query = query.where(s.c.last_position > since)
    grown = [(r.story_id, r.members) for r in conn.execute(query.order_by(s.c.first_position))]
    for ids in _chunks(grown):
        chunk = stories(conn, tables, ids=ids)
        members = [member for story in chunk for member in story.members[:SIDE_BY_SIDE]]
        events = events_at([member.position for member in members], conn=conn)
        texts = {
            member.article_id: title_and_text(events[member.position].data)[1]
            for member in members
            if member.position in events
        }
        for story in chunk:
            yield _page(story, texts)


def _chunks(found: Iterable[tuple[str, int]]) -> Iterator[list[str]]:
    """Story ids in chunks of about `_REPORTS` reports (a story with more is a chunk of
    its own): a chunk's reports are held together, and a story can be reported thousands
    of times (a wire story), where the page's others have two."""
    ids: list[str] = []
    reports = 0
    for story_id, members in found:
        if ids and reports + members > _REPORTS:
            yield ids
            ids, reports = [], 0
        ids.append(story_id)
        reports += members
    if ids:
        yield ids


def _page(story: Story, bodies: Mapping[str, str]) -> StoryPage:
    first = story.members[0]
    reports = []
    for number, member in enumerate(story.members):
        if number >= SIDE_BY_SIDE:
            reports.append(Report(member, ""))
            continue
        text = bodies.get(member.article_id, "")
        same = member is not first and member.language == first.language
        diff = word_diff(bodies.get(first.article_id, ""), text) if same else ()
        reports.append(Report(member, text, diff))
    return StoryPage(story, tuple(reports))


def render_story(page: StoryPage, site: Site) -> bytes:
    template = _environment().get_template("story.html")
    return template.render(site=site, p=page, csp=CSP).encode("utf-8")


def publish_story_pages(
    conn: Connection,
    tables: Tables | None,
    events_at: EventsAt,
    site: Site,
    out: Path,
    since: int | None,
) -> tuple[list[str], int]:
    """Write `stories/<story id>.html` for the stories that grew since position `since`
    (every one when None); (paths written, pages rendered). No stories view: nothing. The
    publisher passes the stories view's position at its last publish."""
    written: list[str] = []
    rendered = 0
    if tables is None:
        return written, rendered
    for page in story_pages(conn, tables, events_at, since=since):
        rendered += 1
        rel = page_file("stories", page.story.story_id)
        if rel is not None and write_if_changed(out / rel, render_story(page, site)):
            written.append(rel)
    return written, rendered


def remove_gone_story_pages(conn: Connection, tables: Tables | None, out: Path) -> list[str]:
    """Remove the pages of stories that are no longer stories of several reports: merged
    into an older one, or regrouped by a replay with other settings. Story pages are not
    in the manifest (there can be one per article), and a regrouped log kept showing its
    old groupings (found by attacking the promise that a replay rebuilds the same files)."""
    folder = out / "stories"
    if tables is None or not folder.is_dir():
        return []
    s = tables["stories"]
    pages = sorted(name for name in os.listdir(folder) if name.endswith(".html"))
    count = select(func.count()).select_from(s).where(s.c.members > 1)
    if len(pages) <= conn.execute(count).scalar_one():
        return []  # every page has its story (pages are written for every story first)
    live = {row.story_id for row in conn.execute(select(s.c.story_id).where(s.c.members > 1))}
    removed = []
    for name in pages:
        if name.removesuffix(".html") not in live:
            (folder / name).unlink(missing_ok=True)
            removed.append(f"stories/{name}")
    return removed

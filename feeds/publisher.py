"""Publishing: render every topic feed (Atom and JSON Feed), its archive pages, the OPML file,
the index page and a page per article from the views into a folder — atomically, and
rewriting a file only when its bytes change."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from feeds.config import FeedsConfig
from feeds.emitter import Emitter
from feeds.errors import PublishError
from feeds.files import (
    LOCK,
    locked,
    page_file,
    read_manifest,
    remove_stale,
    rendering_code,
    stale_files,
    sweep_leftovers,
    write_if_changed,
    write_manifest,
)
from feeds.jsonfeed import render_json_feed
from feeds.projections import STORIES, TOPICS
from feeds.provenance import article_pages
from feeds.render import FeedPage, Site, render_feed
from feeds.site import render_article, render_index, render_opml, site_for
from feeds.story_page import publish_story_pages, remove_gone_story_pages
from feeds.story_views import pages_of_changed_stories
from feeds.topics import Topic
from feeds.views import entries, topic_state
from store import ProjectionRunner

log = logging.getLogger(__name__)

INDEX_ENTRIES = 10


@dataclass(frozen=True, slots=True)
class PublishReport:
    """Paths (relative to the output folder) by what publishing did to them."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rendered: int = 0  # documents rendered (the others were known unchanged from their stamp)
    output_dir: Path = field(default_factory=Path)


def publish_all(
    runner: ProjectionRunner, config: FeedsConfig, *, archives: bool = True
) -> PublishReport:
    """Publish every topic from the current views; call it after `runner.catch_up()`.

    The documents readers poll (each topic's feed, the OPML file, the index page) are
    written first, then the archive pages. `archives=False` stops there: after a replay,
    that refreshes what readers see in well under a second, and a later full publish
    renders the archive pages (until then they keep their old bytes).
    """
    out = config.output_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create output folder {out}: {exc.strerror}") from exc
    with locked(out / LOCK):
        sweep_leftovers(out)
        return _publish(runner, config, out, archives=archives)


def _publish(
    runner: ProjectionRunner, config: FeedsConfig, out: Path, *, archives: bool
) -> PublishReport:
    """Render what changed since the manifest's stamps; drop what no topic produces."""
    site = site_for(config)
    checkpoint = runner.checkpoint(TOPICS)
    tables = runner.tables(TOPICS)
    # Stories (feeds.stories) make one entry of several copies; without that projection
    # (a runner built for topics only) every article is its own entry.
    grouped = STORIES in runner.projections
    stories = runner.tables(STORIES) if grouped else None
    story_point = runner.checkpoint(STORIES) if grouped else None
    for point in (checkpoint, story_point):
        # Rendered with this configuration, a view of other rules would give feeds no
        # replay gives (`replay --projection stories` published the topics view as well).
        if point is not None and runner.fingerprints.outdated(point.name, point.fingerprint):
            raise PublishError(
                f"feeds not published: view {point.name!r} was built with other rules,"
                " thresholds or code than this configuration's; `newsledger publish` or"
                " `newsledger replay` rebuilds it first"
            )
    fingerprint = (
        f"{config.rendering_fingerprint()}:{site.version}:{rendering_code()}:{checkpoint.generation}"
        f":{story_point.generation if story_point else 0}"
    )
    # A copy joining a story changes the story's entry ("also reported by"), not the topic's
    # stamp: the current documents are rendered again whenever the stories view moved.
    story_stamp = f":{story_point.position}" if story_point else ""
    old = read_manifest(out)
    old_files: dict[str, str] = dict(old.get("files", {}))
    emitter = Emitter(out, {} if old.get("fingerprint") != fingerprint else old_files)
    # Article pages are rendered again when their own fingerprint changed, or else for the
    # articles with events after the last publish. A quick publish (archives=False) leaves
    # them for the next full one, as it does archive pages.
    pages_done = old.get("articles_fingerprint") == fingerprint
    since = old.get("articles_position") if pages_done else None
    # Story pages follow the stories view's own position: read with the topics' one, a
    # publish between the two views' commits of a batch skipped its stories for good.
    story_since = old.get("stories_position") if pages_done else None
    article_pages: tuple[list[str], int] = ([], 0)
    gone_stories: list[str] = []
    with runner.store.reading() as conn:
        # Article pages first: the feeds and the index written next link to them.
        if archives:
            article_pages = _publish_articles(conn, tables, site, out, since=since)
            files, n = publish_story_pages(
                conn, stories, runner.store.events_at, site, out, story_since
            )
            article_pages = (article_pages[0] + files, article_pages[1] + n)
            gone_stories = remove_gone_story_pages(conn, stories, out)
        # Archive pages whose stories changed: their own stamps do not follow stories.
        grown: dict[str, set[int]] | None = {}  # None: every page (no full publish yet)
        if archives and stories is not None:
            grown = None
            if story_since is not None:
                # From the earlier of the two views' positions: the one behind at the last
                # publish (the worker publishes between their commits) changed a story's
                # lead or a copy's entry when it caught up, after the other's change.
                earlier = story_since if since is None else min(story_since, since)
                size = config.entries_per_feed
                grown = pages_of_changed_stories(conn, tables, stories, size, earlier)
        views = _Views(conn, tables, stories, grown)
        counts = _publish_current(views, config, site, emitter, story_stamp=story_stamp)
        _publish_archives(views, config, site, emitter, counts, render=archives)
    gone = set(old_files) - set(emitter.stamps)
    removed = remove_stale(out, stale := stale_files(gone, {t.id for t in config.topics}, archives))
    # A quick publish's spared pages stay listed, with a stamp no page has: the next full one
    # removes those no topic produces any more and renders again those still produced.
    stamps = emitter.stamps | dict.fromkeys(sorted(gone - stale), "")
    manifest: dict[str, Any] = {"fingerprint": fingerprint, "files": stamps}
    if archives:
        manifest.update(articles_fingerprint=fingerprint, articles_position=checkpoint.position)
        if story_point is not None:
            manifest["stories_position"] = story_point.position
    else:
        kept = ("articles_fingerprint", "articles_position", "stories_position")
        manifest.update({k: old[k] for k in kept if k in old})
    write_manifest(out, manifest)
    written = [*emitter.written, *article_pages[0]]
    log.info(
        "published feeds",
        extra={
            "written": len(written),
            "unchanged": len(emitter.unchanged),
            "rendered": emitter.rendered,
        },
    )
    return PublishReport(
        tuple(written),
        tuple(emitter.unchanged),
        tuple(removed + gone_stories),
        emitter.rendered + article_pages[1],
        output_dir=out,
    )


#: Per topic: its number of full archive pages, and each page's stamp.
Archived = list[tuple[Topic, int, dict[int, int]]]


@dataclass(frozen=True, slots=True)
class _Views:
    """What the documents are read from: the topics view, and the stories view if any."""

    conn: Connection
    tables: Any
    stories: Any | None
    #: Per topic, the archive pages whose stories changed since the last full publish;
    #: None: every page (no full publish to start from).
    grown: dict[str, set[int]] | None = field(default_factory=dict)
    leads: dict[str, dict[str, int | None]] = field(default_factory=dict)  # `story_entries`

    def entries(self, topic: str, **options: Any) -> Any:
        memo = self.leads.setdefault(topic, {})
        return entries(self.conn, self.tables, topic, stories=self.stories, leads=memo, **options)


def _publish_current(
    views: _Views, config: FeedsConfig, site: Site, emitter: Emitter, *, story_stamp: str
) -> Archived:
    """What readers poll: each topic's feed (Atom and JSON), the OPML file, the index."""
    size = config.entries_per_feed
    archived: Archived = []
    for topic in config.topics:
        state = topic_state(views.conn, views.tables, topic.id)
        count = (state.next_seq - 1) // size
        figs = views.tables["figures"] if topic.show_figures else None
        current = views.entries(topic.id, newest=size, figures=figs)
        page = FeedPage(topic, current, None, count)
        stamp = f"{state.stamp}:{count}{story_stamp}"
        emitter.emit(f"feeds/{topic.id}.atom", stamp, partial(render_feed, page, site))
        emitter.emit(f"feeds/{topic.id}.json", stamp, partial(render_json_feed, page, site))
        archived.append((topic, count, dict(state.pages or {})))
    emitter.emit("feeds.opml", "", lambda: render_opml(config.topics, site))
    index_stamp = ",".join(emitter.stamps[f"feeds/{t.id}.atom"] for t in config.topics)
    emitter.emit("index.html", index_stamp, partial(_render_index, views, config, site))
    return archived


def _publish_archives(
    views: _Views,
    config: FeedsConfig,
    site: Site,
    emitter: Emitter,
    archived: Archived,
    *,
    render: bool,
) -> None:
    """Every topic's archive pages (only their stamps when `render` is False)."""
    size = config.entries_per_feed
    for topic, count, pages in archived:
        figs = views.tables["figures"] if topic.show_figures else None
        grown = None if views.grown is None else views.grown.get(topic.id, set())
        for page in range(1, count + 1):
            rel = f"feeds/{topic.id}/archive/{page}.atom"
            stamp = f"{pages.get(page, 0)}:{page < count}"
            if not render:
                emitter.keep(rel, stamp)
                continue
            rows = partial(_page_rows, views, topic.id, page, size, figs)
            render_page = partial(_render_archive, topic, rows, page, count, site)
            emitter.emit(rel, stamp, render_page, force=grown is None or page in grown)


def _render_index(views: _Views, config: FeedsConfig, site: Site) -> bytes:
    """The index page: each topic's newest entries by publication (read only if rendered)."""
    latest = [
        (t, views.entries(t.id, newest=INDEX_ENTRIES, by_published=True)) for t in config.topics
    ]
    return render_index(latest, site)


def _render_archive(
    topic: Topic, rows: Callable[[], Any], page: int, count: int, site: Site
) -> bytes:
    return render_feed(FeedPage(topic, rows(), page, count), site)


def _publish_articles(
    conn: Connection, tables: Any, site: Site, out: Path, *, since: int | None
) -> tuple[list[str], int]:
    """Render the page of every article with an event after position `since` (all of them
    when None); returns the paths written and the number rendered. The pages are not in the
    manifest: articles are never removed, and the manifest stays small however long the
    log grows."""
    written, rendered = [], 0
    for ids in _changed_articles(conn, tables, since):
        # A sighting of an article the view does not hold has no page: not yielded.
        for page in article_pages(conn, tables, ids):
            rendered += 1
            rel = page_file("articles", page.article_id)
            if rel is not None and write_if_changed(out / rel, render_article(page, site)):
                written.append(rel)
    return written, rendered


def _changed_articles(conn: Connection, tables: Any, since: int | None) -> Iterator[list[str]]:
    """Batches of the ids of articles with events after `since` (every article if None)."""
    if since is not None:
        events = tables["article_events"]
        query = select(events.c.article_id).where(events.c.position > since).distinct()
        yield sorted(conn.execute(query).scalars())
        return
    articles = tables["feed_articles"]
    last = ""
    while True:  # in batches, keyed on the id: bounded memory whatever the number of articles
        batch = list(
            conn.execute(
                select(articles.c.article_id)
                .where(articles.c.article_id > last)
                .order_by(articles.c.article_id)
                .limit(1000)
            ).scalars()
        )
        yield batch
        if len(batch) < 1000:
            return
        last = batch[-1]


def _page_rows(views: _Views, topic_id: str, page: int, size: int, figs: Any) -> Any:
    seqs = ((page - 1) * size + 1, page * size)
    return views.entries(topic_id, seq_range=seqs, figures=figs)

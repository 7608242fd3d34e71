"""Publishing: render every topic feed (Atom and JSON Feed), its archive pages, the OPML file,
the index page and a page per article from the views into a folder — atomically, and
rewriting a file only when its bytes change."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from feeds.config import FeedsConfig
from feeds.errors import PublishError
from feeds.jsonfeed import render_json_feed
from feeds.projections import STORIES, TOPICS
from feeds.provenance import article_pages
from feeds.render import FeedPage, Site, render_feed
from feeds.site import render_article, render_index, render_opml
from feeds.story_page import publish_story_pages
from feeds.topics import Topic
from feeds.views import entries, topic_state
from store import ProjectionRunner

log = logging.getLogger(__name__)

MANIFEST = ".newsledger-manifest.json"
LOCK = ".newsledger-publish.lock"
INDEX_ENTRIES = 10


@dataclass(frozen=True, slots=True)
class PublishReport:
    """Paths (relative to the output folder) by what publishing did to them."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rendered: int = 0  # documents rendered (the others were known unchanged from their stamp)
    output_dir: Path = field(default_factory=Path)


def site_for(config: FeedsConfig) -> Site:
    try:
        version = metadata.version("newsledger")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    titles = {t.id: t.title for t in config.topics}
    return Site(config.base_url, config.site_title, version, titles, config.source_names)


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
    with _locked(out / LOCK):
        return _publish(runner, config, out, archives=archives)


def _publish(
    runner: ProjectionRunner, config: FeedsConfig, out: Path, *, archives: bool
) -> PublishReport:
    site = site_for(config)
    checkpoint = runner.checkpoint(TOPICS)
    tables = runner.tables(TOPICS)
    # Stories (feeds.stories) make one entry of several copies; without that projection
    # (a runner built for topics only) every article is its own entry.
    grouped = STORIES in runner.projections
    story_tables = runner.tables(STORIES) if grouped else None
    story_point = runner.checkpoint(STORIES) if grouped else None
    fingerprint = ":".join(
        [
            config.rendering_fingerprint(),
            site.version,
            str(checkpoint.generation),
            str(story_point.generation if story_point else 0),
        ]
    )
    # A copy joining a story changes the story's entry ("also reported by"), not the topic's
    # stamp: the current documents are rendered again whenever the stories view moved.
    story_stamp = f":{story_point.position}" if story_point else ""
    old = _read_manifest(out)
    old_files: dict[str, str] = dict(old.get("files", {}))
    full = old.get("fingerprint") != fingerprint
    known: dict[str, str] = {} if full else old_files
    stamps: dict[str, str] = {}
    written: list[str] = []
    unchanged: list[str] = []
    rendered = 0
    size = config.entries_per_feed

    def emit(rel: str, stamp: str, render: Any) -> None:
        nonlocal rendered
        stamps[rel] = stamp
        if known.get(rel) == stamp and (out / rel).exists():
            unchanged.append(rel)
            return
        rendered += 1
        (written if write_if_changed(out / rel, render()) else unchanged).append(rel)

    archived: list[tuple[Topic, int, dict[int, int]]] = []
    # Article pages are rendered again when their own fingerprint changed, or else for the
    # articles with events after the last publish. A quick publish (archives=False) leaves
    # them for the next full one, as it does archive pages.
    pages_done = old.get("articles_fingerprint") == fingerprint
    since = old.get("articles_position") if pages_done else None
    story_since = old.get("stories_position") if pages_done else None
    with runner.store.reading() as conn:
        # Article pages first: the feeds and the index written next link to them.
        article_pages: tuple[list[str], int] = ([], 0)
        if archives:
            article_pages = _publish_articles(conn, tables, site, out, since=since)
            if story_tables is not None:  # pages of stories that grew since the last publish
                story_files, stories_rendered = publish_story_pages(
                    conn, story_tables, site, out, since=story_since
                )
                article_pages = (
                    article_pages[0] + story_files,
                    article_pages[1] + stories_rendered,
                )
        for topic in config.topics:
            state = topic_state(conn, tables, topic.id)
            count = (state.next_seq - 1) // size
            figs = tables["figures"] if topic.show_figures else None
            current = entries(
                conn, tables, topic.id, newest=size, figures=figs, stories=story_tables
            )
            emit(
                f"feeds/{topic.id}.atom",
                f"{state.stamp}:{count}{story_stamp}",
                lambda t=topic, c=current, a=count: render_feed(FeedPage(t, c, None, a), site),
            )
            emit(
                f"feeds/{topic.id}.json",
                f"{state.stamp}:{count}{story_stamp}",
                lambda t=topic, c=current, a=count: render_json_feed(FeedPage(t, c, None, a), site),
            )
            archived.append((topic, count, dict(state.pages or {})))
        emit("feeds.opml", "", lambda: render_opml(config.topics, site))
        index_stamp = ",".join(stamps[f"feeds/{t.id}.atom"] for t in config.topics)
        emit(
            "index.html",
            index_stamp,
            lambda: render_index(
                [
                    (
                        t,
                        entries(
                            conn,
                            tables,
                            t.id,
                            newest=INDEX_ENTRIES,
                            by_published=True,
                            stories=story_tables,
                        ),
                    )
                    for t in config.topics
                ],
                site,
            ),
        )
        for topic, count, pages in archived:
            for page in range(1, count + 1):
                rel = f"feeds/{topic.id}/archive/{page}.atom"
                stamp = f"{pages.get(page, 0)}:{page < count}"
                if not archives:
                    # Not rendered now: keep a stamp only if it still describes the file,
                    # so that the next full publish renders exactly the others.
                    if known.get(rel) == stamp:
                        stamps[rel] = stamp
                    continue
                figs = tables["figures"] if topic.show_figures else None
                emit(
                    rel,
                    stamp,
                    lambda t=topic, p=page, a=count, f=figs: render_feed(
                        FeedPage(t, _page_rows(conn, tables, t.id, p, size, f, story_tables), p, a),
                        site,
                    ),
                )
    stale = set(old_files) - set(stamps)
    if not archives:  # a current topic's archive pages are not stale, just not refreshed yet
        topics = {t.id for t in config.topics}
        stale = {rel for rel in stale if _archive_topic(rel) not in topics}
    removed = _remove_stale(out, stale)
    manifest: dict[str, Any] = {"fingerprint": fingerprint, "files": stamps}
    if archives:
        manifest.update(articles_fingerprint=fingerprint, articles_position=checkpoint.position)
        if story_point is not None:
            manifest.update(stories_position=story_point.position)
    else:
        kept = ("articles_fingerprint", "articles_position", "stories_position")
        manifest.update({k: old[k] for k in kept if k in old})
    _write_manifest(out, manifest)
    written.extend(article_pages[0])
    report = PublishReport(
        tuple(written),
        tuple(unchanged),
        tuple(removed),
        rendered + article_pages[1],
        output_dir=out,
    )
    log.info(
        "published feeds",
        extra={"written": len(written), "unchanged": len(unchanged), "rendered": rendered},
    )
    return report


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
            rel = f"articles/{page.article_id}.html"
            if write_if_changed(out / rel, render_article(page, site)):
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


def _archive_topic(rel: str) -> str | None:
    """The topic of an archive page's path ("feeds/<topic>/archive/<n>.atom"), else None."""
    parts = rel.split("/")
    if len(parts) == 4 and parts[0] == "feeds" and parts[2] == "archive":
        return parts[1]
    return None


def _page_rows(
    conn: Any, tables: Any, topic_id: str, page: int, size: int, figs: Any, stories: Any
) -> Any:
    seqs = ((page - 1) * size + 1, page * size)
    return entries(conn, tables, topic_id, seq_range=seqs, figures=figs, stories=stories)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically (temp file + rename) unless it already holds it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # No fsync: the files are derived and a publish rewrites any that a crash lost;
            # readers never see a partial file because of the rename (4 ms saved per file).
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            stamp = _next_mtime(path)
            os.utime(tmp, (stamp, stamp))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror}") from exc
    return True


def _next_mtime(path: Path) -> int:
    """A whole-second mtime later than the file's current one and not before now.

    The server's Last-Modified is the mtime in whole seconds (HTTP dates have no
    fractions), so every change must move it by at least one second, or a client that
    revalidates with If-Modified-Since alone would get 304 for changed bytes.
    """
    try:
        previous = math.floor(path.stat().st_mtime) + 1
    except FileNotFoundError:
        previous = 0
    return max(math.ceil(time.time()), previous)


def _remove_stale(out: Path, stale: set[str]) -> list[str]:
    """Files an earlier publish wrote that no topic produces now (a topic was removed)."""
    removed = []
    for rel in sorted(stale):
        with contextlib.suppress(FileNotFoundError):
            (out / rel).unlink()
            removed.append(rel)
    return removed


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        value = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, sort_keys=True, indent=0).encode("utf-8")
    write_if_changed(out / MANIFEST, data)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One publisher at a time per folder (the worker's scheduler and a `replay`, say)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

"""JSON Feed 1.1 beside each Atom feed: the same entries with the same ids, for readers that
prefer JSON. Pure: rows in, bytes out, every date from the rows."""

from __future__ import annotations

import json
from typing import Any

from feeds.entry_body import entry_html, summary
from feeds.links import public_url
from feeds.render import FeedPage, Site, entry_id
from feeds.views import EntryRow

VERSION = "https://jsonfeed.org/version/1.1"


def render_json_feed(page: FeedPage, site: Site) -> bytes:
    """The current document of a topic (JSON Feed has no archive pages; Atom has them)."""
    topic = page.topic
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": f"{site.title}: {topic.title}",
        "home_page_url": f"{site.base_url}/#{topic.id}",
        "feed_url": site.json_feed_url(topic.id),
        "language": site.language,
        "authors": [{"name": site.title, "url": site.base_url + "/"}],
        "items": [_item(row, page, site) for row in page.entries],
    }
    if topic.description:
        feed["description"] = topic.description
    text = json.dumps(feed, ensure_ascii=False, indent=1, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _item(row: EntryRow, page: FeedPage, site: Site) -> dict[str, Any]:
    own_page = site.article_url(row.article_id)
    item: dict[str, Any] = {
        "id": entry_id(row.article_id),
        "url": own_page,
        "title": row.title or "(untitled)",
        "content_html": entry_html(
            row, show_figures=page.topic.show_figures, name=site.source_name
        ),
        "summary": summary(row.text),
        "date_modified": row.updated,
        "tags": list(row.topics),
        "_newsledger": {
            "article_id": row.article_id,
            "source": site.source_name(row.source_id),
            "source_id": row.source_id,
            "place": row.place,
        },
    }
    if (link := public_url(row.url)) is not None:
        item["external_url"] = link
    if row.published:
        item["date_published"] = row.published
    if row.language:
        item["language"] = row.language
    if row.author:
        item["authors"] = [{"name": row.author}]
    return item

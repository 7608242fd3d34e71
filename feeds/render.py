"""The Atom renderer: view rows in, bytes out (feedgen). Pure: every timestamp comes from the
rows, so rendering the same rows always gives the same bytes."""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from feeds.articles import parse_iso
from feeds.countries import display_name
from feeds.topics import Topic
from feeds.views import EntryRow, FigureRow

FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: `updated` of a feed with no entries: a constant, because the clock is never read.
EPOCH = "1970-01-01T00:00:00Z"
SUMMARY_CHARS = 280
_TOPIC_NS = uuid.UUID("6f1d8a52-5c4e-4a0c-9d0e-3c1b7d2f9a11")


@dataclass(frozen=True, slots=True)
class Site:
    """Where and as what the files are published."""

    base_url: str
    title: str = "newsledger"
    version: str = "0"
    topic_titles: Mapping[str, str] = field(default_factory=dict)

    def feed_url(self, topic_id: str, page: int | None = None) -> str:
        if page is None:
            return f"{self.base_url}/feeds/{topic_id}.atom"
        return f"{self.base_url}/feeds/{topic_id}/archive/{page}.atom"


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One feed document: the current one (`page` None) or archive page `page` (from 1)."""

    topic: Topic
    entries: Sequence[EntryRow]  # newest first
    page: int | None
    archives: int  # complete archive pages of the topic


def feed_id(topic_id: str) -> str:
    """Stable whatever the base URL: a name-based UUID of the topic id."""
    return f"urn:uuid:{uuid.uuid5(_TOPIC_NS, topic_id)}"


def entry_id(article_id: str) -> str:
    """Derived from the article id only: revisions change `updated`, never the id."""
    try:
        return f"urn:uuid:{uuid.UUID(article_id)}"
    except ValueError:
        return f"tag:newsledger,2024:article/{article_id}"


def render_feed(page: FeedPage, site: Site) -> bytes:
    topic = page.topic
    fg = FeedGenerator()
    fg.register_extension("newsledger", _FeedExtension, _EntryExtension)
    fg.newsledger.archive = page.page is not None
    fg.id(feed_id(topic.id))
    suffix = "" if page.page is None else f" (archive {page.page})"
    fg.title(f"{site.title}: {topic.title}{suffix}")
    if topic.description:
        fg.subtitle(topic.description)
    fg.author({"name": site.title, "uri": site.base_url + "/"})
    fg.generator("newsledger", version=site.version, uri=site.base_url + "/")
    fg.link(href=site.feed_url(topic.id, page.page), rel="self", type="application/atom+xml")
    fg.link(href=f"{site.base_url}/#{topic.id}", rel="alternate", type="text/html")
    if page.page is not None:
        fg.link(href=site.feed_url(topic.id), rel="current", type="application/atom+xml")
        if page.page < page.archives:
            fg.link(href=site.feed_url(topic.id, page.page + 1), rel="next-archive")
    previous = page.archives if page.page is None else page.page - 1
    if previous >= 1:
        fg.link(href=site.feed_url(topic.id, previous), rel="prev-archive")
    newest = max((e.updated for e in page.entries), default=EPOCH)
    fg.updated(parse_iso(newest))
    for row in page.entries:
        _add_entry(fg, row, topic, site)
    data: bytes = fg.atom_str(pretty=True)
    return data


def _add_entry(fg: FeedGenerator, row: EntryRow, topic: Topic, site: Site) -> None:
    fe = fg.add_entry(order="append")
    fe.newsledger.lang = row.language
    fe.id(entry_id(row.article_id))
    fe.title(row.title or "(untitled)")
    fe.updated(parse_iso(row.updated))
    if row.published:
        fe.published(parse_iso(row.published))
    # feedgen 1.0 drops rel/type/title of entry links (it reads them from the new element,
    # not from the dict), so links are written by the extension.
    links = fe.newsledger.links
    if row.url:
        links.append({"href": row.url, "rel": "alternate", "type": "text/html"})
    seen = {row.url}
    for source_id, url in row.sightings:
        if url and url not in seen:
            seen.add(url)
            links.append({"href": url, "rel": "related", "title": f"Also reported by {source_id}"})
    if row.author:
        fe.author({"name": row.author})
    for topic_id in row.topics:
        label = site.topic_titles.get(topic_id, topic_id)
        fe.category(term=topic_id, scheme=f"{site.base_url}/topics", label=label)
    for iso in row.countries:  # the states that met, as ISO 3166 codes named in English
        fe.category(term=iso, scheme=f"{site.base_url}/countries", label=display_name(iso))
    fe.summary(summary(row.text), type="text")
    fe.content(entry_html(row, show_figures=topic.show_figures), type="html")
    if row.source_id:
        origin = _origin(row.url)
        fe.source(title=row.source_id, url=origin) if origin else fe.source(title=row.source_id)


def summary(text: str) -> str:
    """The first words of the text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def entry_html(row: EntryRow, *, show_figures: bool) -> str:
    """The entry body: figures first (economic feeds), then sanitised content, then sources."""
    parts: list[str] = []
    if show_figures and row.figures:
        parts.append(figures_html(row.figures))
    if row.html:
        parts.append(nh3.clean(row.html))
    else:
        paragraphs = [p.strip() for p in row.text.split("\n\n") if p.strip()]
        parts.extend(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    sources = [html.escape(row.source_id, quote=False)]
    sources.extend(html.escape(s, quote=False) for s, _ in row.sightings if s != row.source_id)
    parts.append(f"<p><small>Source: {', '.join(dict.fromkeys(sources))}</small></p>")
    return "\n".join(parts)


def figures_html(figures: Sequence[FigureRow]) -> str:
    """The figures of an entry, each with what it measures and its period (as `figures`)."""
    items = "".join(
        f"<li><strong>{html.escape(f.text, quote=False)}</strong> — {f.kind}: "
        f"{html.escape(f.value, quote=False)} {html.escape(f.unit, quote=False)}; "
        f"{html.escape(f.measure, quote=False)}"
        + (f", {html.escape(f.period, quote=False)}" if f.period else "")
        + (" (currency inferred)" if f.inferred else "")
        + "</li>"
        for f in figures
    )
    return f'<div class="figures"><p>Figures:</p><ul>{items}</ul></div>'


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") else None


class _FeedExtension(BaseExtension):  # type: ignore[misc]
    """Marks archive documents with RFC 5005's `<fh:archive/>`."""

    def __init__(self) -> None:
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS}

    def extend_atom(self, feed: Any) -> Any:
        if self.archive:
            # The first child position keeps it with the feed's metadata, before the entries.
            feed.insert(0, feed.makeelement(f"{{{FH_NS}}}archive", {}))
        return feed


class _EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Sets `xml:lang` per entry (a feed mixes Vietnamese and English articles) and links."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        if self.lang:
            entry.set(XML_LANG, self.lang)
        for attributes in self.links:  # feedgen builds un-namespaced elements under xmlns
            entry.append(entry.makeelement("link", attributes))
        return entry

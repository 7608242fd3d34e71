"""The Atom renderer: view rows in, bytes out (feedgen). Pure: every timestamp comes from the
rows, so rendering the same rows always gives the same bytes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from feeds.countries import display_name
from feeds.entry_body import entry_html, summary
from feeds.links import public_url
from feeds.topics import Topic
from feeds.views import EntryRow
from newsfacts import parse_timestamp
from newsfacts.times import DEFAULT_TIMEZONE
from newsfacts.xml_chars import xml_safe, xml_safe_optional

FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: `updated` of a feed with no entries: a constant, because the clock is never read.
EPOCH = "1970-01-01T00:00:00Z"
#: "Also reported by" links an entry carries at most (`also_links`).
ALSO_LINKS = 20
_TOPIC_NS = uuid.UUID("6f1d8a52-5c4e-4a0c-9d0e-3c1b7d2f9a11")


@dataclass(frozen=True, slots=True)
class Site:
    """Where and as what the files are published."""

    base_url: str
    title: str = "newsledger"
    version: str = "0"
    topic_titles: Mapping[str, str] = field(default_factory=dict)
    source_names: Mapping[str, str] = field(default_factory=dict)
    #: the language of the site's own words (feed titles, subtitles, page chrome)
    language: str = "en"
    zone: str = DEFAULT_TIMEZONE  # of the dates and times the pages show (`[feeds] timezone`)
    source_zones: Mapping[str, str] = field(default_factory=dict)  # `[[sources]] timezone`

    def zone_of(self, source_id: str) -> str:
        """The zone a source's dateline and lead name days in (a day is its midnight there)."""
        return self.source_zones.get(source_id, DEFAULT_TIMEZONE)

    def feed_url(self, topic_id: str, page: int | None = None) -> str:
        if page is None:
            return f"{self.base_url}/feeds/{topic_id}.atom"
        return f"{self.base_url}/feeds/{topic_id}/archive/{page}.atom"

    def json_feed_url(self, topic_id: str) -> str:
        return f"{self.base_url}/feeds/{topic_id}.json"

    def article_url(self, article_id: str) -> str:
        """The article's own page (published as `articles/<id>.html`)."""
        return f"{self.base_url}/articles/{article_id}"

    def story_url(self, story_id: str) -> str:
        """A story's page: every report, the first side by side (`stories/<id>.html`)."""
        return f"{self.base_url}/stories/{story_id}"

    def source_name(self, source_id: str) -> str:
        return self.source_names.get(source_id) or source_id


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
    fg.newsledger.lang = site.language
    fg.id(feed_id(topic.id))
    suffix = "" if page.page is None else f" (archive {page.page})"
    fg.title(xml_safe(f"{site.title}: {topic.title}{suffix}"))
    if topic.description:
        fg.subtitle(xml_safe(topic.description))
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
    fg.updated(parse_timestamp(newest))
    for row in page.entries:
        _add_entry(fg, row, topic, site)
    data: bytes = fg.atom_str(pretty=True)
    return data


def _xml_row(row: EntryRow) -> EntryRow:
    """The row's fields written into the entry as they are, without what XML cannot hold
    (newsfacts/xml_chars.py); the HTML before nh3 reads it (it cannot take a lone surrogate),
    the text before the summary is cut from it. The dateline place reaches the entry only
    through its content, which is cleaned once made (it also quotes figures)."""
    return replace(
        row,
        title=xml_safe(row.title),
        language=xml_safe_optional(row.language),
        url=xml_safe_optional(row.url),
        author=xml_safe_optional(row.author),
        text=xml_safe(row.text),
        html=xml_safe_optional(row.html),
        sightings=tuple((s, xml_safe_optional(u)) for s, u in row.sightings),
    )


def _add_entry(fg: FeedGenerator, row: EntryRow, topic: Topic, site: Site) -> None:
    row = _xml_row(row)
    fe = fg.add_entry(order="append")
    fe.newsledger.lang = row.language
    fe.id(entry_id(row.article_id))
    fe.title(row.title or "(untitled)")
    fe.updated(parse_timestamp(row.updated))
    if row.published:
        fe.published(parse_timestamp(row.published))
    # feedgen 1.0 drops rel/type/title of entry links (it reads them from the new element,
    # not from the dict), so links are written by the extension.
    links = fe.newsledger.links
    page = site.article_url(row.article_id)
    original = public_url(row.url)
    if original:
        links.append({"href": original, "rel": "alternate", "type": "text/html"})
        links.append(
            {"href": page, "rel": "related", "type": "text/html", "title": "Text and provenance"}
        )
    else:  # a folder file (or no link at all): its page here is the only place to read it
        links.append({"href": page, "rel": "alternate", "type": "text/html"})
    if row.story_id is not None:
        story = site.story_url(row.story_id)
        links.append(
            {"href": story, "rel": "related", "type": "text/html", "title": "Every report"}
        )
    for source_id, href in also_links(row.sightings, original):
        name = xml_safe(site.source_name(source_id))
        links.append({"href": href, "rel": "related", "title": f"Also reported by {name}"})
    if row.author:
        fe.author({"name": row.author})
    for topic_id in row.topics:
        label = xml_safe(site.topic_titles.get(topic_id, topic_id))
        fe.category(term=topic_id, scheme=f"{site.base_url}/topics", label=label)
    for iso in row.countries:  # the states that met, as ISO 3166 codes named in English
        fe.category(term=iso, scheme=f"{site.base_url}/countries", label=display_name(iso))
    fe.summary(summary(row.text), type="text")
    html_text = entry_html(row, show_figures=topic.show_figures, name=site.source_name)
    fe.content(xml_safe(html_text), type="html")  # the place, figures' quotes
    if row.source_id:
        fe.newsledger.source = {
            "id": source_uri(row.source_id),
            "title": xml_safe(site.source_name(row.source_id)),
            "updated": row.updated,
            "link": _origin(row.url) or "",
        }


def also_links(
    sightings: Sequence[tuple[str, str | None]], original: str | None
) -> list[tuple[str, str]]:
    """(source id, public URL) of the "Also reported by" links of an entry: each URL once,
    the first of each source before any source's second, ALSO_LINKS at most. A wire story
    copied by hundreds of feeds (a hostile feed's thousands of URLs) put every link in the
    entry, and every reader's poll downloaded them all; the entry's "Every report" page
    lists them."""
    firsts: list[tuple[str, str]] = []
    more: list[tuple[str, str]] = []
    seen, sources = {original}, set()
    for source_id, url in sightings:
        href = public_url(url)
        if href is None or href in seen:
            continue
        seen.add(href)
        (more if source_id in sources else firsts).append((source_id, href))
        sources.add(source_id)
    return (firsts + more)[:ALSO_LINKS]


def source_uri(source_id: str) -> str:
    """A stable IRI for a configured source (atom:source needs an id)."""
    return f"tag:newsledger,2024:source/{source_id}"


def _origin(url: str | None) -> str | None:
    url = public_url(url)
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


class _FeedExtension(BaseExtension):  # type: ignore[misc]
    """Marks archive documents with RFC 5005's `<fh:archive/>`."""

    def __init__(self) -> None:
        self.archive = False
        self.lang: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS}

    def extend_atom(self, feed: Any) -> Any:
        if self.lang:  # the feed's own words; entries carry their own xml:lang
            for name in ("title", "subtitle"):
                element = feed.find(name)
                if element is not None:
                    element.set(XML_LANG, self.lang)
        if self.archive:
            # The first child position keeps it with the feed's metadata, before the entries.
            feed.insert(0, feed.makeelement(f"{{{FH_NS}}}archive", {}))
        return feed


class _EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Sets `xml:lang` per entry (a feed mixes Vietnamese and English articles), links, and
    `atom:source` with the id, title and updated that feedgen's own source leaves out."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.links: list[dict[str, str]] = []
        self.source: dict[str, str] | None = None

    def extend_atom(self, entry: Any) -> Any:
        if self.lang:
            entry.set(XML_LANG, self.lang)
        for attributes in self.links:  # feedgen builds un-namespaced elements under xmlns
            entry.append(entry.makeelement("link", attributes))
        if self.source is not None:
            source = entry.makeelement("source", {})
            for name in ("id", "title", "updated"):
                child = source.makeelement(name, {})
                child.text = self.source[name]
                source.append(child)
            if self.source["link"]:
                source.append(source.makeelement("link", {"href": self.source["link"]}))
            entry.append(source)
        return entry

"""The site around the feeds: the OPML list, the index page and one page per article, rendered
by Jinja2 with autoescaping on for every template (all text comes from sources)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import nh3
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from feeds.config import FeedsConfig
from feeds.links import public_url
from feeds.provenance import DATE_ORIGINS, ArticlePage
from feeds.render import Site
from feeds.topics import Topic
from feeds.views import EntryRow
from newsfacts import parse_timestamp
from newsfacts.xml_chars import xml_safe

SNIPPET_CHARS = 160
#: Pages load nothing but themselves: no scripts at all, styles inline, images from the web
#: (sanitised article HTML may show the source's pictures). Sent as a header by `serve` and
#: repeated in a meta element, so that the static tree behind any server keeps it.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'"
)


def render_opml(topics: Sequence[Topic], site: Site) -> bytes:
    """OPML 2.0 with one `rss` outline per topic feed: a reader imports them all in one step."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(site.title)} feeds</title>",
        f"    <docs>{escape('http://opml.org/spec2.opml')}</docs>",
        "  </head>",
        "  <body>",
    ]
    for topic in topics:
        attributes = {
            "type": "rss",
            "text": f"{site.title}: {topic.title}",
            "title": f"{site.title}: {topic.title}",
            "xmlUrl": site.feed_url(topic.id),
            "htmlUrl": f"{site.base_url}/#{topic.id}",
            "description": topic.description,
        }
        rendered = " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items())
        lines.append(f"    <outline {rendered}/>")
    lines += ["  </body>", "</opml>", ""]
    return xml_safe("\n".join(lines)).encode("utf-8")


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The first words of `text` within `limit` characters, cut between words, "…" if cut."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit + 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else words[:limit]
    return head.rstrip(" ,;:.-–—") + "…"


#: Dates that name a day, not a moment: the midnight, in the source's zone, of a dateline's
#: day or of one named in the lead ("Ngày 24/10"), shown as that day alone.
DAY_ORIGINS = frozenset(("dateline", "body"))


def when(value: str | None, zone: str = "UTC", *, day: bool = False) -> str:
    """`2025-01-09T08:30:00Z` in `zone`: `2025-01-09 15:30 UTC+07:00`; with `day`, the date
    alone. Shown in UTC, a dateline's 24 October (its midnight in Hà Nội) read
    "2024-10-23 17:00 UTC" on the page and 23 October on the index."""
    if not value:
        return ""
    try:
        local = parse_timestamp(value).astimezone(ZoneInfo(zone))  # ZoneInfo caches its zones
    except (ValueError, OverflowError):  # not a timestamp, or year 9999 moved out of range
        return f"{value[:10]} {value[11:16]} UTC" if len(value) >= 16 else value
    if day:
        return local.date().isoformat()
    offset = local.strftime("%z")
    label = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{local.date().isoformat()} {local:%H:%M} {label}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=True,  # every template, whatever its name
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["snippet"] = snippet
    env.filters["when"] = when
    env.filters["public_url"] = public_url
    return env


def site_for(config: FeedsConfig) -> Site:
    try:
        version = metadata.version("newsledger")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    titles = {t.id: t.title for t in config.topics}
    return Site(
        config.base_url,
        config.site_title,
        version,
        titles,
        config.source_names,
        zone=config.timezone,
        source_zones=config.source_zones,
    )


def render_index(latest: Sequence[tuple[Topic, Sequence[EntryRow]]], site: Site) -> bytes:
    """The home page: every topic with its feed links (autodiscovery) and newest articles."""
    template = _environment().get_template("index.html")
    return template.render(site=site, latest=latest, csp=CSP).encode("utf-8")


def render_article(page: ArticlePage, site: Site) -> bytes:
    """One article: text, dates and their origin, figures, topics and its provenance."""
    names = [site.source_name(page.source_id)]
    names += [site.source_name(s.source_id) for s in page.sightings]
    latest = page.latest
    origin = latest.published_from if latest is not None else None
    if page.published is None:
        published_from = "the source gave no date"
    else:
        published_from = DATE_ORIGINS.get(origin or "", "from the source")
    template = _environment().get_template("article.html")
    return template.render(
        site=site,
        a=page,
        sources=list(dict.fromkeys(names)),
        published_from=published_from,
        published_day=origin in DAY_ORIGINS,
        # A named day is its midnight in the source's zone: shown in another, the day before.
        published_zone=site.zone_of(page.source_id) if origin in DAY_ORIGINS else site.zone,
        body=article_body(page),
        csp=CSP,
    ).encode("utf-8")


def article_body(page: ArticlePage) -> Markup:
    """The sanitised HTML the source had (cleaned again: never trust the view), else the text
    as escaped paragraphs."""
    if page.html:
        return Markup(nh3.clean(page.html))
    paragraphs = [p.strip() for p in page.text.split("\n\n") if p.strip()]
    return Markup("\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs))

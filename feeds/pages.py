"""The OPML subscription list and the HTML index page: pure renderers of topics and view rows."""

from __future__ import annotations

import html
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from feeds.render import Site, summary
from feeds.topics import Topic
from feeds.views import EntryRow


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
    return "\n".join(lines).encode("utf-8")


def render_index(latest: Sequence[tuple[Topic, Sequence[EntryRow]]], site: Site) -> bytes:
    """The home page: every topic with its feed link (autodiscovery) and latest entries."""
    e = html.escape
    head = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(site.title)}</title>",
    ]
    head.extend(
        f'<link rel="alternate" type="application/atom+xml" title="{e(site.title)}: '
        f'{e(topic.title)}" href="{e(site.feed_url(topic.id))}">'
        for topic, _ in latest
    )
    head += [
        f'<link rel="outline" type="text/x-opml" title="All feeds" '
        f'href="{e(site.base_url)}/feeds.opml">',
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:auto;padding:1rem}"
        "li{margin:.4rem 0}small{color:#555}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(site.title)}</h1>",
        "<p>Subscribe to every feed at once: "
        f'<a href="{e(site.base_url)}/feeds.opml">OPML</a>.</p>',
    ]
    body: list[str] = []
    for topic, entries in latest:
        body.append(f'<section id="{e(topic.id)}">')
        body.append(
            f'<h2>{e(topic.title)} <small><a href="{e(site.feed_url(topic.id))}">Atom</a>'
            "</small></h2>"
        )
        if topic.description:
            body.append(f"<p>{e(topic.description)}</p>")
        if not entries:
            body.append("<p><em>No articles yet.</em></p>")
        else:
            body.append("<ul>")
            for row in entries:
                title = e(row.title or "(untitled)")
                link = f'<a href="{e(row.url)}">{title}</a>' if row.url else title
                lang = f' lang="{e(row.language)}"' if row.language else ""
                when = (row.published or row.updated)[:10]
                body.append(
                    f"<li{lang}>{link} <small>{e(row.source_id)}, {when}</small><br>"
                    f"<small>{e(summary(row.text)[:160])}</small></li>"
                )
            body.append("</ul>")
        body.append("</section>")
    return "\n".join([*head, *body, "</body>", "</html>", ""]).encode("utf-8")

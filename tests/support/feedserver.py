"""A local RSS server whose items the caller controls (ETag and 304 like a real one), and a
generator of Vietnamese and English news items to put in it."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    text: str
    published: datetime


class FeedServer:
    """RSS feeds at /feeds/<name>.rss on 127.0.0.1, with ETag/304, counting requests.

    A feed's document is rendered when it is published, not per request, so a benchmark
    polling thousands of feeds measures the poller rather than this server.
    """

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[bytes, str]] = {}
        self.requests: dict[str, int] = {}
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds every answer waits: a slow host
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 256
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{name}.rss"

    def publish(self, name: str, items: list[FeedItem]) -> None:
        self.publish_many({name: items})

    def publish_many(self, feeds: Mapping[str, list[FeedItem]]) -> None:
        """Replace the documents of `feeds` at once (other feeds keep theirs)."""
        bodies = {}
        for name, items in feeds.items():
            body = rss(name, items, port=self.port)
            bodies[name] = (body, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
        with self.lock:
            self.bodies.update(bodies)

    def total_requests(self) -> int:
        with self.lock:
            return sum(self.requests.values())

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            name = self.path.removeprefix("/feeds/").removesuffix(".rss")
            with server.lock:
                server.requests[name] = server.requests.get(name, 0) + 1
                entry = server.bodies.get(name)
            if server.delay:
                time.sleep(server.delay)
            if entry is None:
                self.send_error(404)
                return
            body, etag = entry
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def rss(name: str, items: list[FeedItem], *, port: int) -> bytes:
    entries = "".join(
        f'<item><guid isPermaLink="false">{escape(i.guid)}</guid>'
        f"<title>{escape(i.title)}</title>"
        f"<link>http://127.0.0.1:{port}/articles/{escape(i.guid)}</link>"
        f"<pubDate>{format_datetime(i.published)}</pubDate>"
        f"<description>{escape(i.text)}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>http://127.0.0.1:{port}/</link>"
        f"<description>test feed {escape(name)}</description>{entries}</channel></rss>"
    ).encode()


_TOPICS = [
    (
        "Bộ trưởng {n} hội đàm với người đồng cấp Lào tại Viêng Chăn",
        "Chiều {d}/3, hai Bộ trưởng đã hội đàm, thống nhất đẩy mạnh hợp tác trong lĩnh vực số {n}. "
        "Kim ngạch thương mại song phương đạt {n},5 triệu USD, tăng 7% so với cùng kỳ.",
    ),
    (
        "Lao delegation {n} pays courtesy call on Vietnamese Deputy Prime Minister",
        "The visiting delegation number {n} held talks in Hà Nội on Tuesday; both sides "
        "agreed to raise two-way trade to US${n} million in the coming year.",
    ),
]


def news_item(feed: str, n: int, *, now: datetime) -> FeedItem:
    """Item `n` of `feed`: Vietnamese for even n, English for odd, each text unique."""
    title, text = _TOPICS[n % 2]
    day = n % 28 + 1
    return FeedItem(
        guid=f"{feed}-{n}",
        title=f"{title.format(n=n, d=day)} ({feed})",
        text=text.format(n=n, d=day) + f" Mã bài {feed}/{n}.",
        published=now - timedelta(minutes=n),
    )

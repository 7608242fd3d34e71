"""Finding 1: URLs that come from content or redirects never reach the operator's side
(loopback, link-local, private, multicast, unspecified; IPv4 and IPv6, mapped forms, names
resolving there) unless their host:port is allow-listed; a source's own URL is trusted.

Everything runs on 127.0.0.1: the "internal" service holding secrets on one port, the
hostile feed on another, an allow-listed "public" site on a third."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ingest.config import FetchSettings
from ingest.errors import FetchError
from ingest.fetch.fetcher import Fetcher
from ingest.fetch.guard import GuardedBackend, internal
from tests.security.conftest import CraftedServer, newsledger

SECRET = "SECRET-ADMIN-TOKEN-7731"
PUBLIC = "Bài viết công khai về hợp tác Việt – Lào, đầy đủ nội dung."


def _page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{text} Đoạn {n}.</p>" for n in range(6))
    return (
        f"<!doctype html><html lang='vi'><head><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Tin {n}</title><link>{link}</link><guid>item-{n}</guid>"
        f"<description>Tóm tắt tin {n} về Lào.</description></item>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://x.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def _redirect(server: CraftedServer, path: str, target: str) -> str:
    return server.serve(path, b"", status=302, headers={"Location": target})


def test_content_links_and_redirects_never_reach_internal_addresses(tmp_path: Path) -> None:
    internal_service = CraftedServer()  # holds the secrets
    hostile = CraftedServer()  # the source
    public = CraftedServer()  # stands for the public web: allow-listed by the operator
    try:
        admin = internal_service.serve("/admin", _page("Admin", SECRET), content_type="text/html")
        feed_of_secrets = internal_service.serve("/feed.rss", _rss([admin]))
        port = internal_service.port
        public_article = public.serve(
            "/article", _page("Công khai", PUBLIC), content_type="text/html"
        )
        laundering = _redirect(public, "/news", admin)
        links = [
            admin,  # loopback literal
            f"http://localhost:{port}/admin",  # a name resolving to loopback
            f"http://[::ffff:127.0.0.1]:{port}/admin",  # IPv4-mapped IPv6
            f"http://0.0.0.0:{port}/admin",  # unspecified (Linux connects it to loopback)
            f"http://[::1]:{port}/admin",  # IPv6 loopback
            f"http://169.254.169.254:{port}/latest/meta-data/",  # cloud metadata, link-local
            laundering,  # an allowed site redirecting inward
            public_article,  # the control: allowed, fetched, published
        ]
        feed = hostile.serve("/feed.rss", _rss(links))
        moved = _redirect(hostile, "/moved.rss", feed_of_secrets)  # own URL redirecting inward
        config = tmp_path / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n'
            f'[[sources]]\nid = "hostile"\nkind = "feed"\nurl = "{feed}"\nfull_text = true\n\n'
            f'[[sources]]\nid = "moved"\nkind = "feed"\nurl = "{moved}"\n\n'
            f'[fetch]\nhost_gap = "0s"\nallow_private = ["127.0.0.1:{public.port}"]\n\n'
            f'[feeds]\noutput_dir = "{tmp_path / "public"}"\n',
            encoding="utf-8",
        )
        fetched = newsledger("fetch", config=config)
        assert fetched.code == 0, fetched.err[-3000:]
        published = newsledger("publish", config=config)
        assert published.code == 0, published.err[-3000:]

        assert internal_service.count("/admin") == 0  # never even connected to
        assert internal_service.count("/feed.rss") == 0
        assert public.count("/article") == 1 and public.count("/news") == 1
        everything = "".join(
            p.read_text(encoding="utf-8") for p in (tmp_path / "public").rglob("*") if p.is_file()
        )
        assert SECRET not in everything
        assert PUBLIC in everything  # full text works where it is allowed
        events = newsledger("events", "--json", config=config).out
        assert SECRET not in events
        failures = [
            json.loads(line)["data"]
            for line in events.splitlines()
            if json.loads(line)["type"] == "SourceFetchFailed"
        ]
        assert [(f["source_id"], f["reason"]) for f in failures] == [("moved", "blocked")]
        assert "refused" in fetched.err and "not a public address" in fetched.err
    finally:
        for server in (internal_service, hostile, public):
            server.close()


class _Text(BaseHTTPRequestHandler):
    body = b""
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.server.server_address[0])  # type: ignore[index]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(address: str, port: int, body: bytes, hits: list[str]) -> ThreadingHTTPServer:
    handler = type("H", (_Text,), {"body": body, "hits": hits})
    server = ThreadingHTTPServer((address, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_dns_rebinding_cannot_turn_a_checked_name_into_an_internal_address() -> None:
    # A rebinding DNS server, played on loopback: 127.0.0.2 stands for "public", 127.0.0.1
    # for "internal". It answers the first question with the public address and every
    # later one with the internal address; a fetcher that checks a name and then lets the
    # connection resolve it again would reach the internal service.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    hits: list[str] = []
    secret = _serve("127.0.0.1", port, _page("Admin", SECRET), hits)
    outside = _serve("127.0.0.2", port, _page("Public", PUBLIC), hits)
    answers: list[str] = []

    async def rebinding(host: str, _port: int) -> list[str]:
        answers.append(host)
        return ["127.0.0.2"] if len(answers) == 1 else ["127.0.0.1"]

    def loopback_one_is_internal(address: Any) -> bool:
        return str(address) == "127.0.0.1" or (internal(address) and str(address) != "127.0.0.2")

    async def fetch_twice() -> tuple[bytes, str]:
        results = []
        for _ in range(2):  # a fresh connection (a fresh fetcher) the second time
            guard = GuardedBackend(resolver=rebinding, refuse=loopback_one_is_internal)
            fetcher = Fetcher(FetchSettings(), guard=guard)
            try:
                result = await fetcher.fetch(f"http://rebind.test:{port}/page", accept="*/*")
                results.append(result.body.take().decode())
            except FetchError as exc:
                results.append(f"{exc.reason}: {exc.message}")
            finally:
                await fetcher.aclose()
        return results[0].encode(), results[1]

    try:
        first, second = asyncio.run(fetch_twice())
    finally:
        secret.shutdown()
        outside.shutdown()
    assert PUBLIC in first.decode()
    assert second.startswith("blocked: refused to connect to rebind.test (127.0.0.1)")
    assert hits == ["127.0.0.2"]  # one connection, to the checked address; none inward
    assert len(answers) == 2  # one question per connection: nothing to rebind in between

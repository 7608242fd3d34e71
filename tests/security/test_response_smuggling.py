"""One source's server must not answer for another: a response followed by the bytes of a
second whole response, on a connection kept alive, was read by the next source's request
on that host as its answer (httpcore puts a connection back in the pool with what is left
in its buffer). A forged article was stored as the victim source's."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.security.conftest import CraftedServer, newsledger, write_config


def _rss(title: str, guid: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>http://tin.example/{guid}</link><guid>{guid}</guid>"
        "<description>Hai bên trao đổi về hợp tác kinh tế.</description></item>"
        "</channel></rss>"
    ).encode()


def test_bytes_after_a_response_never_answer_the_next_request(
    crafted: CraftedServer, tmp_path: Path
) -> None:
    forged = _rss("Bài giả mạo của nguồn khác", "forged")
    second = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: %d\r\n\r\n%s"

    def smuggling(handler: BaseHTTPRequestHandler) -> None:
        body = _rss("Tin của kẻ tấn công", "own")
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body + second % (len(forged), forged))
        handler.wfile.flush()
        time.sleep(2)  # the connection stays open: the pool may hand it on

    crafted.routes["/attacker.xml"] = smuggling
    crafted.serve("/victim.xml", _rss("Tin thật của nạn nhân", "genuine"))
    sources = "".join(
        f'[[sources]]\nid = "{name}"\nkind = "feed"\nurl = "{crafted.url(f"/{name}.xml")}"\n'
        for name in ("attacker", "victim")
    )
    extra = f'[fetch]\nconcurrency = 1\nhost_concurrency = 1\nhost_gap = "0s"\n\n{sources}'
    config = write_config(tmp_path, store_url=f"sqlite:///{tmp_path}/n.db", extra=extra)
    ran = newsledger("fetch", config=config)
    assert ran.code == 0, ran.err[-2000:]
    exported = newsledger("export", config=config)
    articles = [
        json.loads(row["data"])
        for row in map(json.loads, exported.out.splitlines())
        if row.get("type") == "ArticleIngested"
    ]
    by_source = {a["source_id"]: a["title"] for a in articles}
    assert by_source == {
        "attacker": "Tin của kẻ tấn công",
        "victim": "Tin thật của nạn nhân",
    }
    assert crafted.count("/victim.xml") == 1  # the victim's request was sent

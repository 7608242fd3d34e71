"""Finding 11 (serving side): conditional requests that must not answer 304, a 404 that
must not echo what it was sent, and `verify` output that ends its line."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from feeds.config import parse_config
from feeds.server import create_app
from store import EventStore, NewEvent
from tests.security.conftest import newsledger, serve, write_config
from tests.worker.conftest import free_port, wait_for

LONG = "a" * 100_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A real `newsledger serve` process on a freshly published folder."""
    directory = tmp_path_factory.mktemp("served")
    config = write_config(directory, store_url=f"sqlite:///{directory}/n.db")
    port = free_port()
    server = serve(config, port)
    try:
        wait_for(lambda: _get(port, "/healthz")[0] == 200, timeout=60, every=0.3)
        yield port, config
    finally:
        server.terminate()
        server.wait(10)


def _get(port: int, path: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read(), dict(answer.getheaders())
    except OSError:
        return 0, b"", {}
    finally:
        connection.close()


def test_if_none_match_weak_star_is_no_match_and_gets_the_feed(
    served: tuple[int, Path],
) -> None:
    port, _ = served
    status, body, headers = _get(port, "/feeds/all.atom")
    assert status == 200 and body.startswith(b"<?xml")
    for value in ("W/*", 'W/*, "x"', '"x", *'):
        again = _get(port, "/feeds/all.atom", **{"If-None-Match": value})
        assert again[0] == 200 and again[1] == body, value
    assert _get(port, "/feeds/all.atom", **{"If-None-Match": headers["etag"]})[0] == 304


def test_an_if_modified_since_in_the_year_9999_is_ignored(served: tuple[int, Path]) -> None:
    port, _ = served
    far = "Fri, 31 Dec 9999 23:59:59 GMT"
    status, body, headers = _get(port, "/feeds/all.atom", **{"If-Modified-Since": far})
    assert status == 200 and body.startswith(b"<?xml")
    honest = _get(port, "/feeds/all.atom", **{"If-Modified-Since": headers["last-modified"]})
    assert honest[0] == 304


def test_a_slash_too_many_is_a_404_never_a_redirect_to_the_host_the_client_named(
    served: tuple[int, Path],
) -> None:
    """Starlette redirected `/feeds/all.atom/` to `http://<the request's Host>/feeds/all.atom`:
    any host a client or a cache in front sent came back as the Location."""
    port, _ = served
    for path in ("/feeds/all.atom/", "/feeds.opml/", "/healthz/"):
        status, body, headers = _get(port, path, Host="evil.example")
        assert status == 404, (path, status)
        assert "location" not in {k.lower() for k in headers} and b"evil" not in body


def test_a_404_does_not_echo_a_100_kb_path(served: tuple[int, Path]) -> None:
    port, config = served
    for path in (f"/feeds/{LONG}.atom", f"/feeds/all/archive/{'9' * 50_000}.atom", f"/{LONG}"):
        status, body, _ = _get(port, path)
        assert status in (404, 400, 414, 431) or status == 0, status  # refused, never echoed
        assert len(body) < 200 and b"aaaa" not in body
    # The app itself, without uvicorn's request-line limit in front of it.
    app = create_app(parse_config({"feeds": {"output_dir": str(config.parent / "public")}},
                                  file="t", base_dir=config.parent))  # fmt: skip
    for path in (f"/feeds/{LONG}.atom", f"/feeds/all/archive/{'9' * 50_000}.atom", f"/{LONG}"):
        status, body = asyncio.run(_call(app, path))
        assert status == 404
        assert len(body) < 200 and b"aaaa" not in body and b"9999" not in body


async def _call(app: Any, path: str) -> tuple[int, bytes]:
    """One GET straight into the ASGI app, as uvicorn would make it."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"t")],
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000)}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_verify_ends_its_line_whether_the_chain_holds_or_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/n.db"
    store = EventStore.open(url)
    store.append("source-a", [NewEvent("SourceGone", {"source_id": "a"})])
    store.append("source-b", [NewEvent("SourceGone", {"source_id": "b"})])
    config = write_config(tmp_path, store_url=url)
    ok = newsledger("verify", config=config)
    assert ok.code == 0 and ok.out == "OK: 2 events, hash chain intact\n"
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(text("UPDATE events SET stream_id = 'forged' WHERE position = 2"))
    store.close()
    broken = newsledger("verify", config=config)
    assert broken.code == 1 and broken.err.endswith("\n") and broken.out == ""
    assert broken.err.startswith("BROKEN at position 2")

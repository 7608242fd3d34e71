"""Serving the published folder through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import html as lxml_html  # type: ignore[import-untyped]

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from feeds.server import create_app
from feeds.topics import Topic
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import append_labelled, article_uuid, feeds_config, ingested, labelled
from tests.feeds.serving import bound_socket, serving


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FeedsConfig]]:
    tmp_path = tmp_path_factory.mktemp("served")
    sock, port = bound_socket()
    config = replace(feeds_config(tmp_path, {"serve": {"port": port}}), entries_per_feed=20)
    _publish_labelled(tmp_path, config)
    with serving(config, sock) as base:
        yield base, config


def _publish_labelled(tmp_path: Path, config: FeedsConfig) -> None:
    """The labelled articles in a new SQLite log under `tmp_path`, their feeds published."""
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store)
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    store.close()


def test_a_topic_feed_is_atom_with_validators_and_cache_control(
    served: tuple[str, FeedsConfig],
) -> None:
    base, config = served
    response = httpx.get(f"{base}/feeds/bilateral-meetings.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert response.headers["cache-control"] == f"public, max-age={config.cache_seconds}"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert "Thủ tướng hội đàm với Thủ tướng Lào tại Hà Nội" in [e.title for e in parsed.entries]


def test_if_none_match_and_if_modified_since_get_304(served: tuple[str, FeedsConfig]) -> None:
    base, _ = served
    url = f"{base}/feeds/all.atom"
    first = httpx.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = httpx.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    earlier = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert httpx.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert httpx.get(url, headers=both).status_code == 200


def test_last_modified_is_when_the_file_was_last_published(
    served: tuple[str, FeedsConfig],
) -> None:
    base, config = served
    response = httpx.get(f"{base}/feeds/all.atom")
    published = (config.output_dir / "feeds" / "all.atom").stat().st_mtime
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert modified.timestamp() == int(published)
    assert published == int(published), "publishing stamps whole seconds"


def test_archive_pages_are_served_and_missing_ones_are_404(served: tuple[str, FeedsConfig]) -> None:
    base, _ = served
    archived = httpx.get(f"{base}/feeds/all/archive/1.atom")
    assert archived.status_code == 200
    assert b"<fh:archive/>" in archived.content
    assert httpx.get(f"{base}/feeds/all/archive/99.atom").status_code == 404
    assert httpx.get(f"{base}/feeds/all/archive/0.atom").status_code == 404


def test_unknown_topics_and_paths_are_404_without_a_stack_trace(
    served: tuple[str, FeedsConfig],
) -> None:
    base, _ = served
    for path in (
        "/feeds/football.atom",
        "/feeds/..%2Fsecret.atom",
        "/nothing",
        "/feeds/x/archive/1.atom",
    ):
        response = httpx.get(base + path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_opml_lists_every_topic_feed(served: tuple[str, FeedsConfig]) -> None:
    base, config = served
    response = httpx.get(f"{base}/feeds.opml")
    assert response.headers["content-type"] == "text/x-opml; charset=utf-8"
    assert response.text.count('type="rss"') == len(config.topics)


def test_the_index_page_has_autodiscovery_links_and_latest_entries(
    served: tuple[str, FeedsConfig],
) -> None:
    base, config = served
    response = httpx.get(f"{base}/")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = lxml_html.fromstring(response.content)
    hrefs = page.xpath('//link[@rel="alternate"][@type="application/atom+xml"]/@href')
    assert hrefs == [f"{config.base_url}/feeds/{t.id}.atom" for t in config.topics]
    titles = page.xpath("//section[@id='all']//li/a[@class='title']/text()")
    assert titles[0] == labelled()[-1]["title"]  # the last one is also the newest published
    assert (
        httpx.get(f"{base}/", headers={"If-None-Match": response.headers["etag"]}).status_code
        == 304
    )


def test_an_article_page_is_served_with_validators_csp_and_304(
    served: tuple[str, FeedsConfig],
) -> None:
    base, _ = served
    url = f"{base}/articles/{article_uuid(labelled()[0]['id'])}"
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert labelled()[0]["title"] in response.text
    again = httpx.get(url, headers={"If-None-Match": response.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    modified = response.headers["last-modified"]
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # The static tree's own name for the page works too.
    assert httpx.get(url + ".html").content == response.content


def test_unknown_or_malformed_article_ids_are_404(served: tuple[str, FeedsConfig]) -> None:
    base, _ = served
    for path in ("/articles/nope", "/articles/..%2F..%2Findex", "/articles/.hidden", "/articles/"):
        response = httpx.get(base + path)
        assert response.status_code == 404, path


def test_json_feeds_are_served_beside_the_atom_feeds(served: tuple[str, FeedsConfig]) -> None:
    base, _ = served
    response = httpx.get(f"{base}/feeds/all.json")
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    assert response.json()["version"] == "https://jsonfeed.org/version/1.1"
    again = httpx.get(f"{base}/feeds/all.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{base}/feeds/football.json").status_code == 404


def test_healthz_answers_ok(served: tuple[str, FeedsConfig]) -> None:
    base, config = served
    response = httpx.get(f"{base}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "topics": len(config.topics)}


def test_a_republished_file_is_served_with_a_new_etag(served: tuple[str, FeedsConfig]) -> None:
    base, config = served
    url = f"{base}/feeds/economic-figures.atom"
    first = httpx.get(url).headers["etag"]
    path = config.output_dir / "feeds/economic-figures.atom"
    data = path.read_bytes().replace(b"Economic figures", b"Every article")
    tmp = path.with_suffix(".new")
    tmp.write_bytes(data)
    tmp.replace(path)
    second = httpx.get(url)
    assert second.headers["etag"] != first
    assert b"Every article" in second.content


def test_an_older_dated_article_still_moves_last_modified_so_if_modified_since_sees_it(
    tmp_path: Path,
) -> None:
    config = feeds_config(tmp_path)
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    runner = ProjectionRunner(store, build_projections(config))
    newer = ingested("newer", title="Hai Bộ trưởng hội đàm tại Viêng Chăn", text="Hội đàm.", n=10)
    store.append(f"article-{newer.data['article_id']}", [newer])
    runner.catch_up()
    publish_all(runner, config)
    app = create_app(config)

    def get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
                return await c.get(path, headers=headers)

        return asyncio.run(fetch())

    first = get("/feeds/all.atom")
    # A backfilled article: published before everything in the feed.
    older = ingested("older", title="Bản tin cũ về hợp tác Việt – Lào", text="Tin cũ.", n=0)
    store.append(f"article-{older.data['article_id']}", [older])
    runner.catch_up()
    publish_all(runner, config)
    again = get("/feeds/all.atom", {"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 200
    assert "Bản tin cũ về hợp tác Việt – Lào" in again.text
    assert parsedate_to_datetime(again.headers["last-modified"]) > parsedate_to_datetime(
        first.headers["last-modified"]
    )
    revalidated = get("/feeds/all.atom", {"If-Modified-Since": again.headers["last-modified"]})
    assert revalidated.status_code == 304
    store.close()


def test_the_opml_and_index_move_their_last_modified_forward_when_a_topic_goes(
    tmp_path: Path,
) -> None:
    """The OPML file and the index page were dated by the newest topic feed: a topic removed
    took that date back with it, and a client revalidating with If-Modified-Since got 304
    for bytes that had changed (here an empty topic, whose removal changes no other feed)."""
    config = feeds_config(tmp_path)
    more = replace(config, topics=(*config.topics, Topic("quiet", "Quiet")))
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store)
    runner = ProjectionRunner(store, build_projections(more))
    runner.catch_up()
    publish_all(runner, more)

    def get(app_config: FeedsConfig, path: str, since: str | None = None) -> httpx.Response:
        headers = {"If-Modified-Since": since} if since else None

        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=create_app(app_config))
            async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
                return await c.get(path, headers=headers)

        return asyncio.run(fetch())

    # Everything published an hour ago, the topic that goes ten minutes ago: the newest.
    now = datetime.now(UTC).timestamp()
    for path in config.output_dir.rglob("*"):
        os.utime(path, (now - 3600, now - 3600))
    os.utime(config.output_dir / "feeds/quiet.atom", (now - 600, now - 600))
    first = {path: get(more, path) for path in ("/feeds.opml", "/")}
    fewer = ProjectionRunner(store, build_projections(config))
    fewer.catch_up(rebuild=True)  # as `publish` does: the topics view is of other topics
    report = publish_all(fewer, config)
    assert "feeds/quiet.atom" in report.removed
    for path, before in first.items():
        again = get(config, path, before.headers["last-modified"])
        assert again.status_code == 200, path
        assert b"quiet" not in again.content.lower()
    store.close()


@pytest.mark.parametrize("path", ["news", "my%20news"])
def test_a_base_url_with_a_path_is_served_there_and_at_the_root(path: str, tmp_path: Path) -> None:
    """Links point under the base URL's path: `serve` answers there without a proxy that
    strips it, and at the root for one that does."""
    sock, port = bound_socket()
    base_url = f"http://127.0.0.1:{port}/{path}/"
    config = feeds_config(tmp_path, {"serve": {"port": port}, "feeds": {"base_url": base_url}})
    _publish_labelled(tmp_path, config)
    with serving(config, sock) as base:
        index = httpx.get(f"{base}/{path}/")
        assert index.status_code == 200
        links = lxml_html.fromstring(index.content).xpath("//link[@rel='alternate']/@href")
        assert links and all(link.startswith(f"{base}/{path}/") for link in links)
        for link in links:  # every feed the page links to, fetched where it points
            assert httpx.get(link).status_code == 200, link
        assert httpx.get(f"{base}/{path}").status_code == 200
        assert httpx.get(f"{base}/feeds/all.atom").status_code == 200
        assert httpx.get(f"{base}/other/feeds/all.atom").status_code == 404

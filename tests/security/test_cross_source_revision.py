"""Finding 3: only the source that published an article can revise it, and only through
the same GUID (or, in a feed without GUIDs, the same item link). Real `newsledger fetch`
processes poll four crafted feeds twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.security.conftest import newsledger
from tests.security.crafted_feeds import Poll, fetch_polls
from tests.security.crafted_feeds import item as _item

LEGIT_LINK = "http://NEWS.example:80/article-42#x"
SAME_AFTER_CANONICALISATION = "http://news.example/article-42?utm_source=rss"
POLLS: list[Poll] = [
    {
        "legit": [_item("L42", LEGIT_LINK, "Hội đàm Việt – Lào", "Bản gốc của bài 42.")],
        "hostile": [],
        "homepage": [_item("H1", "https://home.example/", "Tin một", "Nội dung tin một.")],
        "noguid": [_item(None, "https://ng.example/a", "Bài A", "Bản đầu của bài A.")],
    },
    {
        "legit": [_item("L42", LEGIT_LINK, "Hội đàm Việt – Lào", "Bản sửa của bài 42.")],
        "hostile": [_item("X1", SAME_AFTER_CANONICALISATION, "Hội đàm Việt – Lào", "TIN GIẢ MẠO.")],
        "homepage": [_item("H2", "https://home.example/", "Tin hai", "Nội dung tin hai.")],
        "noguid": [_item(None, "https://ng.example/a", "Bài A", "Bản sửa của bài A.")],
    },
]


def _events(config: Path) -> list[dict[str, Any]]:
    out = newsledger("events", "--json", config=config).out
    return [json.loads(line) for line in out.splitlines() if line]


def test_a_revision_comes_only_from_the_same_source_and_the_same_guid_or_link(
    tmp_path: Path,
) -> None:
    config = fetch_polls(tmp_path, list(POLLS[0]), POLLS)
    articles = [e for e in _events(config) if e["type"].startswith("Article")]
    by_source: dict[str, list[tuple[str, str]]] = {}
    for event in articles:
        data = event["data"]
        by_source.setdefault(data["source_id"], []).append((event["type"], data["article_id"]))
    legit, hostile = by_source["legit"], by_source["hostile"]
    assert [t for t, _ in legit] == ["ArticleIngested", "ArticleRevised"]
    assert legit[0][1] == legit[1][1]  # the same GUID from the same source revises
    assert [t for t, _ in hostile] == ["ArticleIngested"]  # another source: a new article
    assert hostile[0][1] != legit[0][1]
    homepage = by_source["homepage"]  # new GUID, same link: a new story each time
    assert [t for t, _ in homepage] == ["ArticleIngested", "ArticleIngested"]
    assert homepage[0][1] != homepage[1][1]
    noguid = by_source["noguid"]  # no GUIDs: the same link from the same source revises
    assert [t for t, _ in noguid] == ["ArticleIngested", "ArticleRevised"]
    assert noguid[0][1] == noguid[1][1]
    assert newsledger("publish", config=config).code == 0
    feed = (tmp_path / "public" / "feeds" / "all.atom").read_text(encoding="utf-8")
    assert "Bản sửa của bài 42." in feed and "TIN GIẢ MẠO." in feed  # two entries, not one
    assert feed.count("<entry") == 5

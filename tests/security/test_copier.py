"""A copier that publishes another source's text first, then rewrites it, takes nothing from
its victim: the text stays published, by the earliest other source that carried it. Real
`newsledger fetch` and `publish` processes poll crafted feeds on a local HTTP server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.security.conftest import newsledger
from tests.security.crafted_feeds import Poll, fetch_polls
from tests.security.crafted_feeds import item as _item

TITLE = "Khánh thành cầu hữu nghị qua sông Nặm Khan"
TEXT = (
    "Sáng nay, hai tỉnh biên giới đã khánh thành cây cầu bắc qua sông Nặm Khan, rút ngắn "
    "đường từ cửa khẩu tới thị trấn gần nhất còn hai mươi phút."
)
VICTIM = "https://victim.example/cau-nam-khan"
THIRD = "https://third.example/tin/cau"
LATE = "https://late.example/bai/cau"
SPAM = "Mua ngay máy lọc nước giảm giá tại cửa hàng của chúng tôi."
POLLS: list[Poll] = [
    # The copier carries the victim's text before the victim is polled.
    {"copier": [_item("c1", "https://copier.example/1", TITLE, TEXT)]},
    # The victim, then a third source, in polls of their own: polled in one round, the two
    # are fetched concurrently and either may be recorded first (a loaded CI machine made
    # the third the earliest, which the rule then rightly chose).
    {"victim": [_item("v1", VICTIM, TITLE, TEXT)]},
    {"third": [_item("t1", THIRD, TITLE, TEXT)]},
    # Then it rewrites its item: a revision of its own article.
    {"copier": [_item("c1", "https://copier.example/1", "Khuyến mãi", SPAM)]},
    # A source that carries the text later.
    {"late": [_item("l1", LATE, TITLE, TEXT)]},
]
SOURCES = ("copier", "victim", "third", "late")


def _entries(feed: str) -> list[str]:
    return re.findall(r"<entry[ >].*?</entry>", feed, flags=re.S)


def test_a_rewritten_copy_leaves_the_victims_text_published_by_the_victim(
    tmp_path: Path,
) -> None:
    config = fetch_polls(tmp_path, SOURCES, POLLS)
    out = newsledger("events", "--json", config=config).out
    log: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines() if line]
    articles = [(e["type"], e["data"]) for e in log if e["type"].startswith("Article")]
    copied, victims = articles[0][1], [d for t, d in articles if t == "ArticleIngested"][1:]
    # The victim's sighting became its own article, with its link and title, the text the
    # copier gave up, in the same transaction as the copier's revision.
    [adopted] = victims
    assert adopted["source_id"] == "victim" and adopted["url"] == VICTIM
    assert adopted["content_hash"] == copied["content_hash"] and adopted["text"] == TEXT
    assert adopted["article_id"] != copied["article_id"]
    assert [e["metadata"].get("adopted_from") for e in log if e["type"] == "ArticleIngested"][
        1
    ] == copied["article_id"]
    sightings = [(d["source_id"], d["article_id"]) for t, d in articles if t == "ArticleSighted"]
    assert sightings == [
        ("victim", copied["article_id"]),
        ("third", copied["article_id"]),
        ("third", adopted["article_id"]),  # restated for the adopter
        ("late", adopted["article_id"]),  # later copies of the text are its sightings
    ]
    assert newsledger("publish", config=config).code == 0
    feed = (tmp_path / "public" / "feeds" / "all.atom").read_text(encoding="utf-8")
    [victim_entry] = [e for e in _entries(feed) if VICTIM in e]
    [copier_entry] = [e for e in _entries(feed) if "copier.example" in e]
    assert "Nặm Khan" in victim_entry and THIRD in victim_entry and LATE in victim_entry
    assert "máy lọc nước" in copier_entry
    assert VICTIM not in copier_entry and THIRD not in copier_entry
    # Nothing repeats: polled again, the sources append nothing. (Their server has closed:
    # every source fails, so `fetch` exits 1, and the log gains only the failures.)
    head = len(log)
    assert newsledger("fetch", config=config).code == 1
    again = newsledger("events", "--json", config=config).out.splitlines()
    assert len([line for line in again if '"Article' in line]) == len(articles)
    assert len(again) >= head

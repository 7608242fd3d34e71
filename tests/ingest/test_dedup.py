"""Dedup decisions, each pinned to the events it appends (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
import unicodedata
import uuid

from ingest.normalise.items import Item, make_item
from ingest.record.recorder import ArticleRecorder, SourceRef
from store import EventStore
from tests.ingest.conftest import T0, events

FEED = SourceRef("vn-feed", "feed")
OTHER = SourceRef("en-feed", "feed")
TEXT = (
    "Sáng 2/4, hai đoàn đại biểu đã thảo luận về tiến độ xây dựng cảng cạn tại tỉnh Khăm Muộn.\n"
    "Dự kiến công trình hoàn thành vào cuối năm sau."
)


def item(
    text: str = TEXT, *, url: str = "https://tin.example.vn/a-1.html", title: str = "Cảng cạn"
) -> Item:
    return make_item(url=url, title=title, text=text, extractor="feedparser", language="vi")


def record(store: EventStore, source: SourceRef, *items: Item) -> dict[str, int]:
    return dict(ArticleRecorder(store).record(source, items, fetched=T0, correlation_id="c"))


def test_unseen_content_is_ingested_once_with_all_fields(store: EventStore) -> None:
    assert record(store, FEED, item()) == {"ArticleIngested": 1}
    (event,) = events(store)
    assert event.stream_id == f"article-{event.data['article_id']}"
    assert event.data["canonical_url"] == "https://tin.example.vn/a-1.html"
    assert event.data["version"] == 1 and event.data["source_id"] == "vn-feed"
    assert event.data["fetched"] == "2025-05-01T08:00:00Z" and event.data["language"] == "vi"


def test_new_articles_get_ids_that_grow_with_time(store: EventStore) -> None:
    # Views key their rows by article id: ids in order of arrival append at their indexes'
    # ends, where random ones each dirtied another page (ingest/record/chunk.py).
    record(store, FEED, item())
    time.sleep(0.002)  # the time part counts milliseconds
    record(store, FEED, item(TEXT + " Thêm một câu.", url="https://tin.example.vn/a-2.html"))
    ids = [e.data["article_id"] for e in events(store)]
    first, second = (uuid.UUID(aid) for aid in ids)
    assert (first.version, second.version) == (7, 7)
    assert str(first) == ids[0]  # lower-case, with dashes
    assert first < second


def test_the_same_item_polled_again_appends_nothing(store: EventStore) -> None:
    record(store, FEED, item())
    head = store.head()
    assert record(store, FEED, item()) == {}
    assert store.head() == head


def test_known_content_at_a_new_source_is_a_sighting_of_the_same_article(store: EventStore) -> None:
    record(store, FEED, item())
    assert record(store, OTHER, item(url="https://news.example.com/x?utm_source=a")) == {
        "ArticleSighted": 1
    }
    ingested, sighted = events(store)
    assert sighted.type == "ArticleSighted"
    assert sighted.data["article_id"] == ingested.data["article_id"]
    assert sighted.stream_id == ingested.stream_id
    assert sighted.data["canonical_url"] == "https://news.example.com/x"
    assert record(store, OTHER, item(url="https://news.example.com/x")) == {}


def test_known_content_at_a_new_url_of_the_same_source_is_a_sighting(store: EventStore) -> None:
    record(store, FEED, item())
    assert record(store, FEED, item(url="https://tin.example.vn/mirror.html")) == {
        "ArticleSighted": 1
    }


def test_new_content_at_a_known_canonical_url_is_a_revision_of_the_same_article(
    store: EventStore,
) -> None:
    record(store, FEED, item())
    changed = item(
        TEXT + " Tổng vốn đầu tư khoảng 40 triệu USD.", url="https://TIN.example.vn/a-1.html#x"
    )
    assert record(store, FEED, changed) == {"ArticleRevised": 1}
    first, revised = events(store)
    assert revised.type == "ArticleRevised"
    assert revised.data["article_id"] == first.data["article_id"]
    assert revised.data["version"] == 2
    assert revised.data["previous_hash"] == first.data["content_hash"]
    assert revised.data["content_hash"] == changed.content_hash
    again = item(TEXT + " Ba bên đã ký.", url="https://tin.example.vn/a-1.html")
    assert record(store, FEED, again) == {"ArticleRevised": 1}
    assert events(store)[-1].data["version"] == 3


def test_a_revision_of_an_undated_item_keeps_the_time_it_was_first_seen(
    store: EventStore,
) -> None:
    """An edited folder file or feed item with no date of its own: its publication time
    is when it was first seen, and an edit three hours later moved it, and the Atom entry's
    `published` with it."""
    from datetime import timedelta

    undated = "Hai đoàn đại biểu đã thảo luận về tiến độ xây dựng cảng cạn.\nCông trình sắp xong."
    recorder = ArticleRecorder(store)
    recorder.record(FEED, [item(undated)], fetched=T0, correlation_id="c")
    later = T0 + timedelta(hours=3)
    recorder.record(FEED, [item(undated + " Ba bên đã ký.")], fetched=later, correlation_id="c")
    first, revised = events(store)
    assert (first.data["published_from"], revised.type) == ("fetch", "ArticleRevised")
    assert revised.data["published"] == first.data["published"] == "2025-05-01T08:00:00Z"
    assert revised.data["published_from"] == "fetch"
    assert revised.data["fetched"] == "2025-05-01T11:00:00Z"
    # A revision that now says when it was published is believed.
    dated = "Sáng 30/4, " + undated
    recorder.record(FEED, [item(dated)], fetched=later, correlation_id="c")
    assert events(store)[-1].data["published_from"] == "body"


def test_an_edit_taken_back_restores_the_earlier_text_as_a_new_version(
    store: EventStore,
) -> None:
    record(store, FEED, item())
    record(store, FEED, item(TEXT + " Sửa."))
    assert record(store, FEED, item()) == {"ArticleRevised": 1}
    first, edited, restored = events(store)
    assert restored.data["article_id"] == first.data["article_id"]
    assert restored.data["version"] == 3
    assert restored.data["content_hash"] == first.data["content_hash"]
    assert restored.data["previous_hash"] == edited.data["content_hash"]
    assert record(store, FEED, item()) == {}
    # The edit made again is a version again.
    assert record(store, FEED, item(TEXT + " Sửa.")) == {"ArticleRevised": 1}
    assert events(store)[-1].data["version"] == 4


def test_a_source_serving_two_versions_by_turns_settles_after_one_restore_of_each(
    store: EventStore,
) -> None:
    """Two servers out of step, one with the edit and one without: each text comes back
    once, then the article keeps the last one instead of a revision on every poll."""
    one, two = item(), item(TEXT + " Sửa.")
    counts = [record(store, FEED, version) for version in (one, two, one, two, one, two, one)]
    assert counts == [
        {"ArticleIngested": 1},
        {"ArticleRevised": 1},
        {"ArticleRevised": 1},
        {"ArticleRevised": 1},
        {},
        {},
        {},
    ]
    assert events(store)[-1].data["content_hash"] == two.content_hash
    # A new text is a new version as ever, and its replacement can be taken back once.
    three = item(TEXT + " Sửa lần ba.")
    assert record(store, FEED, three) == {"ArticleRevised": 1}
    assert record(store, FEED, two) == {}  # replaced after its restore: not again
    assert record(store, FEED, item(TEXT + " Bốn.")) == {"ArticleRevised": 1}
    assert record(store, FEED, three) == {"ArticleRevised": 1}


def test_a_fresh_recorder_restores_from_the_stored_keys_alone(store: EventStore) -> None:
    """A restore is decided from the log (a new process, a replica), not a memory."""
    one, two = item(), item(TEXT + " Sửa.")
    for version in (one, two, one, two):
        ArticleRecorder(store).record(FEED, [version], fetched=T0, correlation_id="c")
    assert [e.data["content_hash"] for e in events(store)] == [
        one.content_hash,
        two.content_hash,
        one.content_hash,
        two.content_hash,
    ]
    assert ArticleRecorder(store).record(FEED, [one], fetched=T0, correlation_id="c") == {}


def test_nfc_nfd_and_whitespace_variants_are_one_article(store: EventStore) -> None:
    record(store, FEED, item())
    nfd = item(
        unicodedata.normalize("NFD", TEXT).replace(" ", "  \n "),
        title=unicodedata.normalize("NFD", "Cảng cạn"),
    )
    assert record(store, FEED, nfd) == {}
    assert record(store, OTHER, nfd) == {"ArticleSighted": 1}
    assert len(events(store, "ArticleIngested")) == 1


def test_duplicates_inside_one_poll_are_decided_against_each_other(store: EventStore) -> None:
    a = item()
    copy = item(url="https://tin.example.vn/copy.html")
    counts = record(store, FEED, a, a, copy)
    assert counts == {"ArticleIngested": 1, "ArticleSighted": 1}
    assert len({e.stream_id for e in events(store)}) == 1


def test_items_sharing_one_link_are_separate_articles_not_revisions(store: EventStore) -> None:
    home = "https://tin.example.vn/"
    first = item("Bản tin thứ nhất về hợp tác thủy điện.", url=home, title="Tin 1")
    second = item("Bản tin thứ hai về giao thông qua cửa khẩu.", url=home, title="Tin 2")
    assert record(store, FEED, first, second) == {"ArticleIngested": 2}
    assert record(store, FEED, first, second) == {}


def test_items_without_a_link_are_told_apart_by_guid_or_content(store: EventStore) -> None:
    one = make_item(url=None, guid="same", title="A", text="Nội dung một", extractor="feedparser")
    two = make_item(url=None, guid="same", title="B", text="Nội dung hai", extractor="feedparser")
    assert record(store, FEED, one, two) == {"ArticleIngested": 2}
    assert record(store, FEED, one, two) == {}
    assert events(store)[0].data["url"] is None


def test_a_large_poll_is_appended_in_chunks_with_the_same_decisions(store: EventStore) -> None:
    many = [item(f"Bài số {n}: {TEXT}", url=f"https://tin.example.vn/{n}.html") for n in range(600)]
    assert record(store, FEED, *many) == {"ArticleIngested": 600}
    assert record(store, FEED, *many) == {}


def test_the_source_state_projection_replays_to_the_same_state(store: EventStore) -> None:
    from ingest.config import IngestConfig
    from ingest.projections import build_projections, source_states
    from store import ProjectionRunner

    record(store, FEED, item())
    record(store, OTHER, item())
    record(store, FEED, item(TEXT + " Sửa."))
    runner = ProjectionRunner(store, build_projections(IngestConfig()))
    before = source_states(runner)
    runner.replay("ingest_sources")
    assert source_states(runner) == before
    assert before["vn-feed"].ingested == 1 and before["vn-feed"].revised == 1
    assert before["en-feed"].sighted == 1 and before["en-feed"].articles == 1


THIRD = SourceRef("third-feed", "feed")


def _articles(store: EventStore) -> list[tuple[str, str, str]]:
    """(type, source, article id) of each article event, in log order."""
    return [
        (e.type, e.data["source_id"], e.data["article_id"])
        for e in events(store)
        if e.type.startswith("Article")
    ]


def test_a_rewritten_text_stays_an_article_of_the_first_other_source_that_carried_it(
    store: EventStore,
) -> None:
    record(store, FEED, item())
    record(store, OTHER, item(url="https://news.example.com/x"))
    record(store, THIRD, item(url="https://third.example.org/y"))
    counts = record(store, FEED, item("Nội dung khác hẳn, viết lại toàn bộ."))
    assert counts == {"ArticleRevised": 1}  # the adoption is the other sources' news
    first, *_, revised, adopted, restated = events(store)
    assert revised.type == "ArticleRevised"
    assert (
        adopted.type == "ArticleIngested"
        and adopted.metadata["adopted_from"] == (first.data["article_id"])
    )
    assert adopted.data["source_id"] == "en-feed"
    assert adopted.data["url"] == "https://news.example.com/x"
    assert adopted.data["content_hash"] == first.data["content_hash"]
    assert adopted.data["text"] == first.data["text"] and adopted.data["guid"] is None
    assert restated.type == "ArticleSighted" and restated.data["source_id"] == "third-feed"
    assert restated.data["article_id"] == adopted.data["article_id"]
    assert uuid.UUID(adopted.data["article_id"]).version == 7  # a new article's id
    # The text is the adopter's now: a later source's copy is a sighting of it; the sources
    # polled again append nothing.
    late = SourceRef("late-feed", "feed")
    assert record(store, late, item(url="https://late.example.net/z")) == {"ArticleSighted": 1}
    assert events(store)[-1].data["article_id"] == adopted.data["article_id"]
    assert record(store, OTHER, item(url="https://news.example.com/x")) == {}
    assert record(store, FEED, item("Nội dung khác hẳn, viết lại toàn bộ.")) == {}


def test_a_rewrite_no_other_source_carried_adopts_nothing(store: EventStore) -> None:
    record(store, FEED, item())
    # The same source's own copy at another link is no other source.
    record(store, FEED, item(url="https://tin.example.vn/ban-sao.html"))
    assert record(store, FEED, item(TEXT + " Sửa.")) == {"ArticleRevised": 1}
    assert record(store, FEED, item(TEXT + " Sửa lần hai.")) == {"ArticleRevised": 1}
    assert [t for t, _, _ in _articles(store)] == [
        "ArticleIngested",
        "ArticleSighted",
        "ArticleRevised",
        "ArticleRevised",
    ]


def test_only_a_rewritten_text_others_carried_is_adopted_and_only_once(
    store: EventStore,
) -> None:
    record(store, FEED, item())
    record(store, OTHER, item(url="https://news.example.com/x"))
    # A correction (a word changed, a line added) is the same article: nothing adopted.
    corrected = TEXT + " Sửa."
    assert record(store, FEED, item(corrected)) == {"ArticleRevised": 1}
    record(store, OTHER, item(corrected, url="https://news.example.com/x"))
    assert record(store, FEED, item("Bài viết lại hoàn toàn, không còn câu nào của bản cũ.")) == {
        "ArticleRevised": 1
    }
    # The corrected text the other source carried is its article now; the next rewrite
    # replaces a text nobody else carried.
    assert record(store, FEED, item("Lần viết lại thứ hai, cũng khác hẳn bản trước.")) == {
        "ArticleRevised": 1
    }
    adopters = [s for t, s, _ in _articles(store) if t == "ArticleIngested"]
    assert adopters == ["vn-feed", "en-feed"]


def test_a_text_another_source_adopted_is_not_restored_to_its_rewriter(
    store: EventStore,
) -> None:
    """The rewrite gave the text to the source that carried it; taking the rewrite back
    must not make two articles of one text."""
    record(store, FEED, item())
    record(store, OTHER, item(url="https://news.example.com/x"))
    record(store, FEED, item("Bài viết lại hoàn toàn, không còn câu nào của bản cũ."))
    head = store.head()
    assert record(store, FEED, item()) == {}
    assert store.head() == head
    adopter = [a for t, s, a in _articles(store) if t == "ArticleIngested" and s == "en-feed"]
    assert len(adopter) == 1


def test_adoption_events_are_not_counted_as_the_rewriting_sources_poll(
    store: EventStore,
) -> None:
    record(store, FEED, item())
    record(store, OTHER, item(url="https://news.example.com/x"))
    counts = record(store, FEED, item("Bài viết lại hoàn toàn, không còn câu nào của bản cũ."))
    assert counts == {"ArticleRevised": 1}
    assert [t for t, _, _ in _articles(store)][-1] == "ArticleIngested"


def test_a_revision_to_a_text_another_source_published_first_is_a_sighting_of_it(
    store: EventStore,
) -> None:
    """The text is its first publisher's: revised to it, the source's entry would carry
    another source's article under its own name. Its own article keeps its last version."""
    record(store, OTHER, item("Bài của nguồn khác, đăng trước.", url="https://news.example.com/x"))
    record(store, FEED, item())
    assert record(store, FEED, item("Bài của nguồn khác, đăng trước.")) == {"ArticleSighted": 1}
    other, own, sighted = events(store)
    assert sighted.data["article_id"] == other.data["article_id"] != own.data["article_id"]


def test_an_earlier_text_back_under_the_same_guid_at_a_new_link_is_a_restore(
    store: EventStore,
) -> None:
    """Not a sighting of the article by its own source, which kept the withdrawn edit in
    the feed a poll longer (the restores attack)."""

    def guid_item(text: str, url: str) -> Item:
        return make_item(
            url=url, guid="g1", title="Cảng cạn", text=text, extractor="feedparser", language="vi"
        )

    record(store, FEED, guid_item(TEXT, "https://tin.example.vn/a/1"))
    record(store, FEED, guid_item(TEXT + " Sửa.", "https://tin.example.vn/a/1"))
    assert record(store, FEED, guid_item(TEXT, "https://tin.example.vn/a/2")) == {
        "ArticleRevised": 1
    }
    assert events(store)[-1].data["content_hash"] == events(store)[0].data["content_hash"]
    assert record(store, FEED, guid_item(TEXT, "https://tin.example.vn/a/2")) == {}

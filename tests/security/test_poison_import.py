"""Finding 8: a crafted export (hashes recomputed, so the chain is intact) must not poison
the log; and a poison event already in a log must not stop publishing for ever."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from store import GENESIS_HASH, EventStore, NewEvent, export_lines
from store.chain import expected_hash
from tests.security.conftest import newsledger, write_config
from tests.support.articles import ingested

Row = dict[str, Any]


def _genuine_export(tmp_path: Path) -> list[Row]:
    store = EventStore.open(f"sqlite:///{tmp_path}/genuine.db")
    for n in range(3):
        event = ingested(f"bai-{n}", title=f"Hội đàm Việt – Lào {n}", text=f"Nội dung {n}.", n=n)
        store.append(
            f"article-{event.data['article_id']}",
            [NewEvent(event.type, event.data, keys=(f"content:{n}", f"seen:{n}"))],
        )
    # The events, without the format and end lines: an attacker's file of format version 1,
    # which has neither, so no end line has to be forged.
    rows = [json.loads(line) for line in export_lines(store)][1:-1]
    store.close()
    return rows


def _rechain(rows: list[Row]) -> list[str]:
    """What an attacker does after editing: recompute every hash so `verify` passes."""
    previous, lines = GENESIS_HASH, []
    for row in rows:
        # A row no honest hash can cover keeps its old one: the importer must refuse it
        # before hashing anyway.
        with contextlib.suppress(UnicodeEncodeError, TypeError, AttributeError):
            row["hash"] = expected_hash(previous, row)
        previous = row["hash"]
        lines.append(json.dumps(row, sort_keys=True, separators=(",", ":")))
    return lines


def _data(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _without_article_id(rows: list[Row]) -> None:
    data = json.loads(rows[1]["data"])
    del data["article_id"]
    rows[1]["data"] = _data(data)


def _article_id_is_a_path(rows: list[Row]) -> None:
    data = json.loads(rows[1]["data"])
    data["article_id"] = "../../pwned"
    rows[1]["data"] = _data(data)


def _title_is_a_number(rows: list[Row]) -> None:
    data = json.loads(rows[1]["data"])
    data["title"] = 42
    rows[1]["data"] = _data(data)


def _set(line: int, field: str, value: Any) -> Callable[[list[Row]], None]:
    def edit(rows: list[Row]) -> None:
        rows[line - 1][field] = value

    return edit


def _copy_from_first(line: int, *fields: str) -> Callable[[list[Row]], None]:
    def edit(rows: list[Row]) -> None:
        for field in fields:
            rows[line - 1][field] = rows[0][field]

    return edit


POISONS: dict[str, tuple[Callable[[list[Row]], None], int, str]] = {
    "data is a list": (_set(2, "data", "[]"), 2, "not an object"),
    "a title that is a number": (_title_is_a_number, 2, "'title' is not str"),
    "ArticleIngested without article_id": (_without_article_id, 2, "article_id"),
    "an article id that is a path": (_article_id_is_a_path, 2, "'article_id' is not a UUID"),
    "event id not a UUID": (_set(2, "event_id", "not-a-uuid"), 2, "UUID"),
    "schema version 99": (_set(2, "schema_version", 99), 2, "schema version 99"),
    "unknown type": (_set(2, "type", "Exploit"), 2, "unknown event type"),
    "stream version -5": (_set(2, "stream_version", -5), 2, "stream_version"),
    "NUL in a stream id": (_set(2, "stream_id", "article-\x00x"), 2, "control character"),
    "stream version 2**70": (_set(2, "stream_version", 2**70), 2, "stream_version"),
    "lone surrogate": (_set(2, "stream_id", "article-\ud800"), 2, "surrogate"),
    "duplicate event id": (_copy_from_first(3, "event_id"), 3, "repeats the event"),
    "duplicate key": (_copy_from_first(3, "keys"), 3, "already claimed"),
    "duplicate stream version": (_copy_from_first(3, "stream_id"), 3, "version 1, expected 2"),
}


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_a_crafted_export_with_a_recomputed_chain_is_refused_in_one_line_and_writes_nothing(
    poison: str, tmp_path: Path
) -> None:
    edit, line, words = POISONS[poison]
    rows = _genuine_export(tmp_path)
    edit(rows)
    dump = tmp_path / "crafted.jsonl"
    dump.write_text("\n".join(_rechain(rows)) + "\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path}/target.db"
    ran = newsledger("import", str(dump), config=write_config(tmp_path, store_url=target))
    assert ran.code == 1, ran
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    assert ran.err.startswith(f"Error: line {line}: "), ran.err
    assert words in ran.err
    # The import would have created the database: refused, it leaves none behind.
    assert sorted(p.name for p in tmp_path.glob("target.db*")) == []


def test_a_refused_import_into_an_existing_database_keeps_it_and_writes_nothing(
    tmp_path: Path,
) -> None:
    rows = _genuine_export(tmp_path)
    _title_is_a_number(rows)
    dump = tmp_path / "crafted.jsonl"
    dump.write_text("\n".join(_rechain(rows)) + "\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path}/target.db"
    EventStore.open(target).close()
    ran = newsledger("import", str(dump), config=write_config(tmp_path, store_url=target))
    assert ran.code == 1, ran
    store = EventStore.open(target)
    assert store.head() == 0, "a refused import wrote events"
    store.close()


def test_an_export_saved_with_a_byte_order_mark_imports(tmp_path: Path) -> None:
    """A Windows editor saves UTF-8 with a BOM: line 1 was refused as "not JSON"."""
    dump = tmp_path / "genuine.jsonl"
    text = "\n".join(_rechain(_genuine_export(tmp_path))) + "\n"
    dump.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    target = f"sqlite:///{tmp_path}/target.db"
    ran = newsledger("import", str(dump), config=write_config(tmp_path, store_url=target))
    assert ran.code == 0, ran
    assert ran.out.startswith(f"imported 3 events from {dump}; hash chain verified.")


def test_the_genuine_export_still_imports(tmp_path: Path) -> None:
    dump = tmp_path / "genuine.jsonl"
    dump.write_text("\n".join(_rechain(_genuine_export(tmp_path))) + "\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path}/target.db"
    ran = newsledger("import", str(dump), config=write_config(tmp_path, store_url=target))
    assert ran.code == 0
    assert ran.out.startswith(f"imported 3 events from {dump}; hash chain verified.")


def test_a_poison_event_already_in_the_log_is_recorded_as_a_fault_and_publishing_goes_on(
    tmp_path: Path,
) -> None:
    # A log written before import was checked (or by a buggy writer): the poison sits
    # between two good articles, and the log can never be changed.
    url = f"sqlite:///{tmp_path}/log.db"
    store = EventStore.open(url)
    before = ingested("truoc", title="Hội đàm trước", text="Bài có trước sự cố.", n=1)
    poison = ingested("doc", title="Bài độc", text="Không có mã bài.", n=2)
    after = ingested("sau", title="Hội đàm sau", text="Bài đến sau sự cố.", n=3)
    bad = {k: v for k, v in poison.data.items() if k != "article_id"}
    store.append(f"article-{before.data['article_id']}", [before])
    store.append("article-poison", [NewEvent(poison.type, bad)])
    store.append(f"article-{after.data['article_id']}", [after])
    store.close()
    config = write_config(tmp_path, store_url=url, extra='[feeds]\noutput_dir = "public"')
    for _ in range(2):  # not once by luck: every run publishes
        ran = newsledger("publish", config=config)
        assert ran.code == 0, ran.err[-2000:]
    feed = (tmp_path / "public" / "feeds" / "all.atom").read_text(encoding="utf-8")
    assert "Hội đàm trước" in feed and "Hội đàm sau" in feed
    assert "Bài độc" not in feed
    status = newsledger("status", "--json", config=config)
    assert status.code == 0, status.err
    faults = json.loads(status.out)["faults"]
    assert {(f["position"], f["type"]) for f in faults} >= {(2, "ArticleIngested")}
    assert all("article_id" in f["error"] for f in faults if f["position"] == 2)
    text = newsledger("status", config=config)
    assert "Projection faults" in text.out and "ArticleIngested" in text.out


def test_an_article_id_that_is_a_path_publishes_nothing_outside_the_output_folder(
    tmp_path: Path,
) -> None:
    """A log written before `import` checked ids: the page of `../../pwned` would be
    written two folders above `public/articles/`; it is not written, the others are."""
    url = f"sqlite:///{tmp_path}/log.db"
    store = EventStore.open(url)
    good = ingested("tot", title="Hội đàm Việt – Lào", text="Bài bình thường.", n=1)
    crafted = ingested("xau", title="Bài đặt ngoài", text="Mã bài là một đường dẫn.", n=2)
    store.append(f"article-{good.data['article_id']}", [good])
    store.append(
        "article-crafted", [NewEvent(crafted.type, {**crafted.data, "article_id": "../../pwned"})]
    )
    store.close()
    config = write_config(tmp_path, store_url=url, extra='[feeds]\noutput_dir = "out/public"')
    ran = newsledger("publish", config=config)
    assert ran.code == 0, ran.err[-2000:]
    assert "not a plain name" in ran.err
    assert not list(tmp_path.rglob("pwned*"))
    pages = tmp_path / "out" / "public" / "articles"
    assert (pages / f"{good.data['article_id']}.html").is_file()

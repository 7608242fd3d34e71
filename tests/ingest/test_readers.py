"""Large folder polls read files in reader processes; the result must not depend on it."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import pytest

import ingest.folders
from ingest.config import IngestConfig
from ingest.parse.folder import list_folder, read_files
from ingest.parse.readers import ReaderProcess
from ingest.poller import Poller
from store import EventStore
from tests.ingest.conftest import FIXTURES, T0, make_config

ROOT = Path(__file__).resolve().parent.parent.parent


def write_folder(folder: Path) -> None:
    """Articles in Vietnamese and English, with copies, an NFD variant and a broken file."""
    folder.mkdir()
    for source in sorted((FIXTURES / "folder").iterdir()):
        if source.suffix == ".txt":
            (folder / source.name).write_bytes(source.read_bytes())
    for n in range(12):
        body = (
            f"Đoàn đại biểu tỉnh {n} thăm Lào\n"
            f"Ngày {n}, đoàn đại biểu tỉnh số {n} đã hội đàm về hợp tác giáo dục và y tế.\n\n"
            f"Hai bên ký biên bản ghi nhớ về học bổng cho {n * 10} sinh viên.\n"
        )
        (folder / f"vi-{n:02d}.txt").write_text(body, encoding="utf-8")
        if n % 4 == 0:  # an exact copy, and a decomposed, re-wrapped variant
            (folder / f"vi-{n:02d}-copy.txt").write_text(body, encoding="utf-8")
            variant = unicodedata.normalize("NFD", body).replace(", ", ",  \n ")
            (folder / f"vi-{n:02d}-nfd.txt").write_text(variant, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"Broken \xff\xfe title\nSome text that is not UTF-8.\n")


def poll_folder(store: EventStore, config: IngestConfig, **poller: Any) -> dict[str, int]:
    async def run() -> dict[str, int]:
        p = Poller(store, config, **poller)
        try:
            source = config.sources[0]
            return (await p.poll_source(source, now=T0, force=True)).events
        finally:
            await p.aclose()

    return asyncio.run(run())


def recorded(store: EventStore) -> list[tuple[str, str, str | None]]:
    """The article events as (type, content hash, file name), in log order."""
    return [
        (e.type, e.data["content_hash"], str(e.data.get("url")).rsplit("/", 1)[-1])
        for e in store.read_all(types=("ArticleIngested", "ArticleSighted"))
    ]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several batches in flight at once, so reader processes answer out of step.
    monkeypatch.setattr(ingest.folders, "FOLDER_BATCH", 4)


def test_a_reader_process_reads_a_batch_exactly_as_reading_in_process_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_folder(tmp_path / "articles")
    paths = list(list_folder(tmp_path / "articles", known={}).changed)
    reader = ReaderProcess()
    try:
        with caplog.at_level(logging.WARNING):
            remote = reader.read(paths, language=None)
            again = reader.read(paths[:3], language="vi")
    finally:
        reader.close()
    assert remote == read_files(paths)
    assert again == read_files(paths[:3], language="vi")
    # The child's warning about the broken file is logged here, through our handlers.
    assert any("broken.txt" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("small_batches")
def test_a_large_poll_through_reader_processes_records_what_an_in_process_poll_records(
    tmp_path: Path, store_url: str
) -> None:
    write_folder(tmp_path / "articles")
    config = make_config([{"id": "samples", "kind": "folder", "path": str(tmp_path / "articles")}])
    alone = EventStore.open(f"sqlite:///{tmp_path / 'alone.db'}")
    together = EventStore.open(store_url)
    try:
        expected = poll_folder(alone, config, readers=0)
        got = poll_folder(together, config, readers=2, readers_from=1)
        assert got == expected
        assert expected["ArticleIngested"] >= 12 and expected["ArticleSighted"] >= 6
        assert recorded(together) == recorded(alone)
        # Polled again: nothing new, whichever way the files are read.
        assert poll_folder(together, config, readers=2, readers_from=1) == {}
    finally:
        alone.close()
        together.close()


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/false"])
@pytest.mark.usefixtures("small_batches")
def test_reader_processes_that_cannot_start_or_die_fall_back_to_reading_in_process(
    tmp_path: Path,
    executable: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_folder(tmp_path / "articles")
    config = make_config([{"id": "samples", "kind": "folder", "path": str(tmp_path / "articles")}])
    expected_store = EventStore.open(f"sqlite:///{tmp_path / 'expected.db'}")
    broken_store = EventStore.open(f"sqlite:///{tmp_path / 'broken.db'}")
    try:
        expected = poll_folder(expected_store, config, readers=0)
        monkeypatch.setattr(
            ingest.folders,
            "ReaderProcess",
            functools.partial(ReaderProcess, executable=executable),
        )
        with caplog.at_level(logging.WARNING):
            got = poll_folder(broken_store, config, readers=2, readers_from=1)
        assert got == expected
        assert recorded(broken_store) == recorded(expected_store)
        assert any("in-process" in r.getMessage() for r in caplog.records)
    finally:
        expected_store.close()
        broken_store.close()


def test_a_program_without_a_main_guard_polls_a_large_folder_once(tmp_path: Path) -> None:
    # multiprocessing's spawn/forkserver children import the parent's __main__ again, which
    # re-ran (or crashed) such a program; reader processes import only `ingest`.
    write_folder(tmp_path / "articles")
    folder, db = str(tmp_path / "articles"), f"sqlite:///{tmp_path / 'unguarded.db'}"
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, sys
            from pathlib import Path
            sys.path.insert(0, {str(ROOT)!r})
            from datetime import UTC, datetime
            from ingest.config import parse_config
            from ingest.poller import Poller
            from store import EventStore

            store = EventStore.open({db!r})
            config = parse_config(
                {{"sources": [{{"id": "s", "kind": "folder", "path": {folder!r}}}]}},
                file="x", base_dir=Path("."),
            )

            async def main():
                poller = Poller(store, config, readers=2, readers_from=1)
                try:
                    now = datetime(2025, 5, 1, tzinfo=UTC)
                    return await poller.poll_source(config.sources[0], now=now, force=True)
                finally:
                    await poller.aclose()

            report = asyncio.run(main())
            print("polled", report.items, report.events.get("ArticleIngested", 0))
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("polled")]
    assert len(lines) == 1
    assert int(lines[0].split()[2]) >= 12
    # Its reader processes share its stderr and warn of nothing there: started with
    # `python -m`, each printed runpy's RuntimeWarning that the module was imported already.
    assert "Warning" not in done.stderr, done.stderr


def test_an_item_crosses_a_process_boundary_unchanged_whatever_its_text() -> None:
    # Items are pickled with their texts in UTF-16 (Item.__reduce__): every field must come
    # back equal, an astral character, a lone surrogate and a missing html included.
    import pickle

    from ingest.normalise.items import Item

    texts = [
        "Hội đàm Việt Nam – Lào 🇻🇳🇱🇦",
        "plain ASCII",
        "half \ud83d of a pair",
        "a\ud83d\ude00b",  # two surrogates as two characters: not the emoji they would pair to
        "",
    ]
    for n, text in enumerate(texts):
        item = Item(
            url=f"https://e.vn/{n}",
            canonical_url=None,
            guid=None,
            title=text,
            text=text * 3,
            html=None if n % 2 else f"<p>{text}</p>",
            language="vi",
            published=None,
            extractor="folder-text",
            content_hash=f"{n:064d}",
            author="Tác giả",
        )
        back = pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == item and type(back) is Item
        assert [len(back.title), len(back.text)] == [len(text), 3 * len(text)]
    # An html that is the text itself stays one string (not a second copy of the article).
    shared = dataclasses.replace(item, text="<p>Hội đàm</p>")
    shared = dataclasses.replace(shared, html=shared.text)
    back = pickle.loads(pickle.dumps(shared))
    assert back == shared and back.html is back.text

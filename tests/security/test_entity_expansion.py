"""Finding 4: entity expansion cannot get around the size caps, and what one item may hold
after parsing is capped: a feed is refused or cut, never multiplied, and the memory to
ingest one stays within about 5 x its size (benchmarks/hostile_bench.py measures more)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.normalise.limits import TEXT_CHARS, TITLE_CHARS
from tests.security.conftest import REPO, CraftedServer, newsledger

WORDS = "Hội đàm Việt Nam – Lào về hợp tác kinh tế năm 2025. "


def _rss(title: str, description: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
        "<title>t</title><link>https://x.example/</link><description>d</description>"
        f"<item><title>{title}</title><guid>g-1</guid><link>https://x.example/1</link>"
        f"<description>{description}</description></item></channel></rss>"
    ).encode()


def _fetch_with_peak(tmp_path: Path, name: str, body: bytes) -> tuple[float, Path]:
    server = CraftedServer()
    try:
        url = server.serve("/feed.rss", body)
        workdir = tmp_path / name
        workdir.mkdir()
        config = workdir / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{workdir}/n.db"\n\n'
            f'[[sources]]\nid = "{name}"\nkind = "feed"\nurl = "{url}"\n\n'
            f'[feeds]\noutput_dir = "{workdir / "public"}"\n',
            encoding="utf-8",
        )
        peak = workdir / "peak"
        env = {**os.environ, "NL_PEAK_FILE": str(peak), "PYTHONPATH": str(REPO)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "tests.security.peak", "--config", str(config), "fetch"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return float(peak.read_text()), config
    finally:
        server.close()


def test_a_billion_laughs_style_feed_is_refused_without_expanding(tmp_path: Path) -> None:
    base, _ = _fetch_with_peak(tmp_path, "tiny", _rss("Tin", "Một tin ngắn."))
    doctype = f'<!DOCTYPE rss [<!ENTITY big "{"A" * 1_000_000}">]>'
    bomb = _rss("Bom", "&big;" * 90, doctype)
    peak, config = _fetch_with_peak(tmp_path, "bomb", bomb)
    size_mb = len(bomb) / 1e6
    assert peak - base <= 5 * size_mb + 5, f"{peak - base:.0f} MB for a {size_mb:.1f} MB feed"
    events = [
        json.loads(x) for x in newsledger("events", "--json", config=config).out.split("\n") if x
    ]
    assert [e["type"] for e in events] == ["SourceFetchFailed"]
    assert events[0]["data"]["reason"] == "parse"
    assert "entities" in events[0]["data"]["message"]
    assert newsledger("publish", config=config).code == 0
    published = sum(p.stat().st_size for p in (config.parent / "public").rglob("*") if p.is_file())
    assert published < 200_000


def test_a_huge_title_and_text_are_cut_to_the_stated_caps(tmp_path: Path) -> None:
    title = WORDS * 20_000  # ~1 MB title
    text = WORDS * 100_000  # ~5 MB text, under the 10 MB body cap
    _, config = _fetch_with_peak(tmp_path, "huge", _rss(title, text))
    events = [
        json.loads(x) for x in newsledger("events", "--json", config=config).out.split("\n") if x
    ]
    [article] = [e["data"] for e in events if e["type"] == "ArticleIngested"]
    assert len(article["title"]) <= TITLE_CHARS and article["title"].endswith("…")
    assert len(article["text"]) <= TEXT_CHARS and article["text"].endswith("…")
    assert newsledger("publish", config=config).code == 0
    feed = config.parent / "public" / "feeds" / "all.atom"
    assert feed.stat().st_size < 3 * TEXT_CHARS

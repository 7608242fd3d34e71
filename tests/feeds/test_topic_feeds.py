"""Topic feeds built from structure: the shipped Vietnam–Laos topics, countries as Atom
categories, and a figures box that lists what `figures --json` lists."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feeds.projections import build_projections
from feeds.publisher import publish_all
from newsledger.cli import cli
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import append_labelled, article_uuid, feeds_config

REPO = Path(__file__).resolve().parents[2]
ARTICLES = [
    {
        "id": "vn-la",
        "language": "vi",
        "title": "Thủ tướng hội đàm với Thủ tướng Lào",
        "text": "Chiều 14/3, Thủ tướng Phạm Minh Chính đã hội đàm với Thủ tướng Lào Sonexay "
        "Siphandone. Kim ngạch thương mại Việt Nam - Lào năm 2024 đạt 1,64 tỷ USD, tăng 12%.",
    },
    {
        "id": "vn-kh",
        "language": "en",
        "title": "Prime Ministers of Việt Nam and Cambodia hold talks",
        "text": "Prime Minister Phạm Minh Chính held talks with Cambodian Prime Minister Hun "
        "Manet in Phnom Penh on Monday. Two-way trade reached US$10 billion last year.",
    },
    {
        "id": "announced",
        "language": "en",
        "title": "Lao Prime Minister to visit Việt Nam",
        "text": "Lao Prime Minister Sonexay Siphandone will visit Việt Nam next week.",
    },
]


def test_the_default_configuration_ships_vietnam_laos_topics_and_entries_carry_countries(
    store: EventStore, tmp_path: Path
) -> None:
    shipped = tomllib.loads((REPO / "newsledger.toml").read_text(encoding="utf-8"))
    config = feeds_config(tmp_path, {"topics": shipped["topics"]})
    assert {"vietnam-laos-meetings", "vietnam-laos-economic-figures"} <= {
        t.id for t in config.topics
    }
    append_labelled(store, ARTICLES)
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    feeds = config.output_dir / "feeds"

    def ids(topic: str) -> set[str]:
        parsed = feedparser.parse((feeds / f"{topic}.atom").read_bytes())
        return {e.id for e in parsed.entries}

    def uuid(name: str) -> str:
        return f"urn:uuid:{article_uuid(name)}"

    assert ids("bilateral-meetings") == {uuid("vn-la"), uuid("vn-kh")}
    assert ids("vietnam-laos-meetings") == {uuid("vn-la")}
    assert ids("vietnam-laos-economic-figures") == {uuid("vn-la")}
    parsed = feedparser.parse((feeds / "bilateral-meetings.atom").read_bytes())
    entry = next(e for e in parsed.entries if e.id == uuid("vn-kh"))
    countries = {
        (t["term"], t["label"]) for t in entry.tags if t["scheme"] == f"{config.base_url}/countries"
    }
    assert countries == {("KH", "Cambodia"), ("VN", "Vietnam")}


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "newsledger.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///store.db"\n[feeds]\noutput_dir = "out"\n', encoding="utf-8"
    )
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store, ARTICLES)
    store.close()
    return path


def test_the_figures_box_of_an_entry_lists_what_figures_json_lists(config_file: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config_file), "publish"]).exit_code == 0
    listed = [
        json.loads(line)
        for line in runner.invoke(
            cli, ["--config", str(config_file), "figures", "--json"]
        ).output.splitlines()
    ]
    feed = (config_file.parent / "out" / "feeds" / "economic-figures.atom").read_bytes()
    parsed = feedparser.parse(feed)
    for entry in parsed.entries:
        article_id = entry.id.removeprefix("urn:uuid:")
        box = re.search(r'<div class="figures">(.*?)</div>', entry.content[0].value, re.S)
        assert box is not None
        shown = re.findall(r"<strong>(.*?)</strong> — (\w+): ([\d.]+) ([^;]+); ([\w-]+)", box[1])
        expected = [
            (f["text"], f["kind"], str(f["value"]), f["unit"], f["measure"])
            for f in listed
            if f["article_id"] == article_id
        ]
        assert [(t, k, v, u, m) for t, k, v, u, m in shown] == expected


def test_articles_lists_each_article_with_topics_figures_and_meetings(config_file: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config_file), "articles", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in map(json.loads, result.output.splitlines())}
    row = rows[article_uuid("vn-la")]
    assert {"title", "source", "url", "published", "language"} <= set(row)
    assert {"bilateral-meetings", "economic-figures", "all"} <= set(row["topics"])
    assert ("1,64 tỷ USD", "trade", "năm 2024") in [
        (f["text"], f["measure"], f["period"]) for f in row["figures"]
    ]
    assert [s["country"] for s in row["meetings"][0]["sides"]] == ["VN", "LA"]
    narrowed = runner.invoke(
        cli, ["--config", str(config_file), "articles", "--topic", "bilateral-meetings"]
    )
    assert narrowed.exit_code == 0, narrowed.output
    lines = narrowed.output.splitlines()
    assert len(lines) == 2 and all("talks happened" in line for line in lines)
    unknown = runner.invoke(cli, ["--config", str(config_file), "articles", "--topic", "x"])
    assert unknown.exit_code == 1 and "unknown topic 'x'" in unknown.output


def test_explain_says_why_an_article_is_in_a_topic_or_not(config_file: Path) -> None:
    runner = CliRunner()
    announced = article_uuid("announced")
    result = runner.invoke(cli, ["--config", str(config_file), "explain", announced])
    assert result.exit_code == 0, result.output
    assert "bilateral-meetings: not in" in result.output
    assert "  - announced: visit, announced: Lao Prime Minister Sonexay Siphandone [LA]" in (
        result.output
    )
    held = runner.invoke(cli, ["--config", str(config_file), "explain", article_uuid("vn-la")])
    assert "bilateral-meetings: in" in held.output
    assert "«hội đàm»" in held.output
    assert "economic-figures: in" in held.output and "(trade, năm 2024)" in held.output
    missing = runner.invoke(cli, ["--config", str(config_file), "explain", "nope"])
    assert missing.exit_code == 1 and "no article 'nope'" in missing.output


def test_the_articles_line_counts_one_meeting_told_in_many_sentences_once() -> None:
    from feeds import ArticleListing
    from newsledger.commands.topics import _line

    def meeting(kind: str, *countries: str) -> dict[str, object]:
        return {"kind": kind, "status": "happened", "sides": [{"country": c} for c in countries]}

    told = [meeting("talks", "VN", "LA")] * 12 + [meeting("call", "VN", "KH")]
    row = ArticleListing("a1", "Hội đàm", "s", None, None, "vi", (), (), tuple(told))
    assert "meetings: talks happened VN–LA (×12); call happened VN–KH  " in _line(row)


def test_the_articles_line_keeps_two_meetings_of_the_same_countries_apart_by_day() -> None:
    """Two visits between the same two states, a year apart, were counted as one ×2; and
    one talks told in five sentences, dated in different words, must stay one (×5)."""
    from feeds import ArticleListing
    from newsledger.commands.topics import _line

    def visit(when: str | None, *, background: bool = False, kind: str = "visit") -> dict:
        sides = [{"country": "VN"}, {"country": "LA"}]
        return {"kind": kind, "status": "happened", "sides": sides, "when": when,
                "where": None, "background": background}  # fmt: skip

    def line(*told: dict) -> str:
        published = "2024-01-10T03:00:00Z"
        return _line(ArticleListing("a1", "Thăm", "s", None, published, "vi", (), (), told))

    two = line(visit("ngày 9/1/2023"), visit(None), visit("ngày 8/1/2024"))
    assert (
        "meetings: visit happened VN–LA on 2023-01-09 (×2); visit happened VN–LA on 2024-01-08  "
        in two
    )
    talks = [visit("Chiều 9/1", kind="talks"), visit(None, kind="talks")]
    talks += [
        visit("ngày 9/1", kind="talks"),
        visit("Tối 9/1", kind="talks"),
        visit(None, kind="talks"),
    ]
    recalled = visit("ngày 8/1/2019", kind="talks", background=True)
    assert (
        "meetings: talks happened VN–LA on 2024-01-09 (×5); "
        "talks happened VN–LA on 2019-01-08 (background)  " in line(*talks, recalled)
    )

"""The feeds commands through the real CLI: `figures [--json]` and `publish`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsledger.cli import cli
from store import EventStore
from tests.feeds.conftest import append_labelled, article_uuid, ingested


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "newsledger.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///store.db"\n[feeds]\noutput_dir = "out"\nentries_per_feed = 10\n',
        encoding="utf-8",
    )
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store)
    store.close()
    return path


def test_figures_json_lists_one_figure_per_line_with_the_documented_fields(
    config_file: Path,
) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "figures", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    fields = {"article_id", "kind", "value", "unit", "text", "measure", "period", "inferred"}
    assert all(fields <= set(f) for f in lines)
    trade = [f for f in lines if f["article_id"] == article_uuid("vi-trade-figures")]
    assert {
        "kind": "money",
        "value": 476800000,
        "unit": "USD",
        "text": "476,8 triệu USD",
    }.items() <= trade[0].items()
    inflation = [f for f in lines if f["article_id"] == article_uuid("en-inflation")]
    # The title repeats the text's 8.5 per cent: one figure, not two.
    assert [(f["kind"], f["value"], f["measure"]) for f in inflation] == [
        ("percent", 8.5, "inflation"),
        ("percent", 23, "inflation"),
    ]
    assert inflation[0]["period"] == "in October"


def test_figures_without_json_prints_a_readable_line_per_figure(config_file: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "figures"])
    assert result.exit_code == 0, result.output
    assert (
        f"{article_uuid('vi-budget-dong')}  money    14,050,000,000,000 VND  investment, Năm nay  "
        "«14.050 tỷ đồng»" in result.output
    )


def test_publish_reports_written_files_then_nothing_to_write(config_file: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config_file), "publish"])
    assert first.exit_code == 0, first.output
    assert "wrote feeds/all.atom" in first.output
    assert (config_file.parent / "out" / "feeds" / "all" / "archive" / "4.atom").is_file()
    # Pages are counted per folder, not listed one line each.
    pages = len(list((config_file.parent / "out" / "articles").glob("*.html")))
    assert pages > 3 and f"wrote {pages} pages in articles/" in first.output
    assert len(first.output.splitlines()) < 40
    second = runner.invoke(cli, ["--config", str(config_file), "publish"])
    assert "0 written" in second.output
    store = EventStore.open(f"sqlite:///{config_file.parent}/store.db")
    store.append("article-late", [ingested("late", title="Tin mới", text="Nội dung.", n=80)])
    store.close()
    third = runner.invoke(cli, ["--config", str(config_file), "publish"])
    # The topic's Atom and JSON feeds, the index, and the new article's own page.
    assert "wrote feeds/all.atom" in third.output and "4 written" in third.output
    assert f"wrote articles/{article_uuid('late')}.html" in third.output


def test_a_bad_topic_in_the_config_is_a_one_line_error(config_file: Path) -> None:
    config_file.write_text(
        config_file.read_text(encoding="utf-8")
        + '[[topics]]\nid = "laos"\n'
        + '[[topics.rules]]\nid = "x"\nkind = "maybe"\nphrases = ["lào"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(config_file), "publish"])
    assert result.exit_code == 1
    assert f"{config_file}: topic 'laos' rule 'x': field 'kind' must be" in result.output


def test_a_character_xml_cannot_hold_in_one_article_does_not_stop_the_feeds(
    config_file: Path,
) -> None:
    """U+FFFF in a title, U+FFFE and a control character in the text, a control character in
    the kept HTML (stored so by an older version, or by any writer of the log): lxml refused
    the whole Atom document, so every feed stopped publishing, for good. They are left out
    of what is rendered; the entry and every other entry are published."""
    from lxml import etree

    store = EventStore.open(f"sqlite:///{config_file.parent}/store.db")
    event = ingested(
        "poison",
        title="Tin\uffff hợp tác",
        text="Việt Nam\ufffe và Lào\x01 ký kết.",
        html="<p>Việt Nam\x0b và Lào ký kết.</p>",
        n=90,
    )
    store.append("article-poison", [event])
    store.close()
    result = CliRunner().invoke(cli, ["--config", str(config_file), "publish"])
    assert result.exit_code == 0, result.output
    feed = (config_file.parent / "out" / "feeds" / "all.atom").read_bytes()
    root = etree.fromstring(feed)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = root.xpath("//a:entry/a:title/text()", namespaces=ns)
    assert "Tin hợp tác" in titles
    content = root.xpath("//a:entry[a:title='Tin hợp tác']/a:content/text()", namespaces=ns)
    assert "Việt Nam và Lào ký kết." in content[0]


def test_replay_removes_the_archive_pages_no_topic_produces_and_says_how_many(
    config_file: Path,
) -> None:
    """`replay` publishes twice, quickly then in full; archive pages the quick publish spared
    were dropped from its manifest, so the full one never removed them and they were served
    on (a topic emptied by new rules kept its old archive pages)."""
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config_file), "publish"]).exit_code == 0
    out = config_file.parent / "out"
    archives = sorted(out.glob("feeds/*/archive/*.atom"))
    assert archives
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("entries_per_feed = 10", "entries_per_feed = 1000"))
    result = runner.invoke(cli, ["--config", str(config_file), "replay"])
    assert result.exit_code == 0, result.output
    assert f"{len(archives)} removed in" in result.output
    assert not list(out.glob("feeds/*/archive/*.atom"))

"""`newsledger stories [--json]` through the real CLI: stories, their members and the
similarity that joined each."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfacts import article_stream
from newsledger.cli import cli
from store import EventStore
from tests.feeds.copies import EDITS, load_meetings
from tests.support.articles import article_uuid, ingested


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "newsledger.toml"
    path.write_text('[store]\nurl = "sqlite:///store.db"\n[feeds]\noutput_dir = "out"\n')
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    first, other = load_meetings()[0], load_meetings()[2]
    copy = EDITS["byline-and-caption"](first, random.Random(1))
    for n, (name, doc, source) in enumerate(
        [(first.key, first, "vna"), (other.key, other, "vna"), ("copy", copy, "nhandan")]
    ):
        event = ingested(name, title=doc.title, text=doc.text, n=n)
        data = {**event.data, "source_id": source}
        store.append(article_stream(str(data["article_id"])), [replace(event, data=data)])
    store.close()
    return path


def test_stories_lists_each_story_of_several_reports_with_how_each_joined(
    config_file: Path,
) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "stories"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = load_meetings()[0]
    assert lines[0].startswith(f"{article_uuid(first.key)}  2 reports [vi]")
    assert "first report" in lines[1] and "vna" in lines[1]
    assert f"copy of {article_uuid(first.key)}: jaccard" in lines[2] and "nhandan" in lines[2]
    assert len(lines) == 3  # the other meeting is a story of one report: not listed
    every = CliRunner().invoke(cli, ["--config", str(config_file), "stories", "--all"])
    assert len(every.output.splitlines()) == 5


def test_stories_json_gives_one_story_per_line_with_each_members_similarity(
    config_file: Path,
) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "stories", "--json"])
    assert result.exit_code == 0, result.output
    (story,) = [json.loads(line) for line in result.output.splitlines()]
    assert story["languages"] == ["vi"]
    head, copy = story["members"]
    assert (head["reason"], head["jaccard"]) == ("first", None)
    assert copy["reason"] == "copy" and copy["via"] == head["article_id"]
    assert 0.9 < copy["jaccard"] <= 1.0 and copy["containment"] == 1.0

"""Random scenarios against the promise that feeds and pages are a pure function of the log
and the configuration: publishing while the log grows, the views caught up together or one
before the other as the worker does, leaves the files that replaying the log and publishing
once gives. Seeded: a seed names a scenario, so a failure repeats.

A scenario is a list of plain operations over a small pool of documents (a few meeting
reports in both languages, a few real articles), so that what makes entries change without
their topic's pages changing happens often: copies by every documented edit, two parts of
one report that its whole later bridges (a merge), sightings, revisions to another text
and back, publication dates missing, tied or out of order, small archive pages, quick
publishes, replays of one view, and publishes while one view is ahead of the other."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from newsfacts import article_stream
from store import EventStore, ProjectionRunner
from tests.feeds.copies import EDITS, Doc, load_corpus, load_meetings, overlapping_parts
from tests.support.articles import article_uuid, ingested, iso, sighted
from tests.support.published import published_files

SOURCES = ("vna", "nhandan", "site0", "baochinhphu", "vnnews", "laodong")
TIES = ("2025-01-08T09:00:00Z", "2025-03-14T00:00:00Z")  # publication dates shared


@cache
def _docs() -> tuple[list[Doc], list[Doc]]:
    """The meeting reports, and real articles of four paragraphs or more."""
    return load_meetings(), [d for d in load_corpus() if len(d.paragraphs) >= 4]


@dataclass
class Scenario:
    entries_per_feed: int
    batch_size: int
    steps: list[Callable[[Player], None]]


class Player:
    """Plays a scenario's operations on a store, with the configuration's feeds."""

    def __init__(self, store: EventStore, config: FeedsConfig, batch_size: int) -> None:
        self.store, self.config, self.batch_size = store, config, batch_size
        self.runner = self.new_runner()
        self.versions: dict[str, int] = {}
        self.n = 0

    def new_runner(self) -> ProjectionRunner:
        # A restarted worker: the stories grouper reloads from its tables.
        projections = build_projections(self.config)
        return ProjectionRunner(self.store, projections, batch_size=self.batch_size, workers=0)

    def append(self, name: str, doc: Doc, source: str, published: str | None) -> None:
        self.n += 1
        version = self.versions[name] = self.versions.get(name, 0) + 1
        event = ingested(
            name, title=doc.title, text=doc.text, language=doc.language, n=self.n, version=version
        )
        data = {**event.data, "source_id": source, "published": published}
        stream = article_stream(str(data["article_id"]))
        self.store.append(
            stream, [replace(event, data=data)], expected_version=self.store.stream_version(stream)
        )

    def sight(self, name: str, source: str) -> None:
        self.n += 1
        stream = article_stream(article_uuid(name))
        event = sighted(name, source_id=source, n=self.n)
        self.store.append(stream, [event], expected_version=self.store.stream_version(stream))

    def replay(self, view: str) -> None:
        """As `newsledger replay --projection VIEW`: the other view stays where it is."""
        self.runner.replay(view)
        self.publish(view)

    def publish(self, *views: str, archives: bool = True) -> None:
        for view in views or (None,):
            self.runner.catch_up(view)
        publish_all(self.runner, self.config, archives=archives)


def scenario(seed: int) -> Scenario:
    rng = random.Random(seed)
    meetings, corpus = _docs()
    groups = sorted({m.group for m in meetings})
    chosen = set(rng.sample(groups, rng.randint(1, 3)))
    pool = [m for m in meetings if m.group in chosen] + rng.sample(corpus, rng.randint(1, 3))
    names: list[str] = []
    texts: dict[str, Doc] = {}  # each article's first text
    waiting: list[Doc] = []  # wholes whose parts are in: they bridge two stories
    steps: list[Callable[[Player], None]] = []

    def published(doc: Doc) -> str | None:
        r = rng.random()
        if r < 0.6 and doc.day is not None:
            day = datetime(doc.day.year, doc.day.month, doc.day.day, 9, tzinfo=UTC)
            return iso(day + timedelta(minutes=rng.randint(0, 600)))
        if r < 0.8:
            return rng.choice(TIES)
        return None

    def new(doc: Doc) -> None:
        name, source, when = f"a{len(names)}", rng.choice(SOURCES), published(doc)
        names.append(name)
        texts[name] = doc
        steps.append(partial(Player.append, name=name, doc=doc, source=source, published=when))

    for _ in range(rng.randint(10, 50)):
        r = rng.random()
        if r < 0.2 or not names:
            new(rng.choice(pool))
        elif r < 0.35:  # a copy of an earlier text (or of a copy)
            base = texts[rng.choice(names)]
            new(EDITS[rng.choice(sorted(EDITS))](base, random.Random(rng.random())))
        elif r < 0.42:
            for part in overlapping_parts(whole := rng.choice(pool)):
                new(part)
            waiting.append(whole)
        elif r < 0.47 and waiting:
            new(waiting.pop(rng.randrange(len(waiting))))
        elif r < 0.57:
            name, source = rng.choice(names), rng.choice(SOURCES)
            steps.append(partial(Player.sight, name=name, source=source))
        elif r < 0.67:  # revised to another text, or back to its first
            name = rng.choice(names)
            doc = rng.choice([texts[name], rng.choice(pool)])
            source, when = rng.choice(SOURCES), published(doc)
            steps.append(partial(Player.append, name=name, doc=doc, source=source, published=when))
        elif r < 0.77:
            steps.append(lambda p: p.publish())
        elif r < 0.83:  # the worker's publish between the topics' commit and the stories'
            steps.append(lambda p: (p.publish("topics"), p.runner.catch_up("stories")))
        elif r < 0.87:  # the stories view ahead (`replay --projection stories`, say)
            steps.append(lambda p: p.publish("stories"))
        elif r < 0.91:
            steps.append(lambda p: p.publish(archives=False))
        elif r < 0.95:
            steps.append(partial(Player.replay, view=rng.choice(["topics", "stories"])))
        else:
            steps.append(lambda p: setattr(p, "runner", p.new_runner()))
    size = rng.choice([1, 1, 2, 3, 5, 50])
    return Scenario(entries_per_feed=size, batch_size=rng.choice([1, 2, 500]), steps=steps)


def differences(store: EventStore, config: FeedsConfig, seed: int, tmp_path: Path) -> list[str]:
    """The files that publishing scenario `seed` as it went left otherwise than a replay of
    its log published afresh."""
    plan = scenario(seed)
    config = replace(config, entries_per_feed=plan.entries_per_feed)
    player = Player(store, config, plan.batch_size)
    for step in plan.steps:
        step(player)
    player.publish()
    reference = ProjectionRunner(store, build_projections(config), workers=0)
    reference.replay()
    fresh = replace(config, output_dir=tmp_path / "replayed")
    publish_all(reference, fresh)
    went, replayed = published_files(config.output_dir), published_files(fresh.output_dir)
    return sorted(f for f in went.keys() | replayed.keys() if went.get(f) != replayed.get(f))

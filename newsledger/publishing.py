"""Catch the projections up and publish the feeds: the one use case behind `publish`,
`serve` and the worker's publishing loop."""

from __future__ import annotations

import time
from dataclasses import dataclass

from feeds import FeedsConfig, PublishReport, publish_all
from store import ProjectionRunner


@dataclass(frozen=True, slots=True)
class PublishResult:
    applied: dict[str, int]
    report: PublishReport
    through: int
    seconds: float

    @property
    def written(self) -> int:
        return len(self.report.written)


def catch_up_and_publish(
    runner: ProjectionRunner, config: FeedsConfig, *, catch_up: bool = True, rebuild: bool = True
) -> PublishResult:
    """Apply new events to the runner's projections (unless another process keeps them up
    to date: `catch_up` false), then rewrite the files that changed. A view built with
    other rules than `config`'s is rebuilt first (unless `rebuild` is false): published, it
    would hold entries of both (store/fingerprints.py)."""
    started = time.perf_counter()
    applied = runner.catch_up(rebuild=rebuild) if catch_up else {}
    # What the views hold at least, read before rendering: the files written next include
    # every event up to here (the benchmark's latency figures rely on it).
    through = min((runner.checkpoint(n).position for n in runner.projections), default=0)
    report = publish_all(runner, config)
    return PublishResult(applied, report, through, time.perf_counter() - started)

"""Metrics: the Prometheus text format names fetches, latency, events, lag and publishing."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from newsledger.metrics import OUTCOMES, Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_every_fetch_outcome_is_exported_from_the_start_at_zero() -> None:
    found = samples(Metrics())
    for outcome in OUTCOMES:
        assert found[("newsledger_fetches_total", (("outcome", outcome),))] == 0


def test_recorded_fetches_events_lag_and_publishing_show_in_the_exposition() -> None:
    metrics = Metrics()
    metrics.fetches.labels(outcome="ok").inc()
    metrics.fetch_seconds.labels(kind="feed").observe(0.2)
    metrics.record_events({"ArticleIngested": 3, "SourceFetched": 1, "ArticleSighted": 0})
    metrics.record_lag({"topics": 7})
    metrics.feeds_published.inc(2)
    found = samples(metrics)
    assert found[("newsledger_fetches_total", (("outcome", "ok"),))] == 1
    assert found[("newsledger_fetch_duration_seconds_count", (("kind", "feed"),))] == 1
    assert (
        found[("newsledger_fetch_duration_seconds_bucket", (("kind", "feed"), ("le", "0.25")))] == 1
    )
    assert found[("newsledger_events_appended_total", (("type", "ArticleIngested"),))] == 3
    assert ("newsledger_events_appended_total", (("type", "ArticleSighted"),)) not in found
    assert found[("newsledger_projection_lag_events", (("projection", "topics"),))] == 7
    assert found[("newsledger_feeds_published_total", ())] == 2


def test_two_workers_in_one_process_keep_separate_registries() -> None:
    a, b = Metrics(), Metrics()
    a.feeds_published.inc()
    assert samples(b)[("newsledger_feeds_published_total", ())] == 0

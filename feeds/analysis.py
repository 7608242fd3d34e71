"""What an article version says, found from its text alone (figures, meetings and topics),
encoded as the view stores it.

Pure (no database, no view state), so a replay computes it for the next batches in worker
processes (`TopicsProjection.prepare`, store/ahead.py) while earlier batches are applied.
The result holds only strings, numbers and tuples: the JSON and the row values are made
where the work is spread over every core, and a tuple pickles and inserts far cheaper than
the extractors' objects (`Figure`, `Meeting`, `Membership`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from feeds.classify import ArticleText, RuleMatch, classify
from feeds.figures import Figure, article_figures
from feeds.meetings import HAPPENED, Meeting, extract_meetings
from feeds.topics import Topic

#: The columns of a figure row after (article_id, ordinal, position), in `Derived.figures`.
FIGURE_COLUMNS = (
    "field", "kind", "value", "unit", "direction", "measure", "economic", "period",
    "inferred", "cue", "text", "sentence", "start", "end",
)  # fmt: skip


class Derived(NamedTuple):
    """What the view stores of one article version's analysis."""

    meetings: str | None  # JSON: the meetings found (`Meeting.as_json`), None for none
    countries: str | None  # ISO codes of its happened bilateral meetings, comma-separated
    figures: tuple[tuple[Any, ...], ...]  # each figure's `FIGURE_COLUMNS`, in order
    memberships: tuple[tuple[str, float, str], ...]  # (topic, score, explanation JSON)


def derive(
    title: str,
    text: str,
    language: str | None,
    topics: Sequence[Topic],
    *,
    published: str | None = None,
) -> Derived:
    """The figures, meetings and topics of an article's title and text, as view values
    (`published`: its publication time, against which a meeting's own date is weighed)."""
    figures = article_figures(title, text, language=language)
    meetings = extract_meetings(title, text, language=language, published=published)
    memberships = classify(
        ArticleText(title, text, language, published), topics, figures=figures, meetings=meetings
    )
    return Derived(
        _meetings_json(meetings),
        _held_countries(meetings),
        tuple(_figure_columns(f) for f in figures),
        tuple((m.topic, m.score, _explanation(m.matches)) for m in memberships),
    )


def _figure_columns(f: Figure) -> tuple[Any, ...]:
    return (
        f.field, f.kind, str(f.value), f.unit, f.direction, f.measure, f.economic, f.period,
        f.inferred, f.cue, f.text, f.sentence, f.start, f.end,
    )  # fmt: skip


def _meetings_json(meetings: Sequence[Meeting]) -> str | None:
    if not meetings:
        return None
    return json.dumps([m.as_json() for m in meetings], ensure_ascii=False, sort_keys=True)


def _held_countries(meetings: Sequence[Meeting]) -> str | None:
    held = {
        c
        for m in meetings
        if m.bilateral and m.status == HAPPENED and not m.background
        for c in m.countries
    }
    return ",".join(sorted(held)) or None


@lru_cache(maxsize=64)
def _explanation(matches: tuple[RuleMatch, ...]) -> str:
    """A membership's explanation as stored: the same for every article of `all`, so it is
    encoded once (the cache also serves repeated rule matches)."""
    return json.dumps([m.as_json() for m in matches], ensure_ascii=False, sort_keys=True)

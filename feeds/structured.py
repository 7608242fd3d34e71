"""The structured rule keys: which meetings (`meetings`) and figures (`figures`, `measures`)
a rule matches, and what a topic narrowed to countries (`base`, `countries`) keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from feeds.countries import find_countries
from feeds.figures import Figure
from feeds.meetings import Meeting
from feeds.topics import Rule


def meetings_of(rule: Rule, meetings: Sequence[Meeting]) -> list[Meeting]:
    """Meetings between officials of two states with one of the rule's statuses."""
    return [
        m
        for m in meetings
        if m.bilateral and m.status in rule.meetings and not m.background and m.field in rule.fields
    ]


def figures_of(rule: Rule, figures: Sequence[Figure]) -> list[Figure]:
    """Figures of the rule's kinds and measures ("economic": any economic measure)."""
    kinds = rule.figures
    measures = rule.measures or ("economic",)
    return [
        f
        for f in figures
        if (not kinds or f.kind in kinds)
        and f.field in rule.fields
        and (f.measure in measures or ("economic" in measures and f.economic))
    ]


def narrowed(
    rules: Sequence[Rule],
    wanted: frozenset[str],
    *,
    meetings: Sequence[Meeting],
    figures: Sequence[Figure],
    article_countries: Callable[[], frozenset[str]],
) -> Iterator[tuple[Rule, list[str]]]:
    """Per structured rule, what involves the `wanted` countries: a meeting between them, or
    an economic figure in a sentence naming one of them in an article naming them all."""
    for rule in rules:
        if rule.meetings:
            words = [m.explain() for m in meetings_of(rule, meetings) if wanted <= set(m.countries)]
        elif (rule.figures or rule.measures) and wanted <= article_countries():
            matching = figures_of(rule, figures)
            words = [
                f.explain()
                for f in matching
                if wanted & {h.iso for h in find_countries(f.sentence)}
            ]
        else:
            continue
        if words:
            yield rule, words

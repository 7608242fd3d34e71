"""Why an article is in each topic or not: the deciding meeting or figure when it is in, and
what was found instead (meetings only announced, domestic, with a company; figures that
measure a fine or a prize…) when it is not. Pure: article text and topics in, lines out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feeds.classify import ArticleText, classify
from feeds.figures import Figure, article_figures
from feeds.meetings import HAPPENED, Meeting, extract_meetings
from feeds.topics import Topic


@dataclass(frozen=True, slots=True)
class Verdict:
    """One topic's answer for one article."""

    topic: str
    member: bool
    reasons: tuple[str, ...]


def explain(article: ArticleText, topics: Sequence[Topic]) -> list[Verdict]:
    """For every topic, in order: in or not, and why."""
    figures = article_figures(article.title, article.text, language=article.language)
    meetings = extract_meetings(article.title, article.text, language=article.language)
    found = {m.topic: m for m in classify(article, topics, figures=figures, meetings=meetings)}
    verdicts = []
    for topic in topics:
        membership = found.get(topic.id)
        if membership is not None:
            reasons = tuple(
                f"{m.rule} ({m.field}): {word}" for m in membership.matches for word in m.words
            )
            verdicts.append(Verdict(topic.id, True, reasons or ("every article",)))
        else:
            verdicts.append(Verdict(topic.id, False, _why_not(topic, topics, figures, meetings)))
    return verdicts


def _why_not(
    topic: Topic, topics: Sequence[Topic], figures: list[Figure], meetings: list[Meeting]
) -> tuple[str, ...]:
    base = next((t for t in topics if t.id == topic.base), None) if topic.base else topic
    if base is None:
        return (f"its base topic {topic.base!r} is not defined",)
    reasons: list[str] = []
    if topic.base:
        reasons.append(f"narrows {base.id} to {', '.join(topic.countries)}")
    wants_meetings = any(r.meetings for r in base.rules)
    wants_figures = any(r.figures or r.measures for r in base.rules)
    if wants_meetings:
        reasons.extend(_meetings_not_counted(meetings, topic.countries))
    if wants_figures:
        reasons.extend(_figures_not_counted(figures))
    if not wants_meetings and not wants_figures:
        reasons.append("no rule matched enough words (score below min_score or a required rule)")
    return tuple(reasons)


def _meetings_not_counted(meetings: list[Meeting], countries: tuple[str, ...]) -> list[str]:
    if not meetings:
        return ["no meeting found"]
    lines = []
    for meeting in meetings:
        if not meeting.bilateral:
            a, b = meeting.sides
            why = "not a state's official" if not (a.state and b.state) else "domestic"
        elif meeting.status != HAPPENED:
            why = meeting.status
        elif meeting.background:
            why = "only mentioned in passing"
        elif countries and not set(countries) <= set(meeting.countries):
            why = f"between {', '.join(meeting.countries) or 'unnamed states'}"
        else:
            why = "counted"
        lines.append(f"{why}: {meeting.explain()}")
    return lines


def _figures_not_counted(figures: list[Figure]) -> list[str]:
    if not figures:
        return ["no figure found"]
    return [f"{'economic' if f.economic else 'not economic'}: {f.explain()}" for f in figures]

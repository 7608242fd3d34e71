"""Topic classification: a pure function of (article text, topic definitions) that also says
why — which rule matched which words in which field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from feeds import structured
from feeds.countries import find_countries
from feeds.figures import Figure, article_figures
from feeds.meetings import Meeting, extract_meetings
from feeds.phrases import PhraseIndex, phrase_index
from feeds.text import nfc, normalise, sentence_at, sentence_bounds
from feeds.topics import Rule, Topic

#: How many distinct matched words a rule records per field: enough to explain, not a dump.
MAX_WORDS = 5
#: The "lead" field: the title's companion, where news states what happened.
LEAD_CHARS = 600


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What classification reads of an article."""

    title: str
    text: str
    language: str | None = None
    published: str | None = None  # a meeting dated well before it is background


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: str
    kind: str
    weight: float
    field: str
    words: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "weight": self.weight,
            "field": self.field,
            "words": list(self.words),
        }


@dataclass(frozen=True, slots=True)
class Membership:
    """An article's place in one topic, with the explanation."""

    topic: str
    score: float
    matches: tuple[RuleMatch, ...]

    def explanation(self) -> list[dict[str, Any]]:
        return [m.as_json() for m in self.matches]


@dataclass(slots=True)
class _Prepared:
    article: ArticleText
    index: PhraseIndex
    fields: dict[str, str] = field(default_factory=dict)
    hits: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    bounds: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    figures: list[Figure] | None = None
    meetings: list[Meeting] | None = None
    countries: frozenset[str] | None = None

    def field(self, name: str) -> str:
        if name not in self.fields:
            if name == "title":
                self.fields[name] = normalise(self.article.title)
            elif name == "text":
                self.fields[name] = normalise(self.article.text)
            else:
                self.fields[name] = self.field("text")[:LEAD_CHARS]
        return self.fields[name]

    def phrase_hits(self, name: str) -> list[tuple[int, str]]:
        if name not in self.hits:
            self.hits[name] = self.index.hits(self.field(name))
        return self.hits[name]

    def sentences(self, name: str) -> list[tuple[int, int]]:
        if name not in self.bounds:
            self.bounds[name] = sentence_bounds(self.field(name))
        return self.bounds[name]

    def all_figures(self) -> list[Figure]:
        if self.figures is None:
            a = self.article
            self.figures = article_figures(a.title, a.text, language=a.language)
        return self.figures

    def all_meetings(self) -> list[Meeting]:
        if self.meetings is None:
            a = self.article
            self.meetings = extract_meetings(
                a.title, a.text, language=a.language, published=a.published
            )
        return self.meetings

    def article_countries(self) -> frozenset[str]:
        if self.countries is None:
            a = self.article
            text = nfc(f"{a.title}\n{a.text}")
            self.countries = frozenset(h.iso for h in find_countries(text))
        return self.countries


def classify(
    article: ArticleText,
    topics: Sequence[Topic],
    *,
    figures: list[Figure] | None = None,
    meetings: list[Meeting] | None = None,
) -> list[Membership]:
    """The topics `article` belongs to, in the order of `topics`.

    `figures` and `meetings` may pass what was already extracted, to avoid a second pass.
    """
    prepared = _Prepared(article, phrase_index(topics), figures=figures, meetings=meetings)
    by_id = {t.id: t for t in topics}
    decided: dict[str, Membership | None] = {}
    result = []
    for topic in topics:
        membership = _decide(prepared, topic, by_id, decided)
        if membership is not None:
            result.append(membership)
    return result


def _decide(
    prepared: _Prepared,
    topic: Topic,
    by_id: dict[str, Topic],
    decided: dict[str, Membership | None],
) -> Membership | None:
    if topic.id in decided:
        return decided[topic.id]
    decided[topic.id] = None  # a cycle of bases decides nothing
    if topic.base is None:
        membership = classify_one(prepared, topic)
    else:
        base = by_id.get(topic.base)
        found = None if base is None else _decide(prepared, base, by_id, decided)
        membership = None
        if found is not None and base is not None:
            membership = narrow(prepared, found, base, topic)
    decided[topic.id] = membership
    return membership


def narrow(prepared: _Prepared, found: Membership, base: Topic, topic: Topic) -> Membership | None:
    """`found` (membership of `base`) kept for `topic` when its countries are involved."""
    rules = [
        RuleMatch(rule.id, "include", 1.0, "countries", tuple(words[:MAX_WORDS]))
        for rule, words in structured.narrowed(
            base.rules,
            frozenset(topic.countries),
            meetings=prepared.all_meetings(),
            figures=prepared.all_figures(),
            article_countries=prepared.article_countries,
        )
    ]
    if not rules:
        return None
    return Membership(topic.id, found.score, (*found.matches, *rules))


def classify_one(prepared: _Prepared, topic: Topic) -> Membership | None:
    if topic.match_all:
        return Membership(topic.id, 0.0, (RuleMatch("all", "include", 0.0, "*", ()),))
    # Required rules first: most articles miss one, and then no other rule needs a look.
    required: dict[int, list[RuleMatch]] = {}
    for index, rule in enumerate(topic.rules):
        if rule.required:
            required[index] = _match_rule(prepared, rule)
            if not required[index]:
                return None
    score = 0.0
    matches: list[RuleMatch] = []
    for index, rule in enumerate(topic.rules):
        found = required[index] if rule.required else _match_rule(prepared, rule)
        if not found:
            continue
        score += rule.weight if rule.kind == "include" else -rule.weight
        matches.extend(found)
    if score < topic.min_score:
        return None
    return Membership(topic.id, score, tuple(matches))


def _match_rule(prepared: _Prepared, rule: Rule) -> list[RuleMatch]:
    found: list[RuleMatch] = []
    if rule.figures or rule.measures:
        by_field: dict[str, list[str]] = {}
        for figure in structured.figures_of(rule, prepared.all_figures()):
            texts = by_field.setdefault(figure.field, [])
            if len(texts) < MAX_WORDS:
                texts.append(figure.explain())
        found.extend(
            RuleMatch(rule.id, rule.kind, rule.weight, name, tuple(texts))
            for name, texts in by_field.items()
        )
    if rule.meetings:
        by_field = {}
        for meeting in structured.meetings_of(rule, prepared.all_meetings()):
            texts = by_field.setdefault(meeting.field, [])
            if len(texts) < MAX_WORDS:
                texts.append(meeting.explain())
        found.extend(
            RuleMatch(rule.id, rule.kind, rule.weight, name, tuple(texts))
            for name, texts in by_field.items()
        )
    phrases = rule.phrase_set
    patterns = rule.pattern_matcher
    near = rule.near_matcher
    if not phrases and not patterns:
        return found  # a rule of figures or meetings only: no text to read
    for name in rule.fields:
        text = prepared.field(name)
        words: list[str] = []
        seen: set[str] = set()
        spans = [(at, at + len(p), p) for at, p in prepared.phrase_hits(name) if p in phrases]
        if patterns:
            spans.extend((a, b, " ".join(text[a:b].split())) for a, b in patterns.finditer(text))
        covered = -1
        for start, end, word in sorted(spans, key=lambda s: (s[0], -s[1])):
            if end <= covered:
                continue  # inside a longer match of the same rule: the longest one explains it
            covered = end
            if word in seen:
                continue
            seen.add(word)
            if near:
                first, last = sentence_at(prepared.sentences(name), start)
                context = near.search(text, first, last)
                if context is None:
                    continue
                word = f"{word} ~ {' '.join(text[context[0] : context[1]].split())}"
            words.append(word)
            if len(words) >= MAX_WORDS:
                break
        if words:
            found.append(RuleMatch(rule.id, rule.kind, rule.weight, name, tuple(words)))
    return found

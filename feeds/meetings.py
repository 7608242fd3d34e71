"""A pure meeting extractor: who met whom (two sides, each a country, an office, a person), how
(talks, call, reception, visit, co-chaired committee), whether it happened, where and when."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from feeds.countries import find_countries, may_name_country
from feeds.meeting_dates import anchor_day, date_words, meeting_day
from feeds.meeting_sides import meeting_sides
from feeds.meeting_status import (
    ANNOUNCED,
    HAPPENED,
    POSTPONED,
    STATUSES,
    Context,
    circumstances,
)
from feeds.mentions import People, find_mentions
from feeds.recent import RecentTexts
from feeds.sides import Side
from feeds.text import nfc, nfc_lower, sentence_around
from feeds.triggers import (
    CALL,
    COMMITTEE,
    RECEPTION,
    TALKS,
    TRIGGERS,
    VISIT,
    Trigger,
    find_triggers,
)

__all__ = [
    "ANNOUNCED",
    "CALL",
    "COMMITTEE",
    "HAPPENED",
    "POSTPONED",
    "RECEPTION",
    "STATUSES",
    "TALKS",
    "VISIT",
    "Meeting",
    "extract_meetings",
    "may_meet_two_countries",
    "meetings_known",
]


#: "Hai bên", "the two prime ministers": the sides of the meeting just reported.
_BOTH = re.compile(
    r"(?<![\w-])(?:hai\s+(?:bên|nhà\s+lãnh\s+đạo|thủ\s+tướng|bộ\s+trưởng|chủ\s+tịch|tổng\s+thống|"
    r"ngoại\s+trưởng|đoàn|nước)|the\s+two\s+(?:leaders|sides|prime\s+ministers|ministers|presidents|"
    r"delegations|countries|foreign\s+ministers)|both\s+sides)(?![\w-])"
)
_MULTILATERAL = re.compile(r"(?<![\w-])(?:hội nghị|thượng đỉnh|diễn đàn|summit|forum|conference)")
_BILATERAL_HINT = re.compile(r"(?<![\w-])(?:bên lề|song phương|sidelines?|bilateral)(?![\w-])")


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting event found in one sentence of an article."""

    kind: str  # talks | call | reception | visit | committee
    status: str  # happened | announced | postponed
    sides: tuple[Side, Side]
    words: str  # the trigger as written
    sentence: str
    field: str  # title | text
    where: str | None = None
    when: str | None = None
    background: bool = False  # only recalled, or mentioned with no time of its own

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({s.country for s in self.sides if s.country}))

    @property
    def bilateral(self) -> bool:
        """Officials of two different states."""
        a, b = self.sides
        if not (a.state and b.state):
            return False
        return a.country != b.country or a.country is None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "sides": [s.as_json() for s in self.sides],
            "words": self.words,
            "field": self.field,
            "where": self.where,
            "when": self.when,
            "background": self.background,
            "bilateral": self.bilateral,
        }

    def explain(self) -> str:
        a, b = (_describe(s) for s in self.sides)
        extra = " (background)" if self.background else ""
        return f"{self.kind}, {self.status}{extra}: {a} – {b}: «{self.words}»"


def _describe(side: Side) -> str:
    who = side.text if len(side.text) <= 60 else side.text[:57] + "…"
    return f"{who} [{side.country or '?'}]"


def may_meet_two_countries(title: str, text: str) -> bool:
    """Cheap and exact: False only when no meeting `extract_meetings(title, text)` finds (in
    any language) has two countries, so a caller that wants only those (a story's meeting key)
    can skip the extractor. A side's country is "VN" by default or read from a country's name
    (in its sentence, a host or committee's countries, a person named with a country elsewhere
    in the article): two different countries need the name of one other than Việt Nam."""
    return any(may_name_country(nfc(raw), other_than="VN") for raw in (title, text))


def meetings_known(title: str, text: str, language: str | None = None) -> bool:
    """Whether `extract_meetings` has these meetings at hand (its memo of the last
    articles): asking is then cheaper than any pre-check."""
    return _recent.holds(title, text, language or "vi")


def extract_meetings(
    title: str, text: str, *, language: str | None = None, published: str | None = None
) -> list[Meeting]:
    """Every meeting reported in the title and the text, in order. Given the publication
    time, a meeting whose sentence dates it more than `RECALLED_AFTER` before it is
    background: recalled, not reported ("Ngày 8/1/2023, …" in a 2025 article)."""
    found = _recent(title, text, language or "vi")
    anchor = anchor_day(published)
    if anchor is None:
        return list(found)
    return [_against(m, anchor) for m in found]


#: How long before its publication a report may date the meeting it reports (a weekly's
#: round-up, a report of the weekend's talks on Thursday).
RECALLED_AFTER = timedelta(days=30)


def _against(meeting: Meeting, published: date) -> Meeting:
    # Only a held meeting dated with its year: a day without one is placed before the
    # publication by `meeting_day`, so a meeting announced for "20/6" on 10 June read as
    # last year's; and a planned meeting is no recollection.
    if meeting.background or meeting.status != HAPPENED:
        return meeting
    words = date_words(meeting.sentence)
    if words is None or _FULL_YEAR.search(words) is None:
        return meeting
    day = meeting_day(words, published)
    if day is None or published - day <= RECALLED_AFTER:
        return meeting
    return replace(meeting, background=True)


_FULL_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _extract(title: str, text: str, language: str) -> tuple[Meeting, ...]:
    people = People()
    context = Context(text)
    found: list[Meeting] = []
    fields = []
    for field, raw in (("text", text), ("title", title)):
        body, lowered = nfc_lower(raw)
        if len(lowered) != len(body):
            lowered = body  # offsets must line up; such text is rare
        # Cheap first: most articles have no trigger, or only "thăm hỏi", "đến thăm một
        # trường"…; sentences, countries and sides are read only where one may count.
        triggers = find_triggers(body, lowered)
        fields.append((field, body, lowered, triggers))
    if not any(f[3] for f in fields):
        return ()
    people.sources = [f[1] for f in fields]
    # A title repeating a sentence of the text (a lead used as headline) is read once.
    read: dict[str, list[Meeting]] = {}
    for field, body, lowered, triggers in fields:
        by_sentence: dict[tuple[int, int], list[Trigger]] = {}
        paragraphs: dict[int, list[tuple[int, int]]] = {}
        for trigger in triggers:
            bounds = sentence_around(body, trigger.start(), paragraphs)
            by_sentence.setdefault(bounds, []).append(trigger)
        for (start, end), inside in by_sentence.items():
            sentence = body[start:end]
            if field == "title" and sentence in read:
                found.extend(replace(m, field="title") for m in read[sentence])
                continue
            read[sentence] = _in_sentence(
                sentence, lowered[start:end], [t.shifted(-start) for t in inside],
                field, language, people, context, context.recent,
            )  # fmt: skip
            found.extend(read[sentence])
    return (*(m for m in found if m.field == "title"), *(m for m in found if m.field == "text"))


def _in_sentence(
    sentence: str,
    lowered: str,
    triggers: list[Trigger],
    field: str,
    language: str,
    people: People,
    context: Context,
    recent: list[tuple[Side, Side]],
) -> list[Meeting]:
    hits = find_countries(sentence)
    mentions = find_mentions(sentence, language=language, people=people, countries=hits)
    found: list[Meeting] = []
    for trigger in triggers:
        word = " ".join(trigger.group().split())
        kind = TRIGGERS[word]
        sides = meeting_sides(sentence, lowered, trigger, mentions, hits, kind, word)
        if (
            sides is None
            and recent
            and _BOTH.search(lowered, max(0, trigger.start() - 40), trigger.start())
        ):
            sides = recent[-1]
        if sides is None or (sides[0].country is not None and sides[0].country == sides[1].country):
            continue  # no two sides, or both of one state: no bilateral meeting
        if _summit(lowered, kind, hits):
            continue  # a summit of many: no encounter of two
        about = circumstances(sentence, lowered, trigger.start(), trigger.end(), word, context)
        found.append(
            Meeting(
                kind=kind,
                status=about.status,
                sides=sides,
                words=sentence[trigger.start() : trigger.end()],
                sentence=sentence,
                field=field,
                where=about.where,
                when=about.when,
                background=about.background,
            )
        )
        if found[-1].bilateral:
            recent.append(sides)
        if found[-1].bilateral and about.status == HAPPENED and not about.background:
            break  # one clear event per sentence is enough
    return found


def _summit(lowered: str, kind: str, hits: list[Any]) -> bool:
    return (
        kind == TALKS
        and _MULTILATERAL.search(lowered) is not None
        and _BILATERAL_HINT.search(lowered) is None
        and len({h.iso for h in hits}) > 2
    )


# The last articles' meetings: the topics and the stories views read them of each new
# article, one after the other (a catch-up reads a batch of ~500-1,000 once for both).
_recent = RecentTexts(_extract, chars=8_000_000)

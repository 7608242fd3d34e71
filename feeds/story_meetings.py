"""Stories across languages: two reports of one meeting share no words when one is in
Vietnamese and one in English, but their meeting events agree — the same two countries, the
same kind of meeting, dates within a day. Meeting events in (as `Meeting.as_json()` dicts,
from the topics' extractor), the story to join and why out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feeds.meetings import extract_meetings

#: How far apart two reports may date one meeting (time zones, a report the next morning).
MAX_DAYS = 1


@dataclass(frozen=True, slots=True)
class MeetingKey:
    countries: tuple[str, str]  # ISO 3166 alpha-2, sorted
    kind: str
    day: date

    def describe(self) -> str:
        return f"{self.kind} {'–'.join(self.countries)} on {self.day.isoformat()}"

    def as_json(self) -> dict[str, Any]:
        return {"countries": list(self.countries), "kind": self.kind, "day": self.day.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeetingKey:
        a, b = data["countries"]
        return cls((str(a), str(b)), str(data["kind"]), date.fromisoformat(str(data["day"])))


def meeting_events(title: str, text: str, language: str | None) -> list[dict[str, Any]]:
    """The meeting events the topics' extractor finds in an article, as JSON dicts."""
    return [m.as_json() for m in extract_meetings(title, text, language=language)]


def meeting_key(meetings: Iterable[Mapping[str, Any]], published: str | None) -> MeetingKey | None:
    """The article's main meeting: the first one that happened (not only recalled in the
    background) between officials of two named countries; dated by its own date when the
    extractor found one, else by the article's publication day."""
    for meeting in meetings:
        if meeting.get("status") != "happened" or meeting.get("background"):
            continue
        if not meeting.get("bilateral"):
            continue
        countries = sorted({s.get("country") for s in meeting.get("sides", ()) if s.get("country")})
        if len(countries) != 2:
            continue
        day = _day(meeting.get("when")) or _day(published)
        if day is None:
            continue
        return MeetingKey((countries[0], countries[1]), str(meeting.get("kind")), day)
    return None


def _day(value: Any) -> date | None:
    if not value or not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class MeetingJoin:
    via: str  # the earlier article whose meeting matched (its story is the grouper's)
    why: str


class MeetingIndex:
    """Earlier articles' meeting keys by (countries, kind), in log order."""

    def __init__(self) -> None:
        self._seen: dict[tuple[tuple[str, str], str], list[tuple[date, str, str]]] = {}

    def find(self, key: MeetingKey, language: str | None) -> MeetingJoin | None:
        """The earliest article in another language reporting the same meeting: same two
        countries, same kind, dates at most MAX_DAYS apart. In one language the text decides:
        two reports of a state visit's talks, reception and visit on one day are different
        meetings that the key alone cannot tell apart, and copies are found by their words."""
        if not language:
            return None
        for day, article, theirs in self._seen.get((key.countries, key.kind), ()):
            if theirs != language and abs((day - key.day).days) <= MAX_DAYS:
                why = f"same meeting: {key.describe()} / {day.isoformat()}"
                return MeetingJoin(article, why)
        return None

    def add(self, key: MeetingKey, article: str, language: str | None) -> None:
        entry = (key.day, article, language or "")
        self._seen.setdefault((key.countries, key.kind), []).append(entry)

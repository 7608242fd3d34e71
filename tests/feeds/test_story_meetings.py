"""Stories across languages by meeting events: the same two countries, the same kind of
meeting, dates within a day; anything else stays apart, and the reason is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from feeds.story_meetings import MeetingIndex, MeetingKey, meeting_key


def _meeting(
    kind: str = "talks",
    countries: tuple[str, str] = ("VN", "LA"),
    *,
    when: str | None = "2025-01-08",
    status: str = "happened",
    background: bool = False,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "status": status,
        "sides": [{"country": c, "state": True} for c in countries],
        "when": when,
        "background": background,
        "bilateral": True,
    }


def test_the_main_meeting_is_the_first_that_happened_between_two_countries() -> None:
    found = meeting_key(
        [
            _meeting("visit", status="announced"),
            _meeting("call", background=True),
            _meeting("talks", ("LA", "LA")),
            _meeting("reception", ("VN", "LA")),
        ],
        "2025-01-09T02:00:00Z",
    )
    assert found == MeetingKey(("LA", "VN"), "reception", date(2025, 1, 8))


def test_an_undated_meeting_takes_the_articles_publication_day() -> None:
    found = meeting_key([_meeting(when=None)], "2025-01-09T02:00:00Z")
    assert found is not None and found.day == date(2025, 1, 9)
    assert meeting_key([_meeting(when=None)], None) is None
    assert meeting_key([], "2025-01-09T02:00:00Z") is None


def test_reports_of_one_meeting_in_two_languages_a_day_apart_join_and_say_why() -> None:
    index = MeetingIndex()
    vietnamese = meeting_key([_meeting()], None)
    assert vietnamese is not None
    index.add(vietnamese, "vi-report", "vi")
    english = meeting_key([_meeting(when="2025-01-09")], None)
    assert english is not None
    assert index.find(english, "vi") is None  # in one language, the words decide
    joined = index.find(english, "en")
    assert joined is not None
    assert joined.via == "vi-report"
    assert joined.why == "same meeting: talks LA–VN on 2025-01-09 / 2025-01-08"


def test_another_kind_another_pair_or_two_days_apart_stay_apart() -> None:
    index = MeetingIndex()
    key = meeting_key([_meeting()], None)
    assert key is not None
    index.add(key, "a", "vi")
    for other in (
        _meeting("call"),
        _meeting(countries=("VN", "KH")),
        _meeting(when="2025-01-10"),
    ):
        found = meeting_key([other], None)
        assert found is not None and index.find(found, "en") is None


def test_meeting_keys_survive_a_round_trip_through_json() -> None:
    key = MeetingKey(("LA", "VN"), "visit", date(2025, 8, 2))
    assert MeetingKey.from_json(key.as_json()) == key

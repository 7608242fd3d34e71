"""Stories across languages by meeting events: the same two countries, the same kind of
meeting, the same day read from both texts; anything else stays apart, and the reason is
recorded."""

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


def test_the_day_is_read_from_the_meetings_words_anchored_on_publication() -> None:
    found = meeting_key([_meeting(when=None) | {"date_words": "Chiều 8/1"}], "2025-01-09T02:00:00Z")
    assert found == MeetingKey(("LA", "VN"), "talks", date(2025, 1, 8))
    wednesday = meeting_key([_meeting(when="on Wednesday")], "2025-01-09T02:00:00Z")
    assert wednesday is not None and wednesday.day == date(2025, 1, 8) and wednesday.read


def test_an_undated_headline_takes_the_day_its_lead_gives_the_same_meeting() -> None:
    headline = _meeting(when=None) | {"date_words": None}
    lead = _meeting(when=None) | {"date_words": "Sáng 14/3"}
    found = meeting_key([headline, lead], "2025-03-14T03:00:00Z")
    assert found == MeetingKey(("LA", "VN"), "talks", date(2025, 3, 14))


def test_an_undated_meeting_takes_the_publication_day_marked_as_not_read() -> None:
    found = meeting_key([_meeting(when=None)], "2025-01-09T02:00:00Z")
    assert found == MeetingKey(("LA", "VN"), "talks", date(2025, 1, 9), read=False)
    assert meeting_key([_meeting(when=None)], None) is None
    assert meeting_key([], "2025-01-09T02:00:00Z") is None


def test_reports_of_one_meeting_in_two_languages_on_one_read_day_join_and_say_why() -> None:
    index = MeetingIndex()
    vietnamese = meeting_key([_meeting(when="Chiều 8/1")], "2025-01-08T10:00:00Z")
    assert vietnamese is not None
    index.add(vietnamese, "vi-report", "vi")
    english = meeting_key([_meeting(when="on Wednesday")], "2025-01-09T01:00:00Z")
    assert english is not None
    assert index.find(english, "vi") is None  # in one language, the words decide
    joined = index.find(english, "en")
    assert joined is not None
    assert joined.via == "vi-report"
    assert joined.why == "same meeting: talks LA–VN on 2025-01-08 / 2025-01-08"


def test_another_kind_another_pair_or_the_next_day_stay_apart() -> None:
    index = MeetingIndex()
    key = meeting_key([_meeting()], None)
    assert key is not None
    index.add(key, "a", "vi")
    for other in (
        _meeting("call"),
        _meeting(countries=("VN", "KH")),
        _meeting(when="2025-01-09"),  # talks of other ministers the next day
    ):
        found = meeting_key([other], None)
        assert found is not None and index.find(found, "en") is None


def test_a_publication_day_alone_joins_nothing_either_way() -> None:
    index = MeetingIndex()
    unread = meeting_key([_meeting(when=None)], "2025-01-08T10:00:00Z")
    read = meeting_key([_meeting(when="Chiều 8/1")], "2025-01-08T10:00:00Z")
    assert unread is not None and read is not None and not unread.read
    index.add(unread, "undated", "vi")
    assert index.find(read, "en") is None
    index.add(read, "dated", "vi")
    assert index.find(unread, "en") is None
    assert index.find(read, "en") is not None


def test_meeting_keys_survive_a_round_trip_through_json() -> None:
    for key in (
        MeetingKey(("LA", "VN"), "visit", date(2025, 8, 2)),
        MeetingKey(("LA", "VN"), "visit", date(2025, 8, 2), read=False),
    ):
        assert MeetingKey.from_json(key.as_json()) == key
    # Keys stored before days were read from the text were publication days.
    old = {"countries": ["LA", "VN"], "kind": "visit", "day": "2025-08-02"}
    assert not MeetingKey.from_json(old).read


def test_a_report_in_a_language_its_story_holds_already_joins_nothing_through_another() -> None:
    """Two Vietnamese reports of one day's receptions (by two leaders: different meetings
    the key cannot tell apart) were joined through the English report of one of them."""
    index = MeetingIndex()
    stories = {"vi-report": "vi-report", "en-report": "vi-report", "vi-other": "vi-other"}
    day = meeting_key([_meeting(when="Chiều 8/1")], "2025-01-08T10:00:00Z")
    assert day is not None
    index.add(day, "vi-report", "vi")
    joined = index.find(day, "en", stories.__getitem__)
    assert joined is not None and joined.via == "vi-report"
    index.add(day, "en-report", "en")
    assert index.find(day, "vi", stories.__getitem__) is None
    # A third language still joins the story: it holds no report in that language.
    french = index.find(day, "fr", stories.__getitem__)
    assert french is not None and french.via == "vi-report"

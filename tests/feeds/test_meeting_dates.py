"""The day of a meeting read from a report's words, anchored on its publication day: each
Vietnamese and English form, the year of a day/month without one, weekdays, spans and
plans that name no single past day."""

from __future__ import annotations

from datetime import date

import pytest

from feeds.meeting_dates import anchor_day, date_words, meeting_day

THURSDAY = date(2025, 1, 9)  # the publication day of most cases below


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("Chiều 8/1, tại Trụ sở Chính phủ", date(2025, 1, 8)),
        ("ngày 8/1/2025", date(2025, 1, 8)),
        ("sáng nay", THURSDAY),
        ("Chiều nay, hai Bộ trưởng", THURSDAY),
        ("hôm qua", date(2025, 1, 8)),
        ("Tối qua, tại Viêng Chăn", date(2025, 1, 8)),
        ("tối 7-1", date(2025, 1, 7)),
        ("hôm 6/1", date(2025, 1, 6)),
        ("ngày 8 tháng 1 năm 2025", date(2025, 1, 8)),
    ],
)
def test_vietnamese_day_words_name_their_day(words: str, day: date) -> None:
    assert meeting_day(words, THURSDAY) == day


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("held talks on Wednesday afternoon", date(2025, 1, 8)),
        ("on Thursday", THURSDAY),  # the publication day itself is the latest Thursday
        ("on Friday", date(2025, 1, 3)),  # not tomorrow: the Friday before
        ("on January 8", date(2025, 1, 8)),
        ("8 January", date(2025, 1, 8)),
        ("on Jan. 7, 2025", date(2025, 1, 7)),
        ("VIENTIANE, Jan 8 —", date(2025, 1, 8)),
        ("yesterday", date(2025, 1, 8)),
        ("today", THURSDAY),
    ],
)
def test_english_day_words_name_their_day(words: str, day: date) -> None:
    assert meeting_day(words, THURSDAY) == day


def test_a_day_and_month_without_year_is_the_nearest_one_before_publication() -> None:
    assert meeting_day("Sáng 30/12", THURSDAY) == date(2024, 12, 30)  # last year's
    assert meeting_day("on December 30", THURSDAY) == date(2024, 12, 30)
    assert meeting_day("Sáng 10/1", THURSDAY) == date(2025, 1, 10)  # the newsroom's next morning
    assert meeting_day("Sáng 11/1", THURSDAY) == date(2024, 1, 11)  # never days after publication
    assert meeting_day("ngày 29/2", date(2025, 3, 1)) == date(2024, 2, 29)  # the last leap year


def test_a_named_year_after_publication_is_a_plan_and_names_no_meeting_day() -> None:
    assert meeting_day("ngày 20/1/2025", THURSDAY) is None
    assert meeting_day("ngày 20/1/2024", THURSDAY) == date(2024, 1, 20)


def test_words_that_need_an_anchor_name_no_day_without_one() -> None:
    assert meeting_day("hôm qua", None) is None
    assert meeting_day("on Wednesday", None) is None
    assert meeting_day("Chiều 8/1", None) is None
    assert meeting_day("ngày 8/1/2025", None) == date(2025, 1, 8)


def test_spans_ranges_and_figures_are_not_one_day() -> None:
    assert date_words("thăm chính thức Việt Nam từ ngày 24 - 27/4/2021") is None
    assert date_words("official visit from January 7 to 9") is None
    assert date_words("thăm Lào từ ngày 9 đến 10/1. Sáng 9/1, hai bên hội đàm") == "Sáng 9/1"
    assert date_words("kim ngạch tăng 2-3 lần, lãi suất 12.5%") is None
    assert date_words("tuần trước, hai bên đã gặp") is None
    assert meeting_day(None, THURSDAY) is None


def test_the_anchor_is_the_publication_day_in_indochina_time() -> None:
    assert anchor_day("2025-01-08T20:00:00Z") == date(2025, 1, 9)  # 03:00 in Hà Nội
    assert anchor_day("2025-01-08T09:00:00+07:00") == date(2025, 1, 8)
    assert anchor_day("2025-01-08") == date(2025, 1, 8)
    assert anchor_day("not a date") is None
    assert anchor_day(None) is None

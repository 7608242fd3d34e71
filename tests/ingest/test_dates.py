"""Dates feedparser rejects, read in the source's time zone; dates inferred from the text;
and the precedence that names where each publication date came from."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ingest.normalise.dates import Dated, choose, date_in_text, parse_loose
from newsfacts import parse_timestamp, timestamp

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FETCHED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 14 Sep 2026 19:46:22 +07", datetime(2026, 9, 14, 12, 46, 22, tzinfo=UTC)),
        ("9/14/2026 6:44:00 PM", datetime(2026, 9, 14, 11, 44, tzinfo=UTC)),
        ("9/10/2026 6:44:00 PM", datetime(2026, 9, 10, 11, 44, tzinfo=UTC)),  # US: month first
        ("14/09/2026 19:46", datetime(2026, 9, 14, 12, 46, tzinfo=UTC)),
        ("09/10/2026 19:46", datetime(2026, 10, 9, 12, 46, tzinfo=UTC)),  # VN: day first
        ("Thứ hai, 14/9/2026, 19:46 (GMT+7)", datetime(2026, 9, 14, 12, 46, tzinfo=UTC)),
        ("2026-09-14 19:46:22", datetime(2026, 9, 14, 12, 46, 22, tzinfo=UTC)),
    ],
)
def test_dates_feedparser_rejects_are_read_in_the_sources_zone(
    raw: str, expected: datetime
) -> None:
    assert parse_loose(raw, HCM) == expected


@pytest.mark.parametrize("raw", ["", "hôm qua", "19:46", "not a date 2026x", "99/99/2026"])
def test_what_is_not_a_date_is_none_never_today(raw: str) -> None:
    assert parse_loose(raw, HCM) is None


def test_a_full_date_in_the_lead_is_that_day_in_the_sources_zone() -> None:
    text = "Hà Nội, ngày 14/3/2025 - Bộ trưởng hai nước đã hội đàm."
    assert date_in_text(text, fetched=FETCHED, zone=HCM) == datetime(2025, 3, 13, 17, 0, tzinfo=UTC)


def test_a_day_and_month_take_the_fetch_year_and_are_never_in_the_future() -> None:
    text = "Sáng 14/3, tại Hà Nội, Bộ trưởng Bộ Công an đã có cuộc hội đàm trực tuyến."
    assert date_in_text(text, fetched=FETCHED, zone=HCM) == datetime(2026, 3, 13, 17, 0, tzinfo=UTC)
    early = datetime(2026, 1, 5, tzinfo=UTC)  # 14/3 of 2026 would be ahead of the fetch
    assert date_in_text(text, fetched=early, zone=HCM) == datetime(2025, 3, 13, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "text", "day"),
    [
        # An anniversary's dates further on: the day the lead opens with is reported.
        ("", "Ngày 28/4, thành phố gặp mặt các nhân chứng nhân kỷ niệm (30/4/1975 - 30/4/2026).",
         (2026, 4, 28)),
        # A visit's last day further on.
        ("", "Chiều 25/4, tại Hà Nội, hai bộ trưởng hội đàm trong chuyến thăm đến 27/4/2026.",
         (2026, 4, 25)),
        # A full date at the opening is still that day, with its year.
        ("", "Ngày 14/3/2025, hai bên ký kết; thỏa thuận có hiệu lực từ 1/6/2025.",
         (2025, 3, 14)),
        # No headline kept, the lead sentence is the title: its opening day, not a launch's.
        ("Sáng 14/3, hai bộ trưởng hội đàm về hợp tác quốc phòng",
         "Con tàu được hạ thủy ngày 20/6/1983 và đại tu năm 2008.", (2026, 3, 14)),
        # A day and month in the lead's first clauses, after the place.
        ("", "Tại Hà Nội, sáng 24/4, hai bên ôn lại chiến thắng 30/4/1975 và ký biên bản.",
         (2026, 4, 24)),
        # In the first clauses of a lead-like title, when the text names none.
        ("Mở cửa phiên giao dịch sáng nay 22/4, giá vàng giảm mạnh",
         "Tại TP.HCM, giá vàng được niêm yết theo bảng giá ngày 2/1/2026.", (2026, 4, 22)),
        # A fraction at the opening is no day.
        ("", "3/4 số hộ dân đã nhận hỗ trợ theo quyết định ký ngày 2/3/2026.", (2026, 3, 2)),
        # A headline's full date is an anniversary's more often than the report's day.
        ("Ngày 30/4/1975 - ngày thống nhất đất nước",
         "Hai bên ký kết thỏa thuận, văn bản được ký ngày 10/5/2026 tại Hà Nội.", (2026, 5, 10)),
        # A full date across the first clauses' limit is no day and month ("ngày 20/6");
        # of the lead's full dates, the latest not after the fetch (it recalls the others).
        ("", "Theo tài liệu lưu trữ, con tàu được hạ thủy vào ngày 20/6/1983, rồi đại tu, ngày"
         " 2/5/2026 ra khơi.", (2026, 5, 2)),
        ("", "Cả nước chuẩn bị kỷ niệm ngày thống nhất (30/4/1975-30/4/2026), xã tổ chức gặp mặt.",
         (2026, 4, 30)),
        # A later paragraph of the lead that opens with its day (the first is a lead sentence).
        ("", "Thủ tướng Lào thăm chính thức Việt Nam từ 25 đến 27/4/2026 theo lời mời.\n\n"
         "Chiều 25/4, tại Hà Nội, hai bên hội đàm.", (2026, 4, 25)),
        # Without a day at either opening, the lead's full date as before.
        ("Hai nước ký thỏa thuận", "Hai bên nhất trí, theo văn bản ký ngày 2/3/2026, mở cửa khẩu.",
         (2026, 3, 2)),
    ],
)  # fmt: skip
def test_the_day_a_lead_or_a_lead_like_title_opens_with_beats_dates_further_on(
    title: str, text: str, day: tuple[int, int, int]
) -> None:
    found = date_in_text(text, fetched=FETCHED, zone=HCM, title=title)
    assert found == datetime(*day, tzinfo=HCM).astimezone(UTC)


def test_numbers_that_are_not_dates_are_not_inferred() -> None:
    for text in ("Tỷ lệ 3/4 cử tri đồng ý.", "Chiều 45/13, trời mưa.", "Tăng 12% so với 2024."):
        assert date_in_text(text, fetched=FETCHED, zone=HCM) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Ngày 14.3.2025, hai bên ký kết.", (2025, 3, 14)),
        ("(14-3-2025) Hai bên ký kết.", (2025, 3, 14)),
        ("Mã số A14/3/2025 được cấp.", (2025, 3, 14)),  # a letter before the day is no digit
        ("Số 114/3/2025 được cấp.", None),  # three digits: a reference number, not a day
        ("Văn bản 2/14/3/2025 được cấp.", None),  # a "/" before the day: a path, not a date
        ("Hợp đồng 14/3/20255 được ký.", None),
    ],
)
def test_a_full_date_needs_a_day_of_at_most_two_digits_with_no_digit_or_slash_before(
    text: str, day: tuple[int, int, int] | None
) -> None:
    found = date_in_text(text, fetched=FETCHED, zone=HCM)
    expected = None if day is None else datetime(*day, tzinfo=HCM).astimezone(UTC)
    assert found == expected


def test_the_source_date_wins_then_the_dateline_then_the_text_then_the_fetch_time() -> None:
    source = datetime(2026, 9, 14, 12, tzinfo=UTC)
    line = datetime(2025, 3, 2, tzinfo=UTC)
    text = "Sáng 14/3, hai bên hội đàm."
    common = {"text": text, "fetched": FETCHED, "zone": HCM}
    assert choose(given=source, given_from="feed", raw=None, dateline=line, **common) == (
        Dated(source, "feed"),
        False,
    )
    loose = choose(given=None, given_from="page", raw="14/09/2026 19:46", dateline=None, **common)
    assert loose == (Dated(datetime(2026, 9, 14, 12, 46, tzinfo=UTC), "page"), False)
    assert choose(given=None, given_from="feed", raw="??", dateline=line, **common) == (
        Dated(line, "dateline"),
        True,  # the source sent a date nobody could read: the caller logs it
    )
    assert choose(given=None, given_from="feed", raw=None, dateline=None, **common)[0] == Dated(
        datetime(2026, 3, 13, 17, tzinfo=UTC), "body"
    )
    nothing = {"text": "No date here.", "fetched": FETCHED, "zone": HCM}
    assert choose(given=None, given_from="feed", raw=None, dateline=None, **nothing)[0] == Dated(
        FETCHED, "fetch"
    )


def test_a_datelines_day_is_midnight_in_the_sources_zone_and_year_1_does_not_break_it() -> None:
    """` date 2025-03-02 VIENTIANE —` and "Ngày 2/3/2025" in the lead name one day: both
    are its midnight where the source is. A dateline of year 1 in UTC+7 has no such
    midnight in range: it is kept as read, not an OverflowError failing every poll."""
    common = {"raw": None, "dateline": None, "text": "", "fetched": FETCHED, "zone": HCM}
    day = datetime(2025, 3, 2, tzinfo=UTC)
    assert choose(given=day, given_from="dateline", **common)[0] == Dated(
        datetime(2025, 3, 1, 17, tzinfo=UTC), "dateline"
    )
    first = datetime(1, 1, 1, tzinfo=UTC)
    assert choose(given=first, given_from="dateline", **common)[0] == Dated(FETCHED, "fetch")


@pytest.mark.parametrize(
    "placeholder",
    [
        datetime(1, 1, 1, tzinfo=UTC),  # .NET's DateTime.MinValue
        datetime(1, 1, 1, 7, tzinfo=UTC),  # "Mon, 01 Jan 0001 00:00:00 -0700"
        datetime(999, 1, 1, tzinfo=UTC),
        datetime(1799, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),  # a timestamp of 0
    ],
)
def test_a_placeholder_date_is_not_a_publication_date(placeholder: datetime) -> None:
    """A source's date before 1800, or Unix time 0, says it has none: the text's date, else
    the fetch, as for one in the future. Stored, year 1 was written "1-01-01T00:00:00Z"
    and read back as no date at all, while the page said the source gave none."""
    common = {"raw": None, "dateline": None, "fetched": FETCHED, "zone": HCM}
    dated, unusable = choose(given=placeholder, given_from="feed", text="Không ngày.", **common)
    assert (dated, unusable) == (Dated(FETCHED, "fetch"), True)
    historical = datetime(1977, 7, 18, 2, tzinfo=UTC)  # an archive's treaty day stays
    assert choose(given=historical, given_from="feed", text="", **common)[0] == Dated(
        historical, "feed"
    )


def test_years_before_1000_are_written_with_four_digits_and_read_back() -> None:
    for moment in (datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        written = timestamp(moment)
        assert written[:4] in ("0001", "0999") and parse_timestamp(written) == moment
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"

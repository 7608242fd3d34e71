"""The log's one timestamp form: ISO 8601 in UTC with microseconds and a `Z`, 27
characters, read back by `parse_time` to the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from store import format_time
from store.events import parse_time

HANOI = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 10, 24, 8, 30, 0, 5, tzinfo=UTC),
        datetime(2024, 10, 24, 8, 30, 0, 999_999, tzinfo=HANOI),
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, 7, tzinfo=HANOI),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_a_timestamp_is_written_in_utc_and_read_back_to_the_same_instant(
    moment: datetime,
) -> None:
    text = format_time(moment)
    assert len(text) == 27 and text.endswith("Z") and text[10] == "T"
    assert parse_time(text) == moment
    assert parse_time(text).utcoffset() == timedelta(0)


def test_the_form_is_the_one_the_log_has_always_held() -> None:
    # Stored timestamps are hashed into the chain: the form must not change.
    moment = datetime(2024, 10, 24, 15, 4, 5, 60, tzinfo=HANOI)
    assert format_time(moment) == "2024-10-24T08:04:05.000060Z"


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2024, 10, 24))

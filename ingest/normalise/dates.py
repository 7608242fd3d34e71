"""Publication dates: the forms feedparser rejects (`+07`, `9/14/2026 6:44:00 PM`,
`14/09/2026 19:46`) read in the source's time zone, dates inferred from the text ("ngày
14/3/2025", "Sáng 14/3"), and the name of where each date came from."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser  # type: ignore[import-untyped]

from newsfacts.times import DEFAULT_TIMEZONE

#: How far past the fetch a source's date may be and still be taken: a day covers a time
#: zone written wrong (a local time marked UTC is at most 14 hours off).
FUTURE_TOLERANCE = timedelta(days=1)
#: Earlier than this a source's date is a placeholder, not a publication (0001-01-01, a
#: .NET DateTime's least; 0999): a historical archive's 1945 or 1977 stays. So is the very
#: start of Unix time, 1970-01-01T00:00:00Z (a timestamp of 0), where a dateline's day
#: would be its midnight in the source's zone.
EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
UNIX_ZERO = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_ZONE: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)

_AMPM = re.compile(r"\b[AaPp]\.?[Mm]\.?(?!\w)")
_GMT = re.compile(r"\(?\s*(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?", re.IGNORECASE)
_VI_WEEKDAY = re.compile(r"^\s*(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\s*,?\s*", re.I)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# "ngày 14/3/2025", "14-3-2025", "14.3.2025" in a Vietnamese lead: a full date. No digit or
# "/" before the day, checked after its first digit: a pattern that opens with a look-behind
# is tried at every character, one that opens with a digit only at digits (20 -> 7 µs a
# lead; the recorder runs it on every undated article).
_FULL = re.compile(r"(\d(?<![\d/]\d)\d?)[/.-](\d{1,2})[/.-]((?:19|20)\d\d)(?![\d/])")
# "Sáng 14/3", "Chiều 5/10,", "Ngày 11/9": a day and month with the time of day first.
_DAY_MONTH = re.compile(
    r"(?<!\w)(?:sáng|chiều|trưa|tối|đêm|ngày|hôm)(?:\s+nay)?\s+(\d{1,2})/(\d{1,2})(?![\d/])",
    re.IGNORECASE,
)
LEAD_CHARS = 400  # a date further into the text is about something else
# The day a Vietnamese lead opens with, the day it reports: "Chiều ngày 25/4, tại Hà Nội,
# …", "Ngày 28/4/2021, …", "14/3/2025 -". Without a year it needs the word before it:
# "3/4 số hộ dân …" opens with a fraction.
_OPENING = re.compile(
    r"[\W_]*(?P<word>(?:(?:sáng|chiều|trưa|tối|đêm|hôm)(?:\s+nay)?\s+)?(?:ngày\s+)?)"
    r"(\d{1,2})[/.-](\d{1,2})(?:[/.-]((?:19|20)\d\d))?(?![\d/])",
    re.IGNORECASE,
)
#: The lead's first clauses, where a day and month after a time-of-day word ("Tại Hà Nội,
#: sáng 24/4") is the day reported even when a full date follows ("hạ thủy ngày 20/6/1983"
#: is no day and month: a year follows it).
OPENING_CHARS = 80


@dataclass(frozen=True, slots=True)
class Dated:
    """A publication time (aware, UTC) and where it came from (one of ORIGINS)."""

    moment: datetime
    origin: str


def parse_loose(raw: str, zone: tzinfo) -> datetime | None:
    """A date string feedparser could not read, as UTC; a time without an offset is in the
    source's `zone`. With AM/PM the date is month-first (US style, `9/14/2026 6:44:00 PM`),
    without it day-first (Vietnamese, `14/09/2026 19:46`). None when it is not a date."""
    text = raw.strip()
    if not text or len(text) > 80 or _YEAR.search(text) is None:
        return None  # without a year, dateutil would fill in the current one
    text = _VI_WEEKDAY.sub("", text)
    text = _GMT.sub(lambda m: f" {m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)
    text = text.replace(",", " ")
    try:
        moment: datetime = dateutil_parser.parse(
            text, dayfirst=_AMPM.search(text) is None, default=datetime(2000, 1, 1)
        )
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        utc: datetime = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return utc


def date_in_text(text: str, *, fetched: datetime, zone: tzinfo, title: str = "") -> datetime | None:
    """The date the lead of `text` gives, as UTC midnight of that day in `zone`.

    "ngày 14/3/2025" is that day. "Sáng 14/3" has no year: it is the latest 14 March
    that is not after the fetch day (news is not written about the future's morning).
    A day the lead opens with ("Ngày 28/4, …"), or else the title (a lead sentence where
    no headline was kept), is the day reported: a full date further on is most often
    another day's, an anniversary's ("(30/4/1975 - 30/4/2021)"), a launch's or the end of
    a visit, and it had won over the day the lead opened with.
    """
    lead = text[:LEAD_CHARS]
    today = fetched.astimezone(zone).date()
    # A title's day without a year only: a headline's full date is often an anniversary's
    # ("Ngày 30/4/1975 - …") over a lead that dates itself.
    day = _opening_day(lead, today) or _opening_day(title, today, full=False)
    # A later paragraph of the lead that opens with its day: a file's first line may be a
    # lead sentence or a caption, and "Chiều 25/4, …" begin the second.
    # (By `str.find`: a character loop over the lead cost ~20 µs an undated article.)
    start = lead.find("\n")
    while day is None and start >= 0:
        day = _opening_day(lead[start + 1 :], today)
        start = lead.find("\n", start + 1)
    for part in (lead, title):
        if day is None and "/" in part[:OPENING_CHARS]:  # "Tại Hà Nội, sáng 24/4, …"
            day = _day_and_month(part, today, within=OPENING_CHARS)
    if day is None:
        day = _day_in(lead, today)
    return None if day is None else _midnight(day, zone)


def _opening_day(part: str, today: date, *, full: bool = True) -> date | None:
    found = _OPENING.match(part)
    if found is None:
        return None
    if found[4] is not None:
        if not full:
            return None
        day = _date(int(found[4]), int(found[3]), int(found[2]))
        return day if day is not None and day <= today + timedelta(days=1) else None
    return _latest(int(found[2]), int(found[3]), today) if found["word"] else None


def _day_in(part: str, today: date) -> date | None:
    """The latest full date in `part` that is not after the fetch, else a day and month
    after a time-of-day word: news reports the present, and a lead's other full dates are
    of the past it recalls ("(30/4/1975-30/4/2021)")."""
    full = [_date(int(m[3]), int(m[2]), int(m[1])) for m in _FULL.finditer(part)]
    past = [day for day in full if day is not None and day <= today + timedelta(days=1)]
    if past:
        return max(past)
    if "/" not in part:  # which "Sáng 14/3" needs: most leads have none (20 µs saved)
        return None
    return _day_and_month(part, today)


def _day_and_month(part: str, today: date, *, within: int | None = None) -> date | None:
    """A day and month after a time-of-day word, starting in `part`'s first `within`
    characters: searched in the whole of it, so that a full date across that limit is not
    read as a day and month ("ngày 20/6" of "ngày 20/6/1983")."""
    partial = _DAY_MONTH.search(part)
    if partial is None or (within is not None and partial.start() >= within):
        return None
    return _latest(int(partial[1]), int(partial[2]), today)


def _latest(day_of_month: int, month: int, today: date) -> date | None:
    """The latest such day that is not after `today` (this year's or last year's)."""
    for year in (today.year, today.year - 1):
        day = _date(year, month, day_of_month)
        if day is not None and day <= today:
            return day
    return None


def choose(
    *,
    given: datetime | None,
    given_from: str,
    raw: str | None,
    dateline: datetime | None,
    text: str,
    fetched: datetime,
    zone: tzinfo,
    title: str = "",
) -> tuple[Dated, bool]:
    """The publication date by precedence — the source's own (as parsed, else read loosely
    from `raw`), the dateline, the text, the fetch time — and whether the source's own was
    unusable: unreadable, later than the fetch by more than FUTURE_TOLERANCE (a feed
    dated 9999 pinned itself atop the index and every feed's `updated`), or a placeholder
    (before EARLIEST, or UNIX_ZERO)."""
    latest = fetched + FUTURE_TOLERANCE
    if given is not None and given_from == "dateline":
        # A dateline names a day (` date 2025-03-02 VIENTIANE —`), read without the source's
        # zone: its midnight there, as for a day named in the lead ("Ngày 2/3/2025"). (Year
        # 1 or 9999 in a zone that moves it out of range: as it was read.)
        with contextlib.suppress(OverflowError, ValueError):
            given = _midnight(given.date(), zone)
    if given is not None and _usable(given, latest):
        return Dated(given.astimezone(UTC), given_from), False
    loose = parse_loose(raw, zone) if raw and given is None else None
    if loose is not None and _usable(loose, latest):
        return Dated(loose, given_from), False
    unreadable = given is not None or bool(raw and raw.strip())
    if dateline is not None and _usable(dateline, latest):
        return Dated(dateline.astimezone(UTC), "dateline"), unreadable
    inferred = date_in_text(text, fetched=fetched, zone=zone, title=title)
    if inferred is not None:
        return Dated(inferred, "body"), unreadable
    return Dated(fetched.astimezone(UTC), "fetch"), unreadable


def _usable(moment: datetime, latest: datetime) -> bool:
    return EARLIEST <= moment <= latest and moment != UNIX_ZERO


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

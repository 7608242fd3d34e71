"""The day of a meeting, read from the words a report uses for it ("chiều 8/1", "ngày
8/1/2025", "hôm qua", "tối 7-1", "on Wednesday", "on January 8", "8 January", "yesterday")
and anchored on the report's publication day: news says "Wednesday" or "8/1" without a year
because the reader knows when it was written. Pure functions of strings and dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from dateutil import parser as date_parser  # type: ignore[import-untyped]
from dateutil.relativedelta import (  # type: ignore[import-untyped]
    FR,
    MO,
    SA,
    SU,
    TH,
    TU,
    WE,
    relativedelta,
)

#: Vietnam, Laos and Cambodia keep UTC+7: a report published at 20:00 UTC on the 7th was
#: written on the 8th there, and its "hôm nay" or "on Wednesday" counts from the 8th.
NEWSROOM_TIME = timezone(timedelta(hours=7))

_WEEKDAYS = {
    "monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH,
    "friday": FR, "saturday": SA, "sunday": SU,
}  # fmt: skip
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
#: Vietnamese relative days: the part of the day ("sáng nay", "tối qua") or "hôm".
_VI_RELATIVE = {"nay": 0, "qua": -1}
_VI_PARTS = r"(?:sáng|chiều|tối|trưa|đêm|hôm|ngày|rạng sáng)"

# One alternation, so that the first date in a sentence wins whatever its form. Each named
# group is one form; `_resolve` reads the groups. "8.1" is left out ("12.5%" is a figure),
# and "7-1" counts only after "tối", "ngày"…: "tăng 2-3 lần" is a range.
_DATE_WORDS = re.compile(
    r"(?<![\w/.-])(?:"
    rf"(?:{_VI_PARTS}\s+)?(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})(?:\s*/\s*(?P<y>\d{{4}}))?(?![\w/]|[.-]\d)"
    rf"|{_VI_PARTS}\s+(?P<hd>\d{{1,2}})-(?P<hm>\d{{1,2}})(?:-(?P<hy>\d{{4}}))?(?![\w/]|[.-]\d)"
    r"|ngày\s+(?P<vd>\d{1,2})\s+tháng\s+(?P<vm>\d{1,2})(?:\s+năm\s+(?P<vy>\d{4}))?"
    rf"|(?P<vrel_part>{_VI_PARTS})\s+(?P<vrel>nay|qua)"
    r"|(?P<en_rel>today|yesterday|tonight)"
    rf"|(?P<en_md>{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)"
    rf"|(?P<en_dm>\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?)"
    r"|(?:on|last|this)\s+(?P<en_wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r")(?![\w])",
    re.IGNORECASE,
)
_EN_RELATIVE = {"today": 0, "tonight": 0, "yesterday": -1}
#: A day that ends or starts a span ("từ ngày 24 - 27/4/2021", "from January 7 to 9") is
#: a visit's length, not the day of one meeting.
_SPAN_BEFORE = re.compile(r"\d\s*(?:-|–|đến|tới|to|until)\s*$", re.IGNORECASE)
_SPAN_AFTER = re.compile(r"\s*(?:-|–|đến|tới|to|until)\s*\d", re.IGNORECASE)


def anchor_day(published: str | None) -> date | None:
    """The report's publication day where it was written (UTC+7), from an ISO timestamp; a
    bare date is taken as it is."""
    if not published or not isinstance(published, str):
        return None
    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(published) <= 10:
        return moment.date()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(NEWSROOM_TIME).date()


def date_words(text: str | None) -> str | None:
    """The first words in `text` that name one day (not the end of a span), as written."""
    for found in _DATE_WORDS.finditer(text or ""):
        start, end = found.span()
        if _SPAN_BEFORE.search(text or "", max(0, start - 12), start):
            continue
        if _SPAN_AFTER.match(text or "", end):
            continue
        return found.group()
    return None


def meeting_day(words: str | None, published: date | None) -> date | None:
    """The day that `words` name, for a report published on `published`; None when the words
    name no day or need an anchor that is missing. Without a year, a day/month is the one
    nearest before (or at most a day after) publication; a weekday is the latest such day on
    or before it."""
    found = _DATE_WORDS.search(words) if words else None
    if found is None:
        return None
    return _resolve(found, published)


def _resolve(found: re.Match[str], published: date | None) -> date | None:
    groups = found.groupdict()
    if groups["d"]:
        return _day_month(int(groups["d"]), int(groups["m"]), groups["y"], published)
    if groups["hd"]:
        return _day_month(int(groups["hd"]), int(groups["hm"]), groups["hy"], published)
    if groups["vd"]:
        return _day_month(int(groups["vd"]), int(groups["vm"]), groups["vy"], published)
    if published is None:
        return None
    if groups["vrel"]:
        return published + timedelta(days=_VI_RELATIVE[groups["vrel"].lower()])
    if groups["en_rel"]:
        return published + timedelta(days=_EN_RELATIVE[groups["en_rel"].lower()])
    if groups["en_wd"]:
        # relativedelta's WE(-1): the latest Wednesday on or before the anchor.
        latest: date = published + relativedelta(weekday=_WEEKDAYS[groups["en_wd"].lower()](-1))
        return latest
    text = groups["en_md"] or groups["en_dm"]
    try:
        # dateutil reads English month names and orders ("January 8", "8th of Jan. 2025").
        parsed = date_parser.parse(text, default=datetime(published.year, 1, 1))
    except (ValueError, OverflowError):
        return None
    has_year = re.search(r"\d{4}", text) is not None
    return _day_month(parsed.day, parsed.month, str(parsed.year) if has_year else None, published)


def _day_month(day: int, month: int, year: str | None, published: date | None) -> date | None:
    latest = None if published is None else published + timedelta(days=1)
    if year is not None:
        try:
            named = date(int(year), month, day)
        except ValueError:
            return None
        # A day after publication (beyond the newsroom's next morning) is a plan, not an event.
        return named if latest is None or named <= latest else None
    if published is None or latest is None:
        return None
    candidates = []
    for offset in (1, 0, -1):
        try:
            candidates.append(date(published.year + offset, month, day))
        except ValueError:
            continue  # 29/2 in another year, or no such day at all
    fitting = [c for c in candidates if c <= latest]
    return max(fitting) if fitting else None

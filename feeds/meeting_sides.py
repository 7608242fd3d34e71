"""The two sides of one meeting in its sentence: the subject and the object of the meeting
word, a visit's visitor and host, a reception's host and guest, a committee's two states."""

from __future__ import annotations

import re
from typing import Any

from feeds.regex_parts import MONTHS, WEEKDAYS
from feeds.sides import Mention, Side
from feeds.triggers import CALL, COMMITTEE, NEEDS_OBJECT, TALKS, VISIT, Trigger

#: Where the subject matter of a meeting starts: "làm việc với UBND tỉnh về thương mại với
#: Lào", "trao đổi về quan hệ Việt Nam - Lào", "talks on trade with China", "about Laos". A
#: country named there is what was discussed, never a counterpart. (English "on" counts
#: unless a day, a date or "the sidelines" follows, "met on Monday with…", or it is "call on".)
_TOPIC = re.compile(
    r"(?<![\w-])(?:(?:bàn|trao\s+đổi|thảo\s+luận|thông\s+tin)\s+về|về|xung\s+quanh|"
    r"about|regarding|concerning|to\s+discuss|(?<!call )(?<!calls )(?<!called )"
    rf"on(?!\s+(?:{WEEKDAYS}|{MONTHS}|\d|the\s+sidelines|the\s+occasion|behalf|(?:the\s+)?"
    r"(?:morning|afternoon|evening|phone|telephone)|a\s+(?:visit|trip|tour)|an?\s+official)"
    r"(?![\w-])))(?![\w-])"
)
#: The guest of a reception named by a noun: "a reception … for the Lao official", "a
#: banquet in honour of President X", "hosted a reception honouring…".
_GUEST = re.compile(r"(?<![\w-])(?:for|in\s+honou?r\s+of|honou?ring|to\s+welcome)(?![\w-])")
_RECEPTION_NOUNS = frozenset(("reception", "banquet"))


def meeting_sides(
    sentence: str, lowered: str, trigger: Trigger, mentions: list[Mention], hits: list[Any],
    kind: str, word: str,
) -> tuple[Side, Side] | None:  # fmt: skip
    """The two sides of the meeting whose trigger is `trigger`, or None."""
    topic = _TOPIC.search(lowered, trigger.end())
    limit = topic.start() if topic is not None else len(sentence)
    before = [m for m in mentions if m.end <= trigger.start()]
    after = [m for m in mentions if trigger.end() <= m.start < limit]
    if word in _RECEPTION_NOUNS:
        return _reception(lowered, trigger, before, after, hits)
    if word in NEEDS_OBJECT:
        # The object must follow at once: "tiếp Đại sứ Lào", not "tiếp tục", "đón con".
        gap = sentence[trigger.end() : after[0].start] if after else None
        near = gap is not None and len(gap.split()) <= (1 if word.isascii() is False else 3)
        if not near and kind != VISIT:
            return None
    if kind == VISIT:
        host = _host(sentence, trigger.start(), trigger.end(), hits)
        if host is None:
            return None
        others = [*before[::-1], *after]
        visitor = next(
            (
                m
                for m in others
                if m.side.country != host.country
                and m.side.state
                and (m.side.office or m.side.person)
            ),
            None,
        )
        return (visitor.side, host) if visitor is not None else None
    if before and after:
        return (before[-1].side, after[0].side)
    if len(after) >= 2:
        return (after[0].side, after[1].side)
    if len(before) >= 2 and kind in (TALKS, CALL, COMMITTEE):
        a, b = before[-2], before[-1]
        joint = sentence[a.end : b.start].strip().casefold()
        # "A và B", "A, B", "A đã nói với B trong cuộc điện đàm", "A spoke with B".
        if joint in (",", "cùng", "together with") or joint.endswith(("và", "and", "với", "with")):
            return (a.side, b.side)
    if kind == COMMITTEE:
        pair = [h for h in hits if trigger.end() <= h.start < limit][:2]
        if len(pair) == 2 and pair[0].iso != pair[1].iso:
            return tuple(Side(h.iso, None, None, True, h.text) for h in pair)  # type: ignore[return-value]
    return None


def _reception(
    lowered: str, trigger: Trigger, before: list[Mention], after: list[Mention], hits: list[Any]
) -> tuple[Side, Side] | None:
    """A reception named by a noun has a guest ("for", "in honour of" an official, within a
    few words) and a host: the official named before it ("President X hosted a reception
    for…"), or else the state of the place it was held in ("At a reception in Hà Nội for the
    Lao official, the PM said…")."""
    cue = _GUEST.search(lowered, trigger.end(), trigger.end() + 60)
    if cue is None:
        return None
    guest = next((m for m in after if m.start >= cue.end() and m.start - cue.end() <= 12), None)
    if guest is None or not guest.side.state:
        return None
    if before:
        return (before[-1].side, guest.side)
    place = next(
        (
            h
            for h in hits
            if trigger.end() < h.start < cue.start()
            and re.fullmatch(r"\s+(?:in|at)\s+", lowered[trigger.end() : h.start])
        ),
        None,
    )
    if place is None or place.iso == guest.side.country:
        return None
    return (Side(place.iso, None, None, True, place.text), guest.side)


def _host(sentence: str, begin: int, end: int, hits: list[Any]) -> Side | None:
    """The country visited: "thăm (chính thức) Lào", "chuyến công du tới 3 nước châu Á gồm
    Việt Nam…", "visit to Laos": the first country within a few words, before any stop."""
    rest = sentence[end : end + 90]
    if re.match(r"\s*(?:chính thức\s+|cấp nhà nước\s+)?(?:of|của)\s", rest):
        # "the visit of the Lao Prime Minister to Hà Nội": the host follows "to".
        to = re.search(r"\s(?:to|tới|đến|sang)\s", rest)
        if to is None:
            return None
        end, rest = end + to.end(), rest[to.end() :]
    stop = re.search(r"[,;:.(]|\s(?:và|của|with|and|để|nhằm)\s", rest)
    limit = end + (stop.start() if stop else len(rest))
    host = next((h for h in hits if end <= h.start < limit), None)
    if host is None:
        # "arrived in Hà Nội on Monday for a two-day visit", "đến Hà Nội, bắt đầu chuyến thăm"
        host = next(
            (
                h
                for h in reversed(hits)
                if h.end <= begin
                and re.search(
                    r"(?:đến|tới|sang|in|to)\s+$", sentence[max(0, h.start - 8) : h.start]
                )
                and begin - h.end <= 60
            ),
            None,
        )
    return Side(host.iso, None, None, True, host.text) if host is not None else None

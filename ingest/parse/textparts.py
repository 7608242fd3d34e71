"""Reading plain-text articles: dateline headers, titles, and language tags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.normalise.canonical import looks_blank
from ingest.parse.headlines import headline

# ` date 2024-10-24 KAZAN — Prime Minister …`: an English wire-style dateline.
_DATELINE = re.compile(
    r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+([^\n—–]{1,60}?)\s*[—–]\s*",
    re.IGNORECASE,
)
# `HÀ NỘI — …`, `VIENTIANE (VNA) – …`: a place in capitals, then a dash, with no date.
_PLACE = re.compile(r"^\s*([^\W\d_][^\n—–(]{1,40}?)\s*(?:\([^)\n]{1,20}\))?\s*[—–]\s+")
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class TextArticle:
    title: str
    text: str
    published: datetime | None
    place: str | None


def parse_dateline(text: str) -> tuple[datetime | None, str | None, str]:
    """(date, place, text after the dateline) when the text starts with a dateline."""
    match = _DATELINE.match(text)
    if match is None:
        return None, None, text
    try:
        day = datetime.strptime(match.group(1), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None, None, text
    return day, match.group(2).strip(), text[match.end() :]


def dateline_place(text: str) -> tuple[str | None, str]:
    """(place, text after it) when the text starts with a place in capitals and a dash."""
    match = _PLACE.match(text)
    if match is None:
        return None, text
    place = match.group(1).strip()
    letters = [c for c in place if c.isalpha()]
    if len(letters) < 2 or place != place.upper():
        return None, text
    return place, text[match.end() :]


def parse_text_article(
    text: str, *, markdown: bool = False, headline_rule: str = "sentence"
) -> TextArticle:
    """Split a text file into title and body.

    A dateline header gives the date and place and the title is the lead sentence; else
    a short first line followed by more text is the title (a Markdown `#` is dropped);
    else the title is the first sentence and the whole text is the body.
    """
    stripped = _after_blank_lines(text.lstrip("\ufeff"))
    published, place, rest = parse_dateline(stripped)
    if published is not None:
        title = headline(rest.strip(), rule=headline_rule)
        return TextArticle(title, rest.strip(), published, place)
    lines = stripped.strip().split("\n", 1)
    first = lines[0].strip()
    if markdown:
        first = first.lstrip("#").strip()
    body = lines[1].strip() if len(lines) > 1 else ""
    if body and len(first) <= MAX_TITLE and not first.endswith((".", ":")):
        return TextArticle(first, body, None, dateline_place(body)[0])
    # No title line: a headline from the lead, after its dateline place (kept in the text).
    place, lead = dateline_place(stripped.strip())
    title = headline(lead, rule=headline_rule)
    return TextArticle(title, stripped.strip(), None, place)


def _after_blank_lines(text: str) -> str:
    """`text` from its first line that shows something: a first line of Hangul fillers or
    format characters is no title. Walked by index (a copy of the rest per line was
    quadratic in a file of such lines)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if not looks_blank(text[start:end]):
            return text[start:] if start else text
        start = end + 1
    return ""


def primary_language(tag: object) -> str | None:
    """`vi-VN` → `vi`; anything that is not a language tag → None."""
    if not isinstance(tag, str):
        return None
    match = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$", tag)
    return match.group(1).lower() if match else None

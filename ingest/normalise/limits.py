"""Limits on what a source's bytes may become after parsing: the body caps bound the wire
and the decompression, these bound entity expansion and what one item may hold."""

from __future__ import annotations

import re

from ingest.errors import FetchError

#: What one item keeps after parsing (characters). A long article is ~50,000 characters.
TITLE_CHARS = 1_000
TEXT_CHARS = 200_000
HTML_CHARS = 400_000  # over it the HTML is dropped and the (capped) text kept
SHORT_CHARS = 2_000  # URL, GUID, author, place

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
# The DOCTYPE up to its internal subset ("[") or its end (">"), quoted ids skipped.
_DOCTYPE_HEAD = re.compile(r"""(?:[^\["'>]+|"[^"]*"|'[^']*')*""")
# The internal subset, one token at a time: comments, processing instructions and quoted
# literals whole (what they hold is not markup), an entity declaration, the subset's end.
_SUBSET_TOKEN = re.compile(
    r"""<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|(<!ENTITY)|(\])|[^<"'\]]+|<""",
    re.IGNORECASE | re.DOTALL,
)


def refuse_entity_declarations(text: str) -> None:
    """Raise FetchError('parse') if the document's DOCTYPE declares entities.

    One 1 MB internal entity referenced 90 times turns a 1 MB feed into 90 MB of text
    after parsing, past every size cap. RSS and Atom need no entities of their own (the
    five XML ones and character references need no declaration), so a feed declaring
    some is refused rather than expanded.

    The internal subset is read token by token: a search that stopped at the first thing
    looking like an element was stopped by a comment or processing instruction holding
    one (`<!-- <x> -->`) before the declarations after it, and a 7.6 MB feed of entities
    that stay under expat's amplification limit took 1 GB to parse.
    """
    doctype = _DOCTYPE.search(text)
    if doctype is None:
        return
    head = _DOCTYPE_HEAD.match(text, doctype.end())
    assert head is not None  # the pattern matches the empty string
    if not text.startswith("[", head.end()):
        return
    for token in _SUBSET_TOKEN.finditer(text, head.end() + 1):
        if token.group(1):
            raise FetchError(
                "parse", "the document declares its own XML entities (<!ENTITY>); refused"
            )
        if token.group(2):
            return


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def drop_impossible_char_refs(text: str) -> str:
    """The document without character references to what no text can hold: a surrogate
    (`&#xD800;`) or a number past U+10FFFF. feedparser's loose parser raised on the first
    one, and the whole feed failed with its valid items; now only the reference is lost.
    The same string when there is none."""
    if "&#" not in text:
        return text

    def keep(match: re.Match[str]) -> str:
        hexa, digits = match.group(1), match.group(2)
        number = (hexa or digits).lstrip("0")
        if len(number) > 7:  # past U+10FFFF in either base, and no int() of 5,000 digits
            return ""
        value = int(number or "0", 16 if hexa else 10)
        return "" if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF else match.group(0)

    cleaned = _CHAR_REF.sub(keep, text)
    return text if cleaned == text else cleaned


# Tried only where a run starts (after "<" or at the start): tried at every position, a
# run just under the limit made the search quadratic (25 runs of 300,000 characters took
# minutes).
_LONG_RUN = re.compile("(?<![^<])[^<]{" + str(2 * TEXT_CHARS) + ",}")
_PARTIAL_ENTITY = re.compile(r"&[#\w]{0,12}$")


def shorten_text_runs(text: str) -> str:
    """The document with every run of text between two tags cut to twice `TEXT_CHARS`.

    Such a run is kept only up to `TEXT_CHARS` after parsing anyway; cutting it before
    the feed parser sees it keeps the parser's copies of it small.
    """

    def shorten(match: re.Match[str]) -> str:
        start = match.start()  # not match.group(0): a copy of the whole run
        return _PARTIAL_ENTITY.sub("", match.string[start : start + 2 * TEXT_CHARS])

    return _LONG_RUN.sub(shorten, text)


def cap(value: str, limit: int) -> str:
    """`value` cut to `limit` characters (at a space when one is near), marked with "…"."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut) + "…"


def cap_short(value: str | None) -> str | None:
    return value[:SHORT_CHARS] if value is not None else None

"""Canonical forms that dedup depends on: text, URL and the content hash over them."""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

#: Query parameters that identify a campaign or a click, never the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "at_medium",
        "at_campaign",
        "spm",
        "ocid",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "_hs")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Control characters, and characters that look like nothing but that str.split() keeps
# (zero-width spaces and joiners, word joiner, BOM, soft hyphen): dropped from text. So are
# the noncharacters U+FFFE and U+FFFF and lone surrogates, which no XML document (an Atom
# feed) can hold: one in one title stopped every feed from publishing. The C1 controls
# (but NEL, U+0085, which is white space) draw a box in readers: they are what is left of
# windows-1252 quotes and dashes decoded as Latin-1 by whoever published them, and are read
# as windows-1252 first (`_C1`); the five it leaves undefined are dropped here.
_STRIP = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\ud800-\udfff\ufffe\uffff]"
)


#: Letters that draw nothing: the Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories that draw nothing by themselves: spaces, controls, format characters (U+200B,
#: U+180E, tag characters), and marks with no letter to sit on.
_BLANK_CATEGORIES = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"))


def looks_blank(text: str) -> bool:
    """Whether `text` shows nothing: a title of Hangul fillers and format characters was
    kept as a title, an invisible link on the index, instead of a headline from the text."""
    return not any(
        c not in _BLANK_LETTERS and unicodedata.category(c) not in _BLANK_CATEGORIES for c in text
    )


def nfc(text: str) -> str:
    """Unicode NFC; cheap when the text is already composed (the common case)."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


#: Every character `str.split()` splits on but a space and a line feed (Python 3.11's
#: Unicode database; tests/ingest/test_canonical.py checks it against `str.isspace`, which
#: at import would cost every process, a folder poll's readers included, ~125 ms).
SPLIT_SPACES = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: What `_clean_lines` would change besides splitting lines, one character at a time:
#: a character `_STRIP` drops, or white space other than a space or a line feed.
_IRREGULAR = re.compile(f"[{SPLIT_SPACES}{_STRIP.pattern[1:-1]}]")


#: A no-break space's entity left as text by whoever scraped or escaped it twice
#: ("giữa&nbspLiên minh", "&amp;nbsp;"): the space it stood for.
_NBSP_ENTITY = re.compile("&nbsp;?")


#: C1 controls as the windows-1252 characters they were ("Lào\x92s" is "Lào’s").
_C1 = {
    code: char
    for code in range(0x80, 0xA0)
    if code != 0x85 and (char := bytes([code]).decode("cp1252", "ignore"))
}


def _repaired(text: str) -> str:
    """`&nbsp` left as letters is a space, C1 controls are the windows-1252 characters."""
    if "&nbsp" in text:
        text = _NBSP_ENTITY.sub(" ", text)
    return text.translate(_C1)


def _prepare(text: str) -> str:
    return _STRIP.sub("", nfc(_repaired(text)))


def _clean_lines(text: str) -> list[str]:
    """The non-blank lines of `text`, each NFC with its whitespace runs collapsed."""
    text = nfc(text)
    if (
        "&nbsp" not in text
        and _IRREGULAR.search(text) is None
        and "  " not in text
        and " \n" not in text
        and "\n " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        # Already clean, as a folder's or a feed's text nearly always is: its only white
        # space is single spaces inside lines. Splitting every line into words and joining
        # them again was ~60 % of an ingested article's normalising (144 of ~200 µs for
        # a 4 KB article), for nothing.
        return [line for line in text.split("\n") if line]
    # NFC again after the repair: a windows-1252 letter ("Ÿ" for \x9f) may now compose
    # with a mark after it (hypothesis found "\x9f\u0323").
    text = _STRIP.sub("", nfc(_repaired(text)))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One C-level split per line: for articles (tens of lines per 5 KB) this measured
    # 1.8x faster than splitting the whole text once with line ends kept as tokens and
    # repairing the tokens with replace() and a regex, as an earlier version did.
    return [line for raw in text.split("\n") if raw and (line := " ".join(raw.split()))]


def clean_text(text: str) -> str:
    """NFC, no control or invisible characters, paragraphs kept, spaces collapsed inside them.

    This is the stored `text`: readable, with paragraphs separated by a blank line.
    """
    return "\n\n".join(_clean_lines(text))


def clean_and_collapse(text: str) -> tuple[str, str]:
    """`(clean_text(text), collapse(text))` in one pass: the stored text and the hash input.

    The collapsed form is the cleaned lines joined by one space, since each cleaned line is
    already its words joined by one space.
    """
    lines = _clean_lines(text)
    return "\n\n".join(lines), " ".join(lines)


def collapse(text: str) -> str:
    """NFC, invisible characters dropped, every whitespace run one space, trimmed."""
    return " ".join(_prepare(text).split())


def content_hash(title: str, text: str) -> str:
    """SHA-256 hex of `collapse(title) + "\\n" + collapse(text)`, UTF-8 encoded.

    NFC and whitespace collapse make composed/decomposed Vietnamese and reflowed text
    one article; the title is included so two items with the same body but different
    headlines stay distinct only when the headline differs in words, not in spacing.
    """
    return hash_collapsed(collapse(title), collapse(text))


def hash_collapsed(title: str, text: str) -> str:
    """`content_hash` of a title and text that are already `collapse`d."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, default port and fragment dropped, tracking parameters
    removed, remaining parameters kept in order, path percent-encoding normalised.

    Returns None for anything that is not an absolute http(s) or file URL.
    """
    if not url:
        return None
    url = nfc(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "file":
        return urlunsplit(("file", "", quote(unquote(parts.path), safe="/:@"), "", ""))
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # leave a host the IDNA codec rejects as it is
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~") or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, netloc, path, query, ""))


#: The user name and password of an absolute URL (`http://user:pass@host/`): the authority
#: up to its last "@", which comes before any "/", "?" or "#" (or "\\", which browsers read
#: as "/": in `https://ex.com\\@evil.example/` the host is ex.com, not evil.example).
USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/\\?#]*@")


def without_userinfo(url: str) -> str:
    """`url` without a user name or password. An operator's source URL may carry them, and
    feedparser resolves every relative link of the feed against it: kept, they reached the
    published feeds and pages. A source's own `https://news.example@evil.example/` names
    evil.example, which is what is kept."""
    return USERINFO.sub(r"\1", url) if "@" in url else url


def url_key_digest(canonical: str) -> str:
    """A bounded-length digest of a canonical URL for the store's unique keys."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

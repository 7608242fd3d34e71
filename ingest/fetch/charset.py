"""Bytes to text: charset from BOM, HTTP header, XML declaration or HTML meta, then NFC.

Vietnamese legacy pages use windows-1258, which writes tone marks as combining
characters after the vowel; decoding gives decomposed text, so the result is always
NFC-normalised (the form the hash and the feeds use).
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass

from ingest.normalise.canonical import nfc

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: The BOMs of the encodings whose text holds NUL bytes (UTF-16, UTF-32).
WIDE_BOMS = tuple(bom for bom, codec in _BOMS if codec != "utf-8")
# Without a BOM, the first character of an XML document is '<' in a wide encoding.
_WIDE = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.IGNORECASE)
_META = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)",
    re.IGNORECASE,
)
_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # the Python codec name used
    source: str  # bom, header, xml, meta, utf-8, fallback
    lossy: bool  # undecodable bytes were replaced (a wrong or missing charset)
    #: `text` is exactly the bytes decoded (no BOM dropped, already NFC): the bytes may stand
    #: in for it when the encoding is UTF-8, saving a re-encoded copy of the document.
    verbatim: bool = False
    #: The header's charset, passed over for the document's own (or its letters'): said.
    overridden: str | None = None

    def doubt(self) -> str | None:
        """What a reader of the text should be warned of, one line: replaced bytes, or a
        charset that was guessed (every byte mapped, but maybe to the wrong letters). None
        for text decoded as declared or as valid UTF-8."""
        if self.lossy:
            return f"charset did not fit the bytes; decoded as {self.encoding} with replacements"
        if self.source == "fallback":
            return f"no charset declared and not UTF-8; read as {self.encoding}"
        if self.overridden is not None:
            said = "declares" if self.source in ("xml", "meta") else "reads as Vietnamese in"
            return (
                f"the HTTP header's charset ({self.overridden}) did not fit; read as"
                f" {self.encoding}, which the document {said}"
            )
        return None


def codec_name(label: str | None) -> str | None:
    """A Python codec for a charset label, or None for unknown labels."""
    if not label:
        return None
    label = label.strip().lower()
    # Labels browsers treat as their superset, as the WHATWG Encoding standard says.
    label = {
        "iso-8859-1": "cp1252",
        "latin1": "cp1252",
        "us-ascii": "cp1252",
        "ascii": "cp1252",
    }.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # UTF-7 and friends are not charsets a web server legitimately means.
    if info.name in ("utf-7", "rot-13", "base64", "hex", "zlib", "bz2", "quopri", "uu"):
        return None
    return info.name


#: The labels a server sends by default for every file (Apache's AddDefaultCharset, the
#: old HTTP/1.1 default): not the document's word on its charset.
_DEFAULT_LABELS = frozenset(("iso-8859-1", "latin1", "latin-1", "iso8859-1", "us-ascii", "ascii"))


def _default_label(content_type: str | None) -> bool:
    label = header_charset(content_type)
    return label is not None and label.strip().lower() in _DEFAULT_LABELS


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _candidates(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    head = body[:4096]
    found: list[tuple[str, str]] = []
    for bom, name in _BOMS:
        if head.startswith(bom):
            return [(name, "bom")]
    for prefix, name in _WIDE:
        if head.startswith(prefix):
            return [(name, "bom")]
    declared = [(header_charset(content_type), "header")]
    if m := _XML_DECL.match(head):
        declared.append((m.group(1).decode("ascii"), "xml"))
    # A case-insensitive regex cannot skip ahead to "<meta"; most plain-text files have no
    # "<" at all, which a byte search rules out at memchr speed.
    if b"<" in head and (m := _META.search(head)):
        declared.append((m.group(1).decode("ascii"), "meta"))
    for label, how in declared:
        if (codec := codec_name(label)) is not None:
            found.append((codec, how))
    found.append(("utf-8", "utf-8"))
    return found


def decode(body: bytes, content_type: str | None = None, *, language: str | None = None) -> Decoded:
    """Decode `body` with the first declared charset that decodes it cleanly, NFC-normalised.

    A declaration that does not fit the bytes (a wrong charset) falls through to the
    next one. Undeclared bytes that are not UTF-8 are read as the legacy charset of the
    source's language, or, without one, of the text (`_legacy_codec`). Bytes that charset
    cannot map become U+FFFD, and the result is then marked `lossy` so the caller logs a
    warning.
    """
    candidates = _candidates(body, content_type)
    own: tuple[str, str] | None = None
    if _default_label(content_type) and not body.isascii():
        # A Western charset in the header is often the server's default (Apache's
        # AddDefaultCharset), not the document's: windows-1252 maps every byte, so it never
        # failed over to the document's own declaration, and Vietnamese in windows-1258
        # was stored as "ThuÒ týõìng" for good. The document's own word wins, or, with none,
        # bytes that read as Vietnamese in windows-1258.
        own = next(
            (c for c in candidates[1:3] if c[1] in ("xml", "meta") and c[0] != "cp1252"), None
        )
        if own is None and _reads_vietnamese(body):
            own = ("cp1258", "tones")
        if own is not None:
            candidates = [own, *candidates]
    for name, how in candidates:
        try:
            raw = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        text = nfc(raw.lstrip("\ufeff"))
        overridden = "cp1252" if own is not None and (name, how) == own else None
        return Decoded(text, name, how, lossy=False, verbatim=text is raw, overridden=overridden)
    first, how = candidates[0]
    fallback = first if how != "utf-8" else _legacy_codec(body, language)
    try:
        text, lossy = body.decode(fallback), False
    except UnicodeDecodeError:
        text, lossy = body.decode(fallback, errors="replace"), True
    return Decoded(nfc(text.lstrip("\ufeff")), fallback, "fallback", lossy=lossy)


#: The tone marks windows-1258 writes as combining characters after a vowel (bytes CC, EC,
#: DE, D2, F2; windows-1252 reads them as Ì ì Þ Ò ò).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
#: Read as windows-1258 with at least this share of its letters a vowel followed by such a
#: mark, and at least TONE_COUNT of them, undeclared bytes are Vietnamese: the 196 real
#: articles of `news-vi`, so encoded, have 0.12 to 0.21; Western European text in
#: windows-1252 has none (Italian's ì and ò follow consonants: "così", "però").
TONE_SHARE = 0.05
TONE_COUNT = 3


def _legacy_codec(body: bytes, language: str | None) -> str:
    """The legacy charset of undeclared bytes that are not UTF-8: windows-1258 for a
    Vietnamese source, or, with no language given, for bytes that read as Vietnamese in it;
    else windows-1252. Guessing windows-1252 for Vietnamese stored "Ðà NãÞng" for "Đà
    Nẵng" in the log, for good."""
    if language is not None:
        return "cp1258" if language == "vi" else "cp1252"
    return "cp1258" if _reads_vietnamese(body) else "cp1252"


def _reads_vietnamese(body: bytes) -> bool:
    head = body[:4096].decode("cp1258", errors="replace")
    letters = sum(c.isalpha() for c in head)
    tones = sum(c in _TONES and v in _VOWELS for v, c in itertools.pairwise(head))
    return tones >= TONE_COUNT and tones >= TONE_SHARE * letters


def utf8_declared(text: str) -> bool:
    """Whether the XML declaration, if any, already says UTF-8 (as_utf8_xml would keep it)."""
    match = _DECL_ENCODING.match(text[:1024])
    return match is None or codec_name(match.group(0)[:-1].rsplit(match.group(2), 1)[1]) == "utf-8"


def as_utf8_xml(text: str) -> bytes:
    """The decoded document as UTF-8 bytes whose XML declaration says so, for feedparser."""
    return _DECL_ENCODING.sub(r"\1\2utf-8\2", text, count=1).encode("utf-8")

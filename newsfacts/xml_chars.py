"""Characters XML 1.0 cannot hold, and their removal from text bound for a feed document.

lxml (under feedgen) refuses a document with any of them, so one article holding one (a
U+FFFF in a title, a control character in a hostile feed's HTML) stopped every feed from
publishing. Both sides of the log keep to one rule: `ingest` drops them from the HTML it
keeps (republished inside Atom documents), and `feeds` from whatever else it renders (the
log keeps titles and texts as ingested; rendering leaves them out the same way for the
same rows, so it stays a pure function)."""

from __future__ import annotations

import re

#: Not in XML 1.0's Char production: C0 controls but tab, line feed and carriage return;
#: surrogates (a lone one in a Python str); U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (the same object when it has none,
    the common case: one search, no copy)."""
    return text if NOT_XML.search(text) is None else NOT_XML.sub("", text)


def xml_safe_optional(text: str | None) -> str | None:
    return None if text is None else xml_safe(text)

"""Headlines for articles without a title line (wire-style dateline texts): the first sentence,
cut at a clause or phrase boundary within about 100 characters, never inside a word."""

from __future__ import annotations

import re

HEADLINE_CHARS = 100
#: `sentence`: the first sentence, shortened at a clause, phrase or word boundary;
#: `clause`: the first sentence up to its first clause boundary, shortened the same way.
RULES = ("sentence", "clause")

# A sentence ends at . ! ? … followed by a space and a capital letter (or the text's end):
# "US$5.6 billion", "Mr." before a lower-case word and "No. 3" stay inside the sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»)]?\s+(?=[\"“«(]?[A-ZÀ-Ỹ0-9])")
# Where a clause ends: a comma, semicolon or colon, a dash between spaces, an opening bracket.
_CLAUSE = re.compile(r"[,;:](?=\s)|\s[—–-](?=\s)|\s(?=\()")
# Words that start a phrase: cutting before one leaves a headline that reads as complete
# ("… held talks" rather than "… held talks with his Lao").
_PHRASE_STARTS = frozenset(
    "in on at with for to of from by as after before during while when which that who "
    "and but or amid under over about against between into than "
    "tại với về và của trong nhằm để khi sau trước cho theo từ đến do bởi nhưng hoặc "
    "giữa nhân trên dưới qua".split()
)
_TRAILING = " ,;:—–-"
# A photo's credit or caption note in brackets: "(Ảnh: Reuters)", "(Ảnh minh họa)",
# "(Photo: VNA)", "(Nguồn: AFP)": the word alone, or followed by a colon; "(nguồn vốn ODA)"
# and "(hình sự)" are the sentence's own words. A lead sentence that is a photo's caption
# keeps its words, not the credit.
_CREDIT = re.compile(
    r"\s*\((?:ảnh|photo|nguồn|video|clip)(?:\s+minh\s+họa)?\s*(?::[^()]{0,80})?\)",
    re.IGNORECASE,
)


def headline(text: str, *, rule: str = "sentence", limit: int = HEADLINE_CHARS) -> str:
    """A one-line title for `text` (its first paragraph is used); "" for an empty text."""
    if rule not in RULES:
        raise ValueError(f"unknown headline rule {rule!r} (known: {', '.join(RULES)})")
    paragraph = " ".join(text.strip().split("\n", 1)[0].split())
    sentence = _SENTENCE_END.split(paragraph, maxsplit=1)[0]
    if "(" in sentence:
        sentence = _CREDIT.sub("", sentence).strip() or sentence
    if rule == "clause":
        first = _CLAUSE.search(sentence, 20)
        if first is not None:
            return _shorten(sentence[: first.start()].rstrip(_TRAILING), limit)
    return _shorten(sentence, limit)


def _shorten(sentence: str, limit: int) -> str:
    cut = _cut(sentence, limit)
    if not cut.endswith("…") or sentence.endswith("…"):
        return cut
    head = cut.removesuffix("…")
    opened = head.rfind("(")
    if opened > head.rfind(")") and opened >= limit * 2 // 5:
        # Never a bracket left open: "… trước khi gặp nạn (Ảnh…" ends before it.
        return head[:opened].rstrip(_TRAILING) + "…"
    return cut


def _cut(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence[:-1] if sentence.endswith(".") and not sentence.endswith("..") else sentence
    floor = limit * 2 // 5  # a cut must keep a useful part of the sentence
    clauses = [m.start() for m in _CLAUSE.finditer(sentence) if floor <= m.start() <= limit]
    if clauses:
        return sentence[: clauses[-1]].rstrip(_TRAILING) + "…"
    words = [m.start() for m in re.finditer(r" ", sentence) if m.start() <= limit]
    phrases = [
        at
        for at in words
        if at >= limit // 2 and sentence[at + 1 :].split(" ", 1)[0].lower() in _PHRASE_STARTS
    ]
    if phrases:
        return sentence[: phrases[-1]].rstrip(_TRAILING) + "…"
    if words:
        return sentence[: words[-1]].rstrip(_TRAILING) + "…"
    # One word longer than the limit: the whole word, never half of it.
    return sentence.split(" ", 1)[0] + "…"

"""What a page shows of one text against another (a revision against the text before it,
a copy against its story's first report): runs of kept, removed and added text."""

from __future__ import annotations

import difflib
import re

#: A word with the spaces after it: changed neighbouring words then form one run
#: ("giáo dục" -> "y tế"), not two runs split by a kept space.
_TOKENS = re.compile(r"\S+\s*|\s+")
#: A paragraph break: a blank line and the white space around it.
_BREAK = re.compile(r"(\n[ \t]*\n\s*)")
#: Most word pairs one changed passage is compared over. `SequenceMatcher` takes time in
#: the product of the two lengths: ten shuffled copies of a 200 KB text took a minute of
#: CPU on one story page (6.7 s a pair). A passage beyond it shows as removed and added.
WORD_PAIRS = 400_000


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The new text against the old: runs of kept ("="), removed ("-") and added ("+")
    text, which a page shows as plain, struck-out and highlighted text. Paragraphs are
    matched first, so a moved paragraph reads as one paragraph removed and one added (not
    its words interleaved with the text it crossed), then the words of each changed
    passage, when it is short enough to compare (`WORD_PAIRS`)."""
    a, b = _paragraphs(old), _paragraphs(new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append(("=", removed))
        elif op == "replace":
            runs.extend(_words_changed(removed, added))
        else:
            runs.append(("-", removed) if removed else ("+", added))
    return _joined(runs)


def _paragraphs(text: str) -> list[str]:
    """`text` as its paragraphs and the breaks between them, each an item of its own (so a
    last paragraph, with no break after it, still matches itself elsewhere)."""
    return [piece for piece in _BREAK.split(text) if piece]


def _words_changed(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) * len(b) > WORD_PAIRS:
        return [("-", old), ("+", new)]
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("=", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            runs.append(("-", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("+", "".join(b[j1:j2])))
    return runs


def _joined(runs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Neighbouring runs of one kind as one run."""
    joined: list[tuple[str, str]] = []
    for kind, text in runs:
        if joined and joined[-1][0] == kind:
            joined[-1] = (kind, joined[-1][1] + text)
        elif text:
            joined.append((kind, text))
    return tuple(joined)

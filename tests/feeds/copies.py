"""The labelled set of near-duplicate detection: syndicated copies made from real articles by
documented edit operations, and hard negatives. Read from ../shared at test and benchmark time,
never copied into the repository. docs/stories.md lists the operations."""

from __future__ import annotations

import itertools
import json
import math
import random
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "news-vi"
MEETINGS = Path(__file__).resolve().parent.parent / "fixtures" / "stories" / "meetings.toml"
SEED = 20261130


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    day: date | None = None
    group: str = ""  # corpus: category; meetings: the event reported
    language: str = "vi"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def load_corpus(root: Path = CORPUS) -> list[Doc]:
    """The news-vi articles: first line the title, then one paragraph a line."""
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["articles"]
    docs = []
    for path in sorted(root.glob("undertheseanlp-*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        label = labels[path.stem]
        day = date.fromisoformat(label["date"]) if label["date"] else None
        lines = tuple(line.strip() for line in body.split("\n") if line.strip())
        docs.append(Doc(path.stem, title.strip(), lines, day, label["source"]["category"]))
    return docs


def load_meetings(path: Path = MEETINGS) -> list[Doc]:
    articles = tomllib.loads(path.read_text(encoding="utf-8"))["articles"]
    return [
        Doc(
            a["key"],
            a["title"],
            tuple(p.strip() for p in a["text"].strip().split("\n\n")),
            date.fromisoformat(a["date"]),
            a["event"],
            a["language"],
        )
        for a in articles
    ]


# --- edit operations: each makes the copy a syndicating site would publish ----------------

AGENCIES = ("TTXVN", "VNA", "Báo Nhân Dân", "VietnamPlus", "Báo Chính phủ")
NAMES = ("Minh Đức", "Thu Hà", "Quang Vinh", "Ngọc Lan", "Hoàng Nam", "Phương Thảo")


def rewritten_lead(doc: Doc, rng: random.Random) -> Doc:
    """The first paragraph rewritten: its clauses in reverse order, a third of its words
    dropped, an attribution phrase in front; every other paragraph as it was."""
    clauses = [c.split() for c in doc.paragraphs[0].split(",")][::-1]
    words = [w for clause in clauses for i, w in enumerate(clause) if i % 3 != 1]
    lead = f"Theo {rng.choice(AGENCIES)}, " + " ".join(words)
    return replace(doc, paragraphs=(lead, *doc.paragraphs[1:]))


def dropped_lead(doc: Doc, rng: random.Random) -> Doc:
    """The first paragraph removed."""
    return replace(doc, paragraphs=doc.paragraphs[1:])


def byline_and_caption(doc: Doc, rng: random.Random) -> Doc:
    """A photo caption after the second paragraph and a byline at the end."""
    name, agency = rng.choice(NAMES), rng.choice(AGENCIES)
    caption = f"Quang cảnh buổi làm việc. (Ảnh: {name}/{agency})"
    paragraphs = (*doc.paragraphs[:2], caption, *doc.paragraphs[2:], f"{name} ({agency})")
    return replace(doc, paragraphs=paragraphs)


def dropped_paragraphs(doc: Doc, rng: random.Random) -> Doc:
    """A fifth of the paragraphs after the lead (at least one) removed at random."""
    body = list(doc.paragraphs[1:])
    for _ in range(max(1, len(body) // 5)):
        if len(body) > 1:
            body.pop(rng.randrange(len(body)))
    return replace(doc, paragraphs=(doc.paragraphs[0], *body))


def reordered_paragraphs(doc: Doc, rng: random.Random) -> Doc:
    """The paragraphs after the lead shuffled."""
    body = list(doc.paragraphs[1:])
    rng.shuffle(body)
    return replace(doc, paragraphs=(doc.paragraphs[0], *body))


def changed_headline(doc: Doc, rng: random.Random) -> Doc:
    """A different headline: the agency's name and the last paragraph's first eight words."""
    words = doc.paragraphs[-1].split()[:8]
    return replace(doc, title=f"{rng.choice(AGENCIES)}: " + " ".join(words))


def truncated(doc: Doc, rng: random.Random) -> Doc:
    """Only the first N paragraphs, N the larger of 3 and 40 % of them ("read more" copies)."""
    keep = max(3, math.ceil(len(doc.paragraphs) * 0.4))
    return replace(doc, paragraphs=doc.paragraphs[:keep])


def nfd_and_whitespace(doc: Doc, rng: random.Random) -> Doc:
    """Decomposed Unicode (NFD), doubled spaces, and lines wrapped at about 70 characters."""

    def noisy(text: str) -> str:
        wrapped, width = [], 0
        for word in unicodedata.normalize("NFD", text).split(" "):
            width += len(word) + 1
            wrapped.append(word + (" \n" if width > 70 else "  "))
            width = 0 if width > 70 else width
        return "".join(wrapped).strip()

    return replace(doc, title=noisy(doc.title), paragraphs=tuple(noisy(p) for p in doc.paragraphs))


def syndicated(doc: Doc, rng: random.Random) -> Doc:
    """The usual mix: a new headline, a rewritten lead, a paragraph dropped, a byline."""
    for edit in (changed_headline, rewritten_lead, dropped_paragraphs, byline_and_caption):
        doc = edit(doc, rng)
    return doc


def overlapping_parts(doc: Doc) -> tuple[Doc, Doc]:
    """Two parts of one report that overlap by a third (a truncated copy; one without its
    lead, under another headline), too little for either to be a copy of the other: two
    stories until the whole report arrives and bridges them."""
    third = len(doc.paragraphs) // 3
    return (
        replace(doc, paragraphs=doc.paragraphs[: 2 * third]),
        replace(doc, title="Tiếp theo", paragraphs=doc.paragraphs[third:]),
    )


EDITS: dict[str, Callable[[Doc, random.Random], Doc]] = {
    "rewritten-lead": rewritten_lead,
    "dropped-lead": dropped_lead,
    "byline-and-caption": byline_and_caption,
    "dropped-paragraphs": dropped_paragraphs,
    "reordered-paragraphs": reordered_paragraphs,
    "changed-headline": changed_headline,
    "truncated": truncated,
    "nfd-and-whitespace": nfd_and_whitespace,
    "syndicated": syndicated,
}


@dataclass(frozen=True)
class Pair:
    a: Doc
    b: Doc
    kind: str  # an edit name (a copy), or "same-subject-week" / "other-meeting" (not a copy)
    copy: bool


def copy_pairs(docs: list[Doc], *, seed: int = SEED) -> list[Pair]:
    """(original, edited copy) for every article with at least 4 paragraphs and every edit."""
    rng = random.Random(seed)
    pairs = []
    for doc in docs:
        if len(doc.paragraphs) < 4:
            continue
        for name, edit in EDITS.items():
            copy = edit(doc, rng)
            pairs.append(Pair(doc, replace(copy, key=f"{doc.key}~{name}"), name, True))
    return pairs


def same_subject_week(docs: list[Doc]) -> list[Pair]:
    """Different articles of the same category published within 7 days of each other."""
    return [
        Pair(a, b, "same-subject-week", False)
        for a, b in itertools.combinations(docs, 2)
        if a.group == b.group and a.day and b.day and abs((a.day - b.day).days) <= 7
    ]


def other_meetings(meetings: list[Doc]) -> list[Pair]:
    """Reports of two different meetings of the same two countries, in the same language."""
    return [
        Pair(a, b, "other-meeting", False)
        for a, b in itertools.combinations(meetings, 2)
        if a.group != b.group and a.language == b.language
    ]

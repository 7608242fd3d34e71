"""Quality half of the stories benchmark: pair precision and recall of near-duplicate detection
on the labelled set of tests/feeds/copies.py, per edit operation, against the thresholds, and
through the whole grouping (LSH candidates included); saves the precision/recall plot."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from feeds.copies import MIN_CONTAINED, Settings, similarity
from feeds.neardup import Grouper
from feeds.shingles import Hashes, shingles
from tests.feeds.copies import (
    Doc,
    Pair,
    copy_pairs,
    load_corpus,
    load_meetings,
    other_meetings,
    same_subject_week,
)


@dataclass(frozen=True)
class Scored:
    kind: str
    copy: bool
    jaccard: float
    containment: float
    smaller: int


def labelled_pairs() -> tuple[list[Doc], list[Doc], list[Pair]]:
    docs, meetings = load_corpus(), load_meetings()
    return docs, meetings, copy_pairs(docs) + same_subject_week(docs) + other_meetings(meetings)


def score(pairs: Iterable[Pair]) -> list[Scored]:
    cache: dict[str, Hashes] = {}

    def of(doc: Doc) -> Hashes:
        if doc.key not in cache:
            cache[doc.key] = shingles(doc.title, doc.text)
        return cache[doc.key]

    scored = []
    for pair in pairs:
        found = similarity(of(pair.a), of(pair.b))
        scored.append(Scored(pair.kind, pair.copy, found.jaccard, found.containment, found.smaller))
    return scored


def precision_recall(scored: list[Scored], settings: Settings) -> tuple[float, float, int, int]:
    """(precision, recall, false positives, false negatives) of the exact confirmation rule."""
    tp = fp = fn = 0
    for s in scored:
        said = s.jaccard >= settings.jaccard or (
            s.containment >= settings.containment and s.smaller >= MIN_CONTAINED
        )
        tp += said and s.copy
        fp += said and not s.copy
        fn += s.copy and not said
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / (tp + fn) if tp + fn else 1.0, fp, fn


def per_kind(scored: list[Scored], settings: Settings) -> dict[str, tuple[int, int]]:
    """kind -> (pairs, pairs judged copies)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in scored:
        counts[s.kind][0] += 1
        counts[s.kind][1] += s.jaccard >= settings.jaccard or (
            s.containment >= settings.containment and s.smaller >= MIN_CONTAINED
        )
    return {kind: (n, said) for kind, (n, said) in counts.items()}


def through_grouper(
    docs: list[Doc], meetings: list[Doc], pairs: list[Pair], settings: Settings
) -> dict[str, float]:
    """Pair precision and recall of the whole grouping (LSH candidates included) on the
    labelled pairs: the originals and meeting reports go in first (shuffled, fixed seed), then
    every edited copy (shuffled). A copy pair is found when the copy ends in its original's
    story; a negative pair is a mistake when both texts end in one story."""
    rng = random.Random(3)
    first = [*docs, *meetings]
    rng.shuffle(first)
    copies = [p.b for p in pairs if p.copy]
    rng.shuffle(copies)
    hashes = {d.key: shingles(d.title, d.text) for d in [*first, *copies]}
    grouper = Grouper(settings)
    for d in [*first, *copies]:
        grouper.add(d.key, hashes[d.key], hashes.__getitem__)
    story = {d.key: grouper.story_of(d.key) for d in [*first, *copies]}
    tp = sum(story[p.a.key] == story[p.b.key] for p in pairs if p.copy)
    fp = sum(story[p.a.key] == story[p.b.key] for p in pairs if not p.copy)
    positives = sum(p.copy for p in pairs)
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / positives,
        "fp": fp,
        "fn": positives - tp,
    }


@dataclass(frozen=True)
class Pool:
    """Every corpus article, one edited copy of each per edit operation, and the meeting
    reports, shuffled with a fixed seed: the input of the whole-grouping measurement."""

    order: list[str]
    origin: dict[str, str]
    hashes: dict[str, Hashes]


ORDERS = (7, 11, 5, 1, 2)  # arrival orders of the stress measurement


def pool(docs: list[Doc], meetings: list[Doc], *, seed: int = ORDERS[0]) -> Pool:
    pairs = copy_pairs(docs)
    texts = {d.key: d for d in docs} | {p.b.key: p.b for p in pairs} | {m.key: m for m in meetings}
    origin = {d.key: d.key for d in docs} | {p.b.key: p.a.key for p in pairs}
    origin |= {m.key: m.key for m in meetings}
    order = sorted(texts)
    random.Random(seed).shuffle(order)
    hashes = {key: shingles(texts[key].title, texts[key].text) for key in order}
    return Pool(order, origin, hashes)


def worst(pools: list[Pool], settings: Settings) -> dict[str, float]:
    """The lowest precision and the lowest recall over several orders of the same pool:
    the order articles arrive in can matter (which copy starts a story, which bridges)."""
    runs = [grouped_pairs(texts, settings) for texts in pools]
    return {
        "texts": runs[0]["texts"],
        "predicted": max(r["predicted"] for r in runs),
        "true": runs[0]["true"],
        "precision": min(r["precision"] for r in runs),
        "recall": min(r["recall"] for r in runs),
    }


def grouped_pairs(texts: Pool, settings: Settings) -> dict[str, float]:
    """Pair precision and recall of the whole grouping (LSH candidates, confirmation, story
    assignment) over the pool in its order. Two texts are a true pair when they come from
    the same original; a said pair when they end in the same story."""
    grouper = Grouper(settings)
    hashes, origin = texts.hashes, texts.origin
    members: dict[str, list[str]] = defaultdict(list)
    for key in texts.order:
        grouper.add(key, hashes[key], hashes.__getitem__)
    for key in texts.order:  # the stories at the end, after any merges
        members[grouper.story_of(key)].append(key)
    sources: dict[str, int] = defaultdict(int)
    for key in texts.order:
        sources[origin[key]] += 1
    said = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    true = sum(n * (n - 1) // 2 for n in sources.values())
    correct = 0
    for m in members.values():
        per_origin: dict[str, int] = defaultdict(int)
        for key in m:
            per_origin[origin[key]] += 1
        correct += sum(n * (n - 1) // 2 for n in per_origin.values())
    return {
        "texts": len(texts.order),
        "predicted": said,
        "true": true,
        "precision": correct / said if said else 1.0,
        "recall": correct / true if true else 1.0,
    }


def plot(
    scored: list[Scored],
    labelled: tuple[list[Doc], list[Doc], list[Pair]],
    pools: list[Pool],
    settings: Settings,
    path: Path,
) -> None:
    """Pair precision and recall against the Jaccard threshold (containment as set) and the
    containment threshold (Jaccard as set): of the confirmation rule alone (dashed), of the
    whole grouping, LSH candidates included (solid), on the labelled pairs, and the worst
    precision of the stress stream over its arrival orders (dotted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.round(np.arange(0.3, 1.0001, 0.025), 3)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for axis, field in zip(axes, ("jaccard", "containment"), strict=True):
        rule = [precision_recall(scored, replace(settings, **{field: t})) for t in grid]
        whole = [through_grouper(*labelled, replace(settings, **{field: t})) for t in grid]
        axis.plot(grid, [w["precision"] for w in whole], color="tab:blue", label="precision")
        axis.plot(grid, [w["recall"] for w in whole], color="tab:orange", label="recall")
        axis.plot(grid, [r[0] for r in rule], color="tab:blue", linestyle="--", linewidth=0.8)
        axis.plot(grid, [r[1] for r in rule], color="tab:orange", linestyle="--", linewidth=0.8)
        coarse = grid[(grid >= 0.5) & (np.round(grid * 20) == grid * 20)]
        stress = [worst(pools, replace(settings, **{field: t}))["precision"] for t in coarse]
        axis.plot(coarse, stress, color="tab:blue", linestyle=":", label="precision, stress")
        axis.axvline(getattr(settings, field), color="grey", linestyle=":", label="chosen")
        axis.axhline(0.99, color="tab:blue", linewidth=0.5)
        axis.axhline(0.95, color="tab:orange", linewidth=0.5)
        other = "containment" if field == "jaccard" else "jaccard"
        axis.set_title(f"{field} threshold ({other} ≥ {getattr(settings, other)})")
        axis.set_xlabel(f"{field} threshold")
        axis.set_ylim(0.9, 1.003)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("pair precision / recall (solid: whole grouping)")
    axes[0].legend(loc="lower left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def roundups(docs: list[Doc], settings: Settings) -> tuple[int, int]:
    """Round-ups ("Tin vắn", a daily digest) that paste two unrelated reports together,
    each after its two reports: how many merged the two reports' stories, of how many.
    A round-up contains each report whole, so it is a copy of both by containment; only
    the bridge rule (`neardup.BRIDGE_OVERLAP`) keeps their stories apart."""
    grouper = Grouper(settings)
    hashes: dict[str, Hashes] = {}
    merged = total = 0
    for a, b in zip(docs[0::2], docs[1::2], strict=False):
        digest = f"roundup-{a.key}-{b.key}"
        hashes[a.key] = shingles(a.title, a.text)
        hashes[b.key] = shingles(b.title, b.text)
        hashes[digest] = shingles("Tin vắn", f"{a.title}\n\n{a.text}\n\n{b.title}\n\n{b.text}")
        for key in (a.key, b.key, digest):
            grouper.add(key, hashes[key], hashes.__getitem__)
        total += 1
        merged += grouper.story_of(a.key) == grouper.story_of(b.key)
    return merged, total

"""Precision and recall of the shipped topics on the real labelled articles (news-vi tuning and
validation parts) and on the articles written for the tests.

    python benchmarks/topics_measure.py [--errors]

`--errors` lists the misclassified articles of the tuning part and of the written set only:
the validation part is only ever reported in aggregate, and only with `--validation`, so that
it stays unseen while tuning.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds.classify import ArticleText, classify
from feeds.topics import load_topics
from tests.feeds import news_vi
from tests.feeds.conftest import labelled

TOPICS = load_topics({}, file="<shipped>", base_dir=Path("."))


def score(
    articles: Iterable[tuple[str, ArticleText, frozenset[str]]], *, errors: bool
) -> dict[str, tuple[float, float, int, int]]:
    counts = {t: [0, 0, 0] for t in news_vi.TOPICS}  # tp, fp, fn
    wrong: list[str] = []
    for article_id, text, expected in articles:
        predicted = {m.topic for m in classify(text, TOPICS)}
        for topic, c in counts.items():
            p, e = topic in predicted, topic in expected
            c[0] += p and e
            c[1] += p and not e
            c[2] += e and not p
            if errors and p != e:
                wrong.append(f"  {'FP' if p else 'FN'} {topic:20} {article_id}")
    for line in wrong:
        print(line)
    result = {}
    for topic, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        result[topic] = (precision, recall, tp + fn, tp + fp)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list errors (never validation)")
    parser.add_argument(
        "--validation", action="store_true", help="also score the validation part (aggregate)"
    )
    args = parser.parse_args()
    parts = {
        "news-vi tuning": [
            (a.id, ArticleText(a.title, a.text, a.language), a.topics)
            for a in news_vi.load("tuning")
        ],
        "news-vi validation": [
            (a.id, ArticleText(a.title, a.text, a.language), a.topics)
            for a in (news_vi.load("validation") if args.validation else [])
        ],
        "written for the tests": [
            (
                str(a["id"]),
                ArticleText(str(a["title"]), str(a["text"]), str(a["language"])),
                frozenset(a["topics"]),
            )
            for a in labelled(classes=True)
        ],
    }
    print(f"{'set':24} {'n':>4}  {'bilateral P / R (pos)':>24}  {'economic P / R (pos)':>24}")
    for name, articles in parts.items():
        if not articles:
            continue
        show = args.errors and name != "news-vi validation"
        if show:
            print(f"{name}:")
        r = score(articles, errors=show)
        cells = [f"{r[t][0]:.2f} / {r[t][1]:.2f} ({r[t][2]:>3})".rjust(24) for t in news_vi.TOPICS]
        print(f"{name:24} {len(articles):>4}  {'  '.join(cells)}")


if __name__ == "__main__":
    main()

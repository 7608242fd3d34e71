"""CPU of the pure extractors on hostile texts, against real news of the same run.

    .venv/bin/python benchmarks/extractors_bench.py [--sizes 20000,100000,200000]

A source can send up to 200,000 characters of text an item (`TEXT_CHARS`). The figures and
meetings extractors read a text sentence by sentence, and parts of them grow with the
square or cube of a sentence's length: a text with no full stop ("tăng 12,5% …, đạt 476,8
triệu USD, " repeated) took 59 s of CPU at 80,000 characters and would take ~15 minutes at
200,000 (the seventeenth session's attack). Sentences are read in pieces of at most
`feeds.text.MAX_SENTENCE` characters now, so the cost is linear in the text.

Printed: the CPU (time.process_time) of `article_figures` and `extract_meetings` per text,
and per 1,000 characters, for each hostile shape at each size; and the same per 1,000
characters for the real articles of ../shared/corpus/news-vi, the baseline of the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.figures import article_figures  # noqa: E402
from feeds.meetings import extract_meetings  # noqa: E402
from tests.feeds import news_vi  # noqa: E402

SHAPES: dict[str, str] = {
    "figures, no full stop": "tăng 12,5% so với năm 2023, đạt 476,8 triệu USD, ",
    "US$ amounts": "US$1 ",
    "percentages": "12% ",
    "meeting phrase": "Thủ tướng Việt Nam hội đàm với Thủ tướng Lào ",
}
Extract = Callable[[str, str], object]
EXTRACTORS: dict[str, Extract] = {
    "figures": lambda title, text: article_figures(title, text, language="vi"),
    "meetings": lambda title, text: extract_meetings(title, text, language="vi"),
}


def cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,100000,200000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    articles = news_vi.load("tuning") + news_vi.load("validation")
    chars = sum(len(a.title) + len(a.text) for a in articles)
    print(f"baseline: {len(articles)} news-vi articles, {chars:,} characters")
    for name, extract in EXTRACTORS.items():
        spent = sum(cpu(lambda a=a, e=extract: e(a.title, a.text)) for a in articles)
        print(f"  {name:<9} {spent * 1e3 / (chars / 1000):8.3f} ms per 1,000 characters")
    print(f"\n{'shape':<24} {'chars':>8} " + " ".join(f"{n + ' s':>11}" for n in EXTRACTORS)
          + " " + " ".join(f"{n + ' ms/k':>14}" for n in EXTRACTORS))  # fmt: skip
    for name, unit in SHAPES.items():
        for size in sizes:
            text = (unit * (size // len(unit) + 1))[:size]
            spent = [cpu(lambda e=e, t=text: e("", t)) for e in EXTRACTORS.values()]
            per_k = [s * 1e3 / (size / 1000) for s in spent]
            print(f"{name:<24} {size:>8,} " + " ".join(f"{s:>11.2f}" for s in spent)
                  + " " + " ".join(f"{p:>14.3f}" for p in per_k))  # fmt: skip


if __name__ == "__main__":
    main()

"""Meeting extractor: CPU per article and an output digest, on every input set it runs on.

    .venv/bin/python benchmarks/meetings_bench.py [--generated 20000] [--real 5000]
        [--legacy 5000] [--dump out.jsonl] [--check out.jsonl] [--baseline DIR] [--rounds 3]

Sets: the real articles of ../shared/corpus/news-vi (as the tests read them, and with one
paragraph per "\\n\\n" block as the stories tests do), every fixture article under
tests/fixtures, the stories benchmark's generated ~5 KB articles (`stories_bench.Articles`),
the feeds replay's real-size articles (`feeds_replay.real_article`) and its legacy ~1.5 KB ones
(`feeds_bench.article_event`), and awkward forms of the fixtures (decomposed, upper-cased,
with "İ" whose lower case is longer, tabs and carriage returns).

For each set: µs of CPU (time.process_time) per article of `extract_meetings` (and of the
stories' key-only reading and its pre-check alone), the meetings found, and a digest of
everything it returns (`as_json`, the sentence, and `meeting_events`).
`--dump` writes every article's output, `--check` compares with such a dump (the proof that a
change kept the output byte-identical). `--baseline DIR` times another copy of the extractor
in the same process, alternating with this one: DIR holds a package `oldfeeds` (a copy of an
older `feeds/` with its `feeds.` imports renamed), never committed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import random
import sys
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from feeds.meeting_dates import date_words  # noqa: E402
from feeds.meetings import extract_meetings, may_meet_two_countries  # noqa: E402
from tests.feeds import news_vi as news_vi_part  # noqa: E402

NEWS_VI = news_vi_part.CORPUS
Article = tuple[str, str, str | None]  # title, text, language
Extract = Callable[..., list[Any]]


def news_vi() -> list[Article]:
    """Both parts, as the tests read them (`tests/feeds/news_vi.py`), in the order of their
    ids; each article also with one paragraph per line, as the stories tests split it."""
    every = sorted(
        news_vi_part.load("tuning") + news_vi_part.load("validation"), key=attrgetter("id")
    )
    found: list[Article] = []
    for article in every:
        found.append((article.title, article.text, article.language))
        lines = [line.strip() for line in article.text.split("\n") if line.strip()]
        found.append((article.title, "\n\n".join(lines), article.language))
    return found


def fixtures() -> list[Article]:
    found: list[Article] = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.toml")):
        for article in tomllib.loads(path.read_text(encoding="utf-8")).get("articles", []):
            if "title" in article and "text" in article:
                found.append((article["title"], article["text"], article.get("language")))
    return found


def awkward(articles: list[Article]) -> list[Article]:
    """Forms an optimisation could get wrong: not NFC, lower case longer than the text,
    other white space, all capitals, no language, title and text swapped or repeated."""
    found: list[Article] = []
    for title, text, language in articles:
        found += [
            (unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text), language),
            (title.upper(), text.upper(), language),
            (title, "İstanbul. " + text, language),
            ("İ " + title, text.replace(". ", ".\n", 3), language),
            (title.replace(" ", "\t"), text.replace(" ", "\t").replace("\n", "\r\n"), language),
            (title, text.replace(" ", "  ").replace(", ", " ,"), None),
            (text[:200], title, "en"),
            (title, title + "\n" + text + "\n" + title, language),
            ("", text.lower(), language),
        ]
    return found


def generated(count: int) -> list[Article]:
    from stories_bench import Articles

    maker = Articles()
    docs = (maker.get(n) for n in range(count))
    return [(d.title, "\n\n".join(d.paragraphs), "vi") for d in docs]


def real_size(count: int) -> list[Article]:
    from feeds_replay import real_article

    rng = random.Random(7)
    events = (real_article(i, rng) for i in range(count))
    return [(e.data["title"], e.data["text"], e.data["language"]) for e in events]  # type: ignore[index,call-overload]


def legacy(count: int) -> list[Article]:
    from feeds_bench import article_event

    rng = random.Random(7)
    events = (article_event(i, rng) for i in range(count))
    return [(e.data["title"], e.data["text"], e.data["language"]) for e in events]  # type: ignore[index,call-overload]


def outputs(extract: Extract, articles: list[Article]) -> Iterator[str]:
    """Each article's output as one JSON line: what the topics and stories projections keep
    (`as_json`, `meeting_events`' date words) and the sentence and explanation besides."""
    for title, text, language in articles:
        found = [
            {**m.as_json(), "sentence": m.sentence, "explain": m.explain()}
            | {"date_words": date_words(m.sentence)}
            for m in extract(title, text, language=language)
        ]
        yield json.dumps(found, ensure_ascii=False, sort_keys=True)


def keyed(title: str, text: str, *, language: str | None) -> list[Any]:
    """What a story's meeting key needs (meetings of two countries), as the stories projection
    could read it: the extractor only where `may_meet_two_countries` lets it find one."""
    if not may_meet_two_countries(title, text):
        return []
    return [m for m in extract_meetings(title, text, language=language) if len(m.countries) == 2]


def precheck_only(title: str, text: str, *, language: str | None) -> list[Any]:
    """The stories' meeting pre-check alone (it finds nothing): what asking the extractor's
    memo first spares the stories view where the topics view has just read the article
    (feeds/story_facts.py `article_meetings`)."""
    may_meet_two_countries(title, text)
    return []


def turned_down(articles: list[Article]) -> tuple[int, int]:
    """Articles `may_meet_two_countries` turns down, and those of them holding a meeting of two
    countries all the same (must be none)."""
    down = [(t, x, lang) for t, x, lang in articles if not may_meet_two_countries(t, x)]
    wrong = sum(
        any(len(m.countries) == 2 for m in extract_meetings(t, x, language=lang))
        for t, x, lang in down
    )
    return len(down), wrong


def cpu_per_article(extract: Extract, articles: list[Article]) -> tuple[float, int]:
    """µs of CPU per article, and the meetings found. The extractor keeps the meetings of
    its last 8 million characters of text: emptied first, or a set smaller than that would
    be timed as look-ups from its second round on."""
    for module in list(sys.modules.values()):
        recent = getattr(module, "_recent", None) if module is not None else None
        if hasattr(recent, "clear") and module.__name__.endswith("feeds.meetings"):
            recent.clear()
    began = time.process_time()
    count = 0
    for title, text, language in articles:
        count += len(extract(title, text, language=language))
    return (time.process_time() - began) / max(1, len(articles)) * 1e6, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", type=int, default=20_000)
    parser.add_argument("--real", type=int, default=5_000)
    parser.add_argument("--legacy", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()

    base = fixtures()
    sets: dict[str, list[Article]] = {
        "news-vi": news_vi() if NEWS_VI.is_dir() else [],
        "fixtures": base,
        "awkward": awkward(base),
        "generated": generated(args.generated),
        "real-size": real_size(args.real),
        "legacy": legacy(args.legacy),
    }
    extractors: dict[str, Extract] = {
        "this": extract_meetings,
        "key-only": keyed,
        "pre-check": precheck_only,
    }
    if args.baseline is not None:
        sys.path.insert(0, str(args.baseline))
        old = importlib.import_module("oldfeeds.meetings").extract_meetings
        extractors = {"baseline": old, **extractors}  # timed first, as before

    lines: list[str] = []
    for name, articles in sets.items():
        digest = hashlib.sha256()
        for line in outputs(extract_meetings, articles):
            digest.update(line.encode() + b"\n")
            lines.append(f"{name}\t{line}")
        down, wrong = turned_down(articles)
        print(
            f"{name:<10} {len(articles):6d} articles, output sha256 {digest.hexdigest()[:16]};"
            f" turned down by may_meet_two_countries {down}, of which with two countries {wrong}"
        )
        if wrong:
            sys.exit(1)
    if args.dump is not None:
        args.dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.check is not None:
        expected = args.check.read_text(encoding="utf-8").splitlines()
        differ = [i for i, (a, b) in enumerate(zip(expected, lines, strict=False)) if a != b]
        if len(expected) != len(lines) or differ:
            where = differ[0] if differ else min(len(expected), len(lines))
            print(f"DIFFERENT from {args.check}: {len(differ)} lines, first at line {where + 1}")
            sys.exit(1)
        print(f"identical to {args.check}: {len(lines)} articles")

    print(f"CPU per article, µs (time.process_time, best of {args.rounds}, alternating):")
    for name, articles in sets.items():
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.rounds):
            for label, extract in extractors.items():
                taken = cpu_per_article(extract, articles)
                if label not in best or taken[0] < best[label][0]:
                    best[label] = taken
        row = "  ".join(
            f"{label} {us:8.1f} ({found} meetings)" for label, (us, found) in best.items()
        )
        print(f"  {name:<10} {row}")


if __name__ == "__main__":
    main()

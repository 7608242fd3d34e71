"""Memory to ingest hostile feeds (security issue, finding 4): a feed at the default size
cap (10 MB) must never take more than about 5 x its size in memory to ingest.

    .venv/bin/python benchmarks/hostile_bench.py [--mb 10]

Each feed is served from 127.0.0.1 and ingested by a real `newsledger fetch` in its own
process, whose peak RSS is read from getrusage at exit (tests/security/peak.py). The
baseline is the same command on a one-item feed; the figure is (peak - baseline) / size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.security.conftest import CraftedServer  # noqa: E402

WORDS = "Hội đàm Việt Nam – Lào về hợp tác kinh tế, thương mại và đầu tư năm 2025. "


def _rss(items: list[tuple[str, str]], doctype: str = "") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><guid>g-{n}</guid><link>https://x.example/{n}</link>"
        f"<description>{d}</description></item>"
        for n, (t, d) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
        f"<title>bench</title><link>https://x.example/</link><description>b</description>"
        f"{body}</channel></rss>"
    ).encode()


def tiny() -> bytes:
    return _rss([("Tin", WORDS)])


def many_items(size: int) -> bytes:
    count = 2000
    text = (WORDS * (size // count // len(WORDS.encode()) + 1))[: int(size / count / 1.3)]
    return _rss([(f"Tin số {n}", f"{n} {text}") for n in range(count)])


def one_huge_item(size: int) -> bytes:
    return _rss([("Một bài rất dài", WORDS * (size // len(WORDS.encode())))])


def huge_title(size: int) -> bytes:
    return _rss([(WORDS * (size // len(WORDS.encode())), "Nội dung ngắn.")])


def entity_expansion(size: int) -> bytes:
    entity = "A" * size
    doctype = f'<!DOCTYPE rss [<!ENTITY big "{entity}">]>'
    return _rss([("Bom thực thể", "&big;" * 90)], doctype)


def measure(body: bytes, workdir: Path) -> tuple[float, str]:
    """Peak RSS (MB) of `newsledger fetch` ingesting `body`, and its last output line."""
    server = CraftedServer()
    try:
        url = server.serve("/feed.rss", body)
        workdir.mkdir(parents=True)
        config = workdir / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{workdir}/n.db"\n\n'
            f'[[sources]]\nid = "bench"\nkind = "feed"\nurl = "{url}"\n\n'
            f'[fetch]\nmax_bytes = "{max(len(body), 10_000_000)}"\n'
            f'max_decompressed_bytes = "{max(len(body), 10_000_000)}"\n',
            encoding="utf-8",
        )
        peak_file = workdir / "peak"
        env = {**os.environ, "NL_PEAK_FILE": str(peak_file), "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-m", "tests.security.peak", "--config", str(config), "fetch"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO,
        )
        last = (done.stdout.strip().splitlines() or [""])[-1]
        return float(peak_file.read_text()), last
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="feed size (default: the cap)")
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("2,000 items", lambda: many_items(size)),
        ("one huge item", lambda: one_huge_item(size)),
        ("one huge title", lambda: huge_title(size)),
        ("1 MB entity x 90", lambda: entity_expansion(1_000_000)),
    ]
    with tempfile.TemporaryDirectory(prefix="nl-hostile-") as tmp:
        base, _ = measure(tiny(), Path(tmp) / "baseline")
        print(f"baseline (one-item feed): peak RSS {base:.0f} MB")
        print(f"{'feed':<18} {'bytes':>11} {'peak MB':>8} {'extra MB':>9} {'x size':>7}  outcome")
        for n, (name, build) in enumerate(cases):
            body = build()
            peak, last = measure(body, Path(tmp) / f"case{n}")
            extra = peak - base
            ratio = extra / (len(body) / 1_000_000)
            print(
                f"{name:<18} {len(body):>11,} {peak:>8.0f} {extra:>9.0f} {ratio:>7.1f}  {last[:70]}"
            )


if __name__ == "__main__":
    main()

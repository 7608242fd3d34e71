"""glibc's malloc told once, at start-up, to keep serving large blocks from mmap.

By default glibc raises its mmap threshold to the size of any mmapped block that is freed
(up to 32 MB). Ingesting a 10 MB feed frees such blocks (the document, its decoded text),
after which blocks up to that size come from the heap, where freed memory is seldom given
back: the RSS to ingest one feed then varied by up to 8 MB from run to run (up to 4.6 x
the feed's size; issue 10, finding 4). Setting the threshold, even to its default of
128 KiB, turns that adjustment off (at most 3.6 x, benchmarks/hostile_bench.py).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
DEFAULT_THRESHOLD = 128 * 1024


def fix_mmap_threshold(threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold; False where there is no glibc, or where the operator
    set MALLOC_MMAP_THRESHOLD_ (glibc has read it already: theirs stands)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))

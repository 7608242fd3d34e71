"""The process fixes glibc's mmap threshold at start-up (newsledger/allocator.py), unless
the operator chose one: the memory test at the size cap (tests/security) measures why."""

from __future__ import annotations

import platform

import pytest

from newsledger.allocator import fix_mmap_threshold


def test_the_mmap_threshold_is_fixed_on_glibc() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    assert fix_mmap_threshold() is True


def test_an_operator_threshold_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert fix_mmap_threshold() is False

"""The memo of recent articles' results: bounded by the characters it keeps, not by entries."""

from __future__ import annotations

import pytest

from feeds.recent import RecentTexts


def _counting() -> tuple[RecentTexts[str], list[str]]:
    calls: list[str] = []

    def compute(title: str, text: str, language: str) -> str:
        calls.append(title)
        return f"{title}/{len(text)}/{language}"

    return RecentTexts(compute, chars=100), calls


def test_a_result_asked_again_is_remembered() -> None:
    recent, calls = _counting()
    assert recent("a", "x" * 10, "vi") == recent("a", "x" * 10, "vi") == "a/10/vi"
    assert calls == ["a"]
    assert (recent.misses, recent.hits) == (1, 1)
    assert recent("a", "x" * 10, "en") == "a/10/en"  # the language is part of the question
    assert calls == ["a", "a"]


def test_the_oldest_texts_are_dropped_once_their_characters_exceed_the_bound() -> None:
    recent, calls = _counting()
    for title in "abcd":
        recent(title, "x" * 39, "vi")  # 40 characters each: the bound of 100 keeps two
    recent("d", "x" * 39, "vi")
    recent("c", "x" * 39, "vi")
    recent("b", "x" * 39, "vi")
    assert calls == ["a", "b", "c", "d", "b"]


def test_a_text_longer_than_the_bound_is_computed_and_never_kept() -> None:
    recent, calls = _counting()
    recent("a", "x" * 5, "vi")
    recent("huge", "x" * 500, "vi")
    recent("huge", "x" * 500, "vi")
    recent("a", "x" * 5, "vi")
    assert calls == ["a", "huge", "huge"]  # and it pushed nothing out


def test_a_question_that_cannot_be_a_key_fails_as_the_function_does() -> None:
    def compute(title: str, text: str, language: str) -> str:
        return title + text + language  # a list here is the function's own TypeError

    recent = RecentTexts(compute, chars=100)
    with pytest.raises(TypeError, match="can only concatenate str"):
        recent("a", "b", ["vi"])  # type: ignore[arg-type]


def test_holds_says_whether_a_call_would_compute_without_computing() -> None:
    recent, calls = _counting()
    assert not recent.holds("a", "x" * 10, "vi")
    recent("a", "x" * 10, "vi")
    assert recent.holds("a", "x" * 10, "vi") and not recent.holds("a", "x" * 10, "en")
    assert not recent.holds("a", "x" * 10, ["vi"])  # type: ignore[arg-type]
    assert calls == ["a"] and (recent.misses, recent.hits) == (1, 0)

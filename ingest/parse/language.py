"""The language of an article that no feed, page or source configuration names.

Most articles are decided by their letters alone, in microseconds: Vietnamese news has
Vietnamese-only letters in 17 % or more of its first 500 characters (every article of
`../shared/corpus/news-vi`), and text in plain ASCII is taken for English. Between the two
lies English (or French) news full of Vietnamese names and places, `Bùi Thanh Sơn` and
`Thừa Thiên Huế`: 0.5–4 % on the English seeds. A letter count once called such an article
Vietnamese, and its `US$1,640 million` was read with Vietnamese number marks as 1,640 USD.
Those texts go to a language identifier made for the job (py3langid, a maintained fork of
langid.py: a naive Bayes model over byte n-grams, deterministic), at ~130 µs an article.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# Letters only Vietnamese uses among Latin scripts (with their tone-marked forms).
_VI_LETTERS = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")
#: At or above this share of Vietnamese letters a text is Vietnamese without asking: the
#: lowest in the real Vietnamese news is 0.17, the highest in English news with Vietnamese
#: names 0.04 (measured in the module's docstring's sets).
VIETNAMESE_SHARE = 0.10
#: What the identifier may answer: the region's languages and the common languages of
#: international news. A closed set keeps a short sample from landing on a rare language.
CANDIDATES = ("vi", "en", "fr", "lo", "th", "km", "zh", "ja", "ko", "ru", "de", "es")
SAMPLE = 500
#: The identifier reads more: its n-grams need text, not names.
IDENTIFIER_SAMPLE = 1500


def guess_language(text: str) -> str | None:
    """`vi` when Vietnamese-only letters are frequent, `en` for plain ASCII text, the
    identifier's answer for text between the two, None for too little text."""
    sample = text[:SAMPLE].lower()
    visible = len(sample) - sample.count(" ") - sample.count("\n")
    if visible < 20:
        return None
    share = len(_VI_LETTERS.findall(sample)) / visible
    if share >= VIETNAMESE_SHARE:
        return "vi"
    if share > 0:
        return _identify(text[:IDENTIFIER_SAMPLE])
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))
    return "en" if non_ascii / visible < 0.05 else None


def _identify(text: str) -> str:
    language: str = _identifier().classify(text)[0]
    return language


@functools.cache
def _identifier() -> Any:
    # Imported when first needed: loading the model takes ~0.1 s, which a command that
    # never meets such a text should not pay.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(CANDIDATES))
    return identifier

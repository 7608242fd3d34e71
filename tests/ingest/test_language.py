"""The language of an untagged article: Vietnamese news, English news full of Vietnamese
names, and plain English, on text written here and on real news we did not write."""

from __future__ import annotations

from pathlib import Path

from ingest.parse.folder import read_files
from ingest.parse.language import guess_language
from tests.conftest import _missing

SHARED = Path(__file__).resolve().parents[3] / "shared"

# English wire copy that names Vietnamese people and places in their own spelling: about
# 4 % of its letters are Vietnamese-only, as in English-language news from Việt Nam.
ENGLISH_WITH_NAMES = (
    " date 2025-04-02 ĐÀ NẴNG — Minister of Industry and Trade Nguyễn Hồng Diên met Lao "
    "Minister Malaythong Kommasith in Đà Nẵng on Wednesday. The two sides agreed that "
    "power lines from Sê Kông and Xékong to Quảng Nam and Thừa Thiên Huế should be "
    "finished this year. Diên said trade between the two countries reached US$1,830 "
    "million in 2024, and Vietnamese firms sold 21,400 tonnes of cement to Laos.\n\n"
    "The ministers also discussed the Vũng Áng port and the railway through Hà Tĩnh."
)
VIETNAMESE = (
    "Bộ trưởng Bộ Công Thương tiếp Bộ trưởng Bộ Công Thương Lào tại Đà Nẵng. Hai bên nhất "
    "trí đẩy nhanh tiến độ các dự án đường dây truyền tải điện và tăng cường hợp tác "
    "thương mại biên giới trong năm tới."
)


def test_english_news_full_of_vietnamese_names_is_english() -> None:
    assert guess_language(ENGLISH_WITH_NAMES) == "en"


def test_vietnamese_text_is_vietnamese_and_plain_ascii_is_english() -> None:
    assert guess_language(VIETNAMESE) == "vi"
    assert guess_language("Laos and Vietnam signed three agreements on Monday.") == "en"
    assert guess_language("Hà Nội") is None  # too little text to tell


def test_an_english_article_read_from_a_folder_is_tagged_english(tmp_path: Path) -> None:
    (tmp_path / "power.txt").write_text(ENGLISH_WITH_NAMES, encoding="utf-8")
    (tmp_path / "dien.txt").write_text("Hợp tác điện lực\n\n" + VIETNAMESE, encoding="utf-8")
    batch = read_files(sorted(tmp_path.iterdir()))
    assert [item.language for item in batch.items] == ["vi", "en"]


def test_real_news_is_told_apart_by_its_language() -> None:
    if not (SHARED / "corpus" / "news-vi").is_dir():
        _missing(f"the news-vi corpus is not at {SHARED / 'corpus'} (../shared beside the repo)")
    vietnamese = sorted((SHARED / "corpus" / "news-vi").glob("*.txt"))
    assert len(vietnamese) > 150
    assert {path.name: guess_language(path.read_text("utf-8")) for path in vietnamese} == {
        path.name: "vi" for path in vietnamese
    }
    # The seeds: English wire copy opens with an English dateline (` date 2024-10-24 …`).
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    english = [p for p in seeds if p.read_text("utf-8").lstrip().startswith("date ")]
    assert english and len(english) < len(seeds)
    for path in seeds:
        text = path.read_text("utf-8")
        assert guess_language(text) == ("en" if path in english else "vi"), path.name

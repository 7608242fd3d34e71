"""Topic classification: measured on the labelled set, explainable, Unicode-aware."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from feeds.classify import ArticleText, classify
from feeds.topics import Topic, load_topics
from tests.feeds.conftest import labelled

TOPICS = load_topics({}, file="<shipped>", base_dir=Path("."))
RULE_TOPICS = [t.id for t in TOPICS if not t.match_all]


def _predicted(article: dict[str, object]) -> set[str]:
    text = ArticleText(str(article["title"]), str(article["text"]), str(article["language"]))
    return {m.topic for m in classify(text, TOPICS)}


def test_the_labelled_set_has_at_least_forty_articles_in_both_languages() -> None:
    articles = labelled()
    assert len(articles) >= 40
    assert {a["language"] for a in articles} == {"vi", "en"}
    for topic in RULE_TOPICS:
        assert sum(topic in a["topics"] for a in articles) >= 8, topic


@pytest.mark.parametrize("topic", RULE_TOPICS)
def test_precision_and_recall_per_topic_are_at_least_ninety_percent(topic: str) -> None:
    tp = fp = fn = 0
    wrong = []
    for article in labelled():
        predicted = topic in _predicted(article)
        expected = topic in article["topics"]
        tp += predicted and expected
        fp += predicted and not expected
        fn += expected and not predicted
        if predicted != expected:
            wrong.append(article["id"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"{topic}: precision {precision:.3f} recall {recall:.3f} misclassified {wrong}")
    assert precision >= 0.9, f"{topic} precision {precision:.3f}; wrong: {wrong}"
    assert recall >= 0.9, f"{topic} recall {recall:.3f}; wrong: {wrong}"


def test_every_article_is_in_the_all_topic() -> None:
    assert all("all" in _predicted(a) for a in labelled())


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Việt Nam gặp Lào ở bán kết", "Đội tuyển Việt Nam gặp Lào trong trận đấu tối nay."),
        ("Điện chia buồn", "Thủ tướng gửi điện chia buồn tới Thủ tướng Lào về vụ lũ."),
        (
            "ASEAN summit opens",
            "Leaders of the member states met in Vientiane, Laos, for the ASEAN Summit plenary.",
        ),
    ],
)
def test_hard_negatives_are_not_bilateral_meetings(title: str, text: str) -> None:
    assert "bilateral-meetings" not in _predicted({"title": title, "text": text, "language": "vi"})


def test_the_explanation_names_the_rule_the_field_and_the_matched_words() -> None:
    article = ArticleText(
        "Thủ tướng hội đàm với Thủ tướng Lào", "Hai bên nhất trí tăng cường hợp tác.", "vi"
    )
    membership = next(m for m in classify(article, TOPICS) if m.topic == "bilateral-meetings")
    by_rule = {(m["rule"], m["field"]): m["words"] for m in membership.explanation()}
    assert by_rule[("meeting-with-foreign-party", "title")] == ["hội đàm ~ lào"]
    assert by_rule[("bilateral-signals", "text")] == ["hai bên"]
    assert membership.score == 5


def test_economic_figures_membership_is_explained_by_the_figures_found() -> None:
    article = ArticleText("Thương mại", "Kim ngạch đạt 476,8 triệu USD, tăng 12%.", "vi")
    membership = next(m for m in classify(article, TOPICS) if m.topic == "economic-figures")
    assert membership.explanation()[0]["words"] == ["476,8 triệu USD", "tăng 12%"]


def test_decomposed_vietnamese_classifies_like_composed() -> None:
    title = "Chủ tịch nước hội đàm trực tuyến với Chủ tịch nước Lào"
    text = "Hai nhà lãnh đạo trao đổi về quan hệ đặc biệt."
    nfd = ArticleText(unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text))
    nfc = ArticleText(title, text)
    assert classify(nfd, TOPICS) == classify(nfc, TOPICS)
    assert "bilateral-meetings" in {m.topic for m in classify(nfd, TOPICS)}


def test_phrases_match_whole_syllables_only() -> None:
    # "tiếp tục" (continue) is not "tiếp" (receive); "gặp khó" (face difficulty) is no meeting.
    topic = Topic(
        "t",
        "t",
        rules=TOPICS[1].rules[:1],
        min_score=1,
    )
    assert topic.rules[0].id == "meeting-with-foreign-party"
    cases = {
        "Việt Nam tiếp tục hỗ trợ Lào.": False,
        "Doanh nghiệp gặp khó tại Lào.": False,
        "Thủ tướng tiếp Đại sứ Lào.": True,
        "THỦ TƯỚNG TIẾP ĐẠI SỨ LÀO.": True,
    }
    for text, expected in cases.items():
        assert bool(classify(ArticleText("", text), [topic])) is expected, text

"""Topic classification: measured on the written set and on real news, explainable, narrowed
to countries, Unicode-aware."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import pytest

from feeds.classify import ArticleText, classify
from feeds.errors import ConfigError
from feeds.topics import load_topics
from tests.feeds import news_vi
from tests.feeds.conftest import labelled

TOPICS = load_topics({}, file="<shipped>", base_dir=Path("."))
RULE_TOPICS = [t.id for t in TOPICS if not t.match_all and t.base is None]
IN_CI = os.environ.get("CI") == "true"


def _predicted(article: dict[str, object], topics: object = TOPICS) -> set[str]:
    text = ArticleText(str(article["title"]), str(article["text"]), str(article["language"]))
    return {m.topic for m in classify(text, topics)}  # type: ignore[arg-type]


def _scores(
    articles: list[tuple[str, ArticleText, frozenset[str]]], topic: str
) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for article_id, text, expected in articles:
        predicted = topic in {m.topic for m in classify(text, TOPICS)}
        tp += predicted and topic in expected
        fp += predicted and topic not in expected
        fn += topic in expected and not predicted
        if predicted != (topic in expected):
            wrong.append(article_id)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, wrong


def test_the_labelled_set_has_every_error_class_in_both_languages() -> None:
    articles = labelled(classes=True)
    assert len(articles) >= 80
    assert {a["language"] for a in articles} == {"vi", "en"}
    for topic in RULE_TOPICS:
        for language in ("vi", "en"):
            positives = [a for a in articles if topic in a["topics"] and a["language"] == language]
            assert len(positives) >= 8, (topic, language)


@pytest.mark.parametrize("topic", RULE_TOPICS)
def test_precision_and_recall_on_the_written_set_are_at_least_ninety_percent(topic: str) -> None:
    articles = [
        (str(a["id"]), ArticleText(a["title"], a["text"], a["language"]), frozenset(a["topics"]))
        for a in labelled(classes=True)
    ]
    precision, recall, wrong = _scores(articles, topic)
    print(f"{topic}: precision {precision:.3f} recall {recall:.3f} misclassified {wrong}")
    assert precision >= 0.9, f"{topic} precision {precision:.3f}; wrong: {wrong}"
    assert recall >= 0.9, f"{topic} recall {recall:.3f}; wrong: {wrong}"


def test_the_validation_part_is_a_third_chosen_by_the_hash_of_the_id() -> None:
    assert news_vi.is_validation("a") == (int(hashlib.sha256(b"a").hexdigest(), 16) % 3 == 0)
    if not news_vi.CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"news-vi is not at {news_vi.CORPUS} (../shared beside the repo)")
        pytest.skip(f"news-vi is not at {news_vi.CORPUS} (../shared beside the repo)")
    tuning, validation = news_vi.load("tuning"), news_vi.load("validation")
    assert not {a.id for a in tuning} & {a.id for a in validation}
    assert 0.25 < len(validation) / (len(tuning) + len(validation)) < 0.42


@pytest.mark.parametrize("topic", RULE_TOPICS)
def test_real_news_of_the_validation_part_scores_at_least_085(topic: str) -> None:
    # The validation third of ../shared/corpus/news-vi was never read while tuning the
    # rules: only this aggregate is ever reported (see benchmarks/topics_measure.py).
    if not news_vi.CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"news-vi is not at {news_vi.CORPUS} (../shared beside the repo)")
        pytest.skip(f"news-vi is not at {news_vi.CORPUS} (../shared beside the repo)")
    articles = [
        (a.id, ArticleText(a.title, a.text, a.language), a.topics)
        for a in news_vi.load("validation")
    ]
    precision, recall, _ = _scores(articles, topic)
    print(f"{topic}: validation precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.85, f"{topic}: validation precision {precision:.3f}"
    assert recall >= 0.85, f"{topic}: validation recall {recall:.3f}"


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
        ("Tiếp tục hỗ trợ", "Việt Nam tiếp tục hỗ trợ Lào. Doanh nghiệp gặp khó tại Lào."),
    ],
)
def test_hard_negatives_are_not_bilateral_meetings(title: str, text: str) -> None:
    assert "bilateral-meetings" not in _predicted({"title": title, "text": text, "language": "vi"})


def test_the_explanation_names_the_meeting_its_sides_and_the_words() -> None:
    article = ArticleText(
        "Thủ tướng hội đàm với Thủ tướng Lào", "Hai bên nhất trí tăng cường hợp tác.", "vi"
    )
    membership = next(m for m in classify(article, TOPICS) if m.topic == "bilateral-meetings")
    (match,) = membership.explanation()
    assert (match["rule"], match["field"]) == ("meeting-of-two-states", "title")
    assert match["words"] == ["talks, happened: Thủ tướng [VN] – Thủ tướng Lào [LA]: «hội đàm»"]


def test_economic_figures_membership_is_explained_by_the_figures_and_their_measure() -> None:
    article = ArticleText("Thương mại", "Kim ngạch đạt 476,8 triệu USD, tăng 12%.", "vi")
    membership = next(m for m in classify(article, TOPICS) if m.topic == "economic-figures")
    assert membership.explanation()[0]["words"] == [
        "476,8 triệu USD = 476800000 USD (trade) «Kim ngạch»",
        "tăng 12% = 12 % (trade) «Kim ngạch»",
    ]


def test_a_fine_alone_does_not_make_an_article_economic() -> None:
    article = ArticleText("Phạt", "Anh T. bị phạt 2 triệu đồng vì không đeo khẩu trang.", "vi")
    assert "economic-figures" not in {m.topic for m in classify(article, TOPICS)}


def test_decomposed_vietnamese_classifies_like_composed() -> None:
    title = "Chủ tịch nước hội đàm trực tuyến với Chủ tịch nước Lào"
    text = "Hai nhà lãnh đạo trao đổi về quan hệ đặc biệt."
    nfd = ArticleText(unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text))
    nfc = ArticleText(title, text)
    assert classify(nfd, TOPICS) == classify(nfc, TOPICS)
    assert "bilateral-meetings" in {m.topic for m in classify(nfd, TOPICS)}


NARROWED = load_topics(
    {
        "topics": [
            {"id": "vn-la", "base": "bilateral-meetings", "countries": ["VN", "LA"]},
            {"id": "vn-la-money", "base": "economic-figures", "countries": ["VN", "LA"]},
            {
                "id": "planned-too",
                "title": "Meetings, also announced ones",
                "rules": [{"id": "any", "meetings": ["happened", "announced"]}],
            },
        ]
    },
    file="<test>",
    base_dir=Path("."),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thủ tướng hội đàm với Thủ tướng Lào Sonexay Siphandone tại Hà Nội.", {"vn-la"}),
        ("Thủ tướng hội đàm với Thủ tướng Campuchia Hun Manet tại Hà Nội.", set()),
        (
            "Prime Minister Phạm Minh Chính held talks with his Lao counterpart on Monday.",
            {"vn-la"},
        ),
        ("Lao Prime Minister Sonexay Siphandone met Thai Prime Minister Srettha Thavisin.", set()),
    ],
)
def test_a_topic_narrowed_to_countries_keeps_meetings_between_them(
    text: str, expected: set[str]
) -> None:
    language = "vi" if "ộ" in text or "ủ" in text else "en"
    found = _predicted({"title": "", "text": text, "language": language}, NARROWED)
    assert "bilateral-meetings" in found
    assert found & {"vn-la"} == expected


def test_economic_figures_narrowed_to_countries_need_them_named_with_a_figure() -> None:
    lao = {
        "title": "",
        "text": "Kim ngạch thương mại Việt Nam - Lào đạt 1,64 tỷ USD trong năm 2024.",
        "language": "vi",
    }
    thai = {
        "title": "",
        "text": "Kim ngạch thương mại Việt Nam - Thái Lan đạt 20 tỷ USD.",
        "language": "vi",
    }
    assert "vn-la-money" in _predicted(lao, NARROWED)
    assert "vn-la-money" not in _predicted(thai, NARROWED)
    assert "economic-figures" in _predicted(thai, NARROWED)


def test_a_topic_key_admits_announced_visits() -> None:
    announced = {
        "title": "",
        "text": "Thủ tướng Lào Sonexay Siphandone sẽ thăm chính thức Việt Nam vào tuần tới.",
        "language": "vi",
    }
    found = _predicted(announced, NARROWED)
    assert "planned-too" in found
    assert "bilateral-meetings" not in found


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "x", "base": "bilateral-meetings"}, "a topic with 'base' needs 'countries'"),
        ({"id": "x", "countries": ["LA"], "rules": []}, "field 'countries' needs a 'base'"),
        ({"id": "x", "base": "bilateral-meetings", "countries": ["Laos"]}, "ISO 3166 codes"),
        ({"id": "x", "rules": [{"id": "r", "meetings": ["soon"]}]}, "field 'meetings' has 'soon'"),
        ({"id": "x", "rules": [{"id": "r", "measures": ["gdp"]}]}, "field 'measures' has 'gdp'"),
    ],
)
def test_bad_narrowing_and_structured_rules_are_named_errors(
    entry: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_topics({"topics": [entry]}, file="t.toml", base_dir=Path("."))

"""The economic figure extractor: both languages' number styles, units, spans, hard negatives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.figures import extract_figures
from feeds.numbers import parse_number


@pytest.mark.parametrize(
    ("text", "language", "kind", "value", "unit", "span"),
    [
        ("Kim ngạch đạt 476,8 triệu USD.", "vi", "money", "476800000", "USD", "476,8 triệu USD"),
        ("Năm 2024 ước đạt 2,2 tỷ USD.", "vi", "money", "2200000000", "USD", "2,2 tỷ USD"),
        ("Tổng vốn 14.050 tỷ đồng.", "vi", "money", "14050000000000", "VND", "14.050 tỷ đồng"),
        ("Giá xăng còn 21.500 đồng.", "vi", "money", "21500", "VND", "21.500 đồng"),
        ("Viện trợ 30 tỷ kíp.", "vi", "money", "30000000000", "LAK", "30 tỷ kíp"),
        ("Xuất khẩu tăng 12% so với năm trước.", "vi", "percent", "12", "%", "tăng 12%"),
        ("Việt Nam có 245 dự án đầu tư tại Lào.", "vi", "count", "245", "projects", "245 dự án"),
        ("Trade reached US$1.1 billion.", "en", "money", "1100000000", "USD", "US$1.1 billion"),
        ("Investment hit $980 million.", "en", "money", "980000000", "USD", "$980 million"),
        ("GDP growth was 18.5 per cent.", "en", "percent", "18.5", "%", "18.5 per cent"),
        ("The fund has VND 2 trillion.", "en", "money", "2000000000000", "VND", "VND 2 trillion"),
        ("They run 241 investment projects.", "en", "count", "241", "projects", None),
        ("Shipments reached 1.2 million tonnes.", "en", "count", "1200000", "tonnes", None),
        ("A budget of 14,050 dollars.", "en", "money", "14050", "USD", "14,050 dollars"),
    ],
)
def test_extracts_value_unit_kind_and_exact_span(
    text: str, language: str, kind: str, value: str, unit: str, span: str | None
) -> None:
    figures = extract_figures(text, language=language)
    matching = [f for f in figures if f.kind == kind]
    assert len(matching) == 1, figures
    figure = matching[0]
    assert figure.value == Decimal(value)
    assert figure.unit == unit
    assert text[figure.start : figure.end] == figure.text
    if span is not None:
        assert figure.text == span
    assert figure.sentence == text


def test_the_sentence_is_the_one_holding_the_figure() -> None:
    text = "Hai bên hội đàm tại Hà Nội. Kim ngạch đạt 1,64 tỷ USD trong năm 2023. Hai bên ký kết."
    (figure,) = extract_figures(text, language="vi")
    assert figure.sentence == "Kim ngạch đạt 1,64 tỷ USD trong năm 2023."


def test_a_decrease_is_marked_down() -> None:
    (figure,) = extract_figures("Exports fell 3% last month.", language="en")
    assert (figure.value, figure.direction) == (Decimal(3), "down")


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 5/9/1962, hai nước thiết lập quan hệ ngoại giao; ngày 9 và 10/1/2025 hai bên họp.",
        "Năm 2024 đồng thời là Năm Hữu nghị; giai đoạn 2021-2030.",
        "Vụ tai nạn làm 12 người chết và 20 người bị thương.",
        "Fourteen people were killed and 20 injured; 30 people died in the floods.",
        "Năm nay có 523 sinh viên Lào tốt nghiệp; tỷ lệ khá giỏi đạt 64%.",
        "More than 16,000 Lao students study here; 95 per cent of graduates found work.",
        "Quảng Bình đón 32.000 lượt khách Lào; 45,000 visitors came from Laos.",
        "Kỳ họp thứ 47 Ủy ban liên Chính phủ; the 45th General Assembly; the 8th session.",
        "Voter turnout reached 99% in the election.",
    ],
)
def test_dates_casualties_students_visitors_and_sessions_are_not_figures(text: str) -> None:
    assert extract_figures(text) == []


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("476,8", "vi", "476.8"),
        ("14.050", "vi", "14050"),
        ("14.050", "en", "14.05"),
        ("14,050", "en", "14050"),
        ("1.234.567,5", "vi", "1234567.5"),
        ("1,234,567.5", "en", "1234567.5"),
        ("1.5", "vi", "1.5"),
        ("2,2", "vi", "2.2"),
    ],
)
def test_numbers_follow_the_language_style(raw: str, language: str, expected: str) -> None:
    assert parse_number(raw, language) == Decimal(expected)


@given(
    st.lists(
        st.sampled_from(
            [
                "Kim ngạch đạt",
                "476,8 triệu USD",
                "tăng 12%",
                "trade rose",
                "$980 million",
                "và",
                "245 dự án",
                "năm 2024",
                "18.5 per cent",
                "GDP",
                "\n\n",
                ".",
                "đồng thời",
            ]
        ),
        max_size=25,
    )
)
def test_every_span_is_exactly_the_text_it_claims(words: list[str]) -> None:
    text = " ".join(words)
    for figure in extract_figures(text):
        assert text[figure.start : figure.end] == figure.text
        assert figure.text in figure.sentence
        assert figure.value >= 0

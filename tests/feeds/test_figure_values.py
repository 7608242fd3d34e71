# ruff: noqa: E501  (one news sentence per line reads best in these tables)
"""Figure values: signs, other dollars, ranges, per-year amounts, repeats and attendees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.figures import article_figures, extract_figures


@pytest.mark.parametrize(
    ("text", "language", "span", "value"),
    [
        ("Tăng trưởng xuất khẩu quý I đạt -3,5%.", "vi", "-3,5%", "-3.5"),
        ("Chỉ số giá tiêu dùng ở mức âm 0,8%.", "vi", "âm 0,8%", "-0.8"),
        ("Lao GDP growth was −2.1% last year.", "en", "−2.1%", "-2.1"),
        ("Ngành bia có mức tăng trưởng âm 7%.", "vi", "tăng trưởng âm 7%", "-7"),
    ],
)
def test_a_minus_sign_or_am_before_the_number_makes_it_negative(
    text: str, language: str, span: str, value: str
) -> None:
    (figure,) = extract_figures(text, language=language)
    assert (figure.text, figure.value) == (span, Decimal(value))


@pytest.mark.parametrize(
    "text",
    [
        "Giá cà phê trong khoảng 3.000-3.600 USD/tấn.",
        "Theo Nghị định 15/2024/NĐ-CP, thuế suất là 10%.",
    ],
)
def test_a_hyphen_after_a_digit_or_letter_is_no_minus(text: str) -> None:
    assert all(f.value > 0 for f in extract_figures(text, language="vi"))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The economy contracted 1.5% in the quarter.", "en"),
        ("GDP shrank by 0.7 per cent.", "en"),
        ("Sản lượng sụt giảm 4% so với cùng kỳ.", "vi"),
        ("The Lao currency depreciated by 20 percent.", "en"),
    ],
)
def test_contracting_and_shrinking_are_a_decrease(text: str, language: str) -> None:
    (figure,) = extract_figures(text, language=language)
    assert figure.direction == "down" and figure.value > 0 and figure.economic


@pytest.mark.parametrize(
    ("text", "language", "value", "unit"),
    [
        ("Giá bán khoảng 18.000 đôla Singapore.", "vi", "18000", "SGD"),
        ("Xuất khẩu sang Úc đạt 2 tỷ đô la Úc.", "vi", "2000000000", "AUD"),
        ("Đầu tư đạt 4 tỷ đô la Hồng Kông.", "vi", "4000000000", "HKD"),
        ("Exports reached S$1.5 billion.", "en", "1500000000", "SGD"),
        ("Exports reached A$2 billion.", "en", "2000000000", "AUD"),
        ("Investment reached HK$3 billion.", "en", "3000000000", "HKD"),
        ("Trade reached C$4 billion.", "en", "4000000000", "CAD"),
        ("Trade reached NZ$1 billion.", "en", "1000000000", "NZD"),
        ("Exports reached 7 billion Australian dollars.", "en", "7000000000", "AUD"),
        ("Vốn đầu tư đạt 1,5 tỷ đô.", "vi", "1500000000", "USD"),
        ("Đầu tư của Nhật Bản đạt 80 tỷ yên.", "vi", "80000000000", "JPY"),
    ],
)
def test_other_dollars_and_yen_are_their_own_currencies(
    text: str, language: str, value: str, unit: str
) -> None:
    (figure,) = extract_figures(text, language=language)
    assert (figure.value, figure.unit) == (Decimal(value), unit)


def test_a_city_is_no_dollar() -> None:
    assert extract_figures("Tỉnh có 12 đô thị loại II.", language="vi") == []


@pytest.mark.parametrize(
    ("text", "language", "span", "value", "unit"),
    [
        ("Lạm phát dự kiến từ 3 đến 3,5% năm nay.", "vi", "từ 3 đến 3,5%", "3.5", "%"),
        ("Inflation is seen between 6 and 8 per cent.", "en", "between 6 and 8 per cent", "8", "%"),
        ("Giá gạo trong khoảng 500-550 USD/tấn.", "vi", "500-550 USD/tấn", "550", "USD/tấn"),
        ("Kim ngạch đạt khoảng 2,5 - 3 tỷ USD.", "vi", "2,5 - 3 tỷ USD", "3000000000", "USD"),
    ],
)
def test_a_range_is_one_figure_spanning_both_ends_valued_at_the_upper(
    text: str, language: str, span: str, value: str, unit: str
) -> None:
    (figure,) = extract_figures(text, language=language)
    assert (figure.text, figure.value, figure.unit) == (span, Decimal(value), unit)


def test_an_amount_a_year_is_not_a_price() -> None:
    (figure,) = extract_figures("Kim ngạch thương mại đạt 3 tỷ USD mỗi năm.", language="vi")
    assert (figure.unit, figure.measure) == ("USD/năm", "trade")


def test_the_same_amount_for_another_measure_or_year_is_another_figure() -> None:
    text = "Exports to Laos reached US$800 million in 2022. Imports from Laos reached US$800 million in 2023."
    figures = article_figures("Trade", text, language="en")
    assert [(f.measure, f.period) for f in figures] == [
        ("exports", "in 2022"),
        ("imports", "in 2023"),
    ]


def test_a_restated_figure_is_kept_once() -> None:
    text = "Năm 2022, kim ngạch thương mại đạt 1,3 tỷ USD. Như vậy, kim ngạch thương mại đạt 1,3 tỷ USD."
    assert len(article_figures("Thương mại", text, language="vi")) == 1


def test_firms_taking_part_in_a_conference_are_not_a_figure() -> None:
    text = "Hội nghị xúc tiến thương mại có sự tham gia của hơn 150 doanh nghiệp."
    assert article_figures("Hội nghị", text, language="vi") == []

# ruff: noqa: E501  (one news sentence per line reads best in these tables)
"""The economic figure extractor: both languages' number styles, units, spans, hard negatives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.figures import article_figures, extract_figures
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


@pytest.mark.parametrize(
    ("text", "language", "value", "unit", "span"),
    [
        ("FDI disbursed reached $1.1B in the first quarter.", "en", "1100000000", "USD", "$1.1B"),
        ("The Government allocated VND2 trillion for roads.", "en", "2000000000000", "VND", "VND2 trillion"),
        ("Provinces plan US$ 5 bn in public investment.", "en", "5000000000", "USD", "US$ 5 bn"),
        ("Thu ngân sách đạt 5,6 nghìn tỷ đồng.", "vi", "5600000000000", "VND", "5,6 nghìn tỷ đồng"),
        ("Giá gạo xuất khẩu lên 4.500 USD/tấn.", "vi", "4500", "USD/tấn", "4.500 USD/tấn"),
        ("Giá vàng thế giới đạt 2.650 USD/ounce.", "vi", "2650", "USD/ounce", "2.650 USD/ounce"),
        ("Giá xăng ở mức 23.000 đồng/lít.", "vi", "23000", "VND/lít", "23.000 đồng/lít"),
        ("Brent crude rose to $80 per barrel.", "en", "80", "USD/barrel", "$80 per barrel"),
    ],
)  # fmt: skip
def test_shorthand_glued_and_per_unit_amounts(
    text: str, language: str, value: str, unit: str, span: str
) -> None:
    (figure,) = extract_figures(text, language=language)
    assert (figure.value, figure.unit, figure.text) == (Decimal(value), unit, span)
    assert figure.economic and not figure.inferred


def test_an_amount_without_currency_in_an_economic_sentence_is_vnd_flagged_inferred() -> None:
    text = "Dự án có tổng mức đầu tư khoảng 27.000 tỷ, trong đó vốn ngân sách là 800 tỷ."
    figures = extract_figures(text, language="vi")
    assert [(f.text, f.value, f.unit, f.inferred) for f in figures] == [
        ("27.000 tỷ", Decimal("27000000000000"), "VND", True),
        ("800 tỷ", Decimal("800000000000"), "VND", True),
    ]


@pytest.mark.parametrize(
    "text",
    ["Dân số Ấn Độ khoảng 1,4 tỷ người.", "Việt Nam đã nhận 3 triệu liều vắc xin.", "Mất 800 tỷ."],
)
def test_a_bare_amount_of_people_or_doses_or_with_nothing_economic_is_no_figure(text: str) -> None:
    assert extract_figures(text, language="vi") == []


@pytest.mark.parametrize(
    ("text", "language", "measure"),
    [
        ("Kim ngạch thương mại song phương đạt 1,64 tỷ USD.", "vi", "trade"),
        ("Xuất khẩu gạo đạt 2 tỷ USD.", "vi", "exports"),
        ("Việt Nam có 245 dự án đầu tư tại Lào.", "vi", "investment"),
        ("GDP grew 6.5 per cent.", "en", "gdp-growth"),
        ("Lạm phát giảm còn 8,5%.", "vi", "inflation"),
        ("Doanh thu đạt 500 tỷ đồng.", "vi", "revenue"),
        ("Public debt stood at US$10.5 billion.", "en", "debt"),
        ("ADB approved a US$50 million loan for Laos.", "en", "aid-loans"),
        ("The VN-Index rose 1.2 per cent.", "en", "market-index"),
        ("Lương tối thiểu tăng lên 4,96 triệu đồng.", "vi", "wages"),
        ("Tài xế bị phạt 12 triệu đồng vì vi phạm nồng độ cồn.", "vi", "fine"),
        ("A man was fined VND 2 million for not wearing a mask.", "en", "fine"),
        ("She won the first prize of $10,000.", "en", "prize"),
        ("Nữ sinh nhận phần thưởng 20 triệu đồng.", "vi", "prize"),
        ("Bà H. bị lừa đảo, chiếm đoạt 800 triệu đồng.", "vi", "fraud-loss"),
        ("Victims of the scam lost $2 million.", "en", "fraud-loss"),
        ("Police seized methamphetamine worth 1 billion USD.", "en", "seizure"),
        ("Tập đoàn trao tặng 10 tỷ đồng cho quỹ từ thiện.", "vi", "charity"),
        ("Families paid 1,000 USD for a cylinder on the black market.", "en", "personal-spending"),
        # "giải" opens other words than a prize's; "phạt" inside sanctions is no fine.
        ("Ông Tư trúng giải đặc biệt trị giá 5 tỷ đồng.", "vi", "prize"),
        ("Nhờ giải pháp mới, công ty tiết kiệm chi phí 2.000 tỷ đồng.", "vi", "cost"),
        ("Quốc hội thông qua gói giải cứu trị giá 1.900 tỷ USD.", "vi", "valuation"),
        ("Bất chấp lệnh trừng phạt, hai nước ký thỏa thuận đầu tư 400 tỷ USD.", "vi", "investment"),
        # "tăng trưởng" measures what grew, named beside it; the economy's only alone.
        ("Ngân hàng có tăng trưởng tín dụng gần 5% trong quý I.", "vi", "debt"),
        ("Tốc độ tăng trưởng doanh số bán lẻ trực tuyến năm ngoái là 65%.", "vi", "sales"),
        ("Lợi nhuận của công ty tăng trưởng gần 60% so với năm trước.", "vi", "profit"),
        ("Kinh tế Việt Nam được dự báo tăng trưởng 6,5% trong năm nay.", "vi", "gdp-growth"),
        (
            "Theo đánh giá của Fitch, Việt Nam duy trì mức tăng trưởng khoảng 7%.",
            "vi",
            "gdp-growth",
        ),
        # A profit before or after tax is a profit.
        ("Lợi nhuận trước thuế của ngân hàng đạt 9.300 tỷ đồng.", "vi", "profit"),
    ],
)
def test_each_figure_says_what_it_measures(text: str, language: str, measure: str) -> None:
    (figure,) = extract_figures(text, language=language)
    assert figure.measure == measure, figure.explain()


@pytest.mark.parametrize(
    ("text", "language", "period"),
    [
        ("Hai tháng đầu năm 2025, xuất khẩu đạt 2 tỷ USD.", "vi", "Hai tháng đầu năm 2025"),
        ("Exports reached $2 billion last year.", "en", "last year"),
        ("Trade reached US$1.1 billion in 2024.", "en", "in 2024"),
        ("Trong quý I/2021, doanh thu đạt 500 tỷ đồng.", "vi", "quý I/2021"),
    ],
)
def test_a_stated_period_is_kept(text: str, language: str, period: str) -> None:
    (figure,) = extract_figures(text, language=language)
    assert figure.period == period


def test_a_title_repeating_the_text_gives_one_figure_not_two() -> None:
    figures = article_figures(
        "Lao inflation eases to 8.5 per cent",
        "Inflation in Laos eased to 8.5 per cent in October, down from 23 per cent a year ago.",
        language="en",
    )
    assert [(f.field, f.text) for f in figures] == [
        ("text", "8.5 per cent"),
        ("text", "23 per cent"),
    ]


def test_in_a_crime_or_celebrity_story_the_amounts_are_not_economic() -> None:
    text = (
        "Công an đã khởi tố vụ án lừa đảo. Theo cơ quan điều tra, các bị can chiếm đoạt của "
        "nạn nhân. Người này đã đầu tư 300 triệu đồng vào ứng dụng và nhận lãi 5 triệu đồng."
    )
    figures = article_figures("Khởi tố vụ lừa đảo", text, language="vi")
    assert figures and not any(f.economic for f in figures)
    assert {f.measure for f in figures} == {"fraud-loss"}


@given(
    st.text(alphabet="aΣσς'’.İiIßﬁǅ \n"),
    st.text(alphabet="aΣσς'’.İiIßﬁǅ \n"),
)
def test_title_and_text_lower_cased_apart_read_as_lower_casing_them_joined(
    title: str, text: str
) -> None:
    # The story frame lower-cases them apart, reusing the extractors' copy of the text.
    assert f"{title.lower()}\n{text.lower()}" == f"{title}\n{text}".lower()

# ruff: noqa: E501  (one news sentence per line reads best in these tables)
"""The period of a figure: its own clause's, never the baseline of a comparison."""

from __future__ import annotations

import pytest

from feeds.figures import extract_figures


def _periods(text: str, language: str) -> dict[str, str | None]:
    return {f.text: f.period for f in extract_figures(text, language=language)}


def test_a_figure_takes_the_period_of_its_own_clause_not_the_next_clauses() -> None:
    text = "Năm 2022, xuất khẩu gạo đạt hơn 3,1 tỷ USD; năm 2023 ước đạt 4,2 tỷ USD, tăng 35% so với năm 2022."
    assert _periods(text, "vi") == {
        "3,1 tỷ USD": "Năm 2022",
        "4,2 tỷ USD": "năm 2023",
        "tăng 35%": "năm 2023",
    }


@pytest.mark.parametrize(
    ("text", "language", "span", "period"),
    [
        ("Doanh thu năm 2024 đạt 900 tỷ đồng, tăng 20% so với năm 2023.", "vi", "tăng 20%", "năm 2024"),
        ("Nhập khẩu tháng 5 đạt 80 triệu USD, giảm 3% so với tháng 4.", "vi", "giảm 3%", "tháng 5"),
        ("Lợi nhuận quý I tăng 9% so với quý IV.", "vi", "tăng 9%", "quý I"),
        ("Lợi nhuận tăng 9% so cùng kỳ năm trước.", "vi", "tăng 9%", None),
        ("Doanh thu tăng 7% so với cùng kỳ.", "vi", "tăng 7%", None),
        ("Rice exports in 2024 rose 8% compared with 2023.", "en", "rose 8%", "in 2024"),
        ("Output rose 4% in March, higher than in February.", "en", "rose 4%", "in March"),
        ("Sales rose 6% over the same period last year.", "en", "rose 6%", None),
    ],
)  # fmt: skip
def test_a_period_in_a_comparison_is_the_baseline_not_the_figures(
    text: str, language: str, span: str, period: str | None
) -> None:
    assert _periods(text, language)[span] == period


def test_from_one_amount_to_another_each_end_keeps_its_own_year() -> None:
    text = "Coffee exports rose by 20% from US$400 million in 2021 to US$480 million in 2022."
    assert _periods(text, "en") == {
        "rose by 20%": "in 2022",
        "US$400 million": "in 2021",
        "US$480 million": "in 2022",
    }


def test_a_vietnamese_change_from_one_amount_to_another_is_read_the_same_way() -> None:
    text = "Vốn điều lệ tăng từ 800 tỷ đồng năm 2020 lên 1.200 tỷ đồng năm 2022."
    assert _periods(text, "vi") == {"800 tỷ đồng": "năm 2020", "1.200 tỷ đồng": "năm 2022"}


def test_a_trailing_period_in_a_clause_of_its_own_is_the_figures() -> None:
    text = "Kim ngạch đạt 90 triệu USD (tương đương 2.200 tỷ đồng) tính đến cuối tháng 6/2023."
    assert _periods(text, "vi")["90 triệu USD"] == "tháng 6/2023"


@pytest.mark.parametrize(
    ("text", "language", "period"),
    [
        ("Xuất khẩu trong 9 tháng năm 2023 đạt 1,1 tỷ USD.", "vi", "9 tháng năm 2023"),
        ("Xuất khẩu trong tháng 3 năm 2023 đạt 100 triệu USD.", "vi", "tháng 3 năm 2023"),
        ("Exports reached $700 million in H2 2023.", "en", "in H2 2023"),
        ("The two sides aim for US$3 billion by 2028.", "en", "by 2028"),
    ],
)
def test_partial_years_and_target_years_are_periods(text: str, language: str, period: str) -> None:
    (figure,) = extract_figures(text, language=language)
    assert figure.period == period

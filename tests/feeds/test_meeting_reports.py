# ruff: noqa: E501  (one news sentence per line reads best in these tables)
"""Meeting reports a tester found misread: a cancelled visit, a domestic working session
about trade with a neighbour, a meeting recalled from an earlier year, text in capitals, a
reception named by a noun, talks held online; each pinned with sentences written here."""

from __future__ import annotations

import unicodedata

import pytest

from feeds.countries import find_countries
from feeds.meetings import Meeting, extract_meetings, may_meet_two_countries
from feeds.story_meetings import meeting_events, meeting_key


def _held(text: str, language: str, *, published: str | None = None) -> list[Meeting]:
    return [
        m
        for m in extract_meetings("", text, language=language, published=published)
        if m.bilateral and m.status == "happened" and not m.background
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ngày 2/3/2025, Bộ Ngoại giao cho biết chuyến thăm chính thức Campuchia của Phó Chủ tịch nước, dự kiến diễn ra từ ngày 9/3, đã bị hủy vì lý do thời tiết.", "vi"),
        ("Chuyến thăm cấp nhà nước Thái Lan của Chủ tịch Quốc hội, theo kế hoạch vào tuần sau, đã bị huỷ bỏ.", "vi"),
        ("Cuộc hội đàm giữa Bộ trưởng Quốc phòng Việt Nam và Bộ trưởng Quốc phòng Lào, ấn định vào sáng 4/6, bị bãi bỏ.", "vi"),
        ("The state visit of the Thai King to Cambodia, planned for early June, has been cancelled.", "en"),
        ("The talks between the Lao Foreign Minister and his Cambodian counterpart, set for Monday, were called off.", "en"),
        ("The visit of the Vietnamese Defence Minister to Laos, announced last week, was scrapped on Friday.", "en"),
    ],
)  # fmt: skip
def test_a_cancelled_visit_or_meeting_did_not_happen(text: str, language: str) -> None:
    found = [m for m in extract_meetings("", text, language=language) if m.bilateral]
    assert found and all(m.status == "postponed" for m in found)
    assert _held(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sáng 3/9, Bộ trưởng Bộ Nông nghiệp đã làm việc với UBND tỉnh Quảng Trị về xuất khẩu nông sản sang Lào.", "vi"),
        ("Chiều 12/4, Thứ trưởng Bộ Giao thông làm việc với Sở Giao thông tỉnh Điện Biên bàn về tuyến đường nối với Lào.", "vi"),
        ("Ngày 6/6, Phó Thủ tướng gặp lãnh đạo tỉnh Kon Tum trao đổi về hợp tác với Campuchia và Lào.", "vi"),
        ("On Monday, the Minister of Industry and Trade met Nghệ An provincial leaders about border trade with Laos.", "en"),
    ],
)  # fmt: skip
def test_a_country_in_the_subject_matter_of_a_domestic_session_is_no_counterpart(
    text: str, language: str
) -> None:
    assert _held(text, language) == []


def test_two_leaders_who_talk_about_their_countries_relations_are_the_two_sides() -> None:
    text = "Tối 5/2/2025, Chủ tịch nước và Quốc vương Campuchia đã có cuộc hội đàm để trao đổi về quan hệ Việt Nam - Campuchia."
    (talks,) = _held(text, "vi")
    assert talks.countries == ("KH", "VN")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Năm 2017, Chủ tịch nước Trần Đại Quang đã hội đàm với Tổng thống Philippines tại Manila.", "vi"),
        ("Hồi năm 2016, Thủ tướng đã gặp Thủ tướng Campuchia Hun Sen tại Phnom Penh.", "vi"),
        ("In 2018, the Vietnamese Prime Minister held talks with the Lao Prime Minister in Vientiane.", "en"),
    ],
)  # fmt: skip
def test_a_meeting_dated_by_an_earlier_year_alone_is_background(text: str, language: str) -> None:
    found = [m for m in extract_meetings("", text, language=language) if m.bilateral]
    assert found and all(m.background for m in found)


def test_a_meeting_dated_well_before_publication_is_background_and_a_recent_one_is_not() -> None:
    text = "Ngày 14/3/2023, Thủ tướng đã hội đàm với Thủ tướng Lào Sonexay Siphandone tại Hà Nội."
    assert _held(text, "vi") != []  # no publication time given: read from the text alone
    assert _held(text, "vi", published="2025-06-01T02:00:00Z") == []
    assert _held(text, "vi", published="2023-03-20T02:00:00Z") != []


def test_a_plan_year_later_than_a_meetings_date_does_not_make_it_background() -> None:
    text = (
        "Chiều 3/10/2024, Thủ tướng đã hội đàm với Thủ tướng Campuchia Hun Manet. "
        "Hai bên nhất trí đưa thương mại song phương lên 20 tỷ USD trong năm bản lề 2025."
    )
    assert [m.countries for m in _held(text, "vi")] == [("KH", "VN")]


def test_a_meeting_the_text_dates_in_an_earlier_year_never_takes_the_publication_day() -> None:
    text = "Thủ tướng và Thủ tướng Lào đã hội đàm tại Viêng Chăn năm 2019 về hợp tác năng lượng."
    published = "2026-12-02T09:00:00Z"
    assert meeting_key(meeting_events("", text, "vi", published), published) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("SÁNG 4/2/2025, THỦ TƯỚNG PHẠM MINH CHÍNH ĐÃ HỘI ĐÀM VỚI THỦ TƯỚNG CAMPUCHIA HUN MANET.", "vi"),
        ("SÁNG 4/2/2025, CHỦ TỊCH NƯỚC ĐÃ TIẾP ĐẠI SỨ LÀO TẠI HÀ NỘI.", "vi"),
        ("Sáng 4/2/2025, Thủ tướng Phạm Minh Chính đã hội đàm với Thủ tướng LÀO Sonexay Siphandone.", "vi"),
        ("PRIME MINISTER PHẠM MINH CHÍNH HELD TALKS WITH CAMBODIAN PRIME MINISTER HUN MANET ON TUESDAY.", "en"),
    ],
)  # fmt: skip
def test_countries_and_titles_written_in_capitals_are_read(text: str, language: str) -> None:
    for form in ("NFC", "NFD"):
        written = unicodedata.normalize(form, text)
        (meeting,) = _held(written, language)
        assert len(meeting.countries) == 2 and "VN" in meeting.countries
        assert may_meet_two_countries("", written)


@pytest.mark.parametrize(
    "text",
    [
        "ĐOÀN CÔNG TÁC ĐẾN LÀO CAI",
        "NGƯỜI LAO ĐỘNG ĐƯỢC TĂNG LƯƠNG",
        "PHÒNG CHỐNG BỆNH LAO Ở TRẺ EM",
        "ANH ẤY ĐẾN MỸ THO",
        "CHỊ NGA ĐI CHỢ",
    ],
)
def test_words_in_capitals_that_only_look_like_country_names_are_not_countries(text: str) -> None:
    assert find_countries(text) == []


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("At a reception in Hà Nội on Monday for the Cambodian official and his delegation, the Deputy Prime Minister praised the two countries' ties.", ("KH", "VN")),
        ("President Lương Cường hosted a reception for Lao Vice President Pany Yathotou on Wednesday.", ("LA", "VN")),
        ("Foreign Minister Bùi Thanh Sơn gave a banquet in honour of Thai Foreign Minister Maris Sangiampongsa on Thursday evening.", ("TH", "VN")),
    ],
)  # fmt: skip
def test_a_reception_named_by_a_noun_has_a_host_and_a_guest(
    text: str, countries: tuple[str, str]
) -> None:
    assert [(m.kind, m.countries) for m in _held(text, "en")][:1] == [("reception", countries)]


def test_a_reception_of_something_else_is_no_meeting() -> None:
    assert _held("The film got a warm reception in Hà Nội on Friday from Lao critics.", "en") == []


def test_talks_held_online_are_talks_in_both_languages_and_both_reports_share_one_key() -> None:
    vi = "Chiều 7/3/2025, Thủ tướng Phạm Minh Chính và Thủ tướng Campuchia Hun Manet đã có cuộc hội đàm trực tuyến để trao đổi về quan hệ Việt Nam - Campuchia."
    en = "Prime Minister Phạm Minh Chính held online talks with Cambodian Prime Minister Hun Manet on Friday afternoon."
    published = "2025-03-07T12:00:00Z"
    keys = [
        meeting_key(meeting_events("", text, language, published), published)
        for text, language in ((vi, "vi"), (en, "en"))
    ]
    assert keys[0] == keys[1] and keys[0] is not None and keys[0].kind == "talks"


def test_no_meeting_is_reported_between_two_sides_of_one_state() -> None:
    text = (
        "Chiều 7/3/2025, Thủ tướng Phạm Minh Chính và Thủ tướng Campuchia Hun Manet đã có cuộc hội đàm trực tuyến. "
        "Thủ tướng Hun Manet cảm ơn Thủ tướng Phạm Minh Chính là lãnh đạo nước ngoài đầu tiên tổ chức hội đàm trực tuyến với Chính phủ mới. "
        "Hai nhà lãnh đạo nhất trí triển khai kết quả cuộc gặp hai Bộ Chính trị."
    )
    found = extract_meetings("", text, language="vi")
    assert found and all(len(m.countries) != 1 for m in found)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Tại cuộc hội đàm chiều 5/3 giữa Thủ tướng Việt Nam và Thủ tướng Lào Sonexay Siphandone, hai bên cho biết dự án đường sắt bị hoãn do mưa lũ sẽ được khởi động lại.", "vi"),
        ("During the talks between the Vietnamese Prime Minister and the Lao Prime Minister on Wednesday, the two sides said the railway, which was delayed by floods, would open next year.", "en"),
    ],
)  # fmt: skip
def test_a_held_meeting_stays_held_when_another_clause_says_something_was_put_off(
    text: str, language: str
) -> None:
    """A review found a passive anywhere later in the sentence read as the meeting's own."""
    assert _held(text, language) != []


def test_an_announced_meeting_dated_without_a_year_is_not_background() -> None:
    text = "Ngày 20/6, Thủ tướng sẽ hội đàm với Thủ tướng Lào Sonexay Siphandone tại Viêng Chăn."
    [planned] = [m for m in extract_meetings("", text, language="vi", published="2025-06-10T02:00:00Z") if m.bilateral]  # fmt: skip
    assert planned.status == "announced" and not planned.background


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("On the sidelines of the APEC 2025 Summit, the Vietnamese President met Chinese President Xi Jinping on Thursday.", "en"),
        ("Nhân dịp dự Hội nghị Cấp cao APEC 2025, chiều 31/10, Chủ tịch nước đã hội kiến Tổng thống Hàn Quốc.", "vi"),
        ("Trong khuôn khổ Năm Hữu nghị Việt Nam - Lào 2025, sáng 6/2, Thủ tướng đã hội đàm với Thủ tướng Lào.", "vi"),
    ],
)  # fmt: skip
def test_a_year_in_an_events_name_does_not_make_the_meeting_background(
    text: str, language: str
) -> None:
    assert _held(text, language, published="2025-11-01T02:00:00Z") != []


def test_a_year_the_meeting_is_counted_from_does_not_keep_it_from_its_story() -> None:
    text = "The Vietnamese Prime Minister held talks with the Lao Prime Minister in Vientiane, the first such talks since 2019."
    published = "2025-03-05T09:00:00Z"
    assert meeting_key(meeting_events("", text, "en", published), published) is not None

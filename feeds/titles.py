"""Official titles in Vietnamese and English, and the words that make a counterpart a company,
an international organisation, an association or a domestic unit rather than a state."""

from __future__ import annotations

import re

from feeds.regex_parts import trie_regex
from feeds.text import word_regex

#: Offices of a state (government, parliament, party, army, diplomacy, sub-national
#: government). Matched case-insensitively on whole words; the longest spelling wins.
TITLES_VI = (
    "tổng bí thư", "chủ tịch nước", "chủ tịch quốc hội", "phó chủ tịch quốc hội",
    "phó chủ tịch nước", "thủ tướng chính phủ", "thủ tướng", "phó thủ tướng",
    "thường trực ban bí thư", "bộ trưởng", "thứ trưởng", "ngoại trưởng", "quốc vụ khanh",
    "ủy viên quốc vụ", "tổng thống", "phó tổng thống", "chủ tịch", "phó chủ tịch",
    "quốc vương", "nhà vua", "nữ hoàng", "hoàng tử", "thái tử", "công chúa", "tiểu vương",
    "đại sứ", "tân đại sứ", "đại biện", "tổng lãnh sự", "lãnh sự", "đặc phái viên", "đặc sứ",
    "cố vấn an ninh quốc gia", "cố vấn an ninh", "cố vấn", "ủy viên bộ chính trị",
    "bí thư trung ương đảng", "bí thư tỉnh ủy", "bí thư thành ủy", "bí thư", "trưởng ban",
    "chủ nhiệm", "tư lệnh", "phó tư lệnh", "tổng tham mưu trưởng", "đại tướng",
    "thượng tướng", "trung tướng", "thiếu tướng", "đô đốc", "tỉnh trưởng", "phó tỉnh trưởng",
    "thống đốc", "thị trưởng", "thủ hiến", "thượng nghị sĩ", "nghị sĩ", "chủ tịch thượng viện",
    "chủ tịch hạ viện", "người phát ngôn", "thư ký nhà nước", "chánh văn phòng",
    "chủ tịch ubnd", "phó chủ tịch ubnd", "trưởng đoàn", "quan chức", "lãnh đạo",
    "người đồng cấp", "thủ lĩnh", "nhà lãnh đạo",
)  # fmt: skip
TITLES_EN = (
    "president", "vice president", "prime minister", "deputy prime minister", "premier",
    "minister", "deputy minister", "foreign minister", "defence minister", "defense minister",
    "secretary of state", "secretary", "general secretary", "party general secretary",
    "chairman", "chairwoman", "vice chairman", "vice chairwoman", "speaker", "king", "queen",
    "prince", "crown prince", "sultan", "emir", "chancellor", "ambassador", "consul general",
    "consul", "envoy", "special envoy", "national security adviser", "security adviser",
    "governor", "mayor", "senator", "lawmaker", "general", "lieutenant general", "admiral",
    "commander", "chief of general staff", "state councillor", "state councilor",
    "spokesperson", "politburo member", "official", "officials", "leader", "leaders",
    "counterpart", "head of state", "head of government",
)  # fmt: skip
#: Offices Vietnam does not have: without a country, their holder is foreign.
FOREIGN_ONLY = frozenset(
    "tổng thống|phó tổng thống|ngoại trưởng|quốc vương|nhà vua|nữ hoàng|hoàng tử|thái tử|"
    "công chúa|tiểu vương|tỉnh trưởng|phó tỉnh trưởng|thị trưởng|thủ hiến|thượng nghị sĩ|"
    "quốc vụ khanh|ủy viên quốc vụ|chủ tịch thượng viện|chủ tịch hạ viện|thư ký nhà nước|"
    "người đồng cấp|counterpart|king|queen|prince|crown prince|sultan|emir|chancellor|"
    "secretary of state|state councillor|state councilor|senator|mayor|premier".split("|")
)
#: A group standing for a state: "Đoàn đại biểu quân sự cấp cao Trung Quốc", "phái đoàn Mỹ".
GROUPS_VI = (
    "đoàn đại biểu", "phái đoàn", "đoàn", "chính phủ", "bộ ngoại giao", "bộ quốc phòng",
    "đại sứ quán", "quân đội",
)  # fmt: skip
GROUPS_EN = ("delegation", "government", "foreign ministry", "defence ministry")

#: Words making the holder of a title a company, an international organisation, an
#: association or a private person: "Chủ tịch Tập đoàn", "UN Resident Coordinator".
ORGANISATION_WORDS = (
    "công ty", "tập đoàn", "tổng công ty", "doanh nghiệp", "doanh nhân", "nhà đầu tư",
    "tổng thầu", "nhà thầu", "ngân hàng thế giới", "ngân hàng phát triển", "quỹ", "hiệp hội",
    "hội hữu nghị", "liên hiệp", "tổ chức", "liên hợp quốc", "ủy ban châu âu",
    "liên minh châu âu", "hội đồng châu âu", "nghị viện châu âu", "đại học", "trường đại học",
    "báo", "đài truyền hình", "hãng", "câu lạc bộ", "clb", "nhóm", "giám đốc", "tổng giám đốc",
    "tỷ phú", "tỉ phú", "tổ chức phi chính phủ", "thương hiệu", "nhà sản xuất", "chủ đầu tư",
    "company", "corporation", "group", "inc", "ltd", "bank", "fund", "association", "society",
    "federation", "foundation", "united nations", "european commission",
    "european union", "european council", "european parliament", "university", "institute",
    "think tank", "business", "businesses", "businesspeople", "investors", "firm", "firms",
    "executive", "executives", "chief executive", "director", "club", "team", "friendship",
    "world health organization", "red cross", "chữ thập đỏ",
)  # fmt: skip
#: Vietnamese sub-national and party units: a side from one of these is domestic.
DOMESTIC_UNITS = (
    "ubnd", "hđnd", "tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy", "sở", "huyện", "quận", "xã",
    "phường", "tỉnh", "thành phố", "tp", "bộ", "ban", "ngành", "cục", "tổng cục", "viện kiểm sát",
    "công an", "tòa án", "mặt trận tổ quốc", "đoàn thanh niên", "hội đồng nhân dân",
)  # fmt: skip


def _alternation(words: tuple[str, ...] | frozenset[str]) -> str:
    spelled = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in spelled)


_PREFIX_WORDS: tuple[str, ...] = (
    "phó",
    "nguyên",
    "cựu",
    "tân",
    "quyền",
    "deputy",
    "vice",
    "former",
    "acting",
)
_PREFIX_WORDS += ("outgoing",)
#: The first words a title may start with (a cheap check before `TITLE.match`).
TITLE_FIRST_WORDS = frozenset(
    t.split()[0] for t in (*TITLES_VI, *TITLES_EN, *GROUPS_VI, *GROUPS_EN, *_PREFIX_WORDS)
)
_PREFIXES: tuple[str, ...] = (
    "",
    "phó ",
    "nguyên ",
    "cựu ",
    "tân ",
    "quyền ",
    "deputy ",
    "vice ",
    "former ",
)
_PREFIXES += ("acting ", "outgoing ")
#: Whole words over lower-cased text: "Thủ tướng", "thủ tướng", "Prime Minister".
TITLE = word_regex(
    p + t for p in _PREFIXES for t in (*TITLES_VI, *TITLES_EN, *GROUPS_VI, *GROUPS_EN)
)
ORGANISATION = re.compile(
    rf"(?<![\w-])(?:{trie_regex(sorted(ORGANISATION_WORDS))}"
    # "Hội Hữu nghị" but not "Hội đồng", "Quốc hội", "Xã hội" (the labour ministries' name);
    # "Ngân hàng X" but not the central bank.
    r"|(?<!quốc )(?<!xã )hội(?!\s+(?:đồng|đàm|kiến|nghị|nhập|viên))"
    r"|ngân\s+hàng(?!\s+(?:nhà\s+nước|trung\s+ương|thế\s+giới)))(?![\w-])"
)
#: Acronyms of organisations are written in capitals; matched case-sensitively.
ORGANISATION_ACRONYM = re.compile(
    r"(?<![\w-])(?:LHQ|UN|WHO|UNICEF|UNDP|UNESCO|IMF|WB|ADB|WTO|EU|ASEAN|NATO|NGO|CEO)(?![\w-])"
)
DOMESTIC = word_regex(DOMESTIC_UNITS)


def is_group(title: str) -> bool:
    return " ".join(title.casefold().split()) in (*GROUPS_VI, *GROUPS_EN)


def foreign_only(title: str) -> bool:
    return " ".join(title.casefold().split()) in FOREIGN_ONLY


# -- the words around a title (see feeds.mentions) -----------------------------------------

#: Words that end the description following a title: verbs, prepositions, conjunctions.
STOP_WORDS = frozenset(
    "đã sẽ đang vừa và với cùng có cho tại ở trong là được bị để về từ khi nhưng thì mà này đó "
    "rằng cũng không chưa nói đến tới sang thăm chào đón tiếp gặp hội điện làm dự phát khẳng "
    "nhấn cảm đánh trao ký chủ nhận gửi kêu yêu mời đề theo do vì của kiêm nhân lên "
    "met meets meet held holds hold received receives welcomed welcomes hosted hosts visited "
    "visits visiting said says told called calls and with to in at on who which that has had "
    "have was is were are will would during after before for by as".split()
)
CONNECTORS = frozenset(("of", "the"))
#: Capitalised words of an office that never belong to a person's name.
NOT_NAMES = frozenset(
    "Party Committee Ministry Department Office Council Commission Assembly Congress Senate "
    "House Affairs Security Defence Defense Foreign National Province City People's State "
    "Government Republic Union Bộ Ban Ủy Uỷ Sở Cục Đảng".split()
)
#: Lower-case words a delegation or official may be qualified by before its country.
QUALIFIERS = frozenset(
    "cấp cao quân sự ngoại giao thương mại kinh tế chính phủ nhà nước quốc hội đảng cao cấp "
    "chính thức senior high-level top military government official visiting new outgoing "
    "newly appointed".split()
)
#: Capitalised words that open an office's name rather than a person's ("Bộ Quốc phòng").
OFFICE_WORDS = frozenset(
    "Bộ Ban Ủy Uỷ Quốc Chính Nhà Cục Sở Hội Đảng Quân Tổng Học Viện Ngoại Kế Tài Công Giao "
    "Giáo Xây Khoa Lao Năng Dân "
    "Nội Thông Văn Y Tư An Hải Không Lục Cảnh Biên Thường Trung Phó Hạ Thượng Nghị Thủ Lãnh "
    "Đại Ministry Department Office Committee Council Commission National Foreign Defence "
    "Defense State Central Party People's Assembly Congress Senate House Security Affairs "
    "Minister Secretary General Deputy Vice Prime President Republic Democratic Federal Union "
    "Kingdom Government Army Navy Air Force".split()
)
#: Offices whose first syllable is also a name ("Tổng Bí thư Nông Đức Mạnh") or whose second
#: ends a description elsewhere ("hội"): read as an office's name only as a pair.
OFFICE_PAIRS = frozenset(
    ("Nông nghiệp", "Thanh tra", "Ngân hàng", "Kiểm toán", "Du lịch", "Lâm nghiệp", "Xã hội")
)
#: What joins the parts of a ministry's name: "Giáo dục và Đào tạo", "Văn hóa, Thể thao và
#: Du lịch", "Lao động - Thương binh và Xã hội".
OFFICE_JOINS = frozenset(("và", ",", "-", "–"))
#: Ministries' last syllables ("Giáo dục", "Lao động"): a country may follow them inside a
#: ministry's name ("Bộ trưởng Giáo dục Lào Phout"), never elsewhere ("sân vận động Mỹ Đình").
MINISTRY_ENDS = frozenset(
    "dục tạo thao dựng nghệ tế chính thương pháp nghiệp trường tư tải lịch hóa hoá hội binh "
    "thông giáo tộc lợi mỏ lượng nguyên động".split()
)
#: Letters of Vietnamese syllables; a name made of such syllables only is Vietnamese unless
#: the article says otherwise ("Ngụy Phượng Hòa" is named with "Trung Quốc" first).
VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵ]{1,3}"
    r"(?:ng|nh|ch|[cmnptiyou])?",
    re.IGNORECASE,
)
#: Vietnamese family names as English copy writes them, without their marks ("Pham Minh
#: Chinh"): wire services in English name Vietnam's officials so, often without the word
#: "Vietnamese". Only common ones that the neighbours' romanised names do not begin with
#: too: not "Ho" (Ho Iat Seng, Ho Ching), "Ly" (Cambodia's Ly Thuch), "Cao" (pinyin),
#: "Do" (Korean), "Lam", "Ha", "Tang", "Chu", "Mai", "Van", "La", "Lu".
VI_FAMILY_NAMES = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui ngo duong luong truong "
    "dinh trinh doan dao luu vuong phung nghiem quach kieu trieu".split()
)
#: Titles naming nobody in particular unless a country or a name comes with them.
GENERIC_TITLES = frozenset(
    "leaders|leader|official|officials|delegation|government|lãnh đạo|nhà lãnh đạo|quan chức|đoàn|"
    "phái đoàn|đoàn đại biểu|chính phủ".split("|")
)

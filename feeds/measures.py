"""What a figure measures (trade, investment, prices… or a fine, a prize, a fraud loss), read
from the words around it in its sentence (its period: feeds/periods.py)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from feeds.text import WordScanner, lower, word_regex

#: Measures of the economy: a figure with one of these is an economic figure.
ECONOMIC = frozenset(
    "trade exports imports investment capital gdp-growth prices inflation budget revenue profit "
    "tax debt aid-loans market-index wages interest-rates market-share sales output valuation "
    "economic-loss cost assets exchange-rates".split()
)
#: Money and counts in a personal, crime, charity or prize story: not economic figures.
NON_ECONOMIC = frozenset(
    "fine prize fraud-loss seizure charity personal-spending personal-wealth".split()
)
UNSPECIFIED = "unspecified"
#: Measures that are rates: a later percentage in their sentence is more of the same.
_RATES = frozenset("inflation interest-rates gdp-growth market-share tax exchange-rates".split())

#: Sanctions: an economic measure between states (a story's economy word), never a fine.
_SANCTIONS = ("trừng phạt", "lệnh trừng phạt", "cấm vận", "sanctions")

_CUES: dict[str, tuple[str, ...]] = {
    "trade": ("kim ngạch", "thương mại", "trade", "two-way trade", "buôn bán"),
    "exports": ("xuất khẩu", "export", "exports", "exported", "shipments"),
    "imports": ("nhập khẩu", "nhập về", "import", "imports", "imported"),
    "investment": (
        "đầu tư", "fdi", "vốn đăng ký", "vốn đầu tư", "rót vốn", "investment", "investments",
        "invest", "invested", "mua lại", "thâu tóm", "thương vụ", "acquisition", "ipo",
        "cổ phần", "cổ phiếu", "stake", "shares", "chuyển nhượng", "giải ngân", "disbursed",
        "dự án", "projects", "trái phiếu", "bond", "bonds", "thoái vốn",
    ),
    "capital": ("vốn điều lệ", "tăng vốn", "vốn", "capital", "charter capital"),
    "gdp-growth": (
        "gdp", "tăng trưởng", "nền kinh tế", "kinh tế", "growth", "economy", "economic",
        "gross domestic product", "quy mô", "thu nhập bình quân",
    ),
    "prices": (
        "giá", "price", "prices", "priced", "costs", "cost", "phí", "fee", "fees", "cước", "thuê",
        "rent", "charter",
    ),
    "inflation": ("lạm phát", "cpi", "inflation", "chỉ số giá"),
    "budget": (
        "ngân sách", "budget", "gói hỗ trợ", "gói kích thích", "package", "stimulus",
        "chi tiêu công", "vốn ngân sách", "public spending", "spend", "spends", "spending",
        "approved", "approves", "allocated", "allocates", "earmarked", "phân bổ", "bố trí",
        "phê duyệt",
    ),
    "revenue": ("doanh thu", "thu ngân sách", "revenue", "revenues", "turnover", "nộp ngân sách"),
    "profit": (
        "lợi nhuận", "lãi", "lỗ", "profit", "profits", "loss", "losses", "lost", "earnings",
        # before or after tax: a profit, not a tax ("thuế")
        "lợi nhuận trước thuế", "lợi nhuận sau thuế", "lãi trước thuế", "lãi sau thuế",
        "lợi nhuận hợp nhất trước thuế", "lợi nhuận hợp nhất sau thuế", "lỗ trước thuế",
        "lỗ sau thuế",
    ),
    "tax": ("thuế", "tax", "taxes", "tariff", "tariffs"),
    "debt": ("nợ", "dư nợ", "debt", "debts", "nợ công", "nợ xấu", "tín dụng"),
    "aid-loans": (
        "viện trợ", "khoản vay", "cho vay", "vay", "oda", "aid", "loan", "loans", "grant",
        "cứu trợ", "relief", "hỗ trợ",
    ),
    "market-index": (
        "vn-index", "chỉ số", "index", "thanh khoản", "giá trị giao dịch",
        "vốn hóa", "market cap", "market capitalisation", "market capitalization",
    ),
    "wages": ("lương", "thu nhập", "salary", "salaries", "wage", "wages", "income"),
    "interest-rates": ("lãi suất", "interest rate", "interest rates"),
    "exchange-rates": (
        "tỷ giá", "exchange rate", "exchange rates", "currency", "mất giá", "đồng tiền",
        "depreciated", "depreciation", "devalued", "devaluation",
    ),
    "market-share": ("thị phần", "market share", "market shares"),
    "sales": ("doanh số", "bán ra", "sales", "sold", "lượng bán"),
    "output": ("sản lượng", "output", "production"),
    "assets": ("tài sản", "khối tài sản", "assets", "tổng tài sản", "quản lý tài sản"),
    "valuation": ("định giá", "giá trị", "valuation", "valued", "worth", "trị giá"),
    "economic-loss": ("thiệt hại", "damage", "damages"),
    "cost": ("tổng mức đầu tư", "chi phí", "kinh phí", "expenditure"),
    "fine": ("phạt", "xử phạt", "tiền phạt", "fine", "fined", "fines", "penalty", "penalties"),
    # Not "giải" alone: it opens "giải pháp", "giải cứu", "giải trình", "giải quyết", and a
    # rescue plan or a saving became a prize (news-vi).
    "prize": (
        "giải thưởng", "giải nhất", "giải nhì", "giải ba", "giải đặc biệt", "trúng giải",
        "đoạt giải", "giành giải", "đạt giải", "tiền thưởng", "thưởng", "phần thưởng", "prize",
        "prizes", "award", "reward", "jackpot", "học bổng", "scholarship", "sổ tiết kiệm",
    ),
    "fraud-loss": (
        "lừa đảo", "chiếm đoạt", "bị lừa", "lừa", "trộm", "cướp", "tham ô", "hối lộ", "scam",
        "scammed", "fraud", "stole", "stolen", "theft", "embezzled", "bribe", "bribes",
        "bị mất", "đánh bạc", "cờ bạc", "gambling",
    ),
    "seizure": ("thu giữ", "tang vật", "ma túy", "seized", "seizure", "drugs", "bắt giữ"),
    "charity": (
        "từ thiện", "ủng hộ", "quyên góp", "trao tặng", "tặng", "charity", "donated",
        "donation", "donations", "donate", "quỹ vắc xin", "philanthropy",
    ),
    "personal-spending": (
        "đám cưới", "sính lễ", "hóa đơn", "tiền điện", "chợ đen", "black market", "bill",
        "wedding", "mua nhà", "tiền nhà", "khoản nợ riêng", "chi tiêu cá nhân", "trả giá",
        "viện phí", "chi phí điều trị", "tiền chữa bệnh", "hospital bill", "medical bills",
    ),
    "personal-wealth": (
        "gia tài", "giàu", "fortune", "thừa kế", "inheritance",
    ),
    # Sanctions between states are no fine ("phạt" inside "trừng phạt"): cues that name no
    # measure, read as a whole so that their "phạt" is not one; nor is "đánh giá" (an
    # assessment) a price ("giá").
    UNSPECIFIED: (*_SANCTIONS, "sanctioned", "đánh giá"),
}  # fmt: skip
_MEASURE = {" ".join(c.split()): m for m, cues in _CUES.items() for c in cues}
_CUE = word_regex(_MEASURE)
_CLAUSE = re.compile(r"[,;:(]|\s(?:và|còn|nhưng|while|and|but)\s")


class _Cue(NamedTuple):
    start: int
    end: int
    measure: str


@lru_cache(maxsize=512)
def _read(sentence: str) -> tuple[tuple[_Cue, ...], tuple[int, ...]]:
    """A sentence's cue words and clause boundaries, read once for all its figures."""
    lowered = sentence.lower()
    if len(lowered) != len(sentence):
        return (), ()
    cues = tuple(
        _Cue(m.start(), m.end(), _MEASURE[" ".join(m.group().split())])
        for m in _CUE.finditer(lowered)
    )
    clauses = tuple(m.end() for m in _CLAUSE.finditer(lowered))
    return cues, clauses


def measure_of(
    sentence: str,
    start: int,
    end: int,
    *,
    per_unit: bool = False,
    near: bool = False,
    change: bool = False,
) -> tuple[str, str]:
    """(measure, cue words) of the figure at [start, end) of `sentence`.

    The noun right after the amount names it ("US$50 million loan"); else the cue nearest
    before the figure in its own clause, then the nearest before it in the sentence, then one
    just after it. A per-unit amount ("USD/tấn") is a price; a fine, a fraud or a gift
    before the amount frames it.
    """
    cues, clauses = _read(sentence)
    before = [c for c in cues if c.end <= start]
    clause_start = max((b for b in clauses if b <= start), default=0)
    in_clause = [c for c in before if c.start >= clause_start]
    following = None
    if sentence[end : end + 1] == " ":
        following = next((c for c in cues if c.start == end + 1), None)
    chosen: _Cue | None
    if near:
        # A percentage: its measure is named just before it in its own clause ("doanh thu
        # tăng 12%"), right after it ("12% GDP"), or anywhere before a change ("bán ra 340
        # triệu máy, tăng 24%"); "95% học sinh" and "99% cử tri" are not economic.
        close = [c for c in in_clause if start - c.end <= 40]
        if not close and change:
            close = before
        if not close:  # "Inflation eased to 8.5 per cent, down from 23 per cent"
            close = [c for c in before if c.measure in _RATES]
        if not close and following is not None:
            close = [following]
        if not close:
            return UNSPECIFIED, ""
        grown = _grown(sentence, cues, clauses, close[-1], start)
        return grown.measure, sentence[grown.start : grown.end]
    non_economic = [c for c in before if c.measure in NON_ECONOMIC]
    if non_economic and (not in_clause or start - non_economic[-1].end < 80):
        chosen = non_economic[-1]
    elif per_unit:
        return "prices", sentence[start:end]
    elif following is not None:
        chosen = following
    elif in_clause:
        chosen = in_clause[-1]
    elif before:
        chosen = before[-1]
    else:
        limit = min(len(sentence), end + 40)
        chosen = next((c for c in cues if c.start >= end and c.end <= limit), None)
        if chosen is None:
            return UNSPECIFIED, ""
    chosen = _grown(sentence, cues, clauses, chosen, start)
    return chosen.measure, sentence[chosen.start : chosen.end]


#: Words of growth that name no measure of their own: what grew is named beside them.
_GROWTH = frozenset(("tăng trưởng", "growth"))


def _grown(
    sentence: str, cues: tuple[_Cue, ...], clauses: tuple[int, ...], chosen: _Cue, start: int
) -> _Cue:
    """What a bare "tăng trưởng" (growth) measures: the thing that grew, named right after
    it ("tăng trưởng tín dụng", "tăng trưởng doanh số") or before it in its clause ("lợi
    nhuận … tăng trưởng gần 60%"); the economy's growth only when nothing else is named.
    Every "tăng trưởng" had been GDP growth: credit, a retailer's sales, a bank's profit."""
    if chosen.measure != "gdp-growth" or sentence[chosen.start : chosen.end].lower() not in _GROWTH:
        return chosen
    named = [
        c
        for c in cues
        if c.measure not in ("gdp-growth", UNSPECIFIED) and c.measure not in NON_ECONOMIC
    ]
    after = [c for c in named if chosen.end < c.start <= chosen.end + 1 and c.end <= start]
    if after:
        return after[0]
    clause = max((b for b in clauses if b <= chosen.start), default=0)  # the growth word's
    before = [c for c in named if clause <= c.start and c.end <= chosen.start]
    return before[-1] if before else chosen


#: Measures that stay economic whatever the story around them.
MACRO = frozenset("trade exports imports gdp-growth inflation market-index".split())
#: Words of a story about a crime, a court case, a fine, a gift, a prize or a celebrity:
#: in such a story an amount is the story's (a victim's loss, a fine, a gift), not the economy's.
_FRAMES: dict[str, tuple[str, ...]] = {
    "fraud-loss": (
        "lừa đảo", "chiếm đoạt", "sập", "đa cấp", "công an", "cảnh sát", "khởi tố", "bị can",
        "bị cáo", "truy tố", "xét xử", "thi hành án", "tạm giam", "trại giam", "chấp hành án",
        "vụ án", "tội", "khởi kiện", "vụ kiện", "bị kiện", "thua kiện", "kiện tụng",
        "sòng bài", "cờ bạc", "đánh bạc", "quỵt nợ",
        "nạn nhân", "scam", "fraud", "police", "arrested", "court", "convicted", "lawsuit",
        "sued", "victims", "victim", "ma túy", "drugs", "seized", "smuggling", "buôn lậu",
    ),
    "fine": ("xử phạt", "phạt", "fined", "fine", "penalty", "vi phạm hành chính"),
    "charity": (
        "từ thiện", "quyên góp", "trao tặng", "hảo tâm", "mạnh thường quân", "charity",
        "donated", "donation",
    ),
    "personal-spending": (
        "diễn viên", "ca sĩ", "nghệ sĩ", "showbiz", "hoa hậu", "người mẫu", "khán giả",
        "bộ phim", "vai diễn", "hẹn hò", "ly hôn", "đám cưới", "người hâm mộ", "fan",
        "celebrity", "actor", "actress", "singer", "hóa đơn", "chặt chém", "phản ánh",
        "bức xúc", "thực khách", "du khách", "thanh toán", "complained", "bill",
    ),
    "prize": ("giải thưởng", "cuộc thi", "thí sinh", "trao giải", "prize", "contest"),
}  # fmt: skip
_ECONOMY_WORDS = (
    "kinh tế", "doanh nghiệp", "ngân hàng", "cổ phiếu", "cổ đông", "thị trường", "xuất khẩu",
    "nhập khẩu", "gdp", "lạm phát", "ngân sách", "doanh thu", "lợi nhuận", "tăng trưởng",
    "lãi suất", "chứng khoán", "kim ngạch", "tỷ giá", "nhà đầu tư", "economy", "market",
    "stocks", "shares", "company", "bank", "revenue", "profit", "exports", "imports",
    *_SANCTIONS,
)  # fmt: skip
_FRAME_MEASURE = {" ".join(w.split()): m for m, words in _FRAMES.items() for w in words}
#: One scan finds both: a word of `_ECONOMY_WORDS` is one not in `_FRAME_MEASURE`.
_FRAME = WordScanner([*_FRAME_MEASURE, *_ECONOMY_WORDS])


def frame_of(title: str, text: str) -> tuple[str, str] | None:
    """(measure, words) when the article is a crime, court, fine, charity, prize or celebrity
    story rather than one about the economy: its words outnumber the economy's, at least 3."""
    # The same as lower-casing "title\ntext": a line break stops the final-sigma rule, the
    # one rule of `str.lower` that looks at neighbouring letters.
    lowered = f"{title.lower()}\n{lower(text)}"
    counts: dict[str, list[str]] = {}
    economy = 0
    for start, end in _FRAME.find(lowered):
        word = " ".join(lowered[start:end].split())
        measure = _FRAME_MEASURE.get(word)
        if measure is None:
            economy += 1
        else:
            counts.setdefault(measure, []).append(word)
    if not counts:
        return None
    total = sum(len(words) for words in counts.values())
    if total < 3 or total <= economy:
        return None
    measure, words = max(counts.items(), key=lambda item: (len(item[1]), item[0]))
    return measure, ", ".join(dict.fromkeys(words).keys())

"""Numbers as Vietnamese and English write them: "476,8" and "14.050" in one, "18.5" and
"14,050" in the other."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


def parse_number(raw: str, language: str | None) -> Decimal:
    """A number in Vietnamese ("476,8", "14.050") or English ("1.1", "14,050") style.

    Groups of exactly three digits after a separator are thousands unless the language's
    decimal mark is that separator and it appears once ("476,8" vi, "18.5" en).
    """
    digits = raw.replace("\u00a0", " ").replace(" ", "")
    decimal_mark = "," if language == "vi" else "."
    group_mark = "." if decimal_mark == "," else ","
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        # Both marks: whichever comes last is the decimal mark ("1.234,5" / "1,234.5").
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
    elif dots + commas:
        mark = "." if dots else ","
        last_group = digits.rsplit(mark, 1)[1]
        if dots + commas > 1 or (mark == group_mark and len(last_group) == 3):
            group_mark, decimal_mark = mark, ""
        elif mark == group_mark:  # "1.5 tỷ" in Vietnamese text: the writer meant a decimal
            group_mark, decimal_mark = "", mark
        else:
            group_mark, decimal_mark = "", mark
    cleaned = digits.replace(group_mark, "") if group_mark else digits
    if decimal_mark:
        cleaned = cleaned.replace(decimal_mark, ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex only admits digits and marks
        return Decimal(0)


def guess_language(text: str) -> str:
    """ "vi" when the text has Vietnamese-only letters, else "en" (for number style only)."""
    return (
        "vi"
        if re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", text, re.I)
        else "en"
    )

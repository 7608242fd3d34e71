"""Words written in capitals ("THỦ TƯỚNG LÀO SONEXAY", "Thủ tướng LÀO"): found as runs, and
read again as names are written, so the finders of names that are capitalised find them."""

from __future__ import annotations

import re

#: Capital letters of the Latin script, Vietnamese ones included ("LÀO", "VIỆT NAM").
_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isalpha() and c.isupper())
#: Words written in capitals, one after another.
CAPS_RUN = re.compile(rf"(?<![\w-])[{_UPPER}]{{2,}}(?:[\s-]+[{_UPPER}]+)*(?![\w-])")
_LETTERS = re.compile(r"[^\W\d_]+")


def recased(run: str) -> str:
    """ "THỦ TƯỚNG LÀO" as "Thủ Tướng Lào": names in capitals read as names are written."""
    return _LETTERS.sub(lambda w: w.group().capitalize(), run)

"""Countries that act as a side of a meeting by their name alone: "phía Việt Nam", "Việt Nam
và Lào", a country opening the sentence; never a place ("tại Lào", "in Vientiane")."""

from __future__ import annotations

from feeds.countries import CountryHit
from feeds.sides import Mention, Side

_PLACE_WORDS = frozenset("tại ở in at từ from".split())
_ACTOR_BEFORE = frozenset("phía side bên".split())


def country_actors(sentence: str, hits: list[CountryHit], mentions: list[Mention]) -> list[Mention]:
    """Countries acting as a side: "phía Việt Nam", "Việt Nam và Lào", at a clause start."""
    found = []
    for hit in hits:
        if any(m.start <= hit.start < m.end for m in mentions):
            continue
        before = sentence[: hit.start].split()
        previous = before[-1].casefold() if before else ""
        if previous in _PLACE_WORDS:
            continue
        clause_start = not before
        paired = previous in ("và", "and", "-", "–", "với") or sentence[hit.end :].lstrip()[:3] in (
            "và ",
            "and",
            "- ",
            "– ",
        )
        if previous in _ACTOR_BEFORE or clause_start or paired:
            side = Side(hit.iso, None, None, True, hit.text)
            found.append(Mention(hit.start, hit.end, side, True))
    return found

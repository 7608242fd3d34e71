"""Who is named in a sentence: officials (office, country, person), delegations, companies and
organisations, and countries acting as a side ("phía Việt Nam") — the sides of a meeting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from feeds.actors import country_actors
from feeds.countries import CountryHit, find_countries
from feeds.descriptions import in_country, tail_end
from feeds.finders import WordFinder
from feeds.sides import Mention, Side
from feeds.text import sentence_bounds
from feeds.titles import (
    CONNECTORS,
    DOMESTIC,
    GENERIC_TITLES,
    NOT_NAMES,
    OFFICE_WORDS,
    ORGANISATION,
    ORGANISATION_ACRONYM,
    TITLE,
    VI_FAMILY_NAMES,
    VI_SYLLABLE,
    foreign_only,
    is_group,
)

#: A title right after "Phủ" or "Dinh" ends a building's name ("Phủ Chủ tịch", the
#: Presidential Palace; "Dinh Thủ tướng"), not a person's; "phủ" after "chính" is the
#: government, whose titles are people's ("Thủ tướng Chính phủ").
_PLACE_BEFORE = re.compile(r"(?:(?<!chính )phủ|dinh)\s+$")


@dataclass(slots=True)
class People:
    """Names met with their country anywhere in the article ("Tổng thống Mỹ Joe Biden"), for
    bare references ("ông Biden"). Read on first use only: most sentences never need it."""

    sources: list[str] = field(default_factory=list)
    learned: dict[str, tuple[str, str | None]] | None = None

    @property
    def known(self) -> dict[str, tuple[str, str | None]]:
        if self.learned is None:
            self.learned = {}
            for body in self.sources:
                self._read(body, find_countries(body))
        return self.learned

    def _read(self, body: str, hits: list[CountryHit]) -> None:
        # Hits are in text order: each sentence takes the next run of them (one pass, not a
        # pass over every hit for each of an article's sentences).
        first = 0
        for start, end in sentence_bounds(body) if hits else []:
            while first < len(hits) and hits[first].start < start:
                first += 1
            last = first
            while last < len(hits) and hits[last].start < end:
                last += 1
            local = [
                CountryHit(h.start - start, h.end - start, h.iso, h.text) for h in hits[first:last]
            ]
            if local:
                for mention in _official_mentions(body[start:end], local, "vi"):
                    self._learn(mention)

    def _learn(self, mention: Mention) -> None:
        side = mention.side
        if self.learned is not None and side.person and side.country and mention.explicit:
            words = side.person.split()
            self.learned.setdefault(side.person, (side.country, side.office))
            if len(words) > 1 and len(words[-1]) > 2:
                self.learned.setdefault(words[-1], (side.country, side.office))
            if len(words) > 1 and len(words[0]) > 2 and not VI_SYLLABLE.fullmatch(words[0]):
                # Thai and Lao leaders are named by their first name ("Mr Srettha").
                self.learned.setdefault(words[0], (side.country, side.office))


#: `TITLE.finditer` without its look-behind, tried at every character of every sentence read.
_TITLES = WordFinder.of(TITLE)
#: What may stand between a country and its official: nothing, or a possessive ("Vietnam's
#: Minister of Health", "Laos’ Prime Minister").
_OWNED = frozenset(("", "'s", "’s", "'", "’"))


def find_mentions(
    sentence: str, *, language: str, people: People, countries: list[CountryHit] | None = None
) -> list[Mention]:
    """The sides named in `sentence`, in text order (appositive chains merged into one)."""
    hits = find_countries(sentence) if countries is None else countries
    merged = _official_mentions(sentence, hits, language)
    found = merged + country_actors(sentence, hits, merged)
    if any(m.side.person and not m.side.country for m in merged) or (
        len(merged) < 2 and _bare_name(sentence, merged, hits)
    ):
        found += _people(sentence, merged, people)
    found.sort(key=lambda m: m.start)
    defaulted = (_defaulted(m, language, people) for m in found)
    return [m for m in defaulted if m is not None]


def _bare_name(sentence: str, mentions: list[Mention], hits: list[CountryHit]) -> bool:
    """Whether a capitalised word outside every mention and country name could be a person
    named earlier ("ông Biden"): only then are the article's people read (costly)."""
    taken = [(m.start, m.end) for m in mentions] + [(h.start, h.end) for h in hits]
    for match in _CAPITALISED.finditer(sentence, 1):
        if not any(a <= match.start() < b for a, b in taken):
            return True
    return False


_CAPITALISED = re.compile(r"(?<=\s)[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ]")


def _official_mentions(sentence: str, hits: list[CountryHit], language: str) -> list[Mention]:
    lowered = sentence.lower()
    if len(lowered) != len(sentence):  # offsets would not line up ("İ"): no titles read
        return []
    raw: list[Mention] = []
    taken = -1
    for match in _TITLES.finditer(lowered):
        if match.start() < taken or in_country(match.start(), hits):
            continue  # "Trung Quốc Vương Nghị" holds no "Quốc vương" (king)
        if _PLACE_BEFORE.search(lowered, 0, match.start()):
            continue  # "tại Phủ Chủ tịch": the Presidential Palace, a venue, not a person
        mention = _titled(sentence, lowered, match, hits, language)
        raw.append(mention)
        taken = mention.end
    return _merge_chains(sentence, raw)


def _titled(
    sentence: str, lowered: str, match: re.Match[str], hits: list[CountryHit], lang: str
) -> Mention:
    office = " ".join(sentence[match.start() : match.end()].split())
    end = tail_end(sentence, lowered, match.end(), hits)
    country, explicit = None, False
    begin = match.start()
    inside = [h for h in hits if match.start() <= h.start < end]
    if inside:
        country, explicit = inside[0].iso, True
    else:  # "Lao Prime Minister", "US Secretary of State": the country just before
        before = [
            h
            for h in hits
            if h.end <= match.start() and sentence[h.end : match.start()].strip() in _OWNED
        ]
        if before and lang != "vi":
            country, explicit = before[-1].iso, True
            begin = before[-1].start
    span = sentence[begin:end]
    tail = sentence[match.end() : end]
    # A bare title ("Thủ tướng", "Đại sứ Lào") names no company: only a tail can.
    state = not tail.strip() or (
        ORGANISATION.search(tail.casefold()) is None and ORGANISATION_ACRONYM.search(tail) is None
    )
    person = _person(sentence[match.end() : end], inside[0] if inside else None, match.end())
    side = Side(country, office, person, state, span.strip())
    return Mention(begin, end, side, explicit)


def _person(tail: str, country: CountryHit | None, offset: int) -> str | None:
    """The capitalised words ending the description: "Thủ tướng Lào Sonexay Siphandone",
    "Secretary of the Đà Nẵng Party Committee Nguyễn Văn Quảng"; none after an office name
    ("Bộ Quốc phòng" ends in a lower-case syllable) or in an acronym ("TNCS")."""
    if country is not None:
        tail = tail[country.end - offset :]
    words: list[str] = []
    every = tail.split()
    for word in reversed(every):
        if not word[0].isupper() or word in NOT_NAMES:
            break
        words.insert(0, word)
    # "Minister of Education", "Minister of the Interior": the office's own name.
    after_connector = len(every) > len(words) and every[-len(words) - 1] in CONNECTORS
    if not words or words[0] in OFFICE_WORDS or after_connector:
        return None
    if any(w.isupper() and len(w) > 1 for w in words) and not _name_in_capitals(words):
        return None  # an acronym ("TNCS", "UBND")
    return " ".join(words)


def _name_in_capitals(words: list[str]) -> bool:
    """ "PHẠM MINH CHÍNH": a Vietnamese name written in capitals (two to four syllables)."""
    return 2 <= len(words) <= 4 and all(VI_SYLLABLE.fullmatch(w) for w in words)


def _merge_chains(sentence: str, mentions: list[Mention]) -> list[Mention]:
    """ "Thượng tướng X, Ủy viên Bộ Chính trị, Bộ trưởng Bộ Quốc phòng Việt Nam" is one side."""
    merged: list[Mention] = []
    for mention in mentions:
        if merged:
            last = merged[-1]
            gap = sentence[last.end : mention.start].strip().casefold()
            other = last.explicit and mention.explicit and last.side.country != mention.side.country
            # "Party General Secretary and State President Thongloun Sisoulith": two
            # offices of the one person named after the second (the first names nobody).
            offices = (
                gap in ("and", "and state", "và") and not last.side.person and mention.side.person
            )
            if (
                (gap in (",", "của", "kiêm", ", kiêm", "of", "of the") or offices)
                and not other
                and (gap != "," or not (last.side.person and mention.side.person))
            ):
                merged[-1] = _join(sentence, last, mention)
                continue
        merged.append(mention)
    return merged


def _join(sentence: str, a: Mention, b: Mention) -> Mention:
    first, second = a.side, b.side
    explicit = a.explicit or b.explicit
    country = first.country if a.explicit else second.country if b.explicit else first.country
    side = Side(
        country=country,
        office=second.office if not is_group(second.office or "") else first.office,
        person=first.person or second.person,
        state=first.state and second.state,
        text=sentence[a.start : b.end].strip(),
    )
    return Mention(a.start, b.end, side, explicit)


def _people(sentence: str, mentions: list[Mention], people: People) -> list[Mention]:
    """Bare references to people named earlier with their country ("ông Biden")."""
    if not people.known:
        return []
    found = []
    for name, (country, office) in people.known.items():
        if name not in sentence:
            continue  # no match without the name itself: no regex to compile and run
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", sentence):
            if any(m.start <= match.start() < m.end for m in mentions):
                continue
            side = Side(country, office, name, True, match.group())
            found.append(Mention(match.start(), match.end(), side, True))
    found.sort(key=lambda m: (m.start, -m.end))
    kept: list[Mention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def _generic(office: str) -> bool:
    return office.casefold() in GENERIC_TITLES


def _defaulted(mention: Mention, language: str, people: People) -> Mention | None:
    """An official with no country written: Vietnamese in Vietnamese news, unless the office
    or the person's name cannot be Vietnamese (a foreign state, not named)."""
    side = mention.side
    if side.country is not None or not side.state:
        return mention
    if side.person:
        known = people.known.get(side.person) or people.known.get(side.person.split()[-1])
        if known is not None:
            return Mention(mention.start, mention.end, _with(side, known[0]), False)
    if DOMESTIC.search(side.text.casefold()) and language == "vi":
        return Mention(mention.start, mention.end, _with(side, "VN"), False)
    if side.office and foreign_only(side.office):
        return mention
    if language != "vi" and not side.person and side.office and _generic(side.office):
        return None  # "Leaders of the member states": nobody in particular
    if side.person and not all(VI_SYLLABLE.fullmatch(w) for w in side.person.split()):
        return mention
    if language == "vi" or (side.person and _vietnamese_name(side.person)):
        return Mention(mention.start, mention.end, _with(side, "VN"), False)
    return mention


def _vietnamese_name(person: str) -> bool:
    """Made of Vietnamese syllables (checked before), and written with their marks ("Phạm
    Minh Chính"), or without them but family name first ("Pham Minh Chinh"): an English
    report's "Prime Minister Li Qiang" or "Srettha" is no Vietnamese official."""
    words = person.split()
    return not person.isascii() or (len(words) >= 2 and words[0].casefold() in VI_FAMILY_NAMES)


def _with(side: Side, country: str) -> Side:
    return Side(country, side.office, side.person, side.state, side.text)

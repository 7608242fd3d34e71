"""Topic definitions: values, and their validation from TOML (shipped defaults plus the user's
overrides), with errors that name the file, the topic and the field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from feeds.errors import ConfigError
from feeds.figures import KINDS
from feeds.measures import ECONOMIC, NON_ECONOMIC, UNSPECIFIED
from feeds.meetings import STATUSES
from feeds.text import Matcher, normalise
from feeds.topic_bases import check_bases

FIELDS = ("title", "text", "lead")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SHIPPED_FILE = "topics.toml"


@dataclass(frozen=True, slots=True)
class Rule:
    """Words (phrases or patterns) that add to or subtract from a topic's score."""

    id: str
    kind: str = "include"  # include | exclude
    weight: float = 1.0
    required: bool = False
    fields: tuple[str, ...] = ("title", "text")
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    near: tuple[str, ...] = ()  # a match counts only with one of these in the same sentence
    near_patterns: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # matches when the article has economic figures of these kinds
    measures: tuple[str, ...] = ()  # … or figures of these measures ("economic": any economic one)
    meetings: tuple[str, ...] = ()  # matches a meeting of two states' officials with this status

    @property
    def phrase_set(self) -> frozenset[str]:
        """The phrases as matched: NFC, case-folded, single spaces."""
        found = _PHRASE_SETS.get(self.phrases)
        if found is None:
            found = frozenset(" ".join(normalise(p).split()) for p in self.phrases if p.strip())
            _PHRASE_SETS[self.phrases] = found
        return found

    @property
    def pattern_matcher(self) -> Matcher:
        return _compiled((), self.patterns)

    @property
    def near_matcher(self) -> Matcher:
        return _compiled(self.near, self.near_patterns)


@dataclass(frozen=True, slots=True)
class Topic:
    """A feed: an id used in URLs, human text, and the rules deciding membership."""

    id: str
    title: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    min_score: float = 1.0
    match_all: bool = False  # the `all` feed: every article, no rules
    show_figures: bool = False  # list the article's economic figures atop each entry
    base: str | None = None  # narrow another topic…
    countries: tuple[str, ...] = ()  # …to its meetings or figures involving these countries


_PHRASE_SETS: dict[tuple[str, ...], frozenset[str]] = {}
_CACHE: dict[tuple[tuple[str, ...], tuple[str, ...]], Matcher] = {}


def _compiled(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> Matcher:
    key = (phrases, patterns)
    if key not in _CACHE:
        _CACHE[key] = Matcher(phrases, patterns)
    return _CACHE[key]


def shipped_topics_text() -> str:
    return resources.files("feeds").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")


def load_topics(raw: dict[str, Any], *, file: str, base_dir: Path) -> tuple[Topic, ...]:
    """Shipped topics (or `[feeds] topics_file`), then `[[topics]]` of the config by id.

    An inline topic with an id already defined replaces it; `enabled = false` removes it.
    """
    feeds = raw.get("feeds", {})
    topics_file = feeds.get("topics_file") if isinstance(feeds, dict) else None
    if topics_file is not None:
        if not isinstance(topics_file, str):
            raise ConfigError(f"{file}: [feeds] topics_file must be a path string")
        path = (base_dir / topics_file).resolve()
        try:
            base_raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{file}: [feeds] topics_file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        base = parse_topics(base_raw.get("topics", []), file=str(path))
    else:
        base = parse_topics(
            tomllib.loads(shipped_topics_text())["topics"], file="feeds/topics.toml"
        )
    merged = {t.id: t for t in base}
    inline = raw.get("topics", [])
    if not isinstance(inline, list):
        raise ConfigError(f"{file}: [[topics]] must be an array of tables")
    disabled = [e for e in inline if isinstance(e, dict) and e.get("enabled", True) is False]
    for entry in disabled:
        merged.pop(str(entry.get("id")), None)
    enabled = [e for e in inline if not any(e is d for d in disabled)]
    for topic in parse_topics(enabled, file=file):
        merged[topic.id] = topic
    if not merged:
        raise ConfigError(f"{file}: no topics are defined")
    check_bases(merged, {str(e.get("id")) for e in disabled}, file)
    return tuple(merged.values())


def parse_topics(entries: Any, *, file: str) -> list[Topic]:
    if not isinstance(entries, list):
        raise ConfigError(f"{file}: [[topics]] must be an array of tables")
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        topic = _topic(entry, file=file, where=f"topics[{index}]")
        if topic.id in seen:
            raise ConfigError(f"{file}: topic {topic.id!r} is defined twice")
        seen.add(topic.id)
        topics.append(topic)
    return topics


def _topic(entry: Any, *, file: str, where: str) -> Topic:
    if not isinstance(entry, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    topic_id = entry.get("id")
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        raise ConfigError(
            f"{file}: {where}: field 'id' must be lower-case letters, digits and dashes, "
            f"got {topic_id!r}"
        )
    where = f"topic {topic_id!r}"
    known = {"id", "title", "description", "rules", "min_score", "match", "show_figures", "enabled"}
    known |= {"base", "countries"}
    _no_unknown(entry, known, file=file, where=where)
    _bool(entry, "enabled", file=file, where=where, default=True)
    match = entry.get("match", "rules")
    if match not in ("rules", "all"):
        raise ConfigError(f'{file}: {where}: field \'match\' must be "rules" or "all"')
    rules_raw = entry.get("rules", [])
    if not isinstance(rules_raw, list):
        raise ConfigError(f"{file}: {where}: field 'rules' must be an array of tables")
    rules = tuple(_rule(r, file=file, where=f"{where} rules[{i}]") for i, r in enumerate(rules_raw))
    base = entry.get("base")
    if base is not None and (not isinstance(base, str) or not _ID.match(base)):
        raise ConfigError(f"{file}: {where}: field 'base' must be a topic id, got {base!r}")
    countries = _strings(entry, "countries", file=file, where=where)
    for code in countries:
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ConfigError(
                f"{file}: {where}: field 'countries' has {code!r}; use ISO 3166 codes like \"LA\""
            )
    if base is None and countries:
        raise ConfigError(f"{file}: {where}: field 'countries' needs a 'base' topic to narrow")
    if base is not None and (rules or match == "all"):
        raise ConfigError(f"{file}: {where}: a topic with 'base' takes no 'rules' or 'match'")
    if base is not None and not countries:
        raise ConfigError(f"{file}: {where}: a topic with 'base' needs 'countries'")
    if base is None and match == "rules" and not any(r.kind == "include" for r in rules):
        raise ConfigError(f'{file}: {where}: needs at least one include rule (or match = "all")')
    return Topic(
        id=topic_id,
        title=_string(entry, "title", file=file, where=where, default=topic_id),
        description=_string(entry, "description", file=file, where=where, default=""),
        rules=rules,
        min_score=_number(entry, "min_score", file=file, where=where, default=1.0),
        match_all=match == "all",
        show_figures=_bool(entry, "show_figures", file=file, where=where),
        base=base,
        countries=countries,
    )


def _rule(entry: Any, *, file: str, where: str) -> Rule:
    if not isinstance(entry, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ConfigError(f"{file}: {where}: field 'id' must be a non-empty string")
    where = f"{where.rsplit(' ', 1)[0]} rule {rule_id!r}"
    known = {
        "id",
        "kind",
        "weight",
        "required",
        "fields",
        "phrases",
        "patterns",
        "near",
        "near_patterns",
        "figures",
        "measures",
        "meetings",
    }
    _no_unknown(entry, known, file=file, where=where)
    kind = entry.get("kind", "include")
    if kind not in ("include", "exclude"):
        raise ConfigError(f'{file}: {where}: field \'kind\' must be "include" or "exclude"')
    fields = _strings(entry, "fields", file=file, where=where) or ("title", "text")
    for name in fields:
        if name not in FIELDS:
            raise ConfigError(f"{file}: {where}: field 'fields' has {name!r}; use {FIELDS}")
    patterns = _strings(entry, "patterns", file=file, where=where)
    near_patterns = _strings(entry, "near_patterns", file=file, where=where)
    for pattern in (*patterns, *near_patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{file}: {where}: pattern {pattern!r} is invalid: {exc}") from None
    figures = _strings(entry, "figures", file=file, where=where)
    for name in figures:
        if name not in KINDS:
            raise ConfigError(f"{file}: {where}: field 'figures' has {name!r}; use {KINDS}")
    measures = _strings(entry, "measures", file=file, where=where)
    allowed = {"economic", UNSPECIFIED, *ECONOMIC, *NON_ECONOMIC}
    for name in measures:
        if name not in allowed:
            raise ConfigError(
                f"{file}: {where}: field 'measures' has {name!r}; use {sorted(allowed)}"
            )
    meetings = _strings(entry, "meetings", file=file, where=where)
    for name in meetings:
        if name not in STATUSES:
            raise ConfigError(f"{file}: {where}: field 'meetings' has {name!r}; use {STATUSES}")
    phrases = _strings(entry, "phrases", file=file, where=where)
    if not (phrases or patterns or figures or measures or meetings):
        raise ConfigError(
            f"{file}: {where}: needs 'phrases', 'patterns', 'figures', 'measures' or 'meetings'"
        )
    return Rule(
        id=rule_id,
        kind=kind,
        weight=_number(entry, "weight", file=file, where=where, default=1.0),
        required=_bool(entry, "required", file=file, where=where),
        fields=fields,
        phrases=phrases,
        patterns=patterns,
        near=_strings(entry, "near", file=file, where=where),
        near_patterns=near_patterns,
        figures=figures,
        measures=measures,
        meetings=meetings,
    )


def _no_unknown(entry: dict[str, Any], known: set[str], *, file: str, where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(f"{file}: {where}: unknown field {unknown[0]!r}")


def _string(entry: dict[str, Any], key: str, *, file: str, where: str, default: str) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{file}: {where}: field {key!r} must be a string")
    return value


def _strings(entry: dict[str, Any], key: str, *, file: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{file}: {where}: field {key!r} must be a list of non-empty strings")
    return tuple(value)


def _number(entry: dict[str, Any], key: str, *, file: str, where: str, default: float) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{file}: {where}: field {key!r} must be a number")
    return float(value)


def _bool(entry: dict[str, Any], key: str, *, file: str, where: str, default: bool = False) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{file}: {where}: field {key!r} must be true or false")
    return value

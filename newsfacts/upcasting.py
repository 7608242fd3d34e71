"""The steps that bring events stored under an older schema version to the declared one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from newsfacts.articles import ARTICLE_INGESTED, ARTICLE_REVISED, ARTICLE_SIGHTED
from newsfacts.sources import SOURCE_FETCH_FAILED, SOURCE_FETCHED, SOURCE_GONE, SOURCE_MOVED
from store import Upcasters

#: The current schema version of every type; bump a declaration together with a step here.
SCHEMA_VERSIONS: Final[Mapping[str, int]] = {
    t.name: t.version
    for t in (
        ARTICLE_INGESTED,
        ARTICLE_REVISED,
        ARTICLE_SIGHTED,
        SOURCE_FETCHED,
        SOURCE_FETCH_FAILED,
        SOURCE_MOVED,
        SOURCE_GONE,
    )
}


def upcasters() -> Upcasters:
    """Every registered step, checked against `SCHEMA_VERSIONS`."""
    steps = Upcasters()
    for article_type in (ARTICLE_INGESTED, ARTICLE_REVISED, ARTICLE_SIGHTED):
        steps.register(article_type.name, 1, _articles_v1_v2)
    for event_type, version in SCHEMA_VERSIONS.items():
        if steps.current_version(event_type) != version:
            raise ValueError(f"{event_type} is not upcast to its declared version {version}")
    return steps


def _articles_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 records where the publication date came from; v1 did not say (null)."""
    return {**data, "published_from": None}

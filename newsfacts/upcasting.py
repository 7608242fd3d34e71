"""The steps that bring events stored under an older schema version to the declared one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

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
    """Every registered step, checked against `SCHEMA_VERSIONS`.

    Every type is still at version 1, so there is nothing to register yet; a future
    `ArticleIngested` v2 adds `steps.register(ARTICLE_INGESTED.name, 1, _ingested_v1_v2)`.
    """
    steps = Upcasters()
    for event_type, version in SCHEMA_VERSIONS.items():
        if steps.current_version(event_type) != version:
            raise ValueError(f"{event_type} is not upcast to its declared version {version}")
    return steps

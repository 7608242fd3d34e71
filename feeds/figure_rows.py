"""A figure as the topics view stores it, read back: shared by the listings, the feeds and
the article pages (feeds/views.py, feeds/provenance.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row


@dataclass(frozen=True, slots=True)
class FigureRow:
    article_id: str
    kind: str
    value: str
    unit: str
    text: str
    sentence: str
    direction: str | None = None
    measure: str = "unspecified"
    economic: bool = True
    period: str | None = None
    inferred: bool = False


def figure_row(r: Row[Any]) -> FigureRow:
    return FigureRow(
        article_id=r.article_id,
        kind=r.kind,
        value=r.value,
        unit=r.unit,
        text=r.text,
        sentence=r.sentence,
        direction=r.direction,
        measure=r.measure,
        economic=bool(r.economic),
        period=r.period,
        inferred=bool(r.inferred),
    )

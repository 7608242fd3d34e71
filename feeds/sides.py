"""The sides of a meeting as values: a state's official (or the state itself), or not a
state; and where in a sentence one was named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a meeting: a state's official (or the state itself), or not a state."""

    country: str | None  # ISO 3166 alpha-2; None: a foreign state not named
    office: str | None
    person: str | None
    state: bool  # False: a company, an international organisation, an association
    text: str

    def as_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "office": self.office,
            "person": self.person,
            "state": self.state,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    side: Side
    explicit: bool  # the country was written in the mention itself

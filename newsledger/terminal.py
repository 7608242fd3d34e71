"""Text from sources on a person's terminal: shown as text, never obeyed.

A source's feed title or an HTTP reason phrase reaches `fetch`, `sources`, `status` and
`events` tables and the log. rich read `[/bogus]` in one as markup and raised (the command
failed, and kept failing while the message was the source's last error), read `[blink red]`
as a style, and passed escape sequences (`ESC ]0;…`, `ESC [2J`) through to the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from newsledger.logs import visible


class TextConsole(Console):
    """A rich console that prints strings as they are: no markup, emoji codes or colouring
    of what looks like numbers and URLs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)


class TextTable(Table):
    """A rich table whose string cells are shown with `visible`."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        cells = (visible(cell) if isinstance(cell, str) else cell for cell in renderables)
        super().add_row(*cells, **kwargs)


#: A message longer than this (a hostile reason phrase, a whole HTML error page) is cut in a
#: table; the JSON outputs and the log hold it whole.
CELL_CHARS = 400


def clip(text: str, limit: int = CELL_CHARS) -> str:
    """`text` for a table cell that wraps: whole up to `limit` characters, else cut with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

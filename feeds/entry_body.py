"""What an entry says, the same in both feed formats (Atom and JSON Feed): its summary, and
its body of figures, text, sources and languages. Pure."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import nh3

from feeds.figure_rows import FigureRow
from feeds.views import EntryRow

SUMMARY_CHARS = 280


def summary(text: str) -> str:
    """The first words of the text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def entry_html(row: EntryRow, *, show_figures: bool, name: Callable[[str], str] = str) -> str:
    """The entry body: figures first (economic feeds), then sanitised content, then sources
    (`name`: a source's display name, `Site.source_name`)."""
    parts: list[str] = []
    if row.place:
        parts.append(f"<p><small>Dateline: {html.escape(row.place, quote=False)}</small></p>")
    if show_figures and row.figures:
        parts.append(figures_html(row.figures))
    if row.html:
        parts.append(nh3.clean(row.html))
    else:
        paragraphs = [p.strip() for p in row.text.split("\n\n") if p.strip()]
        parts.extend(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    sources = [html.escape(name(row.source_id), quote=False)]
    sources.extend(
        html.escape(name(s), quote=False) for s, _ in row.sightings if s != row.source_id
    )
    parts.append(f"<p><small>Source: {', '.join(dict.fromkeys(sources))}</small></p>")
    if len(row.story_languages) > 1:  # one story reported in several languages
        languages = ", ".join(html.escape(lang, quote=False) for lang in row.story_languages)
        parts.append(f"<p><small>Reported in: {languages}</small></p>")
    return "\n".join(parts)


def figures_html(figures: Sequence[FigureRow]) -> str:
    """The figures of an entry, each with what it measures and its period (as `figures`)."""
    items = "".join(
        f"<li><strong>{html.escape(f.text, quote=False)}</strong> — {f.kind}: "
        f"{html.escape(f.value, quote=False)} {html.escape(f.unit, quote=False)}; "
        f"{html.escape(f.measure, quote=False)}"
        + (f", {html.escape(f.period, quote=False)}" if f.period else "")
        + (" (currency inferred)" if f.inferred else "")
        + "</li>"
        for f in figures
    )
    return f'<div class="figures"><p>Figures:</p><ul>{items}</ul></div>'

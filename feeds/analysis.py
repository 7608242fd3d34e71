"""What an article version says, found from its text alone: figures, meetings and topics.

Pure (no database, no view state), so a replay computes it for the next batches in worker
processes (`TopicsProjection.prepare`, store/ahead.py) while earlier batches are applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from feeds.articles import ArticleVersion
from feeds.classify import ArticleText, Membership, classify
from feeds.figures import Figure, article_figures
from feeds.meetings import Meeting, extract_meetings
from feeds.topics import Topic


class Analysis(NamedTuple):
    figures: list[Figure]
    meetings: list[Meeting]
    memberships: list[Membership]


def analyse(version: ArticleVersion, topics: Sequence[Topic]) -> Analysis:
    figures = article_figures(version.title, version.text, language=version.language)
    meetings = extract_meetings(version.title, version.text, language=version.language)
    text = ArticleText(version.title, version.text, version.language)
    return Analysis(figures, meetings, classify(text, topics, figures=figures, meetings=meetings))

"""Topic feeds: classification, figure extraction, Atom rendering, publishing and serving.

This module is the package's public face: the composition root (`newsledger`) imports
only what is listed here.
"""

from feeds.classify import ArticleText
from feeds.config import FeedsConfig, parse_config, usable_base_url
from feeds.errors import FeedsError
from feeds.explain import explain as explain_article
from feeds.figure_rows import FigureRow
from feeds.files import page_folder
from feeds.listing import ArticleListing, listings
from feeds.projections import STORIES, TOPICS, build_projections
from feeds.publisher import PublishReport, publish_all
from feeds.server import MAX_CONNECTIONS, create_app, make_server
from feeds.story_views import Member, Story
from feeds.story_views import stories as list_stories
from feeds.views import all_figures

__all__ = [
    "MAX_CONNECTIONS",
    "STORIES",
    "TOPICS",
    "ArticleListing",
    "ArticleText",
    "FeedsConfig",
    "FeedsError",
    "FigureRow",
    "Member",
    "PublishReport",
    "Story",
    "all_figures",
    "build_projections",
    "create_app",
    "explain_article",
    "list_stories",
    "listings",
    "make_server",
    "page_folder",
    "parse_config",
    "publish_all",
    "usable_base_url",
]

"""Views shown as they stand when they may not be extended: `status`, `sources`,
`articles`, `stories` and `figures` catch the views up first, and a monitoring role with
SELECT grants only, or a standby, refused every one of them; a view built with other rules
is rebuilt by the worker or `replay`, not by a command that only shows it."""

from __future__ import annotations

import logging

from store.errors import StoreReadOnlyError, ViewOutdatedError
from store.projections import ProjectionRunner

log = logging.getLogger(__name__)


def catch_up_or_stale(runner: ProjectionRunner, name: str | None = None) -> dict[str, int]:
    """`runner.catch_up(name)`; when the store refuses writes, or a view was built with
    other rules than this configuration's (store/fingerprints.py), nothing, with a warning
    that says why and how far behind the log the views are shown. A view never built
    cannot be shown: its registration is a write, and its error says so."""
    try:
        return runner.catch_up(name)
    except (StoreReadOnlyError, ViewOutdatedError) as exc:
        names = [name] if name is not None else sorted(runner.projections)
        behind = max((runner.lag(n) for n in names), default=0)
        log.warning(
            "%s; the views are shown as they stand, %d event%s behind the log",
            exc,
            behind,
            "" if behind == 1 else "s",
        )
        return {}

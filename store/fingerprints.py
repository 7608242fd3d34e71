"""Views built with the rules they are extended with.

A view is a function of the log and of its projection's settings (topic rules, grouping
thresholds, the code that derives rows). Extended by a projection with other settings, a
view holds rows of both: feeds that no replay of the log reproduces, which is what the
README promises they are. So the checkpoint row records a digest of what its generation was
built with (`Projection.fingerprint`), and a runner extends only views built with its own.

A runner that finds a view built otherwise when it first looks at it, and may rebuild
(`catch_up(rebuild=True)`: the worker and `publish`), replays it: its configuration is the
newer one, it was just started or reloaded. Once this process has last extended a view
with these settings, a change of fingerprint means another process rebuilt it with its own
(another replica, a `replay` with other rules): rebuilding it back would have the two take
turns, so it refuses instead, and says to reload it. That memory is the process's, per
store object, not the runner's (`serve --refresh` builds a runner per refresh, and took
turns with a worker of other rules every few seconds), and holds the last settings only:
a worker reloaded back to its earlier rules rebuilds the view again.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable

from store.errors import ViewOutdatedError
from store.projection import Projection


def digest(projection: Projection) -> str | None:
    """What the checkpoint row records for `projection`'s views; None: the log alone."""
    text = projection.fingerprint()
    return hashlib.sha256(text.encode()).hexdigest()[:32] if text else None


#: Per store object: the digest this process last extended each view with.
_LAST: weakref.WeakKeyDictionary[object, dict[str, str | None]] = weakref.WeakKeyDictionary()


class Fingerprints:
    """One runner's digests of its projections, and whether this process has extended each
    view on `store` with them (shared by every runner on the same store object)."""

    def __init__(self, projections: Iterable[Projection], store: object) -> None:
        self.own = {p.name: digest(p) for p in projections}
        self._last = _LAST.setdefault(store, {})

    def outdated(self, name: str, stored: str | None) -> bool:
        """Whether a view of `name` built with `stored` differs from this runner's (NULL,
        a view built before fingerprints were kept, is not known to be the same)."""
        own = self.own[name]
        return own is not None and stored != own

    def may_rebuild(self, name: str) -> bool:
        return self._last.get(name, "") != self.own[name]

    def check(self, name: str, stored: str | None) -> None:
        if self.outdated(name, stored):
            raise outdated_error(name, settled=not self.may_rebuild(name))
        self._last[name] = self.own[name]


def outdated_error(name: str, *, settled: bool) -> ViewOutdatedError:
    if settled:
        return ViewOutdatedError(
            f"view {name!r} was rebuilt by another process with other rules, thresholds or"
            " code than this one's (another worker, or a replay): reload this process's"
            " configuration (SIGHUP, or restart it) so that they agree"
        )
    return ViewOutdatedError(
        f"view {name!r} was built with other rules, thresholds or code than this"
        f" configuration gives it: `newsledger replay --projection {name}` rebuilds it (a"
        " worker does so when it starts)"
    )

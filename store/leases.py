"""Expiring named leases, so several processes can share work without a coordinator.

A lease is (name, owner, expires_at). An owner claims free or expired names, renews
what it holds before the time-to-live runs out, and releases it when it stops; a
process that dies simply stops renewing, and its names become claimable once they
expire. The store gives names no meaning (the worker leases one name per source).

On PostgreSQL the rows to claim are locked with `FOR UPDATE SKIP LOCKED`, so replicas
claiming at the same moment never wait on each other and never claim the same row; on
SQLite the claim runs in a `BEGIN IMMEDIATE` transaction (one writer at a time).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Update, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.events import format_time, parse_time
from store.schema import leases
from store.sql import reading, write_transaction

Clock = Callable[[], datetime]

#: The owner of a row that exists but is not held by anyone.
NOBODY = ""
_EXPIRED = format_time(datetime(1970, 1, 1, tzinfo=UTC))


def _freeing(owner: str) -> Update:
    """The update that makes every name `owner` holds claimable at once."""
    return update(leases).where(leases.c.owner == owner).values(owner=NOBODY, expires_at=_EXPIRED)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Lease:
    """One lease row as stored."""

    name: str
    owner: str
    expires_at: datetime

    def held_at(self, now: datetime) -> bool:
        return self.owner != NOBODY and self.expires_at > now


class Leases:
    """The leases of one owner on one database. Thread-safe: each call is one transaction."""

    def __init__(
        self, engine: Engine, *, owner: str, ttl: timedelta, clock: Clock = _utcnow
    ) -> None:
        if not owner:
            raise ValueError("a lease owner needs a non-empty name")
        if ttl <= timedelta(0):
            raise ValueError("a lease's time-to-live must be positive")
        self.engine = engine
        self.owner = owner
        self.ttl = ttl
        self._clock = clock

    def acquire(self, name: str) -> bool:
        """Claim `name` if it is free, expired or already ours (which renews it)."""
        return name in self.acquire_many([name])

    def acquire_many(self, names: Iterable[str], *, limit: int | None = None) -> list[str]:
        """Claim up to `limit` of `names` that are free, expired or ours; returns those held.

        Names we already hold are renewed and count towards `limit` first.
        """
        wanted = sorted(set(names))
        if not wanted or (limit is not None and limit <= 0):
            return []
        with self._transaction() as conn:
            now = format_time(self._clock())
            expires = format_time(self._clock() + self.ttl)
            self._insert_missing(conn, wanted)
            claimable = (leases.c.owner == self.owner) | (leases.c.expires_at <= now)
            query = (
                select(leases.c.name)
                .where(leases.c.name.in_(wanted), claimable)
                # Ours first, so a limit never trades a held lease for a new one.
                .order_by((leases.c.owner != self.owner), leases.c.name)
            )
            if limit is not None:
                query = query.limit(limit)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = list(conn.execute(query).scalars())
            if claimed:
                conn.execute(
                    update(leases)
                    .where(leases.c.name.in_(claimed))
                    .values(owner=self.owner, expires_at=expires)
                )
        return sorted(claimed)

    def renew(self) -> list[str]:
        """Extend every unexpired lease we hold; returns the names still held."""
        with self._transaction() as conn:
            now = format_time(self._clock())
            mine = (leases.c.owner == self.owner) & (leases.c.expires_at > now)
            names = list(conn.execute(select(leases.c.name).where(mine)).scalars())
            if names:
                conn.execute(
                    update(leases)
                    .where(leases.c.name.in_(names), leases.c.owner == self.owner)
                    .values(expires_at=format_time(self._clock() + self.ttl))
                )
        return sorted(names)

    def release(self, names: Iterable[str] | None = None) -> None:
        """Give up `names` (all we hold when None) so others can claim them at once."""
        query = _freeing(self.owner)
        if names is not None:
            wanted = sorted(set(names))
            if not wanted:
                return
            query = query.where(leases.c.name.in_(wanted))
        with self._transaction() as conn:
            conn.execute(query)

    def free_owner(self, owner: str) -> list[str]:
        """Make every name `owner` holds claimable at once (an owner the caller knows to
        be gone, which would otherwise hold them until they expire); returns the names."""
        with self._transaction() as conn:
            names = list(
                conn.execute(select(leases.c.name).where(leases.c.owner == owner)).scalars()
            )
            if names:
                conn.execute(_freeing(owner))
        return sorted(names)

    def held(self) -> list[str]:
        """The names we hold now (unexpired)."""
        now = self._clock()
        return sorted(
            lease.name for lease in self.all() if lease.owner == self.owner and lease.held_at(now)
        )

    def find(self, name: str) -> Lease | None:
        """The row of lease `name` (whoever holds it, if anyone), or None if it has none."""
        return next((lease for lease in self.all(prefix=name) if lease.name == name), None)

    def all(self, *, prefix: str = "") -> list[Lease]:
        """Every lease row (optionally those whose name starts with `prefix`), by name."""
        return all_leases(self.engine, prefix=prefix)

    def forget(self, names: Iterable[str]) -> None:
        """Delete the rows of names nobody will claim again (e.g. a source removed from config)."""
        wanted = sorted(set(names))
        if not wanted:
            return
        with self._transaction() as conn:
            conn.execute(delete(leases).where(leases.c.name.in_(wanted)))

    def _transaction(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine, append_lock=False)

    @staticmethod
    def _insert_missing(conn: Connection, names: list[str]) -> None:
        existing = set(
            conn.execute(select(leases.c.name).where(leases.c.name.in_(names))).scalars()
        )
        rows = [
            {"name": name, "owner": NOBODY, "expires_at": _EXPIRED}
            for name in names
            if name not in existing
        ]
        if not rows:
            return
        # Another owner may insert the same name between our SELECT and INSERT.
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(leases).on_conflict_do_nothing(), rows)


def all_leases(engine: Engine, *, prefix: str = "") -> list[Lease]:
    """Every lease row (optionally those whose name starts with `prefix`), by name.

    Reading needs no owner: `status` lists the leases without taking part in them.
    """
    query = select(leases).order_by(leases.c.name)
    if prefix:
        query = query.where(leases.c.name.startswith(prefix, autoescape=True))
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return [Lease(row.name, row.owner, parse_time(row.expires_at)) for row in rows]


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this host is running (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_gone_here(
    leases: Leases,
    found: Iterable[Lease],
    process_of: Callable[[str], int | None],
    *,
    live_ahead: timedelta,
) -> dict[str, list[str]]:
    """Free every lease of the owners of `found` that are a process of this host which is
    gone (`process_of(owner)`: its process id, None for another host's or a named owner),
    once the lease has missed a renewal: a live holder's expires at least `live_ahead`
    from now, and one in another PID namespace that shares the host name (host
    networking) renews on time. Another host's holder is left to expire. Returns, per
    owner freed, the names it held (worker replicas and replays both use this rule)."""
    now = datetime.now(UTC)
    freed: dict[str, list[str]] = {}
    for lease in found:
        if lease.owner in freed or not lease.held_at(now):
            continue
        pid = process_of(lease.owner)
        missed = lease.expires_at < now + live_ahead
        if pid is not None and missed and not process_alive(pid):
            freed[lease.owner] = leases.free_owner(lease.owner)
    return freed

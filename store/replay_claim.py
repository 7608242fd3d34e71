"""One replay of a projection at a time: a claim in the lease table, renewed by a thread
while the replay runs, given back at the end; a replay of this host killed mid-way gives
it up once it missed a renewal (store/rebuild.py holds it around a replay)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from store.errors import StoreError
from store.eventstore import EventStore
from store.leases import Leases, free_gone_here

#: One replay of a projection at a time: its lease, renewed by a thread every RENEW
#: seconds; a replay that dies holds the name until REPLAY_TTL runs out.
REPLAY_LEASE = "replay:"
REPLAY_TTL = timedelta(minutes=10)
RENEW = 30.0


def _replay_process(owner: str) -> int | None:
    """The process id of a replay of this host, from its lease's owner (`only_replay`)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


@contextmanager
def only_replay(store: EventStore, names: Sequence[str]) -> Iterator[Callable[[str], bool]]:
    """Hold the replay leases of projections `names` (all or none), renewed by a thread
    every RENEW seconds (index builds and the swap take as long as they take), released at
    the end; yields a check that a projection's lease is still ours."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    leases = Leases(store.engine, owner=owner, ttl=REPLAY_TTL)
    wanted = [REPLAY_LEASE + name for name in names]
    held = leases.acquire_many(wanted)
    # A replay killed on this host holds its claim until it runs out: free it at once.
    others = [lease for name in set(wanted) - set(held) if (lease := leases.find(name))]
    live_ahead = REPLAY_TTL - timedelta(seconds=2 * RENEW)  # renewed every RENEW seconds
    if free_gone_here(leases, others, _replay_process, live_ahead=live_ahead):
        held += leases.acquire_many(set(wanted) - set(held))
    if len(held) < len(wanted):
        leases.release(held)
        now = datetime.now(UTC)
        lease = leases.find(next(n for n in wanted if n not in held))
        assert lease is not None  # `acquire_many` inserted the row of every name it was given
        left = max(0, int((lease.expires_at - now).total_seconds()))
        name = lease.name.removeprefix(REPLAY_LEASE)
        raise StoreError(
            f"another replay of projection {name!r} is running ({lease.owner}); run this one"
            f" when it has finished (if it died, its claim runs out in {left} s)"
        )
    done = threading.Event()

    def renew() -> None:
        while not done.wait(RENEW):
            with contextlib.suppress(StoreError):  # the store down: the next try renews
                leases.renew()

    renewing = threading.Thread(target=renew, name="replay-leases", daemon=True)
    renewing.start()
    try:
        yield lambda name: REPLAY_LEASE + name in leases.held()
    finally:
        done.set()
        renewing.join()
        leases.release(wanted)

"""How replicas share sources: a sticky lease per source, a membership lease per replica,
and at most a fair share of the sources per replica."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from newsledger.worker.settings import process_here
from store import free_gone_here

if TYPE_CHECKING:
    from store import EventStore, Lease

log = logging.getLogger(__name__)

SOURCE_LEASE = "source:"
MEMBER_LEASE = "worker:"
#: One per replica id, held by one process: `<replica id>#<token>` (SourceSharing.instance).
INSTANCE_LEASE = "instance:"


#: What `claim` did: renewed a lease held already, took one, or (None) neither.
Claim = Literal["renewed", "taken"] | None


class SourceSharing:
    """One replica's side of the sharing: claim before polling, renew, give back excess."""

    def __init__(self, store: EventStore, *, replica_id: str, ttl: float) -> None:
        self.replica_id = replica_id
        self.leases = store.leases(owner=replica_id, ttl=timedelta(seconds=ttl))
        # Two processes given one replica id share every lease above without knowing it:
        # both poll each source either holds. The instance lease, owned by this process
        # alone, is how the second finds the first (`check_instance`).
        self.instance = f"{replica_id}#{secrets.token_hex(6)}"
        self._instance = store.leases(owner=self.instance, ttl=timedelta(seconds=ttl))
        self._seen_expiry: datetime | None = None
        #: The other process's instance while one is seen renewing under this replica id.
        self.duplicate: str | None = None

    def set_ttl(self, ttl: float) -> None:
        self.leases.ttl = self._instance.ttl = timedelta(seconds=ttl)

    def fair_share(self, sources: int) -> int:
        """An even split of `sources` among the live replicas (this one included)."""
        now = datetime.now(UTC)
        live = {*live_replicas(self.leases.all(prefix=MEMBER_LEASE), now=now), self.replica_id}
        return math.ceil(sources / len(live))

    def held(self) -> list[str]:
        """The ids of the sources this replica holds."""
        return [
            n.removeprefix(SOURCE_LEASE) for n in self.leases.held() if n.startswith(SOURCE_LEASE)
        ]

    def claim(self, source_id: str, *, sources: int) -> Claim:
        """Hold `source_id` (renewing it if ours) unless that would exceed our fair share:
        "renewed" when this replica held it, "taken" when it takes it now (free, or left by
        a replica that stopped renewing it), None when another holds it or it is over our
        share."""
        held = self.held()
        if source_id not in held and len(held) >= self.fair_share(sources):
            return None
        if not self.leases.acquire(SOURCE_LEASE + source_id):
            return None
        return "renewed" if source_id in held else "taken"

    def heartbeat(self, *, sources: int, busy: Collection[str]) -> list[str]:
        """Renew membership and leases; release sources over the fair share (not `busy` ones).

        Returns the sources still held.
        """
        for gone, names in self.free_gone_here().items():
            log.info(
                "replica %s of this host stopped without giving its leases back; freed %d of them",
                gone,
                len(names),
            )
        self.check_instance()
        self.leases.acquire(MEMBER_LEASE + self.replica_id)
        held = [
            n.removeprefix(SOURCE_LEASE) for n in self.leases.renew() if n.startswith(SOURCE_LEASE)
        ]
        excess = len(held) - self.fair_share(sources)
        if excess > 0:
            spare = [s for s in held if s not in busy][:excess]
            self.release(spare)
            held = [s for s in held if s not in spare]
        return held

    def free_gone_here(self) -> dict[str, list[str]]:
        """Free the leases of replicas of this host whose process is gone (a worker killed
        and restarted: its sources would wait out their leases, polled by nobody). A
        replica is known here by the default id, host name and process id, and only once
        its membership has missed a renewal: a live replica of another PID namespace that
        shares the host name (host networking) renews on time. Another host's replica, or
        one named in the configuration, is left to expire. Returns what was freed."""
        found = [
            lease
            for lease in self.leases.all(prefix=MEMBER_LEASE)
            if lease.owner not in ("", self.replica_id)
        ]
        # Renewed every third of the TTL, a live membership expires 2/3 of it ahead or
        # later: one expiring within half of it has missed a renewal.
        return free_gone_here(self.leases, found, process_here, live_ahead=self.leases.ttl / 2)

    def check_instance(self) -> str | None:
        """Hold this replica id's instance lease, or find who does: another process that
        renews it runs under the same replica id (logged once, as an error, and kept in
        `duplicate` until it is gone). A holder that does not renew (a process killed
        without releasing) is only waited out: its lease expires within `lease_ttl`.
        Returns the duplicate's instance, if any."""
        name = INSTANCE_LEASE + self.replica_id
        if self._instance.acquire(name):
            if self.duplicate is not None:
                log.warning(
                    "replica %s: the other worker with this replica id (%s) has stopped",
                    self.replica_id,
                    self.duplicate,
                )
            self.duplicate, self._seen_expiry = None, None
            return None
        lease = self._instance.find(name)
        if lease is None:
            return self.duplicate
        renewed = self._seen_expiry is not None and lease.expires_at > self._seen_expiry
        self._seen_expiry = lease.expires_at
        if renewed and self.duplicate != lease.owner:
            self.duplicate = lease.owner
            log.error(
                "another worker is running as replica %s (%s; this one is %s): both poll "
                "every source either holds. Give each worker its own replica id "
                "(NEWSLEDGER_REPLICA_ID or [worker] replica_id)",
                self.replica_id,
                lease.owner,
                self.instance,
            )
        return self.duplicate

    def release(self, source_ids: Iterable[str] | None = None) -> None:
        """Give sources back at once (all, the membership and the instance, when None)."""
        if source_ids is None:
            self.leases.release()
            self._instance.release()
        else:
            self.leases.release([SOURCE_LEASE + s for s in source_ids])


def live_replicas(leases: Iterable[Lease], *, now: datetime) -> tuple[str, ...]:
    """The owners of the membership leases among `leases` still held at `now`."""
    return tuple(sorted({lease.owner for lease in leases if lease.held_at(now)}))


def running_workers(store: EventStore) -> tuple[str, ...]:
    """The worker replicas running on `store` now: commands that rebuild views warn of them
    or leave the views to them (they keep the views with their own configuration)."""
    return live_replicas(store.lease_rows(prefix=MEMBER_LEASE), now=datetime.now(UTC))

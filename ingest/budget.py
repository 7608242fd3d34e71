"""The concurrency budget of one process: how many polls, requests and blocking steps run
at once, declared in one place because the three limits stack.

- `polls`: polls under way at once. The worker runs each poll in a thread of its pool
  (`[worker] concurrency`, by default `requests`); the thread only waits on ingest's
  event loop, so more polls than `requests` would just queue at the gate.
- `requests`: HTTP requests in flight, all sources together (`[fetch] concurrency`),
  enforced by `HostGate`, which also spaces requests to one host by `[fetch] host_gap`.
- `work`: blocking steps (parsing a body, appending to the store) running in threads at
  once. Kept at 2: the event loop, which times every request in flight, must never be
  starved of the GIL, and never wait itself on a database lock. Large folder polls add
  reader processes (`ingest.parse.readers`) outside this budget.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Blocking steps at once; see the module docstring.
WORK_SLOTS = 2


@dataclass(frozen=True, slots=True)
class ConcurrencyBudget:
    requests: int
    polls: int | None = None
    work: int = WORK_SLOTS

    @property
    def poll_threads(self) -> int:
        """Threads the worker polls with: `polls`, or one per request slot."""
        return self.polls or self.requests

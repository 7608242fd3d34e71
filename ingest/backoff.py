"""The one back-off policy: how long to wait after n consecutive failures.

Used for a failing source (ingest), for a database that went away (the worker's polls,
its start-up and its publishing loop): each configures a base, a cap and how much
randomness spreads out those that failed together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """`base·2^(n-1)` seconds after `n` failures, capped at `cap`, times a factor drawn in
    [`low`, `high`] by the caller's `jitter` in [0, 1).

    The default spread is "equal jitter" (between half and all of the ceiling, never
    above the cap); `low == high == 1` waits exactly the ceiling.
    """

    base: float
    cap: float
    low: float = 0.5
    high: float = 1.0

    def delay(self, failures: int, jitter: float = 0.0) -> float:
        if failures < 1:
            return 0.0
        ceiling = min(self.cap, self.base * float(2 ** min(failures - 1, 40)))
        return ceiling * (self.low + (self.high - self.low) * jitter)

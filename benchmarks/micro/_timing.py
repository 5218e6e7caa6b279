"""Timing: batches of calls under ``perf_counter_ns``, the garbage collector off.

A batch calls one zero-argument operation *n* times in an
``itertools.repeat`` loop (the cheapest loop Python has, about 15 ns a turn)
and reads the clock once before and once after, so the clock's own cost and
resolution vanish into the batch. The cyclic garbage collector is collected
and then disabled for each batch: a collection that one peer's allocations
happen to trigger would otherwise land in that peer's figure. Reference
counting still frees everything a call drops, so memory does not grow.

Nothing here knows about HTTP.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from time import perf_counter_ns

__all__ = ["Series", "calibrate", "time_batch"]


def time_batch(op: Callable[[], object], n: int) -> int:
    """Nanoseconds taken by *n* calls of *op*, with gc collected first and off throughout."""
    gc.collect()
    gc.disable()
    try:
        start = perf_counter_ns()
        for _ in repeat(None, n):
            op()
        return perf_counter_ns() - start
    finally:
        gc.enable()


def calibrate(op: Callable[[], object], target_ns: int) -> int:
    """How many calls of *op* make a batch of about *target_ns*; warms *op* up on the way.

    Doubles the count until a batch takes a quarter of the target, then
    scales linearly: the doubling runs are the warm-up.
    """
    n = 1
    while True:
        elapsed = time_batch(op, n)
        if elapsed * 4 >= target_ns or n >= 1 << 24:
            return max(1, round(n * target_ns / max(elapsed, 1)))
        n *= 2


@dataclass(slots=True, kw_only=True)
class Series:
    """One operation of one peer, timed in batches of ``n`` calls, one batch per repetition."""

    key: str
    """What is measured, e.g. ``cycle:small``, ``write``, ``construct``."""
    peer: str
    op: Callable[[], object]
    n: int = 0
    per_op_ns: list[float] = field(default_factory=list)

    def run(self) -> None:
        """Time one more batch and keep its per-call time."""
        self.per_op_ns.append(time_batch(self.op, self.n) / self.n)

    @property
    def median_ns(self) -> float:
        return statistics.median(self.per_op_ns)

    @property
    def min_ns(self) -> float:
        return min(self.per_op_ns)

    @property
    def spread(self) -> float:
        """The interquartile range over the median: 0.02 means the middle half lies within 2 %."""
        if len(self.per_op_ns) < 4:
            return (max(self.per_op_ns) - min(self.per_op_ns)) / self.median_ns
        low, _, high = statistics.quantiles(self.per_op_ns, n=4)
        return (high - low) / self.median_ns

"""What a bench worker is told and tells, and the histogram slots its timings are counted in.

What it owns: the layout of ``HdrHistogram(1 µs, 60 s, 3 digits)``'s
counts array (:func:`_slot`, checked against ``hdrh``'s own index by the
tests) and the plain operations on slot counts (:func:`_sparse`,
:func:`_merge`); :class:`_Plan`, one worker's share of the run, pickled to
it; :class:`_Progress` and :class:`_Tally`, what it sends back; and the two
times every side agrees on (the progress tick, the drain limit). It is the
vocabulary that :mod:`aiohttpcore.cli._load`, the report of
:mod:`aiohttpcore.cli._bench_report` and the worker processes of
:mod:`aiohttpcore.cli._bench` share, so it imports none of them (nor
anything of the library: plain values only).

Rules it keeps:

* Timings travel as sparse slot counts (``{slot: count}``), never as
  percentiles: counts of several workers add slot by slot, so the merged
  histogram is exact.
* Every message is a frozen or plain dataclass of builtins: it pickles
  across a ``spawn`` process boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]  # ships no type hints

# ---------------------------------------------------------------- the histogram layout

LOWEST_US: Final = 1
HIGHEST_US: Final = 60_000_000
DIGITS: Final = 3
_TEMPLATE = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
# hdrh/histogram.py's _counts_index_for, for this layout: 2048 sub-buckets
# (the power of two above 2 * 10**DIGITS) in the first bucket, the upper
# 1024 of them in each later one, each bucket twice as coarse as the last.
_SUB_BITS: Final = 11
_HALF: Final = 1 << (_SUB_BITS - 1)
_MASK: Final = (1 << _SUB_BITS) - 1
_LENGTH: Final[int] = _TEMPLATE.counts_len
assert _TEMPLATE.sub_bucket_count == 1 << _SUB_BITS, "hdrh changed its bucket layout"
assert _TEMPLATE.unit_magnitude == 0, "hdrh changed its bucket layout"

_DRAIN_S: Final = 5.0
"""How long the requests in flight at the end of a ``-d`` run are awaited before abandoned."""
_TICK_S: Final = 0.25
"""How often a worker sends its :class:`_Progress` (the live line's refresh)."""


def _slot(micros: int) -> int:
    """Where *micros* is counted in ``HdrHistogram(1, 60 s, 3)``'s counts array."""
    if micros > HIGHEST_US:
        micros = HIGHEST_US
    bucket = (micros | _MASK).bit_length() - _SUB_BITS
    return ((bucket + 1) << (_SUB_BITS - 1)) + (micros >> bucket) - _HALF


def _sparse(counts: list[int]) -> dict[int, int]:
    return {index: count for index, count in enumerate(counts) if count}


def _merge(parts: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for part in parts:
        for index, count in part.items():
            merged[index] = merged.get(index, 0) + count
    return merged


# ---------------------------------------------------------------- what a worker is told, and tells


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    """One worker's share of the run; pickled to a worker process."""

    url: str
    target: str
    method: str
    fields: tuple[tuple[str, str], ...]
    body: bytes | None
    connections: int
    depth: int
    rate: float | None  # this worker's requests per second, or None (closed loop)
    requests: int | None  # this worker's -n share
    duration: float | None
    warmup: float
    pool_options: dict[str, object]
    loop: str | None
    cpus: frozenset[int] | None
    live: bool


@dataclass(frozen=True, slots=True)
class _Progress:
    """A worker's running figures, four times a second, for the live line."""

    phase: Literal["warmup", "run", "drain"]
    elapsed: float
    done: int
    errors: int
    latency: dict[int, int]


@dataclass(slots=True, kw_only=True)
class _Tally:
    """What a worker measured: counts, and timings as sparse slot counts."""

    ok: int = 0
    failed: int = 0
    abandoned: int = 0
    unsent: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0
    window_s: float = 0.0
    cpu_s: float = 0.0
    interrupted: bool = False
    loop: str = "asyncio"
    latency: dict[int, int] = field(default_factory=dict)
    first_byte: dict[int, int] = field(default_factory=dict)
    connect: dict[int, int] = field(default_factory=dict)
    service: dict[int, int] = field(default_factory=dict)

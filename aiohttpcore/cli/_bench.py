"""``aiohttpcore bench [URL]``: a load generator on the pool, in the class of wrk2, oha and hey.

What it owns: the ``bench`` command line; the load (:class:`_Load`, one per
worker process, one event loop each); the merge of the workers' tallies;
the live line; the report, as text and as JSON (its schema is
:class:`BenchReport`). Without a URL it loads the embedded server of
:mod:`aiohttpcore.cli._server`, started on a CPU of its own. It uses the
public API only (``import aiohttpcore``).

How a request is driven and timed. Each of the ``-c`` connections is a lane
that borrows one connection with ``pool.connection(url)`` and keeps it for
as long as it stays reusable, sending with ``send_request`` and reading with
``read_response`` and ``readall`` (dugong's API; ``--pipeline N`` keeps N
requests in flight with one sender and one reader task per connection).
That path, not ``pool.request``, because it costs less per request and lets
every figure be measured for every request without the ``trace=`` hook,
which costs the pool about 5 µs a request (four ``TraceEvent`` objects; at
64 connections on uvloop, client CPU a request went from 31 µs to 37 µs).
Against one nginx on CPU 0, every client on CPU 1, uvloop, 64 connections,
3 interleaved runs on a shared machine (read the ratios, not the rates):
``python -m benchmarks.pool._client aiohttpcore uvloop 64`` (``await
pool.request``) 17,500 req/s at 28.8 µs of CPU a request; ``aiohttpcore
bench URL -c 64`` 20,100 req/s at 25.2 µs, every figure below recorded.

* latency: from the request's start (closed loop: just before it is sent,
  or before its connection is opened when it needs a new one; open loop
  ``-R``: its intended start, so that a server that falls behind is charged
  for the queue it causes, as wrk2 corrects coordinated omission) to the
  last byte of its body;
* first byte: from just before the request is written to its response head;
* connect: opening a connection (TCP, and TLS for HTTPS) through the pool,
  every connection the run opened, the warm-up's included;
* service time (open loop only): from the actual send to the last byte.

Rules it keeps:

* Per request the generator does one ``perf_counter_ns`` per timestamp and
  adds 1 to a slot of a list laid out as ``HdrHistogram(1 µs, 60 s, 3
  digits)``'s counts (:func:`_slot`, checked against ``hdrh``'s own
  index by the tests): ``HdrHistogram.record_value`` costs 0.66 to 0.83 µs a
  call, the slot arithmetic inlined 0.14 µs (``python -m timeit``, here).
  The ``hdrh`` histogram is built from the counts once, at the end.
  Latencies above 60 s count as 60 s. Status codes go to a small dict; no
  other object is made per request beyond the library's own.
* A request counts when its start falls in the measured window (after the
  warm-up). ``requests`` = ``successes`` + ``errors``, exactly; the latency
  histogram holds one value per success. An error is a request that raised
  (a refused connection, a reset, a timeout, a malformed response), counted
  by exception class; any HTTP status is a success, counted by code.
* No request is retried (``Retry(total=0)``): a load generator reports
  failures, it does not hide them. A request pipelined behind a response
  that announced ``Connection: close`` was never processed (RFC 9112 §9.6)
  and is sent again on the next connection, its start unchanged.
* ``-d``: no request starts after the window's end; the requests then in
  flight are awaited up to 5 s, and those still unanswered are abandoned and
  reported apart (not requests, not errors). ``-n N``: exactly N requests
  are sent (the warm-up is 0 unless ``--warmup`` asks for one, whose
  requests come on top).
* Open loop: a lane starts each request within a loop iteration of its
  intended time: a timer takes it to 2 ms before, then it yields to the loop
  until the time comes (both loops' timers are 1 ms coarse, and a late start
  would show as latency). So an open-loop run keeps its CPU busy whatever
  the rate: its client CPU is not a cost per request.
* Workers (``--workers``) split the connections, the rate and ``-n``; each
  sends its counts to the parent, which adds them slot by slot: the merged
  histogram is exact, not an average of percentiles.
* Exit status: 0; 1 when a request failed (unless ``--allow-errors``); 2
  for a usage error; 130 when interrupted (the report still prints).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import re
import signal
import sys
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any, Final, Literal, TypedDict, cast

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]  # ships no type hints
from rich.console import Console
from rich.live import Live
from rich.text import Text

import aiohttpcore

from . import _server
from ._common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_request_options,
    parse_headers,
    pool_options,
    request_body,
    run_async,
)

__all__ = ["BenchReport", "HistogramReport", "add_parser", "run"]

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

_NEVER: Final = 1 << 62
"""A ``perf_counter_ns`` value no run reaches: the window has not started, or has no end."""
_DRAIN_S: Final = 5.0
# Bodies announced under 10**5 bytes are read whole, as a small body arrives
# with its head (``readall`` takes it without waiting: 3 µs less a request
# than a ``readinto`` loop, measured at 64 connections); others, and chunked
# ones, go through a 64 KiB scratch buffer of the lane's, so 64 connections
# downloading 100 MiB files hold 4 MiB, not 6.4 GiB.
_WHOLE_DIGITS: Final = 6
_SCRATCH_BYTES: Final = 64 * 1024
_scratch: ContextVar[bytearray | None] = ContextVar("bench_scratch", default=None)
"""The scratch buffer of the task reading (each lane's task has a context of its own)."""
_SPIN_NS: Final = 2_000_000
_TICK_S: Final = 0.25
_START_LIMIT_S: Final = 60.0
_PERCENTILES: Final = (50.0, 75.0, 90.0, 99.0, 99.9)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
SCHEMA: Final = "aiohttpcore-bench/1"
_EPILOG: Final = """\
examples:
  aiohttpcore bench                       the embedded server, 10 s, 64 connections
  aiohttpcore bench URL -c 128 -d 30      128 connections for 30 s
  aiohttpcore bench URL -R 5000           open loop: 5,000 requests/s, wrk2's latency
  aiohttpcore bench URL --pipeline 16     16 requests in flight on each connection
  aiohttpcore bench URL --workers 2 --json out.json

exit status: 0; 1 when a request failed (unless --allow-errors); 2 for a usage
error; 130 when interrupted (the report is printed first).
"""


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


class _Histogram:
    """An ``hdrh`` histogram (untyped) built from slot counts, with the few calls used here."""

    def __init__(self, counts: Mapping[int, int]) -> None:
        self._hdr = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
        for index in sorted(counts):
            # The lowest value of a slot is counted in that same slot.
            self._hdr.record_value(self._hdr.get_value_from_index(index), counts[index])

    @property
    def total(self) -> int:
        return int(self._hdr.get_total_count())

    def value_of(self, index: int) -> int:
        """The highest value counted in slot *index*, as HDR reports a percentile."""
        hdr = self._hdr
        return int(hdr.get_highest_equivalent_value(hdr.get_value_from_index(index)))

    def report(self) -> HistogramReport:
        hdr = self._hdr
        total = self.total
        values = hdr.get_percentile_to_value_dict(list(_PERCENTILES)) if total else {}
        return {
            "count": total,
            "min_us": int(hdr.get_min_value()) if total else 0,
            "max_us": int(hdr.get_max_value()),
            "mean_us": round(float(hdr.get_mean_value()), 1) if total else 0.0,
            "stdev_us": round(float(hdr.get_stddev()), 1) if total else 0.0,
            "percentiles_us": {f"{p:g}": int(values[p]) for p in _PERCENTILES} if total else {},
            "hdr": hdr.encode().decode("ascii"),
        }


def _percentile(counts: Mapping[int, int], percentile: float) -> int | None:
    """The value at *percentile* of slot counts, without building a histogram (live line)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = max(int(percentile * total / 100 + 0.5), 1)  # as hdrh rounds
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= wanted:
            return int(
                _TEMPLATE.get_highest_equivalent_value(_TEMPLATE.get_value_from_index(index))
            )
    raise AssertionError("unreachable: the counts add up to total")


# ---------------------------------------------------------------- the JSON report


class HistogramReport(TypedDict):
    """One timing's distribution, in microseconds.

    ``hdr`` is the whole histogram, as ``hdrh``'s ``HdrHistogram.encode()``
    writes it (HdrHistogram V2, zlib, base64; 1 µs to 60 s, 3 significant
    digits): ``HdrHistogram.decode(hdr)`` gives it back, and histograms of
    several runs add exactly. Percentiles are the keys ``"50"``, ``"75"``,
    ``"90"``, ``"99"``, ``"99.9"``; empty when ``count`` is 0.
    """

    count: int
    min_us: int
    max_us: int
    mean_us: float
    stdev_us: float
    percentiles_us: dict[str, int]
    hdr: str


class BucketReport(TypedDict):
    """One bar of the drawn latency distribution: successes with latency ≤ ``upper_us``."""

    upper_us: int
    count: int


class OptionsReport(TypedDict):
    """What was asked for, after defaults (``None``: not used)."""

    mode: Literal["closed", "open"]
    connections: int
    workers: int
    pipeline: int
    rate: float | None
    duration_s: float | None
    requests: int | None
    warmup_s: float
    method: str
    keepalive: bool
    loop: str
    timeout_s: float | None


class _Always(TypedDict):
    """The keys of :class:`BenchReport` present in every report."""

    schema: str
    url: str
    embedded_server: bool
    server_requests: int | None
    options: OptionsReport
    interrupted: bool
    duration_s: float
    requests: int
    successes: int
    errors: int
    errors_by_kind: dict[str, int]
    status_codes: dict[str, int]
    abandoned: int
    unsent: int
    requests_per_s: float
    body_bytes: int
    transfer_mb_per_s: float
    connections_opened: int
    client_cpu_s: float
    latency: HistogramReport
    first_byte: HistogramReport
    connect: HistogramReport
    distribution: list[BucketReport]


# total=False, not NotRequired: Python 3.11 cannot see NotRequired in the
# string annotations of ``from __future__ import annotations``.
class BenchReport(_Always, total=False):
    """What ``aiohttpcore bench --json FILE`` writes: one JSON object of this shape.

    ``schema`` is ``"aiohttpcore-bench/1"``. Counts: ``requests`` =
    ``successes`` + ``errors`` (sum of ``errors_by_kind``, keyed by exception
    class) = the sum of ``status_codes`` + ``errors``; ``latency["count"]``
    = ``first_byte["count"]`` = ``successes``. ``duration_s``: the measured
    window, from its start to the last answer. ``abandoned``: requests still
    unanswered 5 s after the end of a ``-d`` run, in none of the other
    counts. ``unsent``: open-loop requests whose intended start fell in the
    window but that were not sent by its end because the run fell behind (0
    in a closed loop). ``transfer_mb_per_s`` counts response bodies only
    (10**6 bytes). ``server_requests``: what the embedded server answered,
    warm-up included (``None`` for a URL). ``connect`` covers every
    connection opened, warm-up included (``connections_opened`` is its
    count). ``client_cpu_s``: the workers' CPU time in the window.
    ``distribution``: the bars drawn in the terminal.
    """

    service_time: HistogramReport
    """Open loop only: from the actual send to the last byte (no queueing before it)."""


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


# ---------------------------------------------------------------- one worker's load


class _Schedule:
    """A lane's intended starts (open loop): every ``step`` ns from ``next_at``."""

    __slots__ = ("next_at", "step")

    def __init__(self, next_at: int, step: int) -> None:
        self.next_at = next_at
        self.step = step


class _Flight:
    """The requests on one pipelined connection: started, written, answered."""

    __slots__ = (
        "_reader",
        "_sender",
        "broken",
        "closing",
        "read",
        "read_error",
        "send_error",
        "sending",
        "sent",
        "sent_at",
        "starts",
    )

    def __init__(self) -> None:
        self.starts: deque[int] = deque()  # every request given to this connection, unanswered
        self.sent_at: deque[int] = deque()
        self.sent = 0  # requests written
        self.read = 0  # responses read whole
        self.sending = True
        self.closing = False  # a response said Connection: close: send nothing more
        self.broken = False  # the reader stopped: send nothing more
        self.read_error: Exception | None = None
        self.send_error: Exception | None = None
        self._reader: asyncio.Future[None] | None = None
        self._sender: asyncio.Future[None] | None = None

    def full(self, limit: int) -> bool:
        """True when *limit* requests are unanswered, or nothing more may be sent."""
        return len(self.starts) >= limit or self.closing or self.broken

    async def room(self, limit: int) -> bool:
        """Wait until fewer than *limit* are unanswered; False if nothing more may be sent."""
        while len(self.starts) >= limit and not (self.closing or self.broken):
            self._sender = asyncio.get_running_loop().create_future()
            await self._sender
        return not (self.closing or self.broken)

    def reader_done(self, _reader: object) -> None:
        """The reader ended (failed, most likely): the sender must not wait for it."""
        self.broken = True
        self.wake_sender()

    async def wait_sender(self) -> None:
        """The reader waits for a request to be written (or the sender to finish)."""
        self._reader = asyncio.get_running_loop().create_future()
        await self._reader

    def wake_sender(self) -> None:
        waiter, self._sender = self._sender, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def wake_reader(self) -> None:
        waiter, self._reader = self._reader, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


async def _stream_body(response: aiohttpcore.Response) -> int:
    """Read a large or chunked body through a scratch buffer, never whole; its size."""
    scratch = _scratch.get()
    if scratch is None:
        scratch = bytearray(_SCRATCH_BYTES)
        _scratch.set(scratch)
    size = 0
    while count := await response.readinto(scratch):
        size += count
    return size


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Load:
    """One worker's load on one event loop: its pool, its lanes and its counts."""

    def __init__(self, plan: _Plan, progress: Callable[[_Progress], None] | None) -> None:
        self._plan = plan
        self._progress = progress
        self._pool: aiohttpcore.ConnectionPool | None = None
        self.latency = [0] * _LENGTH
        self.first_byte = [0] * _LENGTH
        self.service = [0] * _LENGTH
        self.connect = [0] * _LENGTH
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.sent = self.ok = self.failed = self.unsent = self.body_bytes = 0
        self.window_start = _NEVER
        self.deadline = _NEVER
        self.remaining = _NEVER if plan.requests is None else plan.requests
        self.stopping = False
        self.interrupted = False
        self._open_loop = plan.rate is not None
        self._phase: Literal["warmup", "run", "drain"] = "warmup"
        self._origin = 0
        self._sleepers: set[asyncio.Future[None]] = set()
        self._stop: asyncio.Future[None] | None = None
        self._fatal: BaseException | None = None
        self._seen: weakref.WeakSet[aiohttpcore.HTTPConnection] = weakref.WeakSet()

    # ------------------------------------------------------------ the run

    async def run(self) -> _Tally:
        """Warm up, measure, drain; the tally of the measured window."""
        plan = self._plan
        loop = asyncio.get_running_loop()
        self._stop = loop.create_future()
        with warnings.catch_warnings():  # --insecure was the user's explicit choice
            warnings.simplefilter("ignore", aiohttpcore.InsecureRequestWarning)
            pool = aiohttpcore.ConnectionPool(
                max_connections=plan.connections,
                max_connections_per_host=plan.connections,
                retries=aiohttpcore.Retry(total=0, stale=False),
                decode_content=False,
                **plan.pool_options,  # type: ignore[arg-type]
            )
        interruptible = _catch_sigint(loop, self.interrupt)
        async with pool:
            self._pool = pool
            self._origin = time.perf_counter_ns()
            lane = self._serial if plan.depth == 1 else self._pipelined
            lanes = [asyncio.create_task(lane(number)) for number in range(plan.connections)]
            ticker = asyncio.create_task(self._tick()) if self._progress else None
            try:
                tally = await self._measure(lanes)
            finally:
                if ticker is not None:
                    ticker.cancel()
                for task in lanes:
                    task.cancel()
                await asyncio.gather(*lanes, return_exceptions=True)
                if interruptible:
                    loop.remove_signal_handler(signal.SIGINT)
        if self._fatal is not None:
            raise self._fatal
        return tally

    async def _measure(self, lanes: list[asyncio.Task[None]]) -> _Tally:
        plan = self._plan
        assert self._stop is not None
        everyone = asyncio.gather(*lanes, return_exceptions=True)
        over: set[asyncio.Future[Any]] = {everyone, self._stop}  # every lane ended, or Ctrl-C
        if plan.warmup:
            await asyncio.wait(over, timeout=plan.warmup, return_when=asyncio.FIRST_COMPLETED)
        cpu = time.process_time()
        self.window_start = time.perf_counter_ns()
        self._phase = "run"
        if plan.duration is not None:
            self.deadline = self.window_start + int(plan.duration * 1e9)
        await asyncio.wait(over, timeout=plan.duration, return_when=asyncio.FIRST_COMPLETED)
        self.stopping = True
        self._phase = "drain"
        for sleeper in list(self._sleepers):
            _wake(sleeper)
        await asyncio.wait({everyone}, timeout=_DRAIN_S)
        end = time.perf_counter_ns()
        for result in everyone.result() if everyone.done() else ():
            if isinstance(result, Exception):
                raise result  # a bug in a lane: show it rather than a wrong report
        return self._tally((end - self.window_start) / 1e9, time.process_time() - cpu)

    def interrupt(self) -> None:
        """Ctrl-C: stop starting requests, finish the ones in flight, report."""
        self.interrupted = True
        self.stop()

    def stop(self) -> None:
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(None)

    async def _tick(self) -> None:
        progress = self._progress
        assert progress is not None
        while True:
            await asyncio.sleep(_TICK_S)
            started = self.window_start if self.window_start != _NEVER else self._origin
            progress(
                _Progress(
                    self._phase,
                    (time.perf_counter_ns() - started) / 1e9,
                    self.ok + self.failed,
                    self.failed,
                    _sparse(self.latency),
                )
            )

    def _tally(self, window_s: float, cpu_s: float) -> _Tally:
        abandoned = self.sent - self.ok - self.failed
        running = type(asyncio.get_running_loop()).__module__
        loop_name = "uvloop" if running.startswith("uvloop") else "asyncio"
        return _Tally(
            ok=self.ok,
            failed=self.failed,
            abandoned=abandoned,
            unsent=self.unsent,
            errors=dict(self.errors),
            statuses=dict(self.statuses),
            body_bytes=self.body_bytes,
            window_s=window_s,
            cpu_s=cpu_s,
            interrupted=self.interrupted,
            loop=loop_name,
            latency=_sparse(self.latency),
            first_byte=_sparse(self.first_byte),
            connect=_sparse(self.connect),
            service=_sparse(self.service),
        )

    # ------------------------------------------------------------ admission and pacing

    def _admit(self, at: int) -> int:
        """Let a request that starts at *at* go: *at*, or -1 when the run is over."""
        if at >= self.deadline or self.stopping:
            return -1
        if at >= self.window_start:
            if self.remaining <= 0:
                self.stopping = True
                return -1
            self.remaining -= 1
            self.sent += 1
        return at

    def _schedule(self, lane: int) -> _Schedule | None:
        rate = self._plan.rate
        if rate is None:
            return None
        # Lane k sends at origin + (j * connections + k) / rate: the lanes
        # together start one request every 1/rate seconds.
        gap = 1e9 / rate
        return _Schedule(self._origin + round(lane * gap), round(gap * self._plan.connections))

    async def _paced(self, schedule: _Schedule) -> int:
        """Wait for the lane's next intended start and admit it; -1 when the run is over."""
        at = schedule.next_at
        schedule.next_at = at + schedule.step
        now = time.perf_counter_ns()
        while now < at:
            if self.stopping:
                return -1
            if at - now > _SPIN_NS:
                await self._nap((at - now - _SPIN_NS) / 1e9)
            else:
                # The loops' timers are coarse (asyncio rounds epoll's timeout up
                # to the next ms, uvloop counts whole ms of a cached clock): a
                # timer alone would start requests up to 2 ms late, and the
                # latency, counted from the intended start, would show it.
                await asyncio.sleep(0)
            now = time.perf_counter_ns()
        if now >= self.deadline and at < self.deadline:
            self._count_unsent(at, schedule.step)  # behind: these never left
            return -1
        return self._admit(at)

    async def _nap(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        handle = loop.call_later(seconds, _wake, waiter)
        self._sleepers.add(waiter)
        try:
            await waiter
        finally:
            self._sleepers.discard(waiter)
            handle.cancel()

    def _count_unsent(self, at: int, step: int) -> None:
        start = self.window_start
        if at < start:
            at += -(-(start - at) // step) * step
        if at < self.deadline:
            self.unsent += -(-(self.deadline - at) // step)

    # ------------------------------------------------------------ the books of one request

    def _done(self, start: int, sent_at: int, head: int, end: int, status: int, size: int) -> None:
        """A response was read whole: count it if it started in the window."""
        if start < self.window_start:
            return
        self.ok += 1
        # _slot, inlined twice: this runs once per request (rules, above).
        micros = (end - start) // 1000
        if micros > HIGHEST_US:
            micros = HIGHEST_US
        bucket = (micros | _MASK).bit_length() - _SUB_BITS
        self.latency[((bucket + 1) << (_SUB_BITS - 1)) + (micros >> bucket) - _HALF] += 1
        micros = (head - sent_at) // 1000
        if micros > HIGHEST_US:
            micros = HIGHEST_US
        bucket = (micros | _MASK).bit_length() - _SUB_BITS
        self.first_byte[((bucket + 1) << (_SUB_BITS - 1)) + (micros >> bucket) - _HALF] += 1
        if self._open_loop:
            self.service[_slot((end - sent_at) // 1000)] += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.body_bytes += size

    def _failed(self, start: int, error: BaseException) -> None:
        if isinstance(error, aiohttpcore.InvalidRequest) and self._fatal is None:
            self._fatal = error  # nothing was sent; every other request would fail alike
            self.stop()
        if start < self.window_start:
            return
        self.failed += 1
        kind = type(error).__name__
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def _connected(self, conn: aiohttpcore.HTTPConnection, opened: int) -> None:
        """Count the connect time of *conn*, unless the pool handed over one already used."""
        if conn in self._seen:
            return  # another lane's, left idle at the end of its run
        self._seen.add(conn)
        self.connect[_slot((time.perf_counter_ns() - opened) // 1000)] += 1

    async def _next(self, schedule: _Schedule | None) -> int:
        if schedule is None:
            return self._admit(time.perf_counter_ns())
        return await self._paced(schedule)

    # ------------------------------------------------------------ lanes

    async def _serial(self, lane: int) -> None:
        """One connection, one request at a time; a new connection when it is not reusable."""
        plan, pool = self._plan, self._pool
        assert pool is not None
        url, method, target, fields, body = (
            plan.url,
            plan.method,
            plan.target,
            plan.fields,
            plan.body,
        )
        schedule = self._schedule(lane)
        perf = time.perf_counter_ns
        start = await self._next(schedule)
        while start >= 0:
            opened = perf()
            try:
                async with pool.connection(url) as conn:
                    self._connected(conn, opened)
                    while start >= 0:
                        sent_at = perf()
                        await conn.send_request(method, target, fields, body)
                        response = await conn.read_response()
                        head = perf()
                        length = response.headers.get("content-length")
                        if length is not None and len(length) < _WHOLE_DIGITS:
                            size = len(await response.readall())
                        else:
                            size = await _stream_body(response)
                        self._done(start, sent_at, head, perf(), response.status, size)
                        if schedule is None:
                            start = self._admit(perf())
                        else:
                            start = await self._paced(schedule)
                        if not conn.is_reusable():
                            break
            except Exception as error:
                self._failed(start, error)
                start = await self._next(schedule)

    async def _pipelined(self, lane: int) -> None:
        """One connection, ``depth`` requests in flight: a sender and a reader task."""
        assert self._pool is not None
        schedule = self._schedule(lane)
        carried: deque[int] = deque()  # admitted, not answered: sent first on the next connection
        while True:
            if not carried:
                start = await self._next(schedule)
                if start < 0:
                    return
                carried.append(start)
            flight = _Flight()
            opened = time.perf_counter_ns()
            try:
                async with self._pool.connection(self._plan.url) as conn:
                    self._connected(conn, opened)
                    await self._exchange_pipelined(conn, flight, schedule, carried)
            except Exception as error:  # no connection: the requests meant for it failed
                for start in carried:
                    self._failed(start, error)
                carried.clear()
                continue
            self._settle(flight, carried)

    def _settle(self, flight: _Flight, carried: deque[int]) -> None:
        """After a pipelined connection: count what was lost, keep what was never processed."""
        starts = list(flight.starts)
        unanswered = flight.sent - flight.read
        lost, unsent = starts[:unanswered], starts[unanswered:]
        read_error, send_error = flight.read_error, flight.send_error
        if flight.closing or (
            isinstance(read_error, aiohttpcore.ConnectionClosed) and read_error.unprocessed
        ):
            # Behind an announced close: never processed (RFC 9112 §9.6).
            resend = starts
        else:
            if read_error is not None:
                for start in lost:
                    self._failed(start, read_error)
            if send_error is not None and not isinstance(send_error, aiohttpcore.NotConnected):
                for start in unsent:  # a write failed: the request may have left in part
                    self._failed(start, send_error)
                unsent = []
            resend = unsent  # never written (NotConnected is raised before any byte)
        carried.extendleft(reversed(resend))

    async def _exchange_pipelined(
        self,
        conn: aiohttpcore.HTTPConnection,
        flight: _Flight,
        schedule: _Schedule | None,
        carried: deque[int],
    ) -> None:
        """Send and read on *conn* until the run ends or it breaks; errors go to *flight*.

        A failed send stops the sending, not the reading: the responses
        already on their way are still read and counted.
        """
        reader = asyncio.create_task(self._read_pipelined(conn, flight))
        reader.add_done_callback(flight.reader_done)
        try:
            await self._send_pipelined(conn, flight, schedule, carried)
        except Exception as error:
            flight.send_error = error
        except BaseException:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            raise
        try:
            await reader
        except Exception as error:
            flight.read_error = error

    async def _send_pipelined(
        self,
        conn: aiohttpcore.HTTPConnection,
        flight: _Flight,
        schedule: _Schedule | None,
        carried: deque[int],
    ) -> None:
        plan = self._plan
        depth, method, target, fields, body = (
            plan.depth,
            plan.method,
            plan.target,
            plan.fields,
            plan.body,
        )
        perf = time.perf_counter_ns
        starts = flight.starts
        try:
            while True:
                if carried:
                    start = carried.popleft()
                elif schedule is None:
                    # Closed loop: a request starts when there is room for it.
                    if flight.full(depth) and not await flight.room(depth):
                        break
                    start = self._admit(perf())
                else:
                    start = await self._paced(schedule)
                if start < 0:
                    break
                starts.append(start)
                # Open loop (or a resent request): it waits for room, on its clock.
                if flight.full(depth + 1) and not await flight.room(depth + 1):
                    break
                flight.sent_at.append(perf())
                await conn.send_request(method, target, fields, body)
                flight.sent += 1
                flight.wake_reader()
        finally:
            flight.sending = False
            flight.wake_reader()

    async def _read_pipelined(self, conn: aiohttpcore.HTTPConnection, flight: _Flight) -> None:
        perf = time.perf_counter_ns
        while True:
            if flight.read == flight.sent:
                if not flight.sending:
                    return
                await flight.wait_sender()
                continue
            response = await conn.read_response()
            head = perf()
            length = response.headers.get("content-length")
            if length is not None and len(length) < _WHOLE_DIGITS:
                size = len(await response.readall())
            else:
                size = await _stream_body(response)
            end = perf()
            start = flight.starts.popleft()
            sent_at = flight.sent_at.popleft()
            flight.read += 1
            flight.wake_sender()
            self._done(start, sent_at, head, end, response.status, size)
            if "close" in response.headers.get("connection", "").lower():
                flight.closing = True  # RFC 9112 §9.6: nothing after this one is processed
                flight.wake_sender()


def _catch_sigint(loop: asyncio.AbstractEventLoop, handler: Callable[[], None]) -> bool:
    """Route Ctrl-C to *handler* while the load runs; False where this thread cannot."""
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread; Windows
        return False
    return True


# ---------------------------------------------------------------- workers


def _run_load(plan: _Plan, progress: Callable[[_Progress], None] | None) -> _Tally:
    """Run one worker's load on a new event loop (in this process) and return its tally."""
    outcome: list[_Tally] = []

    async def load() -> int:
        outcome.append(await _Load(plan, progress).run())
        return EXIT_OK

    run_async(load(), loop=plan.loop)
    return outcome[0]


def _worker(control: Connection, plan: _Plan) -> None:
    """A worker process: wait for the go, run its share, send the tally (or the error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # until the load's own handler is in place
    _server.pin(set(plan.cpus) if plan.cpus else None)
    control.send(("ready", None))
    try:
        if control.recv() != "go":
            return
    except EOFError:  # the parent gave up before the start
        return
    try:
        tally = _run_load(plan, lambda progress: control.send(("progress", progress)))
    except BaseException as error:  # sent to the parent, which reports it
        try:
            control.send(("error", error))
        except Exception:  # an exception that does not pickle: its text will do
            control.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        return
    control.send(("done", tally))


def _spawn(plans: list[_Plan], live: _LiveLine | None) -> list[_Tally]:
    """Run each plan in a worker process of its own, started together; their tallies."""
    context = multiprocessing.get_context("spawn")  # no fork of a parent holding threads
    workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    process: multiprocessing.process.BaseProcess
    tallies: list[_Tally] = []
    try:
        for number, plan in enumerate(plans):
            control, child_end = context.Pipe()
            process = context.Process(
                target=_worker, args=(child_end, plan), name=f"bench-worker-{number}", daemon=True
            )
            process.start()
            child_end.close()
            workers.append((process, control))
        for process, control in workers:  # imports done, CPUs pinned: start at once
            try:
                if not control.poll(_START_LIMIT_S):
                    raise EOFError
                control.recv()
            except EOFError:
                raise RuntimeError(
                    f"{process.name} did not start within {_START_LIMIT_S:g} s"
                    f" (exit status {process.exitcode})"
                ) from None
        for _process, control in workers:
            control.send("go")
        with _forward_sigint([process for process, _ in workers]):
            tallies = _collect([control for _, control in workers], live)
    finally:
        for process, control in workers:
            control.close()
            process.join(_DRAIN_S if tallies else 0.0)  # after a failure, stop them at once
            if process.is_alive():
                process.kill()
                process.join()
    return tallies


def _collect(controls: list[Connection], live: _LiveLine | None) -> list[_Tally]:
    tallies: dict[int, _Tally] = {}
    waiting = {control: number for number, control in enumerate(controls)}
    while waiting:
        for ready in wait_any(list(waiting), timeout=_TICK_S):
            control = cast(Connection, ready)
            number = waiting[control]
            try:
                kind, payload = control.recv()
            except EOFError:
                raise RuntimeError(f"bench worker {number} died without a report") from None
            if kind == "progress" and live is not None:
                live.update(number, payload)
            elif kind == "done":
                tallies[number] = payload
                del waiting[control]
            elif kind == "error":
                raise payload
    return [tallies[number] for number in range(len(controls))]


@contextlib.contextmanager
def _forward_sigint(processes: list[multiprocessing.process.BaseProcess]) -> Iterator[None]:
    """While the workers run, Ctrl-C in the parent is passed on to them (each then reports)."""

    def forward(_signum: int, _frame: object) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGINT)

    try:
        previous = signal.signal(signal.SIGINT, forward)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ---------------------------------------------------------------- the live line


class _LiveLine:
    """Elapsed time, requests/s, errors and the running p99 on stderr, four times a second."""

    def __init__(self, *, workers: int, duration: float | None, requests: int | None) -> None:
        self._latest: list[_Progress | None] = [None] * workers
        self._duration = duration
        self._requests = requests
        self._live = Live(console=Console(stderr=True), auto_refresh=False, transient=True)
        self._shown = 0.0

    def __enter__(self) -> _LiveLine:
        self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._live.stop()

    def update(self, worker: int, progress: _Progress) -> None:
        self._latest[worker] = progress
        now = time.monotonic()
        if now - self._shown < _TICK_S * 0.8:
            return  # one refresh per tick, not one per worker
        self._shown = now
        self._live.update(Text(self.line()), refresh=True)

    def line(self) -> str:
        latest = [progress for progress in self._latest if progress is not None]
        if not latest:
            return ""
        phases = {progress.phase for progress in latest}
        elapsed = max(progress.elapsed for progress in latest)
        if "warmup" in phases:
            return f"warming up  {elapsed:.1f} s"
        if phases == {"drain"}:
            return "finishing the requests in flight"
        done = sum(progress.done for progress in latest)
        errors = sum(progress.errors for progress in latest)
        p99 = _percentile(_merge(progress.latency for progress in latest), 99.0)
        if self._requests is not None:
            where = f"{done:,} of {self._requests:,} requests"
        else:
            where = f"{elapsed:5.1f} s of {self._duration:g} s"
        rate = done / elapsed if elapsed > 0 else 0.0
        shown = "-" if p99 is None else _us(p99)
        return f"{where}   {rate:,.0f} req/s   errors {errors:,}   p99 {shown}"


# ---------------------------------------------------------------- the report


def _us(micros: float) -> str:
    """A duration for people, three digits as the histogram keeps: 850 µs, 1.20 ms, 12.3 ms."""
    if micros < 999.5:
        return f"{micros:.0f} µs"
    for unit, scale in (("ms", 1e3), ("s", 1e6)):
        value = micros / scale
        if value < 9.995:
            return f"{value:.2f} {unit}"
        if value < 99.95:
            return f"{value:.1f} {unit}"
        if value < 999.5 or unit == "s":
            return f"{value:.0f} {unit}"
    raise AssertionError("unreachable: the last unit takes any value")


def _distribution(counts: Mapping[int, int], histogram: _Histogram) -> list[BucketReport]:
    """Up to 12 bars, log-spaced from the fastest success to the slowest."""
    if not counts:
        return []
    low = max(int(_TEMPLATE.get_value_from_index(min(counts))), 1)
    high = histogram.value_of(max(counts))
    uppers = sorted({round(low * (high / low) ** (k / 12)) for k in range(1, 13)} | {high})
    uppers = [upper for upper in uppers if upper <= high]
    bars = [0] * len(uppers)
    for index, count in counts.items():
        value = histogram.value_of(index)
        bar = next((number for number, upper in enumerate(uppers) if value <= upper), -1)
        bars[bar] += count
    return [{"upper_us": upper, "count": bar} for upper, bar in zip(uppers, bars, strict=True)]


def _summary(
    tallies: Sequence[_Tally],
    *,
    url: str,
    server_requests: int | None,
    embedded: bool,
    options: OptionsReport,
) -> BenchReport:
    """Merge the workers' tallies into the report."""
    ok = sum(tally.ok for tally in tallies)
    failed = sum(tally.failed for tally in tallies)
    duration = max((tally.window_s for tally in tallies), default=0.0)
    body_bytes = sum(tally.body_bytes for tally in tallies)
    latency = _merge(tally.latency for tally in tallies)
    latency_histogram = _Histogram(latency)
    connect = _Histogram(_merge(tally.connect for tally in tallies))
    statuses = _merge(tally.statuses for tally in tallies)
    errors = _merge(cast(Mapping[int, int], tally.errors) for tally in tallies)
    report: BenchReport = {
        "schema": SCHEMA,
        "url": url,
        "embedded_server": embedded,
        "server_requests": server_requests,
        "options": options,
        "interrupted": any(tally.interrupted for tally in tallies),
        "duration_s": round(duration, 6),
        "requests": ok + failed,
        "successes": ok,
        "errors": failed,
        "errors_by_kind": dict(sorted(cast(dict[str, int], errors).items())),
        "status_codes": {str(int(code)): statuses[code] for code in sorted(statuses)},
        "abandoned": sum(tally.abandoned for tally in tallies),
        "unsent": sum(tally.unsent for tally in tallies),
        "requests_per_s": round((ok + failed) / duration, 1) if duration else 0.0,
        "body_bytes": body_bytes,
        "transfer_mb_per_s": round(body_bytes / duration / 1e6, 3) if duration else 0.0,
        "connections_opened": connect.total,
        "client_cpu_s": round(sum(tally.cpu_s for tally in tallies), 3),
        "latency": latency_histogram.report(),
        "first_byte": _Histogram(_merge(tally.first_byte for tally in tallies)).report(),
        "connect": connect.report(),
        "distribution": _distribution(latency, latency_histogram),
    }
    if options["mode"] == "open":
        report["service_time"] = _Histogram(_merge(tally.service for tally in tallies)).report()
    return report


def _table(report: BenchReport) -> list[str]:
    header = f"  {'':<12}" + "".join(
        f"{name:>10}" for name in ("p50", "p75", "p90", "p99", "p99.9", "max", "mean")
    )
    rows = [header]
    timings: list[tuple[str, HistogramReport | None]] = [
        ("latency", report["latency"]),
        ("first byte", report["first_byte"]),
        ("connect", report["connect"]),
        ("service", report.get("service_time")),
    ]
    for name, timing in timings:
        if timing is None:
            continue
        if not timing["count"]:
            rows.append(f"  {name:<12}{'(none)':>10}")
            continue
        values = [*timing["percentiles_us"].values(), timing["max_us"], timing["mean_us"]]
        rows.append(f"  {name:<12}" + "".join(f"{_us(value):>10}" for value in values))
    return rows


def _bars(report: BenchReport) -> list[str]:
    buckets = report["distribution"]
    if not buckets:
        return []
    total = sum(bucket["count"] for bucket in buckets)
    widest = max(bucket["count"] for bucket in buckets)
    lines = [f"  latency distribution ({total:,} successes)"]
    for bucket in buckets:
        count = bucket["count"]
        eighths = round(40 * 8 * count / widest)
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        share = 100 * count / total
        lines.append(f"  ≤ {_us(bucket['upper_us']):>9} │{bar:<40}│ {share:5.1f} %  {count:>12,}")
    return lines


def _text(report: BenchReport) -> str:
    """The report for people (stdout)."""
    options = report["options"]
    where = f"{report['url']} (embedded server)" if report["embedded_server"] else report["url"]
    if options["mode"] == "open":
        mode = f"open loop at {options['rate']:,.6g} req/s"
    else:
        mode = "closed loop"
    depth = f", {options['pipeline']} in flight each" if options["pipeline"] > 1 else ""
    how_long = (
        f"{options['requests']:,} requests"
        if options["requests"] is not None
        else f"{options['duration_s']:g} s"
    )
    warmup = f" after a {options['warmup_s']:g} s warm-up" if options["warmup_s"] else ""
    workers = "1 worker" if options["workers"] == 1 else f"{options['workers']} workers"
    lines = [
        f"aiohttpcore bench {where}",
        f"  {mode}, {options['connections']} connections{depth}, {workers} ({options['loop']}),"
        f" {how_long}{warmup}" + (", keep-alive off" if not options["keepalive"] else ""),
        "",
    ]
    duration = report["duration_s"]
    interrupted = " (interrupted)" if report["interrupted"] else ""
    lines.append(
        f"  {'requests':<12}{report['requests']:,} in {duration:.2f} s{interrupted}"
        f" = {report['requests_per_s']:,.1f} req/s"
    )
    unsent = report["unsent"]
    if unsent:
        hint = " (more connections, -c, may keep up)" if unsent > report["requests"] / 100 else ""
        lines.append(
            f"  {'':<12}behind: {unsent:,} requests due before the end were not sent{hint}"
        )
    lines.append(
        f"  {'transfer':<12}{report['transfer_mb_per_s']:,.2f} MB/s of response bodies"
        f" ({report['body_bytes']:,} bytes)"
    )
    statuses = "  ".join(f"{code}: {count:,}" for code, count in report["status_codes"].items())
    lines.append(f"  {'statuses':<12}{statuses or '(none)'}")
    share = 100 * report["errors"] / report["requests"] if report["requests"] else 0.0
    lines.append(
        f"  {'errors':<12}{report['errors']:,}" + (f" ({share:.2f} %)" if report["errors"] else "")
    )
    lines.extend(
        f"  {'':<14}{kind}: {count:,}" for kind, count in report["errors_by_kind"].items()
    )
    if report["abandoned"]:
        lines.append(
            f"  {'abandoned':<12}{report['abandoned']:,} requests unanswered"
            f" {_DRAIN_S:g} s after the end"
        )
    warm = " (warm-up included)" if options["warmup_s"] else ""
    lines.append(f"  {'connections':<12}{report['connections_opened']:,} opened{warm}")
    cpu = report["client_cpu_s"]
    requests = report["requests"]
    per_request = f", {cpu / requests * 1e6:.1f} µs/request" if requests else ""
    if options["mode"] == "open":
        per_request += " (waiting for start times included)"
    lines.append(f"  {'client CPU':<12}{cpu:.2f} s{per_request}")
    if report["server_requests"] is not None:
        lines.append(f"  {'server':<12}answered {report['server_requests']:,} requests{warm}")
    lines.extend(["", *_table(report), "", *_bars(report)])
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- the command line


def _number(
    kind: type[int] | type[float], minimum: float, *, above: bool
) -> Callable[[str], float]:
    """An argparse type: a finite number of *kind*, at least (or above) *minimum*."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value < minimum or (above and value == minimum):
            relation = ">" if above else ">="
            raise argparse.ArgumentTypeError(f"must be {relation} {minimum:g}, not {text!r}")
        return value

    return parse


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``bench`` and its options; ``args.run`` is :func:`run`."""
    parser = subparsers.add_parser(
        "bench",
        help="load-test a URL, or an embedded server when none is given",
        description=(
            "Load-test URL with a pool of kept-alive connections and report the\n"
            "throughput, the latency distribution (HDR histogram), connect time, time\n"
            "to first byte, status codes and errors. Without URL, an embedded HTTP/1.1\n"
            "server is started on a CPU of its own and loaded."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="http, https or http+unix URL")
    load = parser.add_argument_group("load")
    load.add_argument(
        "-c", "--connections", type=_number(int, 1, above=False), default=64, metavar="N",
        help="connections kept open, one request at a time on each (default 64)",
    )  # fmt: skip
    how_long = load.add_mutually_exclusive_group()
    how_long.add_argument(
        "-d", "--duration", type=_number(float, 0, above=True), metavar="SECONDS",
        help="measure for this long (default 10)",
    )  # fmt: skip
    how_long.add_argument(
        "-n", "--requests", type=_number(int, 1, above=False), metavar="N",
        help="send exactly N requests instead",
    )  # fmt: skip
    load.add_argument(
        "--warmup", type=_number(float, 0, above=False), metavar="SECONDS",
        help="load before measuring (default 1; 0 with -n)",
    )  # fmt: skip
    load.add_argument(
        "-R", "--rate", type=_number(float, 0, above=True), metavar="PER_SECOND",
        help="open loop: start requests at this rate, latency from each intended start",
    )  # fmt: skip
    load.add_argument(
        "--pipeline", type=_number(int, 1, above=False), default=1, metavar="N",
        help="requests in flight on each connection (default 1)",
    )  # fmt: skip
    load.add_argument(
        "--workers", type=_number(int, 1, above=False), default=1, metavar="N",
        help="processes sharing the connections, one event loop each (default 1)",
    )  # fmt: skip
    load.add_argument(
        "--loop", choices=("asyncio", "uvloop"),
        help="the event loop (default: uvloop when installed)",
    )  # fmt: skip
    add_request_options(parser, data_flags=("--body",))
    shape = parser.add_argument_group("request shape")
    shape.add_argument("-m", "--method", help="the method (default GET; POST with a body)")
    shape.add_argument("--body-file", metavar="FILE", help="send this file's bytes as the body")
    shape.add_argument(
        "--no-keepalive",
        action="store_true",
        help="send Connection: close: a new connection for every request",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--quiet", action="store_true", help="no live line on stderr")
    output.add_argument("--json", metavar="FILE", help="also write the whole report as JSON")
    output.add_argument(
        "--allow-errors", action="store_true", help="exit 0 even if requests failed"
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Setup:
    """The command line, checked and with its defaults resolved."""

    url: str | None
    method: str
    fields: tuple[tuple[str, str], ...]
    body: bytes | None
    connections: int
    duration: float | None
    requests: int | None
    warmup: float
    rate: float | None
    depth: int
    workers: int
    loop: str | None
    keepalive: bool
    timeout: float | None
    pool_options: dict[str, object]
    live: bool
    json: Path | None
    allow_errors: bool


def _setup(args: argparse.Namespace) -> _Setup:
    """Check the options together; what argparse cannot check raises :class:`UsageError`."""
    if args.url is not None:
        try:
            scheme = aiohttpcore.parse_url(args.url).scheme
        except aiohttpcore.InvalidURL as error:
            raise UsageError(str(error)) from error
        del scheme
    if args.body_file is not None and args.data is not None:
        raise UsageError("--body and --body-file: give the body once")
    if args.body_file is not None:
        try:
            body: bytes | None = Path(args.body_file).read_bytes()
        except OSError as error:
            raise UsageError(
                f"cannot read --body-file {args.body_file!r}: {error.strerror}"
            ) from error
    else:
        body = request_body(args)
    method = args.method or ("POST" if body is not None else "GET")
    if not _TOKEN.fullmatch(method):
        raise UsageError(f"-m {method!r} is not a method name (an HTTP token)")
    if args.no_keepalive and args.pipeline > 1:
        raise UsageError("--pipeline needs kept-alive connections: drop --no-keepalive")
    if args.workers > args.connections:
        raise UsageError(f"--workers {args.workers} needs at least as many --connections")
    fields = parse_headers(args.headers)
    names = {name.lower() for name, _ in fields}
    if "user-agent" not in names:
        fields.append(("User-Agent", f"aiohttpcore-bench/{aiohttpcore.__version__}"))
    if args.no_keepalive and "connection" not in names:
        fields.append(("Connection", "close"))
    json_path = None if args.json is None else Path(args.json)
    if json_path is not None and not os.access(json_path.parent, os.W_OK):
        raise UsageError(f"--json {args.json!r}: cannot write in {str(json_path.parent)!r}")
    return _Setup(
        url=args.url,
        method=method,
        fields=tuple(fields),
        body=body,
        connections=args.connections,
        duration=args.duration if args.duration or args.requests else 10.0,
        requests=args.requests,
        warmup=args.warmup if args.warmup is not None else (0.0 if args.requests else 1.0),
        rate=args.rate,
        depth=args.pipeline,
        workers=args.workers,
        loop=args.loop,
        keepalive=not args.no_keepalive,
        timeout=args.timeout,
        pool_options=pool_options(args),
        live=not args.quiet and sys.stderr.isatty(),
        json=json_path,
        allow_errors=args.allow_errors,
    )


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """*total* split in proportion to *weights*, the remainder to the first ones."""
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    for number in range(total - sum(shares)):
        shares[number] += 1
    return shares


def _plans(setup: _Setup, url: str, cpus: list[int] | None) -> list[_Plan]:
    """Each worker's share: connections, rate and -n split in proportion."""
    connections = _split(setup.connections, [1] * setup.workers)
    requests = None if setup.requests is None else _split(setup.requests, connections)
    target = aiohttpcore.parse_url(url).target
    plans = []
    for number, share in enumerate(connections):
        pinned = None
        if cpus and setup.workers > 1:
            pinned = frozenset({cpus[number % len(cpus)]})
        plans.append(
            _Plan(
                url=url,
                target=target,
                method=setup.method,
                fields=setup.fields,
                body=setup.body,
                connections=share,
                depth=setup.depth,
                rate=None if setup.rate is None else setup.rate * share / setup.connections,
                requests=None if requests is None else requests[number],
                duration=setup.duration if setup.requests is None else None,
                warmup=setup.warmup,
                pool_options=setup.pool_options,
                loop=setup.loop,
                cpus=pinned,
                live=setup.live,
            )
        )
    return plans


def _options_report(setup: _Setup, loop: str) -> OptionsReport:
    """What was asked for; *loop* is the one the workers ran on."""
    return {
        "mode": "closed" if setup.rate is None else "open",
        "connections": setup.connections,
        "workers": setup.workers,
        "pipeline": setup.depth,
        "rate": setup.rate,
        "duration_s": setup.duration if setup.requests is None else None,
        "requests": setup.requests,
        "warmup_s": setup.warmup,
        "method": setup.method,
        "keepalive": setup.keepalive,
        "loop": loop,
        "timeout_s": setup.timeout,
    }


def _drive(setup: _Setup, plans: list[_Plan]) -> list[_Tally]:
    """Run the plans: in this process for one worker, else in worker processes."""
    live = (
        _LiveLine(workers=len(plans), duration=setup.duration, requests=setup.requests)
        if setup.live
        else None
    )
    with live if live is not None else contextlib.nullcontext():
        if len(plans) == 1:
            progress = None if live is None else (lambda progress: live.update(0, progress))
            return [_run_load(plans[0], progress)]
        return _spawn(plans, live)


def _say(message: str) -> None:
    print(f"aiohttpcore bench: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """``aiohttpcore bench``: load, report; the exit status (module docstring)."""
    setup = _setup(args)
    usable = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server: _server.ServerProcess | None = None
    load_cpus: list[int] | None = None
    try:
        if setup.url is None:
            server_cpu = usable[0] if len(usable) >= 2 else None
            server = _server.start(cpu=server_cpu)
            url = f"http://127.0.0.1:{server.port}/"
            if server_cpu is None:
                where = "(one CPU: the server and the load share it)"
            else:
                load_cpus = usable[1:]
                shown = ",".join(map(str, load_cpus))
                where = f"on CPU {server_cpu}, the load on CPU {shown}"
            _say(f"no URL given: load-testing an embedded server at {url} {where}")
            _server.pin(set(load_cpus) if load_cpus else None)
        else:
            url = setup.url
        tallies = _drive(setup, _plans(setup, url, load_cpus))
    finally:
        server_requests = server.stop() if server is not None else None
        if load_cpus:
            _server.pin(set(usable))
    report = _summary(
        tallies,
        url=url,
        server_requests=server_requests,
        embedded=server is not None,
        options=_options_report(setup, tallies[0].loop),
    )
    sys.stdout.write(_text(report))
    sys.stdout.flush()
    if setup.json is not None:
        setup.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if report["interrupted"]:
        return EXIT_INTERRUPTED
    if report["errors"] and not setup.allow_errors:
        return EXIT_ERROR
    return EXIT_OK

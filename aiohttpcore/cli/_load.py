"""One bench worker's load on one event loop: its lanes, closed and open loop, the counts.

What it owns: :class:`_Load`, which opens the pool, runs its lanes through
the warm-up, the measured window and the drain, and counts every request
into slot counts (:mod:`aiohttpcore.cli._bench_tally`); the pacing of the
open loop; the lane that sends one request at a time. The pipelined lane
(``--pipeline N``) is :class:`~aiohttpcore.cli._pipeline._PipelinedLoad`,
which extends :class:`_Load`; this module does not import it. It knows
nothing of processes, the command line or the report: it takes a
:class:`~aiohttpcore.cli._bench_tally._Plan` and returns a
:class:`~aiohttpcore.cli._bench_tally._Tally`. It uses the public API only
(``import aiohttpcore``).

How a request is driven and timed. Each of the ``-c`` connections is a lane
that borrows one connection with ``pool.connection(url)`` and keeps it for
as long as it stays reusable, sending with ``send_request`` and reading with
``read_response`` and ``readall`` (dugong's API; ``--pipeline N`` keeps N
requests in flight with one sender and one reader task per connection).
That path, not ``pool.request``, because it costs less per request and lets
every figure be measured for every request without the ``trace=`` hook,
which cost the pool about 5 µs a request when this was measured (four
``TraceEvent`` objects, then frozen dataclasses, now cheaper named tuples;
at 64 connections on uvloop, client CPU a request went from 31 µs to 37 µs).
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
  digits)``'s counts (:func:`~aiohttpcore.cli._bench_tally._slot`, inlined
  in :meth:`_Load._done`): ``HdrHistogram.record_value`` costs 0.66 to 0.83
  µs a call, the slot arithmetic inlined 0.14 µs (``python -m timeit``,
  here). The ``hdrh`` histogram is built from the counts once, at the end.
  Latencies above 60 s count as 60 s. Status codes go to a small dict; no
  other object is made per request beyond the library's own.
* A request counts when its start falls in the measured window (after the
  warm-up). ``requests`` = ``successes`` + ``errors``, exactly; the latency
  histogram holds one value per success. An error is a request that raised
  (a refused connection, a reset, a timeout, a malformed response), counted
  by exception class; any HTTP status is a success, counted by code.
* No request is retried (``Retry(total=0)``): a load generator reports
  failures, it does not hide them (a pipelined request never processed is
  sent again: :mod:`aiohttpcore.cli._pipeline`).
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
"""

from __future__ import annotations

import asyncio
import signal
import time
import warnings
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Final, Literal

import aiohttpcore

from ._bench_tally import (
    _DRAIN_S,
    _HALF,
    _LENGTH,
    _MASK,
    _SUB_BITS,
    _TICK_S,
    HIGHEST_US,
    _Plan,
    _Progress,
    _slot,
    _sparse,
    _Tally,
)

_NEVER: Final = 1 << 62
"""A ``perf_counter_ns`` value no run reaches: the window has not started, or has no end."""
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


# ---------------------------------------------------------------- one worker's load


class _Schedule:
    """A lane's intended starts (open loop): every ``step`` ns from ``next_at``."""

    __slots__ = ("next_at", "step")

    def __init__(self, next_at: int, step: int) -> None:
        self.next_at = next_at
        self.step = step


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
            lanes = [asyncio.create_task(self._lane(number)) for number in range(plan.connections)]
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

    async def _lane(self, lane: int) -> None:
        """Lane number *lane*: one connection, one request at a time; a new one when not reusable.

        Subclasses replace it to drive a connection their way (the pipelined
        lane of :class:`~aiohttpcore.cli._pipeline._PipelinedLoad`).
        """
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


def _catch_sigint(loop: asyncio.AbstractEventLoop, handler: Callable[[], None]) -> bool:
    """Route Ctrl-C to *handler* while the load runs; False where this thread cannot."""
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread; Windows
        return False
    return True

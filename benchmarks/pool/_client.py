"""One measurement, one process: ``python -m benchmarks.pool._client CLIENT LOOP CONCURRENCY``.

The runner starts this module once per (client, loop, concurrency,
repetition), pinned to one CPU with ``taskset``, and reads one JSON object
from its stdout. A fresh process each time means no client inherits another's
heap, imports, loop or sockets, and the process's CPU counters are its own.

What is timed, and how (closed loop, C = the concurrency):

1. the client's pool is built for C connections (the raw ceiling opens its
   C connections here) and C tasks start, each doing one GET after the
   other through it. The warm-up lasts ``--warmup`` seconds and until every
   task has completed a request, so every connection a pool opens for C
   concurrent requests is open; a task with no answer within 60 s fails
   the run. Every answer is checked; a wrong one ends the process with
   status 3 and no figures. Then the connections this process holds to
   the server are counted.
2. The window: ``perf_counter``, ``process_time`` and ``getrusage`` are
   read, the tasks run on for ``--duration`` seconds, and the counters are
   read again. The tasks run across both ends of the window (steady state,
   no ramp-up or draining inside it); the requests completed inside it are
   counted. Each request's latency is the ``perf_counter`` interval from
   the end of the task's previous request (or its start) to the end of this
   one, appended to one list: one clock read and one append per request,
   the same code for every client. Percentiles are taken afterwards.
3. The tasks are told to stop; a request still under way after a moment
   is cancelled, and the pool is closed (none of this is timed).

The cyclic garbage collector stays on: it is part of what each client costs
its user. ``--profile FILE`` runs cProfile around the window only and dumps its
statistics to FILE (the figures printed are then not comparable).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import importlib
import math
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from benchmarks.connection._client import LOOPS, Stopwatch, client_parser, run_measurement
from benchmarks.pool._common import Get, Peer, WrongAnswer, target

__all__ = [
    "CLIENTS",
    "CONCURRENCIES",
    "LOOPS",
    "Lane",
    "Lanes",
    "awaited_lane",
    "load",
    "main",
    "run_lanes",
]

CLIENTS: Final = ("raw", "aiohttpcore", "aiohttp", "httpx", "aiosonic")
CONCURRENCIES: Final = (1, 64, 256)

_PERCENTILES: Final = {"p50": 0.50, "p90": 0.90, "p99": 0.99}
_DRAIN: Final = 0.2
"""Seconds the lanes are given to finish their last requests, after the timed window."""
_FIRST_ANSWER_LIMIT: Final = 60.0
"""Seconds every lane is given to complete its first request: a pool that hangs fails the run."""


if TYPE_CHECKING:  # mypy checks every peer module against Peer; nothing imports them here
    from benchmarks.pool import (
        _aiohttp_client,
        _aiohttpcore_client,
        _aiosonic_client,
        _httpx_client,
        _raw_client,
    )

    _PEERS: tuple[Peer, ...] = (
        _raw_client,
        _aiohttpcore_client,
        _aiohttp_client,
        _httpx_client,
        _aiosonic_client,
    )


def load(name: str) -> Peer:
    """The peer module called *name* (``_<name>_client``), imported only now."""
    if name not in CLIENTS:
        raise ValueError(f"unknown client {name!r}")
    return cast(Peer, importlib.import_module(f"benchmarks.pool._{name}_client"))


class Lanes:
    """What the lanes share: the one latency list, the warm-up signal, the stop flag."""

    __slots__ = ("_size", "_started", "latencies", "started", "stop")

    def __init__(self, size: int) -> None:
        self._size = size
        self._started = 0
        self.latencies: list[float] = []
        self.started = asyncio.Event()
        """Set when every lane has completed a request, so every connection is open."""
        self.stop = False

    def lane_started(self) -> None:
        self._started += 1
        if self._started == self._size:
            self.started.set()

    async def wait_started(self, limit: float) -> None:
        try:
            async with asyncio.timeout(limit):
                await self.started.wait()
        except TimeoutError:
            waiting = self._size - self._started
            raise RuntimeError(
                f"{waiting} of {self._size} tasks had no answer within {limit:g} s"
            ) from None


async def awaited_lane(get: Get, lane: int, lanes: Lanes) -> None:
    """Requests back to back until told to stop; each one's duration appended to the list."""
    perf = time.perf_counter
    record = lanes.latencies.append
    start = perf()
    await get(lane)
    end = perf()
    record(end - start)
    lanes.lane_started()
    while not lanes.stop:
        start = end
        await get(lane)
        end = perf()
        record(end - start)


def _leaf(error: BaseException) -> BaseException:
    """The error that ended a task group: a wrong answer first, else the first one raised."""
    while isinstance(error, BaseExceptionGroup):
        wrong = error.subgroup(WrongAnswer)
        error = (wrong or error).exceptions[0]
    return error


def _connections(port: int) -> int:
    """Established TCP connections this process holds to *port* (Linux: /proc)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed meanwhile
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if state == "01" and inode in inodes and int(remote.rpartition(":")[2], 16) == port:
            count += 1
    return count


def _latency_figures(latencies: list[float], duration: float) -> dict[str, float]:
    """Nearest-rank percentiles, the mean and the maximum, in seconds."""
    ordered = sorted(latencies)
    n = len(ordered)
    if not n:
        raise RuntimeError(f"no request completed in the {duration:g} s window")
    figures = {name: ordered[max(math.ceil(q * n) - 1, 0)] for name, q in _PERCENTILES.items()}
    return {
        **{f"latency_{name}_s": value for name, value in figures.items()},
        "latency_mean_s": math.fsum(ordered) / n,
        "latency_max_s": ordered[-1],
    }


Lane = Callable[[int, Lanes], Coroutine[Any, Any, None]]
"""``lane(number, lanes)``: requests until ``lanes.stop``, each timed, as ``awaited_lane`` does."""


async def run_lanes(
    lane: Lane, size: int, args: argparse.Namespace
) -> tuple[dict[str, Any], list[float]]:
    """Steps 1 to 3 above for *size* lanes; the window's figures and its requests' latencies.

    ``args`` gives ``warmup``, ``duration``, ``port`` (whose connections are
    counted) and ``profile``.
    """
    lanes = Lanes(size)
    profiler = cProfile.Profile() if args.profile else None
    watch = Stopwatch()
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(lane(number, lanes)) for number in range(size)]
            await asyncio.sleep(args.warmup)
            await lanes.wait_started(_FIRST_ANSWER_LIMIT)
            connections_warm = _connections(args.port)
            # The window: the lanes run on across both of its ends.
            n0 = len(lanes.latencies)
            watch.start()
            if profiler is not None:
                profiler.enable()
            await asyncio.sleep(args.duration)
            if profiler is not None:
                profiler.disable()
            spent = watch.stop()
            n1 = len(lanes.latencies)
            connections_end = _connections(args.port)
            lanes.stop = True
            # Let the requests under way finish; a client slower than that is cut short.
            await asyncio.wait(tasks, timeout=_DRAIN)
            for task in tasks:
                task.cancel()
    except BaseExceptionGroup as error:
        raise _leaf(error) from None
    if profiler is not None:
        profiler.dump_stats(args.profile)
    figures = {
        "warmup_ops": n0,
        "ops": n1 - n0,
        **spent,
        "connections_warm": connections_warm,
        "connections_end": connections_end,
    }
    return figures, lanes.latencies[n0:n1]


async def _measure(peer: Peer, args: argparse.Namespace) -> dict[str, Any]:
    size: int = args.concurrency
    async with peer.pool(target(args.host, args.port), size) as get:
        figures, latencies = await run_lanes(functools.partial(awaited_lane, get), size, args)
    return {**figures, **_latency_figures(latencies, args.duration)}


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = client_parser("python -m benchmarks.pool._client", CLIENTS)
    parser.add_argument("concurrency", type=int, help="tasks, and connections in the pool")
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("concurrency must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the JSON object; exit status 3 on a wrong answer."""
    args = _parse_args(argv)
    peer = load(args.client)
    return run_measurement(args, "concurrency", peer.version, lambda: _measure(peer, args))


if __name__ == "__main__":
    raise SystemExit(main())

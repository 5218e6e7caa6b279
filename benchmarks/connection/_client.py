"""One measurement, one process: ``python -m benchmarks.connection._client CLIENT LOOP WORKLOAD``.

The runner starts this module once per (client, loop, workload, repetition),
pinned to one CPU with ``taskset``, and reads one JSON object from its
stdout. A fresh process each time means no peer inherits another's heap,
imports or loop, and the process's CPU counters belong to one client alone.

What is timed, and how:

1. connect and warm up on the one connection (small: at least 200 requests
   and ``--warmup`` seconds; download: at least one whole download), which
   also checks the answers: a peer raising ``WrongAnswer`` ends the process
   with status 3 and no figures;
2. then ``perf_counter``, ``process_time`` and ``getrusage`` are read, the
   operation is repeated on the same connection, one after the other
   (concurrency 1), until ``--duration`` has passed (the operation in
   progress completes) or ``--requests`` operations are done, and the
   counters are read again. A download's body length is checked every time.

The cyclic garbage collector stays on: it is part of what each client costs
its user. ``--profile FILE`` runs cProfile around step 2 only and dumps its
statistics to FILE (the figures printed are then not comparable).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.metadata
import json
import platform
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Final

from benchmarks.connection import _server
from benchmarks.connection._common import Peer, Session, Target, WrongAnswer

__all__ = [
    "CLIENTS",
    "LOOPS",
    "WORKLOADS",
    "Stopwatch",
    "client_parser",
    "load",
    "main",
    "run_measurement",
]

CLIENTS: Final = ("raw", "aiohttpcore", "aiohttp", "httpx")
LOOPS: Final = ("asyncio", "uvloop")
WORKLOADS: Final = ("small", "download")

_MIN_WARMUP: Final = {"small": 200, "download": 1}


def load(name: str) -> Peer:
    """The peer module called *name*; each import is spelled out so mypy checks it against Peer."""
    if name == "raw":
        from benchmarks.connection import _raw_client

        return _raw_client
    if name == "aiohttpcore":
        from benchmarks.connection import _aiohttpcore_client

        return _aiohttpcore_client
    if name == "aiohttp":
        from benchmarks.connection import _aiohttp_client

        return _aiohttp_client
    if name == "httpx":
        from benchmarks.connection import _httpx_client

        return _httpx_client
    raise ValueError(f"unknown client {name!r}")


def _loop_factory(loop: str) -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    if loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop, f"uvloop {importlib.metadata.version('uvloop')}"
    return asyncio.new_event_loop, f"asyncio (Python {platform.python_version()})"


class Stopwatch:
    """The wall clock, the process's CPU time and its resource usage, read at a start and end."""

    __slots__ = ("_cpu", "_usage", "started")

    def __init__(self) -> None:
        self.start()

    def start(self) -> float:
        """Read the counters (the wall clock last); the ``perf_counter`` reading."""
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu = time.process_time()
        self.started = time.perf_counter()
        return self.started

    def stop(self) -> dict[str, float]:
        """Read them again (the wall clock first); what was spent since ``start``."""
        wall, cpu = time.perf_counter(), time.process_time()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "wall_s": wall - self.started,
            "cpu_s": cpu - self._cpu,
            "user_s": usage.ru_utime - self._usage.ru_utime,
            "sys_s": usage.ru_stime - self._usage.ru_stime,
            "voluntary_switches": usage.ru_nvcsw - self._usage.ru_nvcsw,
            "involuntary_switches": usage.ru_nivcsw - self._usage.ru_nivcsw,
        }


async def _repeat(
    op: Callable[[], Awaitable[int | None]],
    workload: str,
    target: Target,
    *,
    until: float | None,
    count: int | None,
) -> tuple[int, int]:
    """Run *op* back to back until the deadline *until* or *count* times; (operations, bytes)."""
    ops = total = 0
    perf = time.perf_counter
    while True:
        got = await op()
        ops += 1
        if workload == "download":
            if got != target.big_size:
                raise WrongAnswer(f"download of {got} bytes, expected {target.big_size}")
            total += got
        if count is not None and ops >= count:
            return ops, total
        if until is not None and perf() >= until:
            return ops, total


async def _measure(
    peer: Peer, workload: str, target: Target, args: argparse.Namespace
) -> dict[str, Any]:
    session: Session = await peer.connect(target)
    try:
        op: Callable[[], Awaitable[int | None]]
        op = session.small if workload == "small" else session.download
        warm, _ = await _repeat(
            op, workload, target, until=time.perf_counter() + args.warmup, count=None
        )
        if warm < _MIN_WARMUP[workload]:
            more = _MIN_WARMUP[workload] - warm
            await _repeat(op, workload, target, until=None, count=more)
            warm += more
        profiler = cProfile.Profile() if args.profile else None
        count = args.requests or None
        watch = Stopwatch()
        t0 = watch.start()
        if profiler is not None:
            profiler.enable()
        ops, total = await _repeat(
            op, workload, target, until=None if count else t0 + args.duration, count=count
        )
        if profiler is not None:
            profiler.disable()
        spent = watch.stop()
        if profiler is not None:
            profiler.dump_stats(args.profile)
    finally:
        await session.aclose()
    return {"warmup_ops": warm, "ops": ops, "bytes": total, **spent}


def client_parser(prog: str, clients: Sequence[str]) -> argparse.ArgumentParser:
    """The arguments every client process takes; the caller adds its third positional one."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="One timed run of one client; prints one JSON object. Used by the runner.",
    )
    parser.add_argument("client", choices=clients)
    parser.add_argument("loop", choices=LOOPS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds timed")
    parser.add_argument("--warmup", type=float, default=0.3, help="seconds of warm-up")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed part into FILE")
    return parser


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = client_parser("python -m benchmarks.connection._client", CLIENTS)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--big-size", type=int, required=True, help="bytes of the big file")
    parser.add_argument("--requests", type=int, default=0, help="operations timed (not seconds)")
    return parser.parse_args(argv)


def run_measurement(
    args: argparse.Namespace,
    kind: str,
    version: Callable[[], str],
    measure: Callable[[], Coroutine[Any, Any, Mapping[str, Any]]],
) -> int:
    """Run *measure()* on ``args.loop``; print what ran and its figures as one JSON object.

    What ran: ``args.client``, ``args.loop``, the argument *kind* (the
    workload, the concurrency), the client's *version()* and the loop's.
    The exit status: 0, or 3 when a peer got a wrong answer (said on
    stderr); any other error propagates.
    """
    factory, loop_version = _loop_factory(args.loop)
    about = {"client": args.client, "loop": args.loop, kind: getattr(args, kind)}
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            figures = runner.run(measure())
    except WrongAnswer as error:
        print(
            f"{args.client} on {args.loop}, {kind} {about[kind]}: wrong answer: {error}",
            file=sys.stderr,
        )
        return 3
    print(json.dumps({**about, "version": version(), "loop_version": loop_version, **figures}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the JSON object; exit status 3 on a wrong answer."""
    args = _parse_args(argv)
    peer = load(args.client)
    target = Target(
        host=args.host,
        port=args.port,
        small_path=_server.SMALL_PATH,
        small_body=_server.SMALL_BODY,
        big_path=_server.BIG_PATH,
        big_size=args.big_size,
    )
    return run_measurement(
        args, "workload", peer.version, lambda: _measure(peer, args.workload, target, args)
    )


if __name__ == "__main__":
    raise SystemExit(main())

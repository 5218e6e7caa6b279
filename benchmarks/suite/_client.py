"""One measurement, one process: ``python -m benchmarks.suite._client CLIENT LOOP GROUP ...``.

GROUP is a workload and a concurrency, ``A:64``. The runner starts this
module once per (client, loop, group, repetition), pinned to one CPU with
``taskset``, and reads one JSON object from its stdout, as in
``benchmarks/pool``: a fresh process keeps every client's heap, imports,
sockets and CPU counters its own.

What is timed, and how:

* Request-rate workloads (A, C, D, F) use the pool benchmark's harness
  (``benchmarks.pool._client.run_lanes``): the lanes run, a warm-up in
  which every lane completes a request, then a window of ``--duration``
  seconds across which the lanes keep running (steady state: no ramp-up, no
  draining inside it); the requests completed inside it are counted, and
  the process's CPU time over it is read.
* Transfer workloads (B, E: 100 MiB each, one connection) are timed whole:
  after a warm-up of at least one transfer, the lane runs transfers back to
  back until ``--duration`` has passed and the transfer under way is done;
  the window is from the start of the first to the end of the last, so it
  holds whole transfers only. Before anything is opened the process's RSS
  is read (E's body is already made then); the peak RSS (``ru_maxrss``)
  at the end shows what the transfers cost in memory on top.

Latency: every request's duration is appended to one list on the hot path
(one ``perf_counter`` read and one append, the same code for every client
but the callback ceiling, which does the same in its callback). After the
window the list goes into an HDR histogram (the ``hdrhistogram`` package, 3
significant digits, microseconds): recording a value there costs about
1 µs in Python (0.06 µs for an append, measured on the dev machine), which
would otherwise be charged to every client's CPU per request. The encoded
histogram is part of the JSON, so runs can be merged exactly.

The cyclic garbage collector stays on: it is part of what each client costs
its user.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import os
import resource
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

from benchmarks.connection import _server
from benchmarks.connection._client import Stopwatch, client_parser, run_measurement
from benchmarks.pool._client import Lane, Lanes, run_lanes
from benchmarks.pool._common import target as pool_target
from benchmarks.suite._common import CLIENTS, WORKLOADS, Peer, Work

__all__ = ["PYTHON_CLIENTS", "main", "parse_group"]

PYTHON_CLIENTS: Final = tuple(name for name in CLIENTS if name != "wrk")

_FIRST_ANSWER_LIMIT: Final = 60.0
_HISTOGRAM_RANGE: Final = (1, 3_600_000_000)
"""Microseconds: 1 µs to an hour."""
_PERCENTILES: Final = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}

if TYPE_CHECKING:  # mypy checks every client module against Peer; nothing imports them here
    from benchmarks.suite import (
        _aiohttp_client,
        _aiohttpcore_client,
        _aiohttpcore_conn_client,
        _aiosonic_client,
        _httpcore_client,
        _httpx_client,
        _raw_cb_client,
        _raw_client,
    )

    _PEERS: tuple[Peer, ...] = (_aiohttpcore_client, _aiohttpcore_conn_client, _aiohttp_client)
    _PEERS += (_httpx_client, _httpcore_client, _aiosonic_client, _raw_client, _raw_cb_client)


def load(name: str) -> Peer:
    """The client module called *name* (``_<name>_client``), imported only now."""
    if name not in PYTHON_CLIENTS:
        raise ValueError(f"unknown client {name!r}")
    return cast(Peer, importlib.import_module(f"benchmarks.suite._{name}_client"))


def parse_group(group: str) -> tuple[str, int]:
    """``"A:64"`` -> ``("A", 64)``; ValueError for anything else."""
    key, _, level = group.partition(":")
    if key not in WORKLOADS or not level.isdigit() or int(level) < 1:
        raise ValueError(f"not a group: {group!r} (a workload A-F, a colon, a concurrency)")
    return key, int(level)


def _rss_kib() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        resident = int(statm.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") // 1024


def _work(args: argparse.Namespace) -> Work:
    key, level = parse_group(args.group)
    workload = WORKLOADS[key]
    context = None
    if workload.tls:
        context = ssl.create_default_context(cafile=args.cafile)
        args.port = args.tls_port  # the harness counts the connections to this port
    target = dataclasses.replace(
        pool_target(args.host, args.port),
        small_path=args.small_path,
        big_size=args.big_size,
        ssl=context,
        headers=(("Connection", "close"),) if workload.kind == "close" else (),
    )
    # A body whose every page is written, so it is resident before the RSS is read.
    body = b"x" * args.upload_size if workload.kind == "upload" else b""
    return Work(
        workload=workload,
        concurrency=level,
        target=target,
        upload_path=args.upload_path,
        body=body,
    )


async def _transfers(lane: Lane, args: argparse.Namespace) -> tuple[dict[str, Any], list[float]]:
    """Whole transfers back to back on one lane: a warm-up, then a window of whole ones."""
    warm = Lanes(1)
    task = asyncio.create_task(lane(0, warm))
    started = asyncio.create_task(warm.wait_started(_FIRST_ANSWER_LIMIT))
    await asyncio.wait([task], timeout=args.warmup)
    # Until the first transfer is done; a lane that ends first has failed: its error is raised.
    await asyncio.wait([task, started], return_when=asyncio.FIRST_COMPLETED)
    warm.stop = True
    await task
    await started
    lanes = Lanes(1)
    watch = Stopwatch()
    watch.start()
    task = asyncio.create_task(lane(0, lanes))
    await asyncio.wait([task], timeout=args.duration)
    lanes.stop = True
    await task
    spent = watch.stop()
    return {"warmup_ops": len(warm.latencies), "ops": len(lanes.latencies), **spent}, (
        lanes.latencies
    )


def _latency_figures(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        raise RuntimeError("no request completed in the window")
    histogram = HdrHistogram(*_HISTOGRAM_RANGE, 3)
    for seconds in latencies:
        histogram.record_value(max(1, round(seconds * 1e6)))
    figures = {
        f"latency_{name}_us": int(histogram.get_value_at_percentile(q))
        for name, q in _PERCENTILES.items()
    }
    return {
        **figures,
        "latency_mean_us": float(histogram.get_mean_value()),
        "latency_max_us": int(histogram.get_max_value()),
        "histogram": histogram.encode().decode("ascii"),
    }


async def _measure(peer: Peer, work: Work, args: argparse.Namespace) -> dict[str, Any]:
    rss_start = _rss_kib()
    async with peer.open_lane(work) as lane:
        if work.workload.bulk:
            figures, latencies = await _transfers(lane, args)
        else:
            figures, latencies = await run_lanes(lane, work.concurrency, args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = {"B": work.target.big_size, "E": len(work.body)}.get(work.workload.key, 0)
    return {
        "workload": work.workload.key,
        "concurrency": work.concurrency,
        **figures,
        "bytes": figures["ops"] * size,
        "rss_start_kib": rss_start,
        "rss_peak_kib": peak,
        **_latency_figures(latencies),
    }


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = client_parser("python -m benchmarks.suite._client", PYTHON_CLIENTS)
    parser.add_argument("group", help="workload and concurrency, e.g. A:64")
    parser.add_argument("--tls-port", type=int, help="nginx's TLS port (D)")
    parser.add_argument("--cafile", help="the CA certificate that signed nginx's (D)")
    parser.add_argument("--big-size", type=int, default=0, help="bytes of the big file (B)")
    parser.add_argument("--upload-size", type=int, default=0, help="bytes of an upload (E)")
    parser.add_argument("--small-path", default=_server.SMALL_PATH, help="the small answer's")
    parser.add_argument("--upload-path", default=_server.UPLOAD_PATH, help="where uploads go")
    args = parser.parse_args(argv)
    try:
        key, _ = parse_group(args.group)
    except ValueError as error:
        parser.error(str(error))
    if key not in CLIENTS[args.client]:
        parser.error(f"{args.client} does not run workload {key}")
    if WORKLOADS[key].tls and (args.tls_port is None or args.cafile is None):
        parser.error(f"workload {key} needs --tls-port and --cafile")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the JSON object; exit status 3 on a wrong answer."""
    args = _parse_args(argv)
    peer = load(args.client)
    work = _work(args)
    return run_measurement(args, "group", peer.version, lambda: _measure(peer, work, args))


if __name__ == "__main__":
    raise SystemExit(main())

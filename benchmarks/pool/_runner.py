"""The command line: start nginx, run every client in its own pinned process, interleaved; report.

The connection benchmark's runner, applied to pools (its helpers are
imported, not copied):

1. Find which clients can run: each module is imported once in a child
   process. A client named in ``--clients`` that does not import is an
   error; one left to the default (aiohttpcore before ``pool.py`` exists)
   is left out with a note in the report.
2. Copy ``aiohttpcore/`` and ``benchmarks/`` into a temporary directory and
   run every client from there (``--no-snapshot`` runs the tree), so an
   edit of the working tree during the run cannot mix two versions of the
   package in one table. Then start nginx pinned to ``--server-cpu``, with
   room for the largest concurrency's connections.
3. Repetitions: in each, for each concurrency and each loop, every client
   runs once, in its own process pinned to ``--client-cpu``, their order
   rotated every repetition (A B C D E, B C D E A, ...), so slow drift of
   the machine lands on all clients alike.
4. Report medians and the medians of per-repetition ratios (``_report``).

A client run that exits non-zero (a wrong answer, a crash) takes that
client out of that (concurrency, loop) for the rest of the run, its earlier
figures too; its row says "failed", a note gives the error's last line, its
whole stderr goes to stderr, and the exit status is 1. The others go on.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.connection import _server
from benchmarks.connection._report import cpu_us_per_req, req_per_s
from benchmarks.connection._runner import (
    ClientFailed,
    about_run,
    add_common_arguments,
    client_command,
    interleave,
    print_profile,
    resolve_common,
    run_benchmark,
    run_json,
)
from benchmarks.pool import _report
from benchmarks.pool._client import CLIENTS, CONCURRENCIES

__all__ = ["machine", "main"]

_PROFILE_CONCURRENCY = 64


def _run_client(
    client: str,
    loop: str,
    concurrency: int,
    server: _server.Server,
    args: argparse.Namespace,
    profile: Path | None = None,
) -> dict[str, Any]:
    module = "benchmarks.pool._client"
    command = client_command(args, module, server, client, loop, str(concurrency))
    command += [
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
    ]
    if profile is not None:
        command += ["--profile", str(profile)]
    return run_json(command, f"{client} on {loop}, concurrency {concurrency}", args.root)


def _measure(
    server: _server.Server, clients: Sequence[str], args: argparse.Namespace
) -> _report.Results:
    results = _report.Results()
    levels: list[int] = args.concurrency
    groups = [(str(c), loop, f"concurrency {c} on {loop}") for c in levels for loop in args.loops]
    interleave(
        results,
        args.repeat,
        groups,
        clients,
        lambda client, group, loop: _run_client(client, loop, int(group), server, args),
    )
    return results


def _profile(server: _server.Server, client: str, args: argparse.Namespace) -> int:
    """Profile *client* on each loop; 0, or 1 when a run failed (its error on stderr)."""
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-prof-") as tmp:
        for loop in args.loops:
            path = Path(tmp) / f"{client}-{loop}.prof"
            try:
                run = _run_client(client, loop, _PROFILE_CONCURRENCY, server, args, path)
            except ClientFailed as error:
                print(error, file=sys.stderr)
                return 1
            print(
                f"## cProfile: {client}, {loop}, concurrency {_PROFILE_CONCURRENCY},"
                f" {run['ops']:,} requests"
            )
            print(
                "\nUnder the profiler (not comparable with a timed run):"
                f" {req_per_s(run):,.0f} req/s, {cpu_us_per_req(run):.1f} CPU µs/req\n"
            )
            print_profile(path, args.profile_top)
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pool",
        description=(
            "Small GETs through connection pools to a local nginx at concurrency 1, 64 and 256:"
            " req/s, client CPU µs per request, latency p50/p99; aiohttpcore next to aiohttp,"
            " httpx, aiosonic and a raw BufferedProtocol ceiling, on asyncio and uvloop."
        ),
    )
    add_common_arguments(parser, CLIENTS)
    parser.add_argument("--duration", type=float, help="seconds timed per client run (default 2)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up (default 0.3)")
    parser.add_argument("--repeat", type=int, help="repetitions (default 5, quick 1)")
    parser.add_argument(
        "--concurrency",
        default=",".join(map(str, CONCURRENCIES)),
        help="comma-separated task counts, each also the pool size (default 1,64,256)",
    )
    parser.add_argument(
        "--profile",
        choices=CLIENTS,
        help=(
            f"instead of timing, cProfile this client at concurrency {_PROFILE_CONCURRENCY}"
            " on each loop and print the top entries by own time"
        ),
    )
    args = parser.parse_args(argv)
    try:
        levels = sorted({int(level) for level in args.concurrency.split(",") if level.strip()})
    except ValueError:
        levels = []
    if not levels or levels[0] < 1:
        parser.error("--concurrency takes whole numbers from 1 up, comma-separated")
    args.concurrency = levels
    resolve_common(parser, args, CLIENTS)
    args.repeat = args.repeat or (1 if args.quick else 5)
    args.duration = args.duration or (0.3 if args.quick else 2.0)
    args.warmup = args.warmup if args.warmup is not None else (0.1 if args.quick else 0.3)
    return args


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    names = [line.partition(":")[2].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def machine() -> str:
    """The architecture, CPU model, CPU count and system, for a report's header."""
    return (
        f"{platform.machine()}, {_cpu_model()}, {os.cpu_count()} CPUs,"
        f" {platform.platform(terse=True)}"
    )


def _meta(args: argparse.Namespace, connections: int, load: tuple[float, float]) -> dict[str, Any]:
    about = {
        "machine": machine(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "server": (
            f"{_server.nginx_version()}, 1 worker, worker_connections {connections},"
            " keepalive_requests 1000000, access_log off; GET /small answers 13 bytes"
        ),
        "CPUs used": (
            f"nginx pinned to CPU {args.server_cpu}, each client run its own process pinned to"
            f" CPU {args.client_cpu} (taskset)"
        ),
        "method": (
            f"median of {args.repeat} interleaved repetitions (client order rotated each time);"
            f" concurrency C = C tasks doing one GET after another through one pool of C"
            f" connections; {args.warmup:g} s warm-up in which every task completes a request"
            f" (answers checked), then a {args.duration:g} s window, the tasks running on"
            " across both of its ends; completed requests counted"
        ),
        "CPU": "the client process's user + sys time (process_time, getrusage) over the window",
        "latency": (
            "per request, perf_counter from the end of the task's previous request to the end"
            " of this one; p50 and p99 of the window's requests, median over repetitions"
        ),
        **about_run(args, load),
    }
    return {"mode": "quick" if args.quick else "full", "about": about}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 1 when a client run failed, 2 when one cannot start."""
    return run_benchmark(_parse_args(argv), "benchmarks.pool", _main)


def _main(args: argparse.Namespace, clients: list[str], notes: list[str]) -> int:
    # Room for the most connections at once, the start-up probe and a margin.
    connections = 2 * max(args.concurrency if not args.profile else [_PROFILE_CONCURRENCY]) + 64
    with _server.running(big_size=0, cpu=args.server_cpu, connections=connections) as server:
        if args.profile:
            return _profile(server, args.profile, args)
        load = [os.getloadavg()[0]]
        results = _measure(server, clients, args)
        load.append(os.getloadavg()[0])
    meta = _meta(args, connections, (load[0], load[1]))
    notes += [
        f"{client} on {loop}, concurrency {group}: failed ({why})"
        for (group, loop, client), why in results.failed.items()
    ]
    print(_report.markdown(results, args.loops, args.concurrency, clients, meta, notes))
    if args.json is not None:
        about = {"clients": clients, "loops": args.loops, "concurrency": args.concurrency}
        _report.write_json(args.json, results, {**meta, **about, "notes": notes})
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 1 if results.failed else 0

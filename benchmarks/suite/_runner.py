"""The command line: start nginx, run every client of every workload in its own pinned process.

The connection and pool benchmarks' runner, applied to the issue's
workloads (their helpers are imported, not copied):

1. Find which clients can run (``runnable``): each client module is
   imported once in a child process; one that does not import (wrk not
   installed, a peer missing) is left out with a note, unless named in
   ``--clients``, which makes that an error.
2. Copy ``aiohttpcore/`` and ``benchmarks/`` into a temporary directory and
   run every client from there, so an edit of the working tree during the
   run cannot mix two versions of the package in one table. Start nginx
   (with TLS) pinned to ``--server-cpu`` (``_server.running``).
3. For each workload, repetitions: in each, for each concurrency and loop,
   every client that runs the workload runs once, in its own process
   pinned to ``--client-cpu``, in an order rotated every repetition, so the
   machine's drift lands on all alike (``interleave``). wrk is run here
   directly (``_wrk_client``); the Python clients by ``_client.py``.
4. G, the load generators (``_generators``), the same way.
5. Report (``_report``): the markdown on stdout and in ``--output``, a chart
   per workload there (``_charts``), and every run in ``--json``.

A client run that fails is dropped for that group and loop, its row says
``failed``, a note gives the error's last line and the exit status is 1;
the others go on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks.connection._client import LOOPS
from benchmarks.connection._report import MIB, req_per_s
from benchmarks.connection._runner import (
    ClientFailed,
    about_run,
    add_common_arguments,
    client_command,
    interleave,
    resolve_common,
    run_benchmark,
    run_json,
    subset,
)
from benchmarks.pool._runner import machine
from benchmarks.suite import _generators, _report, _server
from benchmarks.suite._common import CLIENTS, WORKLOADS, Workload, clients_of

__all__ = ["main"]

_REPO: Final = Path(__file__).resolve().parents[2]
_RESULTS: Final = _REPO / "benchmarks" / "results"
_KEYS: Final = (*WORKLOADS, "G")


def _levels(workload: Workload, args: argparse.Namespace) -> tuple[int, ...]:
    return workload.quick_levels if args.quick else workload.levels


def _run_wrk(group: str, loop: str, running: _server.Running, args: argparse.Namespace) -> Any:
    from benchmarks.suite import _wrk_client  # imports only where wrk is installed

    key, _, level = group.partition(":")
    workload, server = WORKLOADS[key], running.server
    port = server.tls_port if workload.tls else server.port
    path = server_path(workload, running)
    scheme = "https" if workload.tls else "http"
    try:
        figures = _wrk_client.measure(
            f"{scheme}://{server.host}:{port}{path}",
            int(level),
            args.duration,
            cpu=args.client_cpu,
            headers=(("Connection", "close"),) if workload.kind == "close" else (),
            depth=16 if workload.kind == "pipeline" else 1,
            path=path,
        )
    except RuntimeError as error:
        raise ClientFailed(f"wrk, {group}: {error}", str(error)) from error
    about = {"client": "wrk", "loop": loop, "group": group, "version": _wrk_client.version()}
    return {**about, "loop_version": "", "workload": key, "concurrency": int(level), **figures}


def server_path(workload: Workload, running: _server.Running) -> str:
    """The path a workload's requests go to (B: the big file; the rest the small answer)."""
    return running.big_path if workload.kind == "download" else running.small_path


def _run_client(
    client: str, loop: str, group: str, running: _server.Running, args: argparse.Namespace
) -> Any:
    if client == "wrk":
        return _run_wrk(group, loop, running, args)
    server = running.server
    command = client_command(args, "benchmarks.suite._client", server, client, loop, group)
    command += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    command += ["--big-size", str(server.big_size), "--upload-size", str(args.big_mib * MIB)]
    command += ["--small-path", running.small_path, "--upload-path", running.upload_path]
    if WORKLOADS[group.partition(":")[0]].tls:
        command += ["--tls-port", str(server.tls_port), "--cafile", str(running.cafile)]
    return run_json(command, f"{client} on {loop}, {group}", args.root)


def _measure(
    running: _server.Running, clients: Sequence[str], args: argparse.Namespace, notes: list[str]
) -> _report.Results:
    results = _report.Results()
    for key in args.workloads:
        if key == "G":
            continue
        if key not in running.workloads:
            notes.append(f"workload {key} skipped: the server cannot serve it")
            continue
        workload = WORKLOADS[key]
        groups = [
            (f"{key}:{level}", loop, f"{key} c={level} on {loop}")
            for level in _levels(workload, args)
            for loop in args.loops
        ]
        interleave(
            results,
            args.repeat,
            groups,
            clients_of(key, list(clients)),
            lambda client, group, loop: _run_client(client, loop, group, running, args),
        )
    if "G" in args.workloads:
        server = running.server
        generators = [g for g in _generators.GENERATORS if g != "wrk" or "wrk" in clients]
        url = f"http://{server.host}:{server.port}"
        _generators.measure(results, url, running.small_path, generators, args)
    return results


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.suite",
        description=(
            "The issue's benchmark suite against a local nginx: A small GETs at concurrency"
            " 1/16/64/256, B a 100 MiB download, C Connection: close, D HTTPS, E a 100 MiB"
            " upload, F pipelining, G load generators; aiohttpcore next to aiohttp, httpx,"
            " httpcore, aiosonic, two raw ceilings and wrk, on asyncio and uvloop."
        ),
    )
    add_common_arguments(parser, list(CLIENTS))
    parser.add_argument(
        "--workloads", default=",".join(_KEYS), help="comma-separated subset of A,B,C,D,E,F,G"
    )
    parser.add_argument("--repeat", type=int, help="repetitions (default 3, quick 1)")
    parser.add_argument(
        "--duration", type=float, help="seconds timed per client run (default 1.25, quick 0.2)"
    )
    parser.add_argument("--warmup", type=float, help="seconds of warm-up (default 0.3)")
    parser.add_argument(
        "--big-mib", type=int, help="MiB downloaded (B) and uploaded (E) (default 100, quick 16)"
    )
    parser.add_argument(
        "--generator-duration",
        dest="g_duration",
        type=float,
        help="seconds of each load generator's run in G (default 10, quick 1)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="measure nothing: write the report and charts of a run saved with --json FILE",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where the markdown and the charts go (default benchmarks/results, quick: .../quick)",
    )
    args = parser.parse_args(argv)
    # A quick run is a smoke run: one loop unless asked (both run in a full one).
    loops = "uvloop" if args.quick and args.loops == ",".join(LOOPS) else None
    resolve_common(parser, args, list(CLIENTS), loops)
    args.workloads = subset(parser, args.workloads, _KEYS, "--workloads")
    args.profile = None  # no profile mode here: benchmarks.pool and .connection have one
    quick = args.quick
    args.repeat = args.repeat or (1 if quick else 3)
    args.duration = args.duration or (0.2 if quick else 1.25)
    args.warmup = args.warmup if args.warmup is not None else (0.1 if quick else 0.3)
    args.big_mib = args.big_mib or (16 if quick else 100)
    args.g_duration = args.g_duration or (1.0 if quick else 10.0)
    args.output = args.output or (_RESULTS / "quick" if quick else _RESULTS)
    return args


def _meta(
    args: argparse.Namespace, running: _server.Running, load: tuple[float, float]
) -> dict[str, Any]:
    levels = "; ".join(
        f"{key} {', '.join(map(str, _levels(WORKLOADS[key], args)))}"
        for key in args.workloads
        if key in WORKLOADS
    )
    about = {
        "machine": machine(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "server": running.description,
        "CPUs used": (
            f"server pinned to CPU {args.server_cpu}, each client run its own process pinned to"
            f" CPU {args.client_cpu} (taskset)"
        ),
        "method": (
            f"median of {args.repeat} interleaved repetitions (client order rotated each time);"
            f" concurrency C = C lanes each with a connection of its own (F: C connections,"
            f" 16 requests in flight on each); {args.warmup:g} s warm-up in which every lane"
            f" completes a request (answers checked), then a {args.duration:g} s window (B, E:"
            f" whole {args.big_mib} MiB transfers back to back for at least that long)"
        ),
        "concurrencies": levels,
        "CPU": "the client process's user + sys time over the window (wrk: its whole run)",
        "latency": (
            "every request's, from the start of its call to its answer, into an HDR histogram;"
            " p50 and p99 are medians over repetitions"
        ),
        **about_run(args, load),
    }
    return {"mode": "quick" if args.quick else "full", "big_mib": args.big_mib, "about": about}


def _charts(
    results: _report.Results, clients: Sequence[str], args: argparse.Namespace, notes: list[str]
) -> None:
    from benchmarks.suite import _charts

    try:
        for key in args.workloads:
            if key == "G":
                _charts.draw(
                    results,
                    args.output / "G.png",
                    "G: load generators, req/s",
                    [f"G:{level}" for level in _generators.LEVELS],
                    [_generators.LOOP],
                    _generators.GENERATORS,
                    req_per_s,
                    "req/s",
                )
                continue
            workload = WORKLOADS[key]
            groups = [
                group
                for group in _report.groups_of(workload, _levels(workload, args))
                if any(run_key[0] == group for run_key in results.runs)
            ]
            if groups:
                _charts.draw(
                    results,
                    args.output / f"{key}.png",
                    f"{key}: {args.big_mib} MiB {workload.title}"
                    if workload.bulk
                    else f"{key}: {workload.title}",
                    groups,
                    args.loops,
                    clients_of(key, list(clients)),
                    _report.rate(workload),
                    "MiB/s" if workload.bulk else "req/s",
                )
    except ImportError as error:
        notes.append(f"no charts: {error}")
        print(f"no charts: {error}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; 0 on success, 1 when a client run failed, 2 when one cannot start."""
    args = _parse_args(argv)
    if args.from_json is not None:
        return _rerender(args)
    # A SIGTERM ends the run as Ctrl-C does, through the blocks that stop nginx.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return run_benchmark(args, "benchmarks.suite", _main)


def _main(args: argparse.Namespace, clients: list[str], notes: list[str]) -> int:
    levels = [level for w in WORKLOADS.values() for level in _levels(w, args)]
    connections = 2 * max(levels) + 64
    big_size = args.big_mib * MIB
    with _server.running(
        big_size=big_size, cpu=args.server_cpu, connections=connections
    ) as running:
        if running.fallback:
            notes.append(running.fallback)
            print(running.fallback, file=sys.stderr)
        load = [os.getloadavg()[0]]
        results = _measure(running, clients, args, notes)
        load.append(os.getloadavg()[0])
    notes += [
        f"{client} on {loop}, {group}: failed ({why})"
        for (group, loop, client), why in results.failed.items()
    ]
    meta = {
        **_meta(args, running, (load[0], load[1])),
        "loops": args.loops,
        "workloads": args.workloads,
        "g_duration": args.g_duration,
    }
    _write(results, clients, args, meta, notes)
    if args.json is not None:
        _report.write_json(args.json, results, {**meta, "clients": clients, "notes": notes})
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if results.failed else 0


def _write(
    results: _report.Results,
    clients: Sequence[str],
    args: argparse.Namespace,
    meta: Mapping[str, Any],
    notes: list[str],
) -> None:
    """The markdown (on stdout and in ``--output``) and the charts."""
    args.output.mkdir(parents=True, exist_ok=True)
    _charts(results, clients, args, notes)
    measured = {key[0].partition(":")[0] for key in (*results.runs, *results.failed)}
    workloads = [WORKLOADS[key] for key in args.workloads if key in measured and key != "G"]
    extra: list[str] = []
    if "G" in args.workloads:
        pool_rate = results.median("A:64", "uvloop", "aiohttpcore", req_per_s)
        extra = _generators.section(results, pool_rate, args)
    text = _report.markdown(results, workloads, args.loops, clients, meta, notes, extra)
    print(text)
    (args.output / "suite.md").write_text(text, encoding="utf-8")
    print(f"\nwrote {args.output / 'suite.md'} and the charts", file=sys.stderr)


def _rerender(args: argparse.Namespace) -> int:
    """``--from-json``: the report and charts of a saved run (``--json``), measuring nothing."""
    document = json.loads(args.from_json.read_text(encoding="utf-8"))
    results = _report.Results()
    for run in document["runs"]:
        results.add(run)
    for failed in document["failed"]:
        results.failed[(failed["group"], failed["loop"], failed["client"])] = failed["why"]
    groups = {key[0].partition(":")[0] for key in results.runs}
    args.quick = document["mode"] == "quick"
    args.loops = document.get("loops") or [
        loop for loop in LOOPS if any(key[1] == loop for key in results.runs)
    ]
    args.workloads = document.get("workloads") or [key for key in _KEYS if key in groups]
    args.g_duration = document.get("g_duration") or (1.0 if args.quick else 10.0)
    if args.output is None or args.output == _RESULTS:
        args.output = _RESULTS / "quick" if args.quick else _RESULTS
    args.big_mib = document["big_mib"]
    meta = {key: document[key] for key in ("mode", "big_mib", "about")}
    _write(results, document["clients"], args, meta, document["notes"])
    return 1 if results.failed else 0

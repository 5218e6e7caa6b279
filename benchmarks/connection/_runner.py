"""The command line: start nginx, run every client in its own pinned process, interleaved; report.

Order of work, and why:

1. Find which clients can run: each is imported once in a child process. A
   client asked for by ``--clients`` that does not import is an error; one
   left to the default (aiohttpcore before ``connection.py`` exists) is left
   out with a note in the report.
2. Copy ``aiohttpcore/`` and ``benchmarks/`` into a temporary directory
   and run every client from there (``--no-snapshot`` runs the tree), so an
   edit of the working tree during the run (the package is often under
   work) cannot mix two versions in one table. The report names the digest.
   Then start nginx pinned to ``--server-cpu`` (``_server.running``).
3. Repetitions: in each, for each workload and each loop, every client runs
   once, in its own process pinned to ``--client-cpu``, their order rotated
   every repetition (A B C D, B C D A, ...), so slow drift of the machine
   lands on all clients alike instead of on whichever runs last.
4. Report medians and the medians of per-repetition ratios (``_report``).

A client run that exits non-zero (a wrong answer, a crash) takes that
client out of that (workload, loop) for the rest of the run, its earlier
figures too, since the pairing by repetition would be broken; its row says
"failed", the note under the header gives the error's last line, its whole
stderr goes to stderr, and the exit status is 1. The other clients go on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks.connection import _report, _server
from benchmarks.connection._client import CLIENTS, LOOPS, WORKLOADS

__all__ = [
    "ClientFailed",
    "about_run",
    "add_common_arguments",
    "client_command",
    "interleave",
    "main",
    "print_profile",
    "resolve_common",
    "run_benchmark",
    "run_json",
    "runnable",
    "subset",
]

_ERROR_LINE: Final = re.compile(r"[A-Za-z_][\w.]*(Error|Exception)\b")
# A client run takes seconds; a hung one (a deadlock under work) must not hang the run.
_CLIENT_TIMEOUT: Final = 300.0
_REPO: Final = Path(__file__).resolve().parents[2]


class ClientFailed(RuntimeError):
    """A client process exited non-zero; the message carries its stderr."""

    def __init__(self, message: str, summary: str) -> None:
        super().__init__(message)
        self.summary = summary


def _snapshot(into: Path) -> Path:
    """A copy of the package and the benchmarks to run the clients from; *into* itself."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("aiohttpcore", "benchmarks"):
        shutil.copytree(_REPO / name, into / name, ignore=ignore)
    return into


def _importable(client: str, root: Path, package: str) -> str | None:
    """None if the client's module in *package* imports in a fresh interpreter, else the error."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {package}._{client}_client"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def client_command(
    args: argparse.Namespace, module: str, server: _server.Server, *words: str
) -> list[str]:
    """``python -m MODULE WORDS... --host H --port P`` pinned to ``--client-cpu`` by taskset."""
    return [
        "taskset",
        "-c",
        str(args.client_cpu),
        sys.executable,
        "-m",
        module,
        *words,
        "--host",
        server.host,
        "--port",
        str(server.port),
    ]


def _run_client(
    client: str,
    loop: str,
    workload: str,
    server: _server.Server,
    args: argparse.Namespace,
    profile: Path | None = None,
) -> dict[str, Any]:
    command = client_command(args, "benchmarks.connection._client", server, client, loop, workload)
    command += [
        "--big-size",
        str(server.big_size),
        "--duration",
        str(args.duration),
        "--requests",
        str(args.requests if workload == "small" else args.downloads),
        "--warmup",
        str(args.warmup),
    ]
    if profile is not None:
        command += ["--profile", str(profile)]
    return run_json(command, f"{client} on {loop}, {workload}", args.root)


def run_json(command: Sequence[str], label: str, root: Path) -> dict[str, Any]:
    """Run one client process from *root*; its JSON object, or ClientFailed named by *label*."""
    # ``python -m`` puts the working directory first on sys.path, so the
    # snapshot's copy of the package is the one imported.
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        done = subprocess.run(
            command,
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=_CLIENT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        summary = f"no answer within {_CLIENT_TIMEOUT:g} s"
        raise ClientFailed(f"{label}: {summary}", summary) from error
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        # An error logged by the loop (in a callback) is often the cause of
        # the one that ended the process, so every distinct one is named.
        errors = dict.fromkeys(line for line in lines if _ERROR_LINE.match(line))
        last = "; ".join(errors) or (lines[-1] if lines else "no message")
        kind = "wrong answer" if done.returncode == 3 else f"exit status {done.returncode}"
        raise ClientFailed(f"{label}: {kind}\n{done.stderr}", f"{kind}: {last}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def interleave(
    results: _report.Results,
    repeat: int,
    groups: Sequence[tuple[str, str, str]],
    clients: Sequence[str],
    run: Callable[[str, str, str], dict[str, Any]],
) -> None:
    """Every client once per (group, loop, label) of *groups*, *repeat* times, into *results*.

    ``run(client, group, loop)`` is one client process; the clients' order
    rotates every repetition, and a client that failed in a group is not run
    in it again (``Results.fail`` drops its figures there).
    """
    for rep in range(repeat):
        turn = rep % len(clients)
        order = [*clients[turn:], *clients[:turn]]
        for group, loop, label in groups:
            print(f"repetition {rep + 1}/{repeat}: {label}: {' '.join(order)}", file=sys.stderr)
            for client in order:
                if (group, loop, client) in results.failed:
                    continue
                try:
                    results.add(run(client, group, loop))
                except ClientFailed as error:
                    print(error, file=sys.stderr)
                    results.fail(group, loop, client, error.summary)


def _measure(
    server: _server.Server, clients: Sequence[str], args: argparse.Namespace
) -> _report.Results:
    results = _report.Results()
    groups = [(w, loop, f"{w} on {loop}") for w in args.workloads for loop in args.loops]
    interleave(
        results,
        args.repeat,
        groups,
        clients,
        lambda client, workload, loop: _run_client(client, loop, workload, server, args),
    )
    return results


def _profile(server: _server.Server, client: str, args: argparse.Namespace) -> None:
    workload = args.profile_workload
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-prof-") as tmp:
        for loop in args.loops:
            path = Path(tmp) / f"{client}-{loop}.prof"
            run = _run_client(client, loop, workload, server, args, profile=path)
            if workload == "small":
                figure = (
                    f"{_report.req_per_s(run):,.0f} req/s,"
                    f" {_report.cpu_us_per_req(run):.1f} CPU µs/req"
                )
            else:
                figure = f"{_report.mib_per_s(run):,.0f} MiB/s"
            print(f"## cProfile: {client}, {workload}, {loop}, {run['ops']:,} operations")
            print(f"\nUnder the profiler (not comparable with a timed run): {figure}\n")
            print_profile(path, args.profile_top)


def print_profile(path: Path, top: int) -> None:
    """The *top* entries of a cProfile dump by own time, as a markdown code block on stdout."""
    print("```")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    # The files live in the snapshot's temporary directory: names suffice.
    stats.strip_dirs().sort_stats(pstats.SortKey.TIME).print_stats(top)
    print("```\n")


def add_common_arguments(parser: argparse.ArgumentParser, clients: Sequence[str]) -> None:
    """The options both benchmarks take alike (``subset`` and ``runnable`` read some of them)."""
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 short repetition")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every figure here")
    parser.add_argument(
        "--clients", help=f"comma-separated subset of {','.join(clients)} (default: all that run)"
    )
    parser.add_argument("--loops", default=",".join(LOOPS), help="subset of asyncio,uvloop")
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU nginx is pinned to")
    parser.add_argument("--client-cpu", type=int, default=1, help="CPU each client is pinned to")
    parser.add_argument("--profile-top", type=int, default=30, help="entries to print")
    parser.add_argument(
        "--no-snapshot",
        dest="snapshot",
        action="store_false",
        help="run the clients from the working tree, not from a copy taken at the start",
    )


def resolve_common(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    clients: Sequence[str],
    loops: str | None = None,
) -> None:
    """Turn ``add_common_arguments``' client and loop lists into names (*loops*: instead)."""
    args.explicit_clients = args.clients is not None
    args.clients = subset(parser, args.clients or ",".join(clients), clients, "--clients")
    args.loops = subset(parser, loops or args.loops, LOOPS, "--loops")


def subset(
    parser: argparse.ArgumentParser, text: str, allowed: Sequence[str], option: str
) -> list[str]:
    """The names of comma-separated *text*, in *allowed*'s order; a usage error otherwise."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    if not names or names - set(allowed):
        parser.error(f"{option} takes names from {', '.join(allowed)}")
    return [name for name in allowed if name in names]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.connection",
        description=(
            "One kept-alive connection to a local nginx: sequential small GETs (req/s, CPU µs"
            " per request) and a 100 MiB download (MiB/s), aiohttpcore next to a raw"
            " BufferedProtocol ceiling, aiohttp and httpx, on asyncio and uvloop."
        ),
    )
    add_common_arguments(parser, CLIENTS)
    parser.add_argument(
        "--duration", type=float, help="seconds timed per client run (default 1.5)"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=0,
        help="time this many requests per client run in A instead of --duration",
    )
    parser.add_argument(
        "--downloads",
        type=int,
        default=0,
        help="time this many whole downloads per client run in B instead of --duration",
    )
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per client run")
    parser.add_argument("--repeat", type=int, help="repetitions (default 7, quick 1)")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help="subset of small,download (A, B)"
    )
    parser.add_argument("--big-mib", type=int, default=100, help="size of the big file, MiB")
    parser.add_argument(
        "--profile",
        choices=CLIENTS,
        help="instead of timing, cProfile this client (top entries by own time), on each loop",
    )
    parser.add_argument(
        "--profile-workload", choices=WORKLOADS, default="small", help="workload to profile"
    )
    args = parser.parse_args(argv)
    resolve_common(parser, args, CLIENTS)
    args.workloads = subset(parser, args.workloads, WORKLOADS, "--workloads")
    args.repeat = args.repeat or (1 if args.quick else 7)
    args.duration = args.duration or (0.3 if args.quick else 1.5)
    args.warmup = args.warmup if args.warmup is not None else (0.1 if args.quick else 0.3)
    return args


def _meta(args: argparse.Namespace, load: tuple[float, float]) -> dict[str, Any]:
    amount = f"{args.duration:g} s"
    if args.requests or args.downloads:
        amount = " / ".join(
            f"{count:,} {unit}" if count else f"{args.duration:g} s of {unit}"
            for count, unit in ((args.requests, "requests"), (args.downloads, "downloads"))
        )
    about = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": f"{platform.machine()}, {platform.platform(terse=True)}, {os.cpu_count()} CPUs",
        "server": (
            f"{_server.nginx_version()}, 1 worker, sendfile, pinned to CPU {args.server_cpu}"
        ),
        "method": (
            f"median of {args.repeat} interleaved repetitions (client order rotated each time);"
            f" each client run is its own process pinned to CPU {args.client_cpu}:"
            f" connect, {args.warmup:g} s warm-up (answers checked), then {amount} timed"
        ),
        "CPU": "the client process's user + sys time (process_time) over the timed part",
        **about_run(args, load),
    }
    return {"mode": "quick" if args.quick else "full", "big_mib": args.big_mib, "about": about}


def about_run(args: argparse.Namespace, load: tuple[float, float]) -> dict[str, str]:
    """The header's last lines: the machine's load, the tree measured, what a ratio is."""
    return {
        "load": (
            f"1-minute load average {load[0]:.2f} at the start, {load[1]:.2f} at the end"
            " (this benchmark alone keeps it between 1 and 2; above, other work shared the CPUs)"
        ),
        "tree": "a copy of aiohttpcore/ and benchmarks/ taken at the start"
        if args.snapshot
        else "the working tree (--no-snapshot)",
        "ratios": "a ÷ b = median over repetitions of a's figure / b's in the same repetition",
    }


Body = Callable[[argparse.Namespace, list[str], list[str]], int]
"""What runs a benchmark, given its arguments, the clients that import, and notes."""


def run_benchmark(args: argparse.Namespace, package: str, body: Body) -> int:
    """``body(args, clients, notes)`` with ``args.root`` a copy of the tree; 2 if it cannot start.

    The copy is the working tree itself with ``--no-snapshot``; the clients
    are those of *package* that import from there (``runnable``).
    """
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-tree-") as tmp:
        args.root = _snapshot(Path(tmp)) if args.snapshot else _REPO
        found = runnable(args, package)
        if found is None:
            return 2
        return body(args, *found)


def runnable(args: argparse.Namespace, package: str) -> tuple[list[str], list[str]] | None:
    """The clients of ``args.clients`` that import, and notes on those left out.

    None (after saying why on stderr) when one that must run does not: one
    named in ``--clients``, the raw ceiling, or the client to profile.
    """
    notes = []
    clients = []
    for client in args.clients:
        problem = _importable(client, args.root, package)
        if problem is None:
            clients.append(client)
        elif args.explicit_clients or client in ("raw", args.profile):
            print(f"cannot run {client}: {problem}", file=sys.stderr)
            return None
        else:
            notes.append(f"{client} left out: {problem}")
            print(f"leaving out {client}: {problem}", file=sys.stderr)
    if "raw" not in clients and not args.profile:
        print("warning: no raw ceiling, so no ratios to it", file=sys.stderr)
    return clients, notes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 1 when a client run failed, 2 when one cannot start."""
    return run_benchmark(_parse_args(argv), "benchmarks.connection", _main)


def _main(args: argparse.Namespace, clients: list[str], notes: list[str]) -> int:
    try:
        with _server.running(big_size=args.big_mib * _report.MIB, cpu=args.server_cpu) as server:
            if args.profile:
                _profile(server, args.profile, args)
                return 0
            load_before = os.getloadavg()[0]
            results = _measure(server, clients, args)
            load_after = os.getloadavg()[0]
    except ClientFailed as error:  # only in --profile mode
        print(error, file=sys.stderr)
        return 1
    meta = _meta(args, (load_before, load_after))
    notes.extend(
        f"{client} on {loop}, {workload}: failed ({summary})"
        for (workload, loop, client), summary in results.failed.items()
    )
    print(_report.markdown(results, args.loops, clients, meta, notes))
    if args.json:
        _report.write_json(args.json, results, args.loops, clients, {**meta, "notes": notes})
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 1 if results.failed else 0

"""``aiohttpcore bench [URL]``: a load generator on the pool, in the class of wrk2, oha and hey.

What it owns: the ``bench`` command line (:func:`add_parser`, :func:`run`)
and the checks of its options together; the split of the run into one
plan per worker; the worker processes, their start, Ctrl-C and their
tallies. Without a URL it loads the embedded server of
:mod:`aiohttpcore.cli._server`, started on a CPU of its own. The rest is
in the modules it composes: :mod:`aiohttpcore.cli._load` drives and times
the requests (one :class:`~aiohttpcore.cli._load._Load` per worker, one
event loop each; how, and what each figure means, is its docstring), and
:mod:`aiohttpcore.cli._pipeline` pipelines them (``--pipeline N``);
:mod:`aiohttpcore.cli._bench_tally` holds the messages between the
workers and this process and the histogram slots; and
:mod:`aiohttpcore.cli._bench_report` merges the tallies into the report,
as text and as JSON (its schema is
:class:`~aiohttpcore.cli._bench_report.BenchReport`), and draws the live
line. It uses the public API only (``import aiohttpcore``).

Rules it keeps:

* Workers (``--workers``) split the connections, the rate and ``-n``; each
  sends its counts to the parent, which adds them slot by slot: the merged
  histogram is exact, not an average of percentiles.
* Exit status: 0; 1 when a request failed (unless ``--allow-errors``); 2
  for a usage error; 130 when interrupted (the report still prints).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Final, cast

import aiohttpcore

from . import _server
from ._bench_report import BenchReport, HistogramReport, OptionsReport, _LiveLine, _summary, _text
from ._bench_tally import _DRAIN_S, _TICK_S, _Plan, _Progress, _Tally
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
from ._load import _Load
from ._pipeline import _PipelinedLoad

__all__ = ["BenchReport", "HistogramReport", "add_parser", "run"]

_START_LIMIT_S: Final = 60.0
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
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


# ---------------------------------------------------------------- workers


def _run_load(plan: _Plan, progress: Callable[[_Progress], None] | None) -> _Tally:
    """Run one worker's load on a new event loop (in this process) and return its tally."""
    outcome: list[_Tally] = []

    async def load() -> int:
        load = _Load(plan, progress) if plan.depth == 1 else _PipelinedLoad(plan, progress)
        outcome.append(await load.run())
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
            aiohttpcore.parse_url(args.url)  # the check only: the pool parses it again
        except aiohttpcore.InvalidURL as error:
            raise UsageError(str(error)) from error
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

"""The command line: check every peer's answers, then time them interleaved, then report.

Order of work, and why:

1. Import the peers asked for; a peer that fails to import is an error, not
   a silently missing column (``--peers`` leaves one out on purpose).
2. Run every operation twice and check what it returned: the status, every
   header line, the body, the request bytes. The second run proves the
   connection was left ready for another cycle. A peer that skipped work
   (a lazy header parse, a dropped chunk) fails here instead of winning.
3. Calibrate each operation to a batch of about ``--batch-ms``.
4. Repetitions: in each, every operation runs one batch, peers of one
   workload next to each other and their order rotated every repetition
   (A B C, B C A, C A B...), so slow drift of the machine (frequency, other
   load) lands on all peers alike instead of on whichever runs last.
5. Report medians of the repetitions (``_report.derive`` says what is
   subtracted from what).
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import sys
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

from benchmarks.micro import _report
from benchmarks.micro._cases import CASES, REQUEST, Case, Peer
from benchmarks.micro._timing import Series, calibrate

__all__ = ["main"]

PEERS = ("aiohttpcore", "h11", "httptools")
_KEY_ORDER = [*(f"cycle:{case.key}" for case in CASES), "write", "construct"]


def _load(name: str) -> Peer:
    # Each import is spelled out so that mypy checks every module against Peer.
    if name == "aiohttpcore":
        from benchmarks.micro import _aiohttpcore

        return _aiohttpcore
    if name == "h11":
        from benchmarks.micro import _h11

        return _h11
    from benchmarks.micro import _httptools

    return _httptools


def _check_cycle(peer: Peer, case: Case) -> None:
    cycle = peer.make_response_cycle(REQUEST, (case.segments,))
    for attempt in ("first", "second (same connection)"):
        status, headers, body = cycle()
        got = [(name.lower(), value) for name, value in peer.header_pairs(headers)]
        problems = [
            f"status {status}" if status != 200 else "",
            f"headers {got!r}" if got != list(case.header_pairs) else "",
            f"body of {sum(map(len, body))} bytes" if b"".join(body) != case.body else "",
        ]
        if any(problems):
            wrong = ", ".join(p for p in problems if p)
            raise SystemExit(f"{peer.NAME}, {case.key}, {attempt} cycle: wrong {wrong}")


def _expected_request() -> tuple[bytes, list[tuple[bytes, bytes]]]:
    start = f"{REQUEST.method} {REQUEST.target} HTTP/1.1".encode("ascii")
    fields = [(n.lower().encode("ascii"), v.encode("ascii")) for n, v in REQUEST.headers]
    return start, fields


def _check_writer(peer: Peer) -> None:
    write = peer.make_request_writer(REQUEST)
    if write is None:
        return
    start, fields = _expected_request()
    for _ in range(2):
        head = write()
        lines = head.split(b"\r\n")
        got = [tuple(line.split(b": ", 1)) for line in lines[1:-2]]
        got = [(name.lower(), value) for name, value in got]
        if lines[0] != start or lines[-2:] != [b"", b""] or got != fields:
            raise SystemExit(f"{peer.NAME}: the request written differs: {head!r}")


def _series(peers: Sequence[Peer]) -> list[Series]:
    """Every operation to time, grouped by workload, peers in the order given."""
    out: list[Series] = []
    for case in CASES:
        for peer in peers:
            op = peer.make_response_cycle(REQUEST, case.variants)
            out.append(Series(key=f"cycle:{case.key}", peer=peer.NAME, op=op))
    for peer in peers:
        write = peer.make_request_writer(REQUEST)
        construct = peer.make_connection_factory()
        if write is not None and construct is not None:
            out.append(Series(key="write", peer=peer.NAME, op=write))
            out.append(Series(key="construct", peer=peer.NAME, op=construct))
    return sorted(out, key=lambda s: _KEY_ORDER.index(s.key))


def _measure(series: Sequence[Series], repeats: int, batch_ns: int) -> None:
    for s in series:
        print(f"calibrating {s.key} / {s.peer}", file=sys.stderr)
        s.n = calibrate(s.op, batch_ns)
    groups = [[s for s in series if s.key == key] for key in _KEY_ORDER]
    for rep in range(repeats):
        print(f"repetition {rep + 1}/{repeats}", file=sys.stderr)
        for group in groups:
            if not group:
                continue
            turn = rep % len(group)
            for s in group[turn:] + group[:turn]:
                s.run()


def _profile(peer: Peer, calls: int) -> None:
    """cProfile of the small-response cycle, top entries by own time."""
    cycle = peer.make_response_cycle(REQUEST, CASES[0].variants)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in repeat(None, calls):
        cycle()
    profiler.disable()
    print(f"## cProfile: {peer.NAME}, {CASES[0].title}, {calls:,} cycles\n")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(25)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.micro",
        description="Time aiohttpcore's codec against h11 and httptools; print a markdown table.",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 short repetitions")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--peers",
        default=",".join(PEERS),
        help=f"comma-separated subset of {','.join(PEERS)} (default: all)",
    )
    parser.add_argument("--repeat", type=int, help="repetitions (default 31, quick 3)")
    parser.add_argument("--batch-ms", type=float, help="batch length (default 10, quick 2)")
    parser.add_argument(
        "--profile",
        choices=PEERS,
        help="instead of timing, cProfile this peer on the small-response cycle",
    )
    args = parser.parse_args(argv)
    args.peers = [name.strip() for name in args.peers.split(",") if name.strip()]
    unknown = set(args.peers) - set(PEERS)
    if unknown or not args.peers:
        parser.error(f"--peers takes names from {', '.join(PEERS)}")
    args.peers = [name for name in PEERS if name in args.peers]
    args.repeat = args.repeat or (3 if args.quick else 31)
    args.batch_ms = args.batch_ms or (2.0 if args.quick else 10.0)
    return args


def _meta(args: argparse.Namespace, peers: Sequence[Peer]) -> dict[str, Any]:
    about = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": f"{platform.machine()}, {platform.platform(terse=True)}",
        "peers": ", ".join(f"{p.NAME} {p.version()}" for p in peers),
        "method": (
            f"median of {args.repeat} interleaved repetitions (peer order rotated each time),"
            f" batches of about {args.batch_ms:g} ms timed with perf_counter_ns"
        ),
        "gc": "collected before and disabled during every timed batch",
        "segments": "responses fed as 64 KiB reads; bodies collected as a client would; "
        "Date and X-Request-Id vary per response (1,000 variants)",
        "derived": "write = (fresh connection + write) - fresh connection;"
        " parse = keep-alive cycle - write (httptools writes nothing);"
        " both taken within each repetition, then the median",
        "ratios": "a/b = median over repetitions of a's time / b's time in that repetition;"
        " above 1, b is faster",
    }
    return {"mode": "quick" if args.quick else "full", "about": about}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, a message and non-zero on a wrong answer."""
    args = _parse_args(argv)
    try:
        peers = [_load(name) for name in args.peers]
    except ImportError as error:
        print(f"cannot import a peer ({error}); --peers leaves one out", file=sys.stderr)
        return 2
    if args.profile:
        if args.profile not in args.peers:
            print(f"--profile {args.profile} needs it in --peers", file=sys.stderr)
            return 2
        _profile(peers[args.peers.index(args.profile)], 2_000 if args.quick else 50_000)
        return 0
    for peer in peers:
        for case in CASES:
            _check_cycle(peer, case)
        _check_writer(peer)
    series = _series(peers)
    _measure(series, args.repeat, round(args.batch_ms * 1e6))
    names = [p.NAME for p in peers]
    rows = _report.derive(series, CASES, names)
    meta = _meta(args, peers)
    print(_report.markdown(rows, series, names, meta))
    if args.json:
        _report.write_json(args.json, rows, series, meta)
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0

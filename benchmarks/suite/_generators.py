"""G: ``aiohttpcore bench`` next to the load generators people use, against the same nginx.

Three generators, each one process pinned to the client CPU, each loading
``/small`` in a closed loop for ``--generator-duration`` seconds:

* ``wrk -t1 -c C --latency`` (``_wrk_client.measure``), the C reference;
* ``locust -f _locustfile.py --headless --users C --spawn-rate 1000
  --reset-stats``: ``FastHttpUser``, no wait time, one process, its own
  statistics from the moment every user has started (its run time is a
  second longer, for its start-up; its percentiles are whole milliseconds);
* ``python -m aiohttpcore bench URL -c C -d D --json FILE --quiet``, its
  figures read from its JSON report (``requests_per_s``, ``latency``'s
  percentiles, ``client_cpu_s``). Its event loop is its default (uvloop
  when installed).

At C = 64 all three run (the issue's comparison: bench against locust, and
against what ``benchmarks`` measures for ``pool.request`` at 64); at C = 1
wrk and bench (their p50 and p99 compared). Repetitions are interleaved as
everywhere in the suite. CPU is each process's whole life (start-up
included), over the requests it counted: comparable between runs of one
generator, rough between generators.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks.connection._report import _table, cpu_us_per_req, req_per_s
from benchmarks.connection._runner import ClientFailed, interleave
from benchmarks.suite._common import SUBJECT
from benchmarks.suite._report import Results, median, over, p50_us, p99_us, rows, spread

__all__ = ["GENERATORS", "LEVELS", "measure", "section"]

LEVELS: Final = {64: ("wrk", "locust", "bench"), 1: ("wrk", "bench")}
GENERATORS: Final = ("wrk", "locust", "bench")
LOOP: Final = "—"
"""The loop column of a generator's runs: none of them is a client run on the suite's loops."""

_TIMEOUT_MARGIN: Final = 60.0
_SPAWN_RATE: Final = 1000
"""Users started per second: all of them at once, rather than locust's default 1 a second."""
_LOCUSTFILE: Final = Path(__file__).with_name("_locustfile.py")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(label: str, command: list[str], seconds: float, root: Path, env: dict[str, str]) -> float:
    """Run *command* (pinned: it starts with taskset) from *root*; its CPU seconds."""
    before = _children_cpu()
    done = subprocess.run(
        command,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + _TIMEOUT_MARGIN,
    )
    cpu = _children_cpu() - before
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise ClientFailed(f"{label}: {done.stderr}", lines[-1])
    return cpu


def _locust(url: str, path: str, users: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-locust-") as tmp:
        prefix = Path(tmp) / "locust"
        command = ["taskset", "-c", str(args.client_cpu), sys.executable, "-m", "locust"]
        # Every user starts at once; the statistics restart when the last has (--reset-stats),
        # and the extra second covers locust's start-up, which a fixed run time includes.
        seconds = round(args.g_duration) + 1
        command += ["-f", str(_LOCUSTFILE), "--headless", "--users", str(users)]
        command += ["--spawn-rate", str(_SPAWN_RATE), "--run-time", f"{seconds}s"]
        command += ["--host", url, "--only-summary", "--reset-stats", "--csv", str(prefix)]
        command += ["--loglevel", "WARNING"]
        env = {"AIOHTTPCORE_BENCH_PATH": path}
        cpu = _run("locust", command, seconds, args.root, env)
        with (Path(tmp) / "locust_stats.csv").open(newline="", encoding="utf-8") as file:
            rows = [row for row in csv.DictReader(file) if row["Name"] == "Aggregated"]
    (row,) = rows
    count, failures = int(row["Request Count"]), int(row["Failure Count"])
    if failures or not count:
        why = f"{failures} of {count} requests failed" if count else "no request counted"
        raise ClientFailed(f"locust: {why}", why)
    rate = float(row["Requests/s"])
    return {
        "ops": count,
        "wall_s": count / rate,
        "cpu_s": cpu,
        "latency_p50_us": float(row["50%"]) * 1e3,
        "latency_p99_us": float(row["99%"]) * 1e3,
        "version": f"{_locust_version()} (FastHttpUser, 1 process)",
    }


def _locust_version() -> str:
    return importlib.metadata.version("locust")


def _bench(url: str, connections: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-json-") as tmp:
        report = Path(tmp) / "bench.json"
        command = ["taskset", "-c", str(args.client_cpu), sys.executable, "-m", "aiohttpcore"]
        command += ["bench", url, "-c", str(connections), "-d", f"{args.g_duration:g}"]
        command += ["--json", str(report), "--quiet"]
        cpu = _run("bench", command, args.g_duration, args.root, {})
        document = json.loads(report.read_text(encoding="utf-8"))
    if document.get("errors"):
        raise ClientFailed(f"bench: {document['errors_by_kind']}", "errors")
    percentiles = document["latency"]["percentiles_us"]
    options = document["options"]
    return {
        "ops": document["successes"],
        "wall_s": document["successes"] / document["requests_per_s"],
        "cpu_s": cpu,
        "client_cpu_s": document.get("client_cpu_s"),
        "latency_p50_us": percentiles["50"],
        "latency_p99_us": percentiles["99"],
        "version": f"of the aiohttpcore above ({options['loop']}, {options['workers']} worker)",
    }


def _one(generator: str, group: str, url: str, path: str, args: argparse.Namespace) -> Any:
    """One run of *generator*; ``ClientFailed`` when it fails or its report is not as expected."""
    level = int(group.partition(":")[2])
    try:
        if generator == "wrk":
            from benchmarks.suite import _wrk_client

            figures = _wrk_client.measure(url + path, level, args.g_duration, cpu=args.client_cpu)
            figures["version"] = _wrk_client.version()
        elif generator == "locust":
            figures = _locust(url, path, level, args)
        else:
            figures = _bench(url + path, level, args)
    except (RuntimeError, KeyError, ValueError, OSError, subprocess.SubprocessError) as error:
        if isinstance(error, ClientFailed):
            raise
        why = f"{type(error).__name__}: {error}"
        raise ClientFailed(f"{generator}: {why}", why) from error
    return {"client": generator, "loop": LOOP, "group": group, "loop_version": "", **figures}


def measure(
    results: Results, url: str, path: str, generators: Sequence[str], args: argparse.Namespace
) -> None:
    """Every generator of *generators* at each level, ``args.repeat`` interleaved times."""
    for level, names in LEVELS.items():
        chosen = [name for name in names if name in generators]
        if not chosen:
            continue
        group = f"G:{level}"
        interleave(
            results,
            args.repeat,
            [(group, LOOP, f"generators at c={level}")],
            chosen,
            lambda name, group, loop: _one(name, group, url, path, args),
        )


def _comparison(title: str, value: float | None, low: float, high: float | None) -> list[str]:
    """A row of the comparisons: the ratio marked against its goal, and the goal."""
    wanted = f"≥ {low:.2f}" if high is None else f"{low:.2f} to {high:.2f}"
    if value is None:
        return [title, "n/a", wanted]
    met = value >= low and (high is None or value <= high)
    return [title, f"{value:.2f}x {'✓' if met else '✗'}", wanted]


def section(results: Results, pool_rate: float | None, args: argparse.Namespace) -> list[str]:
    """The G section: a table of every generator, then the issue's comparisons.

    *pool_rate* is the median req/s of ``pool.request`` in A at c=64 on
    uvloop, which ``bench`` (uvloop by default) is to reach 90 % of; it ran
    at another moment of the run, so this one ratio is of medians, not paired.
    """
    versions = "; ".join(f"{name} {v}" for name in GENERATORS if (v := results.version(name)))
    out = [f"### G. Load generators against the same nginx, {args.g_duration:g} s runs", ""]
    out += [f"Versions: {versions}.", ""]
    columns = {
        "req/s": median(req_per_s),
        "req/s IQR": spread(req_per_s),
        "CPU µs/req (whole process)": median(cpu_us_per_req, 1),
        "p50 µs": median(p50_us),
        "p99 µs": median(p99_us),
        "req/s ÷ bench": over("bench", req_per_s),
    }
    keyed = [
        ([str(level), name], (f"G:{level}", LOOP, name))
        for level, names in LEVELS.items()
        for name in names
    ]
    lines = rows(results, keyed, list(columns.values()))
    out.extend(_table(["C", "generator", *columns], lines, text=2))
    bench = results.median("G:64", LOOP, "bench", req_per_s)
    goals = [
        _comparison(
            "c=64: bench ÷ locust, req/s",
            results.ratio("G:64", LOOP, "bench", "locust", req_per_s),
            4.5,
            None,
        ),
        _comparison(
            f"c=64: bench ÷ {SUBJECT} pool.request in A, uvloop (medians), req/s",
            None if bench is None or not pool_rate else bench / pool_rate,
            0.9,
            None,
        ),
    ]
    goals += [
        _comparison(
            f"c=1: bench ÷ wrk --latency, {name}",
            results.ratio("G:1", LOOP, "bench", "wrk", metric),
            0.8,
            1.2,
        )
        for name, metric in (("p50", p50_us), ("p99", p99_us))
    ]
    out += ["", "The issue's comparisons:", ""]
    out.extend(_table(["comparison", "measured", "goal"], goals, text=1))
    out.append("\n![G](G.png)")
    return out

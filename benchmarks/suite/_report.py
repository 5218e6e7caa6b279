"""The suite's runs as figures: the goals, a table and verdicts per workload, the JSON.

The pairing and the statistics are the connection benchmark's
(``benchmarks/connection/_report.py``): every figure is a median over the
repetitions, and every ratio the median of the per-repetition ratios of two
clients that ran within seconds of each other, never the ratio of two
medians. ``Results`` is keyed here by group (``"A:64"``), loop and client.
A verdict line under each table says, for each concurrency and loop,
whether aiohttpcore's ``pool.request`` leads every library measured (its
own ``HTTPConnection`` and the ceilings are not peers, so they are named
but do not count), and names each one that is at least as fast. This
module runs nothing and imports no client.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks.connection import _report as base
from benchmarks.connection._report import (
    Goal,
    Metric,
    Run,
    _clean,
    _pct,
    _table,
    cpu_us_per_req,
    mib_per_s,
    req_per_s,
)
from benchmarks.suite._common import CEILING, SUBJECT, WORKLOADS, Workload

__all__ = [
    "GOALS",
    "PEERS",
    "Results",
    "groups_of",
    "markdown",
    "median",
    "number",
    "over",
    "rate",
    "rate_of",
    "ratio_cell",
    "rows",
    "spread",
    "write_json",
]

PEERS: Final = ("aiohttp", "httpx", "httpcore", "aiosonic")
"""The libraries aiohttpcore is to lead; the rest are references or aiohttpcore itself."""

FLAT_RSS_MIB: Final = 8.0
"""B's "flat RSS": MiB of peak RSS above the raw ceiling's under which a download is flat.

Any client's run adds some MiB of its own (the loop, sockets, buffers, the
latency list), which the ceiling's run shows; a client holding a 100 MiB
body would be about 100 MiB above it.
"""


def _field(name: str, scale: float = 1.0) -> Metric:
    def metric(run: Run) -> float:
        value = run.get(name)
        return math.nan if value is None else float(value) * scale

    metric.__name__ = name
    return metric


p50_us = _field("latency_p50_us")
p99_us = _field("latency_p99_us")
p50_ms = _field("latency_p50_us", 1e-3)
p99_ms = _field("latency_p99_us", 1e-3)
rss_peak_mib = _field("rss_peak_kib", 1 / 1024)
rss_peak_mib.__name__ = "rss_peak_mib"


def rss_growth_mib(run: Run) -> float:
    if run.get("rss_peak_kib") is None:
        return math.nan
    return float(run["rss_peak_kib"] - run["rss_start_kib"]) / 1024


def cpu_ms_per_op(run: Run) -> float:
    return float(run["cpu_s"] / run["ops"] * 1e3)


def rate(workload: Workload) -> Metric:
    """The headline metric: MiB/s for the transfers, req/s for the rest."""
    return mib_per_s if workload.bulk else req_per_s


def rate_of(group: str) -> Metric:
    """The headline metric of a group (``"B:1"``; G's load generators: req/s)."""
    workload = WORKLOADS.get(group.partition(":")[0])
    return req_per_s if workload is None else rate(workload)


class Results(base.Results):
    """Every run by (group, loop, client), one entry per repetition in order."""

    __slots__ = ()

    def add(self, run: Run) -> None:
        key = (run["group"], run["loop"], run["client"])
        self.runs.setdefault(key, []).append(run)


def groups_of(workload: Workload, levels: Sequence[int] | None = None) -> list[str]:
    return [f"{workload.key}:{level}" for level in levels or workload.levels]


def number(value: float | None, digits: int = 0) -> str:
    """``1,234`` or ``n/a`` (for nothing and for NaN)."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _times(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}x"


def ratio_cell(results: Results, key: tuple[str, str, str], other: str, metric: Metric) -> str:
    group, loop, client = key
    if client == other:
        return "—"
    return _times(results.ratio(group, loop, client, other, metric))


GOALS: Final = tuple(
    Goal(title=title, workload=group, subject=SUBJECT, peer=peer, metric=metric, target=target)
    for title, group, peer, metric, target in (
        ("A c=64: aiohttpcore ÷ aiosonic, req/s", "A:64", "aiosonic", req_per_s, 2.0),
        ("B: aiohttpcore readinto ÷ raw, MiB/s", "B:1", CEILING, mib_per_s, 0.90),
        ("C: aiohttpcore ÷ aiohttp, new connections/s", "C:16", "aiohttp", req_per_s, 1.4),
        ("D c=16: aiohttpcore ÷ aiosonic, HTTPS req/s", "D:16", "aiosonic", req_per_s, 2.0),
        ("D c=64: aiohttpcore ÷ aiosonic, HTTPS req/s", "D:64", "aiosonic", req_per_s, 2.0),
        ("E: aiohttpcore ÷ raw, upload MiB/s", "E:1", CEILING, mib_per_s, 0.90),
    )
)
"""The issue's goals for the library, as ratios (each workload's headline metric)."""


def difference(results: Results, key: Key, other: str, metric: Metric) -> float | None:
    """Median over repetitions of the client's metric minus *other*'s in the same one."""
    group, loop, client = key
    mine = results.values(group, loop, client, metric)
    theirs = results.values(group, loop, other, metric)
    if not mine or len(mine) != len(theirs):
        return None
    return statistics.median(a - b for a, b in zip(mine, theirs, strict=True))


def _goal_table(results: Results, loops: Sequence[str]) -> list[str]:
    lines = base.goal_rows(results, loops, GOALS)
    cells = []
    for loop in loops:
        extra = difference(results, ("B:1", loop, SUBJECT), CEILING, rss_peak_mib)
        mark = "" if extra is None else " ✓" if extra < FLAT_RSS_MIB else " ✗"
        cells.append(f"{number(extra, 1)} MiB{mark}")
    lines.append(["B: aiohttpcore peak RSS over raw's (flat)", *cells, f"< {FLAT_RSS_MIB:g} MiB"])
    cells = []
    measured = sorted({key[0] for key in results.runs if key[0].partition(":")[0] in WORKLOADS})
    for loop in loops:
        behind = [f"{group} {peer}" for group in measured for peer in _ahead(results, group, loop)]
        if not measured:
            cells.append("n/a")
        else:
            cells.append("✓ every one" if not behind else f"✗ {len(behind)}: {', '.join(behind)}")
    lines.append(["aiohttpcore leads every library in every workload", *cells, "all"])
    return _table(["goal (median of per-repetition ratios)", *loops, "goal"], lines, text=1)


def _ahead(results: Results, group: str, loop: str) -> list[str]:
    """The peers at least as fast as aiohttpcore in this group and loop."""
    metric = rate_of(group)
    return [
        peer
        for peer in PEERS
        if (value := results.ratio(group, loop, peer, SUBJECT, metric)) is not None
        and value >= 1.0
    ]


def _verdict(results: Results, group: str, loop: str, clients: Sequence[str]) -> str | None:
    metric = rate_of(group)
    ratios = {
        c: r
        for c in clients
        if c != SUBJECT and (r := results.ratio(group, loop, c, SUBJECT, metric)) is not None
    }
    if not ratios or (group, loop, SUBJECT) not in results.runs:
        return None
    where = f"{group.replace(':', ' c=')}, {loop}"
    ahead = [f"{peer} {ratios[peer]:.2f}x" for peer in _ahead(results, group, loop)]
    others = sorted(((r, c) for c, r in ratios.items() if c not in PEERS), reverse=True)
    also = "; for reference: " + ", ".join(f"{c} {r:.2f}x" for r, c in others) if others else ""
    if ahead:
        return f"{where}: **aiohttpcore does not lead**: {', '.join(ahead)} of its rate{also}."
    peers = sorted(((r, c) for c, r in ratios.items() if c in PEERS), reverse=True)
    if not peers:
        return f"{where}: no other library runs it{also}."
    best, name = peers[0]
    return f"{where}: aiohttpcore leads; the nearest library is {name} at {best:.2f}x{also}."


Key = tuple[str, str, str]
Column = Callable[[Results, Key], str]
"""One cell of a row: what it shows for (group, loop, client)."""


def median(metric: Metric, digits: int = 0) -> Column:
    return lambda results, key: number(results.median(*key, metric), digits)


def spread(metric: Metric) -> Column:
    return lambda results, key: _pct(results.spread(*key, metric))


def over(other: str, metric: Metric) -> Column:
    return lambda results, key: ratio_cell(results, key, other, metric)


def rows(
    results: Results, keyed: Iterable[tuple[list[str], Key]], columns: Sequence[Column]
) -> list[list[str]]:
    """A row per measured key, its first cells given: ``failed`` where the run failed."""
    out = []
    for first, key in keyed:
        if key in results.failed:
            out.append([*first, "failed", *["n/a"] * (len(columns) - 1)])
        elif key in results.runs:
            out.append([*first, *(column(results, key) for column in columns)])
    return out


_RATE_COLUMNS: Final = {
    "req/s": median(req_per_s),
    "req/s IQR": spread(req_per_s),
    "CPU µs/req": median(cpu_us_per_req, 1),
    "p50 µs": median(p50_us),
    "p99 µs": median(p99_us),
    f"req/s ÷ {SUBJECT}": over(SUBJECT, req_per_s),
    f"req/s ÷ {CEILING}": over(CEILING, req_per_s),
}
_BULK_COLUMNS: Final = {
    "MiB/s": median(mib_per_s),
    "MiB/s IQR": spread(mib_per_s),
    "CPU ms/transfer": median(cpu_ms_per_op, 1),
    "p50 ms": median(p50_ms, 1),
    "p99 ms": median(p99_ms, 1),
    "peak RSS MiB": median(rss_peak_mib),
    "RSS growth MiB": median(rss_growth_mib, 1),
    f"MiB/s ÷ {SUBJECT}": over(SUBJECT, mib_per_s),
    f"MiB/s ÷ {CEILING}": over(CEILING, mib_per_s),
}


def _workload_table(
    results: Results, workload: Workload, loops: Sequence[str], clients: Sequence[str]
) -> list[str]:
    if workload.bulk:
        first, columns = ["loop", "client"], _BULK_COLUMNS
    else:
        first, columns = ["C", "loop", "client"], _RATE_COLUMNS
    keyed = [
        ([group.partition(":")[2], loop, c][-len(first) :], (group, loop, c))
        for group in groups_of(workload)
        for loop in loops
        for c in clients
    ]
    lines = rows(results, keyed, list(columns.values()))
    return _table([*first, *columns], lines, text=len(first))


def workload_section(
    results: Results,
    workload: Workload,
    loops: Sequence[str],
    clients: Sequence[str],
    size_mib: int,
) -> list[str]:
    """One workload: its title, its table, then a verdict per concurrency and loop."""
    title = workload.title
    if workload.bulk:
        title = f"{size_mib} MiB {title}"
    out = [f"### {workload.key}. {title}", ""]
    out.extend(_workload_table(results, workload, loops, clients))
    verdicts = [
        line
        for group in groups_of(workload)
        for loop in loops
        if (line := _verdict(results, group, loop, clients)) is not None
    ]
    if verdicts:
        out.append("")
        out.extend(f"- {line}" for line in verdicts)
    out.append(f"\n![{workload.key}]({workload.key}.png)")
    return out


def markdown(
    results: Results,
    workloads: Sequence[Workload],
    loops: Sequence[str],
    clients: Sequence[str],
    meta: Mapping[str, Any],
    notes: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> str:
    """The report: how it was measured, the goals, a section per workload, then *extra*."""
    out = base.header("Benchmark suite", results, loops, clients, meta, notes)
    out += ["", "### Goals (the issue's)", ""]
    out.extend(_goal_table(results, loops))
    for workload in workloads:
        out.append("")
        out.extend(workload_section(results, workload, loops, clients, meta["big_mib"]))
    if extra:
        out.append("")
        out.extend(extra)
    return "\n".join(out) + "\n"


_METRICS: Final = (cpu_us_per_req, p50_us, p99_us, rss_peak_mib, rss_growth_mib)
"""Besides the headline metric; the ones a run does not have (wrk's RSS) come out null."""


def write_json(path: Path, results: Results, meta: Mapping[str, Any]) -> None:
    """*meta*, the medians and ratios of every (group, loop, client), and every run."""
    figures = []
    for group, loop, c in sorted(results.runs):
        metric = rate_of(group)
        medians = {
            m.__name__: _clean(results.median(group, loop, c, m)) for m in (metric, *_METRICS)
        }
        ratios = {
            f"over_{other}": _clean(results.ratio(group, loop, c, other, metric))
            for other in (SUBJECT, CEILING)
        }
        figures.append({"group": group, "loop": loop, "client": c, **medians, **ratios})
    base.dump(path, results, meta, figures, lambda group: {"group": group})

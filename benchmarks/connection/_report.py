"""Turning the clients' JSON objects into figures: per-repetition ratios, medians, tables, JSON.

Every figure is paired by repetition: the clients of one (workload, loop)
group ran one after the other within seconds, while this machine (a shared
VM) drifts by tens of per cent over minutes. So a ratio is the median of the
per-repetition ratios, never the ratio of two medians (the method of
``benchmarks/micro``). This module runs nothing and imports no peer.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["GOALS", "Goal", "Results", "dump", "goal_rows", "header", "markdown", "write_json"]

MIB: Final = 1 << 20
GIB: Final = 1 << 30

Run = Mapping[str, Any]
"""One client process's JSON object (see ``_client._measure``)."""

Metric = Callable[[Run], float]


def req_per_s(run: Run) -> float:
    return float(run["ops"] / run["wall_s"])


def cpu_us_per_req(run: Run) -> float:
    return float(run["cpu_s"] / run["ops"] * 1e6)


def user_us_per_req(run: Run) -> float:
    return float(run["user_s"] / run["ops"] * 1e6)


def sys_us_per_req(run: Run) -> float:
    return float(run["sys_s"] / run["ops"] * 1e6)


def wall_us_per_req(run: Run) -> float:
    return float(run["wall_s"] / run["ops"] * 1e6)


def mib_per_s(run: Run) -> float:
    return float(run["bytes"] / run["wall_s"] / MIB)


def cpu_ms_per_gib(run: Run) -> float:
    return float(run["cpu_s"] / (run["bytes"] / GIB) * 1e3)


def cpu_busy(run: Run) -> float:
    return float(run["cpu_s"] / run["wall_s"])


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """A ratio the issue asks about: *subject*'s metric over *peer*'s, per repetition."""

    title: str
    workload: str
    subject: str
    peer: str
    metric: Metric
    target: float | None
    """None: a figure shown for information, with no goal."""


GOALS: Final = (
    Goal(
        title="A: aiohttpcore / raw ceiling, req/s",
        workload="small",
        subject="aiohttpcore",
        peer="raw",
        metric=req_per_s,
        target=0.80,
    ),
    Goal(
        title="A: aiohttpcore / aiohttp, req/s",
        workload="small",
        subject="aiohttpcore",
        peer="aiohttp",
        metric=req_per_s,
        target=1.6,
    ),
    Goal(
        title="A: aiohttp / aiohttpcore, client CPU µs per request",
        workload="small",
        subject="aiohttp",
        peer="aiohttpcore",
        metric=cpu_us_per_req,
        target=1.6,
    ),
    Goal(
        title="B: aiohttpcore readinto / raw ceiling, client CPU per GiB",
        workload="download",
        subject="aiohttpcore",
        peer="raw",
        metric=cpu_ms_per_gib,
        target=None,
    ),
    Goal(
        title="B: aiohttpcore readinto / raw ceiling, MiB/s",
        workload="download",
        subject="aiohttpcore",
        peer="raw",
        metric=mib_per_s,
        target=0.90,
    ),
)


@dataclass(slots=True)
class Results:
    """Every run, by (workload, loop, client), one entry per repetition in order."""

    runs: dict[tuple[str, str, str], list[Run]] = field(default_factory=dict)
    failed: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(workload, loop, client) whose run failed, and why; their figures are dropped."""

    def add(self, run: Run) -> None:
        key = (run["workload"], run["loop"], run["client"])
        self.runs.setdefault(key, []).append(run)

    def fail(self, workload: str, loop: str, client: str, why: str) -> None:
        key = (workload, loop, client)
        self.failed[key] = why
        self.runs.pop(key, None)

    def values(self, workload: str, loop: str, client: str, metric: Metric) -> list[float]:
        return [metric(run) for run in self.runs.get((workload, loop, client), [])]

    def median(self, workload: str, loop: str, client: str, metric: Metric) -> float | None:
        values = self.values(workload, loop, client, metric)
        return statistics.median(values) if values else None

    def spread(self, workload: str, loop: str, client: str, metric: Metric) -> float | None:
        """Interquartile range over the median (max - min below 4 repetitions)."""
        values = self.values(workload, loop, client, metric)
        if len(values) < 2:
            return None
        middle = statistics.median(values)
        if len(values) < 4:
            return (max(values) - min(values)) / middle
        low, _, high = statistics.quantiles(values, n=4)
        return (high - low) / middle

    def ratio(
        self, workload: str, loop: str, top: str, bottom: str, metric: Metric
    ) -> float | None:
        """Median over repetitions of top's metric / bottom's in that same repetition."""
        a = self.values(workload, loop, top, metric)
        b = self.values(workload, loop, bottom, metric)
        pairs = [x / y for x, y in zip(a, b, strict=False) if y > 0]
        return statistics.median(pairs) if pairs and len(a) == len(b) else None

    def version(self, client: str) -> str | None:
        """The client's version; several, marked CHANGED, if its sources changed mid-run."""
        seen = dict.fromkeys(
            str(run["version"])
            for (_, _, name), runs in self.runs.items()
            if name == client
            for run in runs
        )
        if len(seen) > 1:
            return "CHANGED DURING THE RUN: " + " / ".join(seen)
        return next(iter(seen), None)

    def loop_version(self, loop: str) -> str | None:
        for (_, name, _), runs in self.runs.items():
            if name == loop and runs:
                return str(runs[0]["loop_version"])
        return None


def _num(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _table(header: Sequence[str], lines: Sequence[Sequence[str]], text: int = 2) -> list[str]:
    """A markdown table whose first *text* columns are left-aligned, the rest right-aligned."""
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---" if i < text else "---:" for i in range(len(header))) + "|")
    out.extend("| " + " | ".join(line) + " |" for line in lines)
    return out


def _small_table(results: Results, loops: Sequence[str], clients: Sequence[str]) -> list[str]:
    header = [
        "loop",
        "client",
        "req/s",
        "req/s IQR",
        "CPU µs/req",
        "CPU IQR",
        "user + sys µs/req",
        "wall µs/req",
        "req/s ÷ raw",
        "req/s ÷ aiohttp",
        "CPU ÷ raw",
    ]
    lines = []
    for loop in loops:
        for client in clients:
            if ("small", loop, client) in results.failed:
                lines.append([loop, client, "failed", *["n/a"] * 8])
            if (key := ("small", loop, client)) not in results.runs:
                continue
            w, lp, c = key
            user = _num(results.median(w, lp, c, user_us_per_req), 1)
            system = _num(results.median(w, lp, c, sys_us_per_req), 1)
            lines.append(
                [
                    loop,
                    client,
                    _num(results.median(w, lp, c, req_per_s)),
                    _pct(results.spread(w, lp, c, req_per_s)),
                    _num(results.median(w, lp, c, cpu_us_per_req), 1),
                    _pct(results.spread(w, lp, c, cpu_us_per_req)),
                    f"{user} + {system}",
                    _num(results.median(w, lp, c, wall_us_per_req), 1),
                    _times(results.ratio(w, lp, c, "raw", req_per_s)),
                    _times(results.ratio(w, lp, c, "aiohttp", req_per_s)),
                    _times(results.ratio(w, lp, c, "raw", cpu_us_per_req)),
                ]
            )
    return _table(header, lines)


def _download_table(results: Results, loops: Sequence[str], clients: Sequence[str]) -> list[str]:
    header = [
        "loop",
        "client",
        "MiB/s",
        "MiB/s IQR",
        "CPU ms/GiB",
        "CPU IQR",
        "client CPU busy",
        "MiB/s ÷ raw",
        "CPU ÷ raw",
    ]
    lines = []
    for loop in loops:
        for client in clients:
            if ("download", loop, client) in results.failed:
                lines.append([loop, client, "failed", *["n/a"] * 6])
            if (key := ("download", loop, client)) not in results.runs:
                continue
            w, lp, c = key
            lines.append(
                [
                    loop,
                    client,
                    _num(results.median(w, lp, c, mib_per_s)),
                    _pct(results.spread(w, lp, c, mib_per_s)),
                    _num(results.median(w, lp, c, cpu_ms_per_gib)),
                    _pct(results.spread(w, lp, c, cpu_ms_per_gib)),
                    _pct(results.median(w, lp, c, cpu_busy)),
                    _times(results.ratio(w, lp, c, "raw", mib_per_s)),
                    _times(results.ratio(w, lp, c, "raw", cpu_ms_per_gib)),
                ]
            )
    return _table(header, lines)


def goal_rows(results: Results, loops: Sequence[str], goals: Sequence[Goal]) -> list[list[str]]:
    """A row per goal: its title, its ratio on each loop marked ✓ or ✗, what it asks."""
    lines = []
    for goal in goals:
        cells = []
        for loop in loops:
            value = results.ratio(goal.workload, loop, goal.subject, goal.peer, goal.metric)
            target = goal.target
            mark = "" if value is None or target is None else " ✓" if value >= target else " ✗"
            cells.append(_times(value) + mark)
        wanted = "(information)" if goal.target is None else f"≥ {goal.target:.2f}"
        lines.append([goal.title, *cells, wanted])
    return lines


def _goal_table(results: Results, loops: Sequence[str]) -> list[str]:
    header = ["ratio (median of per-repetition ratios)", *loops, "goal"]
    return _table(header, goal_rows(results, loops, GOALS), text=1)


def header(
    title: str,
    results: Results,
    loops: Sequence[str],
    clients: Sequence[str],
    meta: Mapping[str, Any],
    notes: Sequence[str],
) -> list[str]:
    """The title, then one bullet for each of ``meta["about"]``, the versions, the notes."""
    out = [f"## {title} ({meta['mode']} run)", ""]
    out.extend(f"- {name}: {value}" for name, value in meta["about"].items())
    versions = [f"{c} {v}" for c in clients if (v := results.version(c))]
    loop_versions = [v for loop in loops if (v := results.loop_version(loop))]
    out.append(f"- clients: {'; '.join(versions)}")
    out.append(f"- loops: {'; '.join(loop_versions)}")
    out.extend(f"- note: {note}" for note in notes)
    return out


def markdown(
    results: Results,
    loops: Sequence[str],
    clients: Sequence[str],
    meta: Mapping[str, Any],
    notes: Sequence[str] = (),
) -> str:
    """The report: how it was measured, the goals, then workload A and workload B."""
    out = header("Connection benchmarks", results, loops, clients, meta, notes)
    out.append("")
    out.append("### Goals")
    out.append("")
    out.extend(_goal_table(results, loops))
    measured = {*results.runs, *results.failed}
    if any(key[0] == "small" for key in measured):
        out.append("")
        out.append(
            "### A. Sequential keep-alive GETs of a 13-byte body, one connection, concurrency 1"
        )
        out.append("")
        out.extend(_small_table(results, loops, clients))
    if any(key[0] == "download" for key in measured):
        out.append("")
        out.append(f"### B. Download of a {meta['big_mib']} MiB file, one connection")
        out.append("")
        out.extend(_download_table(results, loops, clients))
    return "\n".join(out)


def _clean(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def write_json(
    path: Path,
    results: Results,
    loops: Sequence[str],
    clients: Sequence[str],
    meta: Mapping[str, Any],
) -> None:
    """The medians, the goal ratios and every client run, as one JSON document."""
    metrics: dict[str, dict[str, Metric]] = {
        "small": {
            "req_per_s": req_per_s,
            "cpu_us_per_req": cpu_us_per_req,
            "wall_us_per_req": wall_us_per_req,
        },
        "download": {
            "mib_per_s": mib_per_s,
            "cpu_ms_per_gib": cpu_ms_per_gib,
            "cpu_busy": cpu_busy,
        },
    }
    medians = [
        {
            "workload": w,
            "loop": lp,
            "client": c,
            **{name: _clean(results.median(w, lp, c, m)) for name, m in metrics[w].items()},
        }
        for (w, lp, c) in sorted(results.runs)
    ]
    goals = [
        {
            "title": goal.title,
            "target": goal.target,
            **{
                loop: _clean(
                    results.ratio(goal.workload, loop, goal.subject, goal.peer, goal.metric)
                )
                for loop in loops
            },
        }
        for goal in GOALS
    ]
    document = {
        "meta": dict(meta),
        "clients": list(clients),
        "loops": list(loops),
        "goals": goals,
        "medians": medians,
        "runs": [run for key in sorted(results.runs) for run in results.runs[key]],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def dump(
    path: Path,
    results: Results,
    meta: Mapping[str, Any],
    figures: Sequence[Mapping[str, Any]],
    group: Callable[[str], Mapping[str, Any]],
) -> None:
    """*meta*, *figures*, the failed runs (their group named by *group*) and every run, as JSON."""
    failed = [
        {**group(g), "loop": loop, "client": c, "why": why}
        for (g, loop, c), why in results.failed.items()
    ]
    runs = [run for key in sorted(results.runs) for run in results.runs[key]]
    document = {**meta, "figures": figures, "failed": failed, "runs": runs}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

"""Pool runs as figures: medians, per-repetition ratios, markdown tables by loop and concurrency.

The pairing and the statistics are the connection benchmark's
(``benchmarks/connection/_report.py``): a ratio is the median of the
per-repetition ratios, never the ratio of two medians, since the clients of
one (concurrency, loop) group ran within seconds of each other while this
machine drifts over minutes. Its ``Results`` is keyed here by concurrency
where it has a workload. This module runs nothing and imports no peer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks.connection import _report
from benchmarks.connection._report import (
    Metric,
    Run,
    _clean,
    _num,
    _pct,
    _table,
    _times,
    cpu_busy,
    cpu_us_per_req,
    req_per_s,
    sys_us_per_req,
    user_us_per_req,
)

__all__ = ["Results", "markdown", "write_json"]

SUBJECT: Final = "aiohttpcore"
CEILING: Final = "raw"


def p50_us(run: Run) -> float:
    return float(run["latency_p50_s"] * 1e6)


def p99_us(run: Run) -> float:
    return float(run["latency_p99_s"] * 1e6)


class Results(_report.Results):
    """Every run by (concurrency as text, loop, client), one entry per repetition in order."""

    __slots__ = ()

    def add(self, run: Run) -> None:
        key = (str(run["concurrency"]), run["loop"], run["client"])
        self.runs.setdefault(key, []).append(run)

    def connections(self, group: str, loop: str, client: str) -> str:
        """Connections open at the end of the window: one number, or the range over repetitions."""
        seen = [int(run["connections_end"]) for run in self.runs.get((group, loop, client), [])]
        if not seen:
            return "n/a"
        low, high = min(seen), max(seen)
        return f"{low}" if low == high else f"{low} to {high}"


def _ratio_cell(results: Results, key: tuple[str, str], top: str, bottom: str, m: Metric) -> str:
    if top == bottom:
        return "—"
    return _times(results.ratio(key[0], key[1], top, bottom, m))


def _detail_table(
    results: Results, concurrency: int, loop: str, clients: Sequence[str]
) -> list[str]:
    header = [
        "client",
        "req/s",
        "req/s IQR",
        "CPU µs/req",
        "CPU IQR",
        "user + sys µs",
        "client CPU busy",
        "p50 µs",
        "p99 µs",
        "conns",
        f"req/s: {SUBJECT} ÷ this",
        f"CPU: {SUBJECT} ÷ this",
        f"req/s ÷ {CEILING}",
        f"CPU ÷ {CEILING}",
    ]
    g = str(concurrency)
    lines = []
    for c in clients:
        if (g, loop, c) in results.failed:
            lines.append([c, "failed", *["n/a"] * (len(header) - 2)])
            continue
        if (g, loop, c) not in results.runs:
            continue
        user = _num(results.median(g, loop, c, user_us_per_req), 1)
        system = _num(results.median(g, loop, c, sys_us_per_req), 1)
        lines.append(
            [
                c,
                _num(results.median(g, loop, c, req_per_s)),
                _pct(results.spread(g, loop, c, req_per_s)),
                _num(results.median(g, loop, c, cpu_us_per_req), 1),
                _pct(results.spread(g, loop, c, cpu_us_per_req)),
                f"{user} + {system}",
                _pct(results.median(g, loop, c, cpu_busy)),
                _num(results.median(g, loop, c, p50_us)),
                _num(results.median(g, loop, c, p99_us)),
                results.connections(g, loop, c),
                _ratio_cell(results, (g, loop), SUBJECT, c, req_per_s),
                _ratio_cell(results, (g, loop), SUBJECT, c, cpu_us_per_req),
                _ratio_cell(results, (g, loop), c, CEILING, req_per_s),
                _ratio_cell(results, (g, loop), c, CEILING, cpu_us_per_req),
            ]
        )
    return _table(header, lines, text=1)


def _overview(
    results: Results,
    loops: Sequence[str],
    concurrencies: Sequence[int],
    clients: Sequence[str],
    cell: Metric | None,
) -> list[str]:
    """Clients by (loop, concurrency): median req/s, or (cell None) aiohttpcore ÷ client req/s."""
    columns = [(loop, c) for loop in loops for c in concurrencies]
    header = ["client", *(f"{loop}, {c}" for loop, c in columns)]
    lines = []
    for client in clients:
        if cell is None and client == SUBJECT:
            continue
        cells = []
        for loop, c in columns:
            g = str(c)
            if (g, loop, client) in results.failed:
                cells.append("failed")
            elif cell is None:
                cells.append(_times(results.ratio(g, loop, SUBJECT, client, req_per_s)))
            else:
                cells.append(_num(results.median(g, loop, client, cell)))
        lines.append([client, *cells])
    return _table(header, lines, text=1)


def markdown(
    results: Results,
    loops: Sequence[str],
    concurrencies: Sequence[int],
    clients: Sequence[str],
    meta: Mapping[str, Any],
    notes: Sequence[str] = (),
) -> str:
    """The report: how it was measured, two overviews, then one table per loop and concurrency."""
    out = _report.header("Pool benchmarks", results, loops, clients, meta, notes)
    out += ["", "### req/s by loop and concurrency (median over repetitions)", ""]
    out.extend(_overview(results, loops, concurrencies, clients, req_per_s))
    if SUBJECT in clients:
        out += ["", f"### {SUBJECT} ÷ each client, req/s (above 1.00x: {SUBJECT} faster)", ""]
        out.extend(_overview(results, loops, concurrencies, clients, None))
    for loop in loops:
        for c in concurrencies:
            out += ["", f"### {loop}, concurrency {c}", ""]
            out.extend(_detail_table(results, c, loop, clients))
    return "\n".join(out)


_METRICS: Final[dict[str, Metric]] = {
    "req_per_s": req_per_s,
    "cpu_us_per_req": cpu_us_per_req,
    "user_us_per_req": user_us_per_req,
    "sys_us_per_req": sys_us_per_req,
    "cpu_busy": cpu_busy,
    "p50_us": p50_us,
    "p99_us": p99_us,
}


def write_json(path: Path, results: Results, meta: Mapping[str, Any]) -> None:
    """*meta* (with the clients, loops, concurrencies and notes), the figures, every run."""
    figures = []
    for g, loop, c in sorted(results.runs, key=lambda k: (int(k[0]), k[1], k[2])):
        ratios = {
            f"{top}_over_{bottom}_{name}": _clean(results.ratio(g, loop, top, bottom, m))
            for top, bottom in ((SUBJECT, c), (c, CEILING))
            for name, m in (("req_per_s", req_per_s), ("cpu", cpu_us_per_req))
        }
        medians = {name: _clean(results.median(g, loop, c, m)) for name, m in _METRICS.items()}
        figures.append({"concurrency": int(g), "loop": loop, "client": c, **medians, **ratios})
    _report.dump(path, results, meta, figures, lambda g: {"concurrency": int(g)})

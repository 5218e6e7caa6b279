"""Turning timed series into the figures reported: derived costs, ratios, tables, JSON.

Two figures are not measured directly but derived by subtraction (see
``derive``); every measured series is also printed and written to the JSON,
repetition by repetition, so each subtraction can be checked by hand. This
module does no timing and imports no peer.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.micro._cases import Case
from benchmarks.micro._timing import Series

__all__ = ["Row", "derive", "markdown", "write_json"]

SUBJECT: Final = "aiohttpcore"
RATIOS: Final = (("h11", SUBJECT), (SUBJECT, "httptools"))
"""Each ratio is the first peer's time over the second's: above 1, the second is faster."""


Samples = Sequence[float]
"""One per-call time per repetition, in nanoseconds, index = repetition."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One line of the main table: per-repetition times for each peer that has the operation.

    Figures are paired by repetition: the peers of one repetition ran within
    a fraction of a second of each other, while this kind of machine (a VM)
    drifts by half again over seconds. So a ratio is the median of the
    per-repetition ratios, not the ratio of two medians, and a difference is
    taken within each repetition before the median.
    """

    key: str
    title: str
    samples: Mapping[str, Samples | None]
    body_bytes: int = 0
    """Body bytes per operation, for MB/s; 0 when throughput means nothing here."""

    def per_op_ns(self, peer: str) -> float | None:
        samples = self.samples.get(peer)
        return None if samples is None else statistics.median(samples)

    def ratio(self, over: str, under: str) -> float | None:
        top, bottom = self.samples.get(over), self.samples.get(under)
        if top is None or bottom is None:
            return None
        ratios = [a / b for a, b in zip(top, bottom, strict=True) if a > 0 and b > 0]
        return statistics.median(ratios) if ratios else None

    def mb_per_s(self, peer: str) -> float | None:
        per_op = self.per_op_ns(peer)
        if not self.body_bytes or per_op is None or per_op <= 0:
            return None
        return self.body_bytes / per_op * 1e3  # bytes/ns * 1e9 / 1e6


def _minus(left: Samples | None, right: Samples | None) -> Samples | None:
    if left is None or right is None:
        return None
    return [a - b for a, b in zip(left, right, strict=True)]


def derive(series: Sequence[Series], cases: Sequence[Case], peers: Sequence[str]) -> list[Row]:
    """The main table's rows, each repetition's figures derived from that repetition alone.

    * write = (fresh connection + write) - fresh connection;
    * parse = keep-alive cycle - write, for a peer with a writer (its cycle
      wrote the same request), else the cycle as measured;
    * the whole keep-alive cycle, write included, as measured.

    Why this way round: h11 and aiohttpcore take no response without a
    request outstanding and no second request before the response, so on a
    kept-alive connection writing and parsing can only be timed together.
    Writing on a fresh connection is the one half that can be timed alone
    with public API, and it is the same work as writing on an idle kept-alive
    connection. A fresh connection is cheap (about a tenth of the write for
    both peers, measured as ``construct``), so its subtraction adds little
    noise; subtracting a parse from a cycle instead would need a parse timed
    alone, which does not exist. What the parse figure keeps is the cost of
    returning the connection to idle (h11's ``start_next_cycle``).
    """
    measured = {(s.key, s.peer): s.per_op_ns for s in series}
    write = {p: _minus(measured.get(("write", p)), measured.get(("construct", p))) for p in peers}
    rows = []
    for number, case in enumerate(cases, start=1):
        parse: dict[str, Samples | None] = {}
        for peer in peers:
            cycle = measured.get((f"cycle:{case.key}", peer))
            parse[peer] = cycle if write[peer] is None else _minus(cycle, write[peer])
        title = f"{number}. parse {case.title}"
        body = len(case.body) if len(case.body) >= 1024 else 0
        rows.append(Row(key=f"parse:{case.key}", title=title, samples=parse, body_bytes=body))
    title = f"{len(cases) + 1}. serialise the GET head (5 headers): fresh connection - its set-up"
    rows.append(Row(key="write", title=title, samples=write))
    small = cases[0]
    whole = {
        p: measured.get((f"cycle:{small.key}", p)) if write[p] is not None else None for p in peers
    }
    title = f"{len(cases) + 2}. whole keep-alive cycle: write the GET, parse the {small.key} one"
    rows.append(Row(key=f"cycle:{small.key}", title=title, samples=whole))
    return rows


def _us(ns: float | None) -> str:
    if ns is None:
        return "n/a"
    us = ns / 1e3
    digits = 2 if abs(us) < 10 else 1 if abs(us) < 100 else 0
    text = f"{us:,.{digits}f}"
    return f"{text} (noise)" if us <= 0 else text


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _mbps(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _table(header: Sequence[str], lines: Sequence[Sequence[str]], text: int = 1) -> list[str]:
    """A markdown table whose first *text* columns are left-aligned, the rest right-aligned."""
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---" if i < text else "---:" for i in range(len(header))) + "|")
    out.extend("| " + " | ".join(line) + " |" for line in lines)
    return out


def markdown(
    rows: Sequence[Row], series: Sequence[Series], peers: Sequence[str], meta: Mapping[str, Any]
) -> str:
    """The report: how it was measured, the main table, throughput, every measured series."""
    out = [f"## Codec micro-benchmarks ({meta['mode']} run)", ""]
    out.extend(f"- {name}: {value}" for name, value in meta["about"].items())
    out.append("")
    ratios = [r for r in RATIOS if r[0] in peers and r[1] in peers]
    header = ["workload", *(f"{p} µs/op" for p in peers), *(f"{a}/{b}" for a, b in ratios)]
    lines = [
        [
            row.title,
            *(_us(row.per_op_ns(p)) for p in peers),
            *(_times(row.ratio(a, b)) for a, b in ratios),
        ]
        for row in rows
    ]
    out.extend(_table(header, lines))
    out.append("")
    out.append("Body throughput, MB/s (10^6 body bytes per second of parse time):")
    out.append("")
    lines = [
        [row.title, *(_mbps(row.mb_per_s(p)) for p in peers)] for row in rows if row.body_bytes
    ]
    out.extend(_table(["workload", *peers], lines))
    out.append("")
    out.append("Measured series (per call; IQR = interquartile range / median):")
    out.append("")
    header = ["series", "peer", "calls/batch", "median µs", "min µs", "IQR"]
    lines = [
        [s.key, s.peer, f"{s.n:,}", _us(s.median_ns), _us(s.min_ns), f"{s.spread:.1%}"]
        for s in series
    ]
    out.extend(_table(header, lines, text=2))
    return "\n".join(out)


def _clean(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _us_or_none(ns: float | None) -> float | None:
    return None if ns is None else _clean(ns / 1e3)


def write_json(
    path: Path, rows: Sequence[Row], series: Sequence[Series], meta: Mapping[str, Any]
) -> None:
    """Everything the tables show, and every repetition, as one JSON document."""
    document = {
        "meta": dict(meta),
        "results": [
            {
                "key": row.key,
                "title": row.title,
                "per_op_us": {p: _us_or_none(row.per_op_ns(p)) for p in row.samples},
                "mb_per_s": {p: _clean(row.mb_per_s(p)) for p in row.samples}
                if row.body_bytes
                else None,
                "ratios": {f"{a}/{b}": _clean(row.ratio(a, b)) for a, b in RATIOS},
            }
            for row in rows
        ],
        "series": [
            {
                "key": s.key,
                "peer": s.peer,
                "calls_per_batch": s.n,
                "median_ns": _clean(s.median_ns),
                "min_ns": _clean(s.min_ns),
                "iqr_over_median": _clean(s.spread, 4),
                "per_op_ns": [round(t, 2) for t in s.per_op_ns],
            }
            for s in series
        ],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

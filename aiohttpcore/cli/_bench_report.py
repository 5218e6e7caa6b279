"""The bench report: its JSON schema, the text for people and the live line.

What it owns: the shape of ``aiohttpcore bench --json FILE``
(:class:`BenchReport` and the TypedDicts it is made of, schema
``"aiohttpcore-bench/1"``); the merge of the workers' tallies into one
report (:func:`_summary`); the ``hdrh`` histogram built once from the merged
slot counts (:class:`_Histogram`); the text on stdout, with its table of
percentiles and its terminal histogram of the latency; and the live line on
stderr (:class:`_LiveLine`). It reads tallies and progress messages
(:mod:`aiohttpcore.cli._bench_tally`); it never runs a load, starts a
process or parses the command line, and it imports nothing of the library.

Rules it keeps:

* Every figure comes from the merged slot counts of every worker, added
  slot by slot; no percentile is averaged.
* The text shows what the JSON holds, no other figure: the table is read
  from the report's histograms, the bars from its ``distribution``.
* Durations are shown with three significant digits, as the histogram
  keeps them (:func:`_us`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypedDict, cast

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]  # ships no type hints
from rich.console import Console
from rich.live import Live
from rich.text import Text

from ._bench_tally import (
    _DRAIN_S,
    _TEMPLATE,
    _TICK_S,
    DIGITS,
    HIGHEST_US,
    LOWEST_US,
    _merge,
    _Progress,
    _Tally,
)

__all__ = ["BenchReport", "BucketReport", "HistogramReport", "OptionsReport"]

_PERCENTILES: Final = (50.0, 75.0, 90.0, 99.0, 99.9)
SCHEMA: Final = "aiohttpcore-bench/1"

# ---------------------------------------------------------------- the histogram of slot counts


class _Histogram:
    """An ``hdrh`` histogram (untyped) built from slot counts, with the few calls used here."""

    def __init__(self, counts: Mapping[int, int]) -> None:
        self._hdr = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
        for index in sorted(counts):
            # The lowest value of a slot is counted in that same slot.
            self._hdr.record_value(self._hdr.get_value_from_index(index), counts[index])

    @property
    def total(self) -> int:
        return int(self._hdr.get_total_count())

    def value_of(self, index: int) -> int:
        """The highest value counted in slot *index*, as HDR reports a percentile."""
        hdr = self._hdr
        return int(hdr.get_highest_equivalent_value(hdr.get_value_from_index(index)))

    def report(self) -> HistogramReport:
        hdr = self._hdr
        total = self.total
        values = hdr.get_percentile_to_value_dict(list(_PERCENTILES)) if total else {}
        return {
            "count": total,
            "min_us": int(hdr.get_min_value()) if total else 0,
            "max_us": int(hdr.get_max_value()),
            "mean_us": round(float(hdr.get_mean_value()), 1) if total else 0.0,
            "stdev_us": round(float(hdr.get_stddev()), 1) if total else 0.0,
            "percentiles_us": {f"{p:g}": int(values[p]) for p in _PERCENTILES} if total else {},
            "hdr": hdr.encode().decode("ascii"),
        }


def _percentile(counts: Mapping[int, int], percentile: float) -> int | None:
    """The value at *percentile* of slot counts, without building a histogram (live line)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = max(int(percentile * total / 100 + 0.5), 1)  # as hdrh rounds
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= wanted:
            return int(
                _TEMPLATE.get_highest_equivalent_value(_TEMPLATE.get_value_from_index(index))
            )
    raise AssertionError("unreachable: the counts add up to total")


# ---------------------------------------------------------------- the JSON report


class HistogramReport(TypedDict):
    """One timing's distribution, in microseconds.

    ``hdr`` is the whole histogram, as ``hdrh``'s ``HdrHistogram.encode()``
    writes it (HdrHistogram V2, zlib, base64; 1 µs to 60 s, 3 significant
    digits): ``HdrHistogram.decode(hdr)`` gives it back, and histograms of
    several runs add exactly. Percentiles are the keys ``"50"``, ``"75"``,
    ``"90"``, ``"99"``, ``"99.9"``; empty when ``count`` is 0.
    """

    count: int
    min_us: int
    max_us: int
    mean_us: float
    stdev_us: float
    percentiles_us: dict[str, int]
    hdr: str


class BucketReport(TypedDict):
    """One bar of the drawn latency distribution: successes with latency ≤ ``upper_us``."""

    upper_us: int
    count: int


class OptionsReport(TypedDict):
    """What was asked for, after defaults (``None``: not used)."""

    mode: Literal["closed", "open"]
    connections: int
    workers: int
    pipeline: int
    rate: float | None
    duration_s: float | None
    requests: int | None
    warmup_s: float
    method: str
    keepalive: bool
    loop: str
    timeout_s: float | None


class _Always(TypedDict):
    """The keys of :class:`BenchReport` present in every report."""

    schema: str
    url: str
    embedded_server: bool
    server_requests: int | None
    options: OptionsReport
    interrupted: bool
    duration_s: float
    requests: int
    successes: int
    errors: int
    errors_by_kind: dict[str, int]
    status_codes: dict[str, int]
    abandoned: int
    unsent: int
    requests_per_s: float
    body_bytes: int
    transfer_mb_per_s: float
    connections_opened: int
    client_cpu_s: float
    latency: HistogramReport
    first_byte: HistogramReport
    connect: HistogramReport
    distribution: list[BucketReport]


# total=False, not NotRequired: Python 3.11 cannot see NotRequired in the
# string annotations of ``from __future__ import annotations``.
class BenchReport(_Always, total=False):
    """What ``aiohttpcore bench --json FILE`` writes: one JSON object of this shape.

    ``schema`` is ``"aiohttpcore-bench/1"``. Counts: ``requests`` =
    ``successes`` + ``errors`` (sum of ``errors_by_kind``, keyed by exception
    class) = the sum of ``status_codes`` + ``errors``; ``latency["count"]``
    = ``first_byte["count"]`` = ``successes``. ``duration_s``: the measured
    window, from its start to the last answer. ``abandoned``: requests still
    unanswered 5 s after the end of a ``-d`` run, in none of the other
    counts. ``unsent``: open-loop requests whose intended start fell in the
    window but that were not sent by its end because the run fell behind (0
    in a closed loop). ``transfer_mb_per_s`` counts response bodies only
    (10**6 bytes). ``server_requests``: what the embedded server answered,
    warm-up included (``None`` for a URL). ``connect`` covers every
    connection opened, warm-up included (``connections_opened`` is its
    count). ``client_cpu_s``: the workers' CPU time in the window.
    ``distribution``: the bars drawn in the terminal.
    """

    service_time: HistogramReport
    """Open loop only: from the actual send to the last byte (no queueing before it)."""


# ---------------------------------------------------------------- the live line


class _LiveLine:
    """Elapsed time, requests/s, errors and the running p99 on stderr, four times a second."""

    def __init__(self, *, workers: int, duration: float | None, requests: int | None) -> None:
        self._latest: list[_Progress | None] = [None] * workers
        self._duration = duration
        self._requests = requests
        self._live = Live(console=Console(stderr=True), auto_refresh=False, transient=True)
        self._shown = 0.0

    def __enter__(self) -> _LiveLine:
        self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._live.stop()

    def update(self, worker: int, progress: _Progress) -> None:
        self._latest[worker] = progress
        now = time.monotonic()
        if now - self._shown < _TICK_S * 0.8:
            return  # one refresh per tick, not one per worker
        self._shown = now
        self._live.update(Text(self.line()), refresh=True)

    def line(self) -> str:
        latest = [progress for progress in self._latest if progress is not None]
        if not latest:
            return ""
        phases = {progress.phase for progress in latest}
        elapsed = max(progress.elapsed for progress in latest)
        if "warmup" in phases:
            return f"warming up  {elapsed:.1f} s"
        if phases == {"drain"}:
            return "finishing the requests in flight"
        done = sum(progress.done for progress in latest)
        errors = sum(progress.errors for progress in latest)
        p99 = _percentile(_merge(progress.latency for progress in latest), 99.0)
        if self._requests is not None:
            where = f"{done:,} of {self._requests:,} requests"
        else:
            where = f"{elapsed:5.1f} s of {self._duration:g} s"
        rate = done / elapsed if elapsed > 0 else 0.0
        shown = "-" if p99 is None else _us(p99)
        return f"{where}   {rate:,.0f} req/s   errors {errors:,}   p99 {shown}"


# ---------------------------------------------------------------- the report


def _us(micros: float) -> str:
    """A duration for people, three digits as the histogram keeps: 850 µs, 1.20 ms, 12.3 ms."""
    if micros < 999.5:
        return f"{micros:.0f} µs"
    for unit, scale in (("ms", 1e3), ("s", 1e6)):
        value = micros / scale
        if value < 9.995:
            return f"{value:.2f} {unit}"
        if value < 99.95:
            return f"{value:.1f} {unit}"
        if value < 999.5 or unit == "s":
            return f"{value:.0f} {unit}"
    raise AssertionError("unreachable: the last unit takes any value")


def _distribution(counts: Mapping[int, int], histogram: _Histogram) -> list[BucketReport]:
    """Up to 12 bars, log-spaced from the fastest success to the slowest."""
    if not counts:
        return []
    low = max(int(_TEMPLATE.get_value_from_index(min(counts))), 1)
    high = histogram.value_of(max(counts))
    uppers = sorted({round(low * (high / low) ** (k / 12)) for k in range(1, 13)} | {high})
    uppers = [upper for upper in uppers if upper <= high]
    bars = [0] * len(uppers)
    for index, count in counts.items():
        value = histogram.value_of(index)
        bar = next((number for number, upper in enumerate(uppers) if value <= upper), -1)
        bars[bar] += count
    return [{"upper_us": upper, "count": bar} for upper, bar in zip(uppers, bars, strict=True)]


def _summary(
    tallies: Sequence[_Tally],
    *,
    url: str,
    server_requests: int | None,
    embedded: bool,
    options: OptionsReport,
) -> BenchReport:
    """Merge the workers' tallies into the report."""
    ok = sum(tally.ok for tally in tallies)
    failed = sum(tally.failed for tally in tallies)
    duration = max((tally.window_s for tally in tallies), default=0.0)
    body_bytes = sum(tally.body_bytes for tally in tallies)
    latency = _merge(tally.latency for tally in tallies)
    latency_histogram = _Histogram(latency)
    connect = _Histogram(_merge(tally.connect for tally in tallies))
    statuses = _merge(tally.statuses for tally in tallies)
    errors = _merge(cast(Mapping[int, int], tally.errors) for tally in tallies)
    report: BenchReport = {
        "schema": SCHEMA,
        "url": url,
        "embedded_server": embedded,
        "server_requests": server_requests,
        "options": options,
        "interrupted": any(tally.interrupted for tally in tallies),
        "duration_s": round(duration, 6),
        "requests": ok + failed,
        "successes": ok,
        "errors": failed,
        "errors_by_kind": dict(sorted(cast(dict[str, int], errors).items())),
        "status_codes": {str(int(code)): statuses[code] for code in sorted(statuses)},
        "abandoned": sum(tally.abandoned for tally in tallies),
        "unsent": sum(tally.unsent for tally in tallies),
        "requests_per_s": round((ok + failed) / duration, 1) if duration else 0.0,
        "body_bytes": body_bytes,
        "transfer_mb_per_s": round(body_bytes / duration / 1e6, 3) if duration else 0.0,
        "connections_opened": connect.total,
        "client_cpu_s": round(sum(tally.cpu_s for tally in tallies), 3),
        "latency": latency_histogram.report(),
        "first_byte": _Histogram(_merge(tally.first_byte for tally in tallies)).report(),
        "connect": connect.report(),
        "distribution": _distribution(latency, latency_histogram),
    }
    if options["mode"] == "open":
        report["service_time"] = _Histogram(_merge(tally.service for tally in tallies)).report()
    return report


def _table(report: BenchReport) -> list[str]:
    header = f"  {'':<12}" + "".join(
        f"{name:>10}" for name in ("p50", "p75", "p90", "p99", "p99.9", "max", "mean")
    )
    rows = [header]
    timings: list[tuple[str, HistogramReport | None]] = [
        ("latency", report["latency"]),
        ("first byte", report["first_byte"]),
        ("connect", report["connect"]),
        ("service", report.get("service_time")),
    ]
    for name, timing in timings:
        if timing is None:
            continue
        if not timing["count"]:
            rows.append(f"  {name:<12}{'(none)':>10}")
            continue
        values = [*timing["percentiles_us"].values(), timing["max_us"], timing["mean_us"]]
        rows.append(f"  {name:<12}" + "".join(f"{_us(value):>10}" for value in values))
    return rows


def _bars(report: BenchReport) -> list[str]:
    buckets = report["distribution"]
    if not buckets:
        return []
    total = sum(bucket["count"] for bucket in buckets)
    widest = max(bucket["count"] for bucket in buckets)
    lines = [f"  latency distribution ({total:,} successes)"]
    for bucket in buckets:
        count = bucket["count"]
        eighths = round(40 * 8 * count / widest)
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        share = 100 * count / total
        lines.append(f"  ≤ {_us(bucket['upper_us']):>9} │{bar:<40}│ {share:5.1f} %  {count:>12,}")
    return lines


def _text(report: BenchReport) -> str:
    """The report for people (stdout)."""
    options = report["options"]
    where = f"{report['url']} (embedded server)" if report["embedded_server"] else report["url"]
    if options["mode"] == "open":
        mode = f"open loop at {options['rate']:,.6g} req/s"
    else:
        mode = "closed loop"
    depth = f", {options['pipeline']} in flight each" if options["pipeline"] > 1 else ""
    how_long = (
        f"{options['requests']:,} requests"
        if options["requests"] is not None
        else f"{options['duration_s']:g} s"
    )
    warmup = f" after a {options['warmup_s']:g} s warm-up" if options["warmup_s"] else ""
    workers = "1 worker" if options["workers"] == 1 else f"{options['workers']} workers"
    lines = [
        f"aiohttpcore bench {where}",
        f"  {mode}, {options['connections']} connections{depth}, {workers} ({options['loop']}),"
        f" {how_long}{warmup}" + (", keep-alive off" if not options["keepalive"] else ""),
        "",
    ]
    duration = report["duration_s"]
    interrupted = " (interrupted)" if report["interrupted"] else ""
    lines.append(
        f"  {'requests':<12}{report['requests']:,} in {duration:.2f} s{interrupted}"
        f" = {report['requests_per_s']:,.1f} req/s"
    )
    unsent = report["unsent"]
    if unsent:
        hint = " (more connections, -c, may keep up)" if unsent > report["requests"] / 100 else ""
        lines.append(
            f"  {'':<12}behind: {unsent:,} requests due before the end were not sent{hint}"
        )
    lines.append(
        f"  {'transfer':<12}{report['transfer_mb_per_s']:,.2f} MB/s of response bodies"
        f" ({report['body_bytes']:,} bytes)"
    )
    statuses = "  ".join(f"{code}: {count:,}" for code, count in report["status_codes"].items())
    lines.append(f"  {'statuses':<12}{statuses or '(none)'}")
    share = 100 * report["errors"] / report["requests"] if report["requests"] else 0.0
    lines.append(
        f"  {'errors':<12}{report['errors']:,}" + (f" ({share:.2f} %)" if report["errors"] else "")
    )
    lines.extend(
        f"  {'':<14}{kind}: {count:,}" for kind, count in report["errors_by_kind"].items()
    )
    if report["abandoned"]:
        lines.append(
            f"  {'abandoned':<12}{report['abandoned']:,} requests unanswered"
            f" {_DRAIN_S:g} s after the end"
        )
    warm = " (warm-up included)" if options["warmup_s"] else ""
    lines.append(f"  {'connections':<12}{report['connections_opened']:,} opened{warm}")
    cpu = report["client_cpu_s"]
    requests = report["requests"]
    per_request = f", {cpu / requests * 1e6:.1f} µs/request" if requests else ""
    if options["mode"] == "open":
        per_request += " (waiting for start times included)"
    lines.append(f"  {'client CPU':<12}{cpu:.2f} s{per_request}")
    if report["server_requests"] is not None:
        lines.append(f"  {'server':<12}answered {report['server_requests']:,} requests{warm}")
    lines.extend(["", *_table(report), "", *_bars(report)])
    return "\n".join(lines).rstrip() + "\n"

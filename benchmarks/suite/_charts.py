"""Bar charts of the medians: one PNG per workload, written next to the markdown report.

matplotlib with the Agg backend (no display needed), imported only when a
chart is drawn, so the rest of the suite runs without it. One panel per
concurrency of the workload, one bar per client and loop (the headline
metric's median over repetitions: req/s, or MiB/s for the transfers),
aiohttpcore's bars edged in black so they are found at a glance. The
figures in the tables are the ones to quote; a chart is for the eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from benchmarks.connection._report import Metric
from benchmarks.suite._common import SUBJECT
from benchmarks.suite._report import Results

__all__ = ["draw"]

_COLOURS: Final = ("#4c72b0", "#dd8452", "#55a868")
_DPI: Final = 80


def draw(
    results: Results,
    path: Path,
    title: str,
    groups: Sequence[str],
    loops: Sequence[str],
    clients: Sequence[str],
    metric: Metric,
    unit: str,
) -> None:
    """Write one PNG to *path*: a panel per group, bars per client and loop."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, len(groups), figsize=(1.0 + 4.2 * len(groups), 4.2), squeeze=False
    )
    width = 0.8 / len(loops)
    for axis, group in zip(axes[0], groups, strict=True):
        names = [c for c in clients if any((group, loop, c) in results.runs for loop in loops)]
        for turn, loop in enumerate(loops):
            values = [results.median(group, loop, c, metric) or 0.0 for c in names]
            places = [n - 0.4 + width * (turn + 0.5) for n in range(len(names))]
            bars = axis.bar(places, values, width, label=loop, color=_COLOURS[turn % 3])
            for bar, name in zip(bars, names, strict=True):
                if name == SUBJECT:
                    bar.set_edgecolor("black")
                    bar.set_linewidth(1.5)
            axis.bar_label(bars, fmt="{:,.0f}", fontsize=6, rotation=90, padding=2)
        axis.set_xticks(range(len(names)), names, rotation=40, ha="right", fontsize=8)
        axis.set_title(f"c = {group.partition(':')[2]}", fontsize=9)
        axis.set_ylabel(unit, fontsize=8)
        axis.tick_params(axis="y", labelsize=7)
        axis.margins(y=0.15)
    if len(loops) > 1:
        axes[0][0].legend(fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=_DPI)
    plt.close(figure)

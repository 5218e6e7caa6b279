"""The codec micro-benchmark still runs (a smoke run: it checks every peer's answers first).

Not a timing test: ``--quick`` exits 0 only when aiohttpcore, h11 and
httptools all parsed and wrote what the workloads expect, so an API change
that breaks ``benchmarks/micro`` fails here instead of on the next
measurement.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_micro_benchmark_quick_run_checks_and_reports() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.micro", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "h11/aiohttpcore" in done.stdout

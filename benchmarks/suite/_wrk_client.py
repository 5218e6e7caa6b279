"""wrk as the C reference: the same server, the same concurrency, no Python and no event loop.

Run by the runner itself (``measure``), not by ``_client.py``: ``taskset -c
CPU wrk -t1 -cC -dDs -s SCRIPT URL``, one thread (one CPU, as every Python
client has), C connections. The Lua script's ``done`` hook prints the
summary as one JSON line (requests, duration, bytes read, errors by kind,
latency percentiles from wrk's own HDR histogram, in µs); any error or
non-2xx answer fails the run. C adds ``-H "Connection: close"`` (wrk then
reconnects for every request); D points wrk at the TLS port (wrk does not
verify certificates); F's script sends 16 requests in one write and the next
16 once all 16 are answered (wrk's pipelining is by batch, not a sliding
window as the Python lanes keep). wrk's CPU is read by the runner as its
child's ``getrusage``. It has no warm-up: its connections open at its start
and its count covers its whole run, whose length is a whole number of
seconds (wrk takes no fraction).

Importing this module fails (so the runner leaves wrk out, with a note)
when ``wrk`` is not on ``PATH``.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from typing import Any, Final

__all__ = ["NAME", "measure", "version"]

NAME: Final = "wrk"

if shutil.which("wrk") is None:
    raise ImportError("wrk not found: apt-get install -y wrk")

_DONE: Final = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, '
    .. '"read": %d, "write": %d, "status": %d, "timeout": %d}, "p50": %d, "p90": %d, '
    .. '"p99": %d, "p99_9": %d, "max": %d, "mean": %f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
"""

_PIPELINE: Final = """\
init = function(args)
  local batch = {{}}
  for i = 1, {depth} do batch[i] = wrk.format(nil, "{path}") end
  pipelined = table.concat(batch)
end
request = function() return pipelined end
"""

_TIMEOUT_MARGIN: Final = 60.0


def version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer": the part after the name.
    return first[0].split(" Copyright")[0].removeprefix("wrk ") if first else "(version unknown)"


def _children_cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def measure(
    url: str,
    connections: int,
    duration: float,
    *,
    cpu: int,
    headers: tuple[tuple[str, str], ...] = (),
    depth: int = 1,
    path: str = "/",
) -> dict[str, Any]:
    """One wrk run pinned to *cpu*; its figures in the Python clients' JSON names.

    Raises:
        RuntimeError: wrk failed, reported errors, or printed no summary.
    """
    seconds = max(1, round(duration))
    script = _DONE + (_PIPELINE.format(depth=depth, path=path) if depth > 1 else "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="aiohttpcore-wrk-") as file:
        file.write(script)
        file.flush()
        command = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}"]
        command += [f"-d{seconds}s", "--timeout", "10s", "-s", file.name]
        for name, value in headers:
            command += ["-H", f"{name}: {value}"]
        user, system = _children_cpu()
        done = subprocess.run(
            [*command, url],
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + _TIMEOUT_MARGIN,
        )
        user_after, system_after = _children_cpu()
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"wrk failed (exit status {done.returncode}): {done.stderr.strip()}")
    summary = json.loads(lines[-1])
    errors = {kind: count for kind, count in summary["errors"].items() if count}
    if errors:
        raise RuntimeError(f"wrk saw errors: {errors}")
    return {
        "ops": summary["requests"],
        "wall_s": summary["duration_us"] / 1e6,
        "cpu_s": (user_after - user) + (system_after - system),
        "user_s": user_after - user,
        "sys_s": system_after - system,
        "bytes": summary["bytes"],
        # wrk answers 0 for a percentile it has no rank for (its pipelined runs' p99).
        **{
            f"latency_{name}_us": summary[name] or None
            for name in ("p50", "p90", "p99", "p99_9", "max")
        },
        "latency_mean_us": summary["mean"],
    }

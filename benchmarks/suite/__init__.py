"""The benchmark suite of issue 6: every workload against every peer, one nginx, one run.

Run ``nox -s bench`` (or ``python -m benchmarks.suite`` with the peers, nginx
and wrk installed; ``--quick`` for a smoke run). Workloads A to F (small GETs
at 1/16/64/256 connections, a 100 MiB download, ``Connection: close``,
HTTPS, a 100 MiB upload, pipelining) for aiohttpcore's ``pool.request`` and
``HTTPConnection``, aiohttp, httpx, httpcore, aiosonic, two raw asyncio
ceilings and wrk, on asyncio and uvloop; G compares ``aiohttpcore bench``
with wrk and locust. The layout:

* ``_common.py``: the workloads, which client runs which, what a client is
  given (``Work``) and provides (``open_lane``);
* ``_<name>_client.py``: one module per client, built from the connection
  and pool benchmarks' clients where they fit; ``_counting.py``: what the
  two raw ceilings share; ``_wrk_client.py``: wrk, run by the runner;
* ``_client.py``: one timed run in its own process, pinned, JSON out;
* ``_server.py``: nginx with TLS (a trustme CA), or the embedded server;
* ``_generators.py`` and ``_locustfile.py``: G;
* ``_runner.py``: the command line and the interleaved repetitions;
* ``_report.py``, ``_charts.py``: the markdown, the goals, the PNGs.

Method and how to read the output: ``benchmarks/README.md``.
"""

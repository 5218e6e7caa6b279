"""Pool benchmarks: small GETs through connection pools to a local nginx, each client a process.

Run ``python -m benchmarks.pool`` from the repository root (``--quick`` for
a smoke run). C tasks (C = 1, 64, 256) each do one GET of a 13-byte body
after another through one pool of C connections; req/s, the client's CPU µs
per request and the latency p50/p99, on the default asyncio loop and on
uvloop, for aiohttpcore's ``ConnectionPool``, aiohttp, httpx, aiosonic and a
raw ``BufferedProtocol`` ceiling. The server and the runner's helpers are
``benchmarks.connection``'s. The layout:

* ``_common.py``: what a peer provides (``Peer``, ``Get``) and is given;
* ``_raw_client.py``, ``_aiohttpcore_client.py``, ``_aiohttp_client.py``,
  ``_httpx_client.py``, ``_aiosonic_client.py``: one module per peer,
  nothing but building the pool and one request;
* ``_client.py``: one timed run in its own process, pinned to CPU 1, JSON out;
* ``_runner.py``: the command line, interleaved repetitions, the profile mode;
* ``_report.py``: medians, per-repetition ratios, the markdown and the JSON.

Method and how to read the output: ``README.md`` next to this file.
"""

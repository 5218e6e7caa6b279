"""Connection benchmarks: one kept-alive connection to a local nginx, each client a process.

Run ``python -m benchmarks.connection`` from the repository root (``--quick``
for a smoke run). Workload A (``small``): sequential keep-alive GETs of a
13-byte body, concurrency 1, req/s and the client's CPU µs per request.
Workload B (``download``): a 100 MiB file, MiB/s. Each on the default asyncio
loop and on uvloop, next to a raw ``BufferedProtocol`` ceiling, aiohttp and
httpx. The layout:

* ``_server.py``: nginx, configured and started here, pinned to CPU 0;
* ``_common.py``: what a peer provides (``Peer``, ``Session``) and is given;
* ``_raw_client.py``, ``_aiohttpcore_client.py``, ``_aiohttp_client.py``,
  ``_httpx_client.py``: one module per peer, nothing but the requests;
* ``_client.py``: one timed run in its own process, pinned to CPU 1, JSON out;
* ``_runner.py``: the command line, interleaved repetitions, the profile mode;
* ``_report.py``: per-repetition ratios, medians, the markdown and the JSON.

Method and how to read the output: ``README.md`` next to this file.
"""

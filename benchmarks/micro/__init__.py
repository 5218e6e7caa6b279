"""Codec micro-benchmarks: aiohttpcore's ``ClientCodec`` against h11 and httptools.

Run ``python -m benchmarks.micro`` from the repository root (``--quick`` for a
smoke run, ``--json FILE`` to keep the figures). The layout:

* ``_cases.py``: the workloads (wire bytes, the request) and the ``Peer``
  protocol every peer module satisfies;
* ``_aiohttpcore.py``, ``_h11.py``, ``_httptools.py``: one module per peer,
  each with the same five functions and nothing else shared;
* ``_timing.py``: batches timed with ``perf_counter_ns``, gc off;
* ``_report.py``: the markdown tables and the JSON document;
* ``_runner.py``: the command line, checks of every peer's answer, the order
  of measurement.

Method and how to read the output: ``README.md`` next to this file.
"""

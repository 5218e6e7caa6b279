"""Benchmarks for aiohttpcore, each measured against its peers in the same run.

``benchmarks.micro`` times the sans-IO codec against h11 and httptools
(``benchmarks/micro/README.md``); ``benchmarks.connection`` one connection
and ``benchmarks.pool`` pools against a local nginx (their READMEs);
``benchmarks.suite`` every workload of issue 6 against every peer, reusing
the last two's server, clients and runner (``benchmarks/README.md``, with
the committed results in ``benchmarks/results/``). Nothing here is imported
by the package or its tests, and nothing here is a test: these modules print
figures.
"""

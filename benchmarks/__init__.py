"""Benchmarks for aiohttpcore, each measured against its peers in the same run.

``benchmarks.micro`` times the sans-IO codec against h11 and httptools; see
``benchmarks/micro/README.md``. Nothing here is imported by the package or
its tests, and nothing here is a test: these modules print figures.
"""

"""Test infrastructure shared by the socket-level and interop suites (not tests themselves).

``app``: the ASGI application the real servers run. ``servers``: pytest
fixtures starting uvicorn, hypercorn and granian as subprocesses, plain and
over TLS. ``rawserver``: a scripted raw-socket server for misbehaviour. None
of them imports ``aiohttpcore``: the client under test must not test itself.

Import as ``_support.<module>``: ``tests/`` is on ``sys.path`` (pytest puts
the root ``conftest.py``'s directory there) and mypy finds it the same way.
"""

"""Docs fixtures: the real servers of ``_support.servers`` the snippets talk to.

Imported by name so pytest registers them for this directory, as in
``tests/interop/conftest.py``.
"""

from __future__ import annotations

from _support.servers import (  # noqa: F401  (registered by being module attributes)
    pytest_runtest_makereport,
    server_farm,
    tls_files,
    uvicorn_h11_server,
    uvicorn_h11_tls_server,
)

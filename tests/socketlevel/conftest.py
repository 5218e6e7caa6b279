"""Socket-level fixtures: the real servers of ``_support.servers`` and its report hook.

Imported by name so pytest registers them for this directory. Once the root
``tests/conftest.py`` says ``pytest_plugins = ["_support.servers"]``, this
file can go.
"""

from __future__ import annotations

from _support.servers import (  # noqa: F401  (registered by being module attributes)
    granian_server,
    granian_tls_server,
    http_server,
    hypercorn_server,
    hypercorn_tls_server,
    plain_http_server,
    pytest_runtest_makereport,
    server_farm,
    tls_files,
    tls_http_server,
    uvicorn_h11_server,
    uvicorn_h11_tls_server,
    uvicorn_httptools_server,
    uvicorn_httptools_tls_server,
)

"""Interop fixtures: the real servers of ``_support.servers`` and its report hook.

Imported by name so pytest registers them for this directory (the same
arrangement as ``tests/socketlevel/conftest.py``); once the root
``tests/conftest.py`` says ``pytest_plugins = ["_support.servers"]``, this
file can go.
"""

from __future__ import annotations

from _support.servers import (  # noqa: F401  (registered by being module attributes)
    http_server,
    pytest_runtest_makereport,
    server_farm,
    tls_files,
)

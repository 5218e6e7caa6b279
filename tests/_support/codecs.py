"""The optional compression packages, as the tests find them (one lookup for every test file).

``brotli`` and ``zstd`` are the modules when importable, else ``None``:
``zstd`` is the standard library's ``compression.zstd`` on Python 3.14 and
``backports.zstd`` before. The test sessions install both, so their tests
run; elsewhere the tests that need one are marked to say which is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["brotli", "optional_module", "zstd"]


def optional_module(*names: str) -> ModuleType | None:
    """The first of *names* that imports, or ``None``."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


brotli = optional_module("brotli")
zstd = optional_module("compression.zstd", "backports.zstd")

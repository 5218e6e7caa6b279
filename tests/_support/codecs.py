"""The compression packages the codec tests compress with, imported once for every test file.

``brotli`` is the ``brotli`` package; ``zstd`` is the standard library's
``compression.zstd`` on Python 3.14 and ``backports.zstd`` before. The
library treats both as optional extras, but its tests do not: the test
sessions install them (noxfile.py), and a missing one is an import error
at collection, never a silently skipped test.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["brotli", "zstd"]

brotli: ModuleType = importlib.import_module("brotli")
zstd: ModuleType = importlib.import_module(
    "compression.zstd" if sys.version_info >= (3, 14) else "backports.zstd"
)

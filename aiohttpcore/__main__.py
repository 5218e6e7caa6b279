"""``python -m aiohttpcore`` and the ``aiohttpcore`` console script.

A thin entry point: the commands live in :mod:`aiohttpcore.cli`, whose
:func:`~aiohttpcore.cli.main` is re-exported here because ``pyproject.toml``
names ``aiohttpcore.__main__:main`` as the console script. ``main`` returns
the exit status; the console script's wrapper and the block below pass it
to ``sys.exit``.
"""

from __future__ import annotations

import sys

from .cli import main as main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())

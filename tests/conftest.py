"""Suite-wide pytest configuration: every asyncio test runs on both event loops.

pytest-asyncio (1.5.0) parametrises each ``@pytest.mark.asyncio`` test over
the loop factories this hook returns, so a test written once runs on the
standard library's loop and on uvloop, the two loops users run us on
(CONVENTIONS.md, "Tooling settings"). This hook replaces the deprecated
``event_loop_policy`` fixture override. Test IDs end in ``[asyncio]`` or
``[uvloop]``; ``tests/unit/test_loops.py`` checks both appear.

Nothing else belongs here: helpers live in ``tests/_support/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import pytest
import uvloop

LOOP_FACTORIES: Mapping[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run every asyncio test on each loop (pytest-asyncio hook, first result wins)."""
    del config, item  # the same two loops for every test
    return LOOP_FACTORIES

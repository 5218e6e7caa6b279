"""The suite's asyncio tests really run on both event loops (see ``tests/conftest.py``).

If the pytest-asyncio hook were misspelt, ignored or returned one loop, every
async test would still pass, on one loop only; these tests make that visible.
"""

from __future__ import annotations

import asyncio

import pytest

EXPECTED_LOOPS = {"asyncio", "uvloop"}


def _loop_id(item: pytest.Item) -> str:
    assert isinstance(item, pytest.Function)
    return item.callspec.id


@pytest.mark.asyncio
async def test_runs_on_the_loop_named_in_its_id(request: pytest.FixtureRequest) -> None:
    loop = asyncio.get_running_loop()
    package = type(loop).__module__.partition(".")[0]
    assert package == _loop_id(request.node)
    await asyncio.sleep(0)  # the loop schedules and resumes us


def test_every_async_test_is_given_both_loops(request: pytest.FixtureRequest) -> None:
    # Ask the hook itself, as pytest-asyncio does for each item, so that the
    # answer does not depend on which tests this run selected.
    chosen = request.config.hook.pytest_asyncio_loop_factories(  # a firstresult hook
        config=request.config, item=request.node
    )
    assert chosen, "no plugin answered pytest_asyncio_loop_factories"
    assert set(chosen) == EXPECTED_LOOPS
    for name, factory in chosen.items():
        loop = factory()
        try:
            assert type(loop).__module__.partition(".")[0] == name
        finally:
            loop.close()

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


def test_both_loops_were_collected(request: pytest.FixtureRequest) -> None:
    loop_ids = {
        _loop_id(item)
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_runs_on_the_loop_named_in_its_id"
    }
    if not loop_ids:
        pytest.skip("the loop test was deselected in this run")
    assert loop_ids == EXPECTED_LOOPS

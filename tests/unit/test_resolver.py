"""The pool's DNS cache: literals pass through, names are cached, failures name the host.

The loop's resolver is replaced by a counting double with behaviour (it
answers from a table, or fails like ``getaddrinfo`` does), so nothing here
depends on the machine's DNS.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from aiohttpcore._resolver import CachingResolver
from aiohttpcore.exceptions import ConnectError

Info = tuple[Any, Any, Any, str, tuple[Any, ...]]


class FakeResolver:
    """``loop.getaddrinfo`` from a table; unknown names fail with ``gaierror``."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int, **_: object) -> list[Info]:
        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in self.table[host]
        ]


async def _patched(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    resolver = FakeResolver({"service.test": ["127.0.0.2", "127.0.0.3", "127.0.0.2"]})
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolver)
    return resolver


@pytest.mark.asyncio
async def test_ip_literals_are_not_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = await _patched(monkeypatch)
    cache = CachingResolver(60)
    assert await cache.resolve("127.0.0.1", 80) == ["127.0.0.1"]
    assert await cache.resolve("::1", 80) == ["::1"]
    assert fake.calls == []


@pytest.mark.asyncio
async def test_a_name_is_resolved_once_per_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = await _patched(monkeypatch)
    cache = CachingResolver(60)
    for _ in range(5):
        # Duplicates dropped, the resolver's order kept.
        assert await cache.resolve("service.test", 80) == ["127.0.0.2", "127.0.0.3"]
    assert fake.calls == [("service.test", 80)]
    await cache.resolve("service.test", 443)  # another port, another entry
    assert len(fake.calls) == 2


@pytest.mark.asyncio
async def test_an_expired_entry_is_resolved_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = await _patched(monkeypatch)
    cache = CachingResolver(0)  # expires at once
    await cache.resolve("service.test", 80)
    await cache.resolve("service.test", 80)
    assert len(fake.calls) == 2


@pytest.mark.asyncio
async def test_a_name_that_does_not_resolve_is_a_connect_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _patched(monkeypatch)
    with pytest.raises(ConnectError) as info:
        await CachingResolver(60).resolve("missing.test", 8080)
    assert info.value.host == "missing.test:8080"
    assert "cannot resolve missing.test" in str(info.value)
    assert isinstance(info.value.__cause__, socket.gaierror)


@pytest.mark.asyncio
async def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = await _patched(monkeypatch)
    cache = CachingResolver(60)
    for port in range(1, 1100):
        await cache.resolve("service.test", port)
    assert len(cache._cache) <= 1024
    await cache.resolve("service.test", 1)  # the oldest entry was dropped
    assert fake.calls[-1] == ("service.test", 1)


@pytest.mark.parametrize("ttl", [-1.0, float("nan")])
def test_a_bad_ttl_is_refused(ttl: float) -> None:
    with pytest.raises(ValueError, match="dns_cache_ttl"):
        CachingResolver(ttl)

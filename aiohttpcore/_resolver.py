"""Name resolution with a bounded TTL cache, for pools that open many connections to few names.

What it owns: a cache from ``(host, port)`` to the addresses the event
loop's resolver returned (``loop.getaddrinfo``, which runs in a thread and
never blocks the loop), kept ``ttl`` seconds, at most 1,024 names (the
oldest entry goes first); and the opener that connects to those addresses
in turn, with TLS still checked against the name. What it must not do:
decide when to connect (the pool does) or parse HTTP.

Scrapers that hit the same hosts over and over pay for one resolution per
TTL instead of one per connection. The addresses are tried in the order the
resolver gave them; there is no happy eyeballs between cached addresses.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Final

from .exceptions import ConnectError
from .protocol import ClientCodec
from .stream import HTTPStream, open_stream
from .timeouts import Timeout
from .url import is_ip_address

__all__ = ["CachingResolver"]

_CACHE_SIZE: Final = 1024


class CachingResolver:
    """Addresses of names, remembered for ``ttl`` seconds of ``loop.time()``."""

    __slots__ = ("_cache", "_ttl")

    def __init__(self, ttl: float) -> None:
        if not ttl >= 0:  # NaN fails too
            raise ValueError(f"dns_cache_ttl must be >= 0 or None, not {ttl!r}")
        self._ttl = ttl
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of *host*: an IP literal as it is, a name from the cache or the resolver.

        Raises:
            ConnectError: the name does not resolve; the message names it.
        """
        if is_ip_address(host):
            return [host]
        loop = asyncio.get_running_loop()
        now = loop.time()
        cached = self._cache.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise ConnectError(f"cannot resolve {host}: {error}", host=f"{host}:{port}") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if len(self._cache) >= _CACHE_SIZE:
            del self._cache[next(iter(self._cache))]
        self._cache[(host, port)] = (now + self._ttl, addresses)
        return addresses

    def opener(
        self,
        host: str,
        port: int,
        *,
        budgets: Timeout,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str | None,
        local_address: str | None,
    ) -> Callable[[ClientCodec], Awaitable[HTTPStream]]:
        """An ``HTTPConnection`` opener that connects to *host*'s cached addresses in turn."""

        async def open_resolved(codec: ClientCodec) -> HTTPStream:
            failure: ConnectError | None = None
            for address in await self.resolve(host, port):
                try:
                    return await open_stream(
                        codec,
                        host=address,
                        port=port,
                        budgets=budgets,
                        ssl_context=ssl_context,
                        server_hostname=server_hostname if ssl_context is not None else None,
                        local_address=local_address,
                        label=f"{host}:{port}",
                    )
                except ConnectError as error:
                    failure = error
            if failure is None:
                raise ConnectError(f"{host} resolved to no address", host=f"{host}:{port}")
            raise failure

        return open_resolved

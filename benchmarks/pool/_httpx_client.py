"""httpx as a peer: one ``AsyncClient`` whose pool holds up to *size* connections, HTTP/1.1.

What a user of httpx writes: ``await client.get(url)``, which reads the
body. ``Limits(max_connections=size, max_keepalive_connections=size)`` keeps
every connection the warm-up opens. Defaults otherwise (timeouts, decoding);
``trust_env=False`` so no proxy or netrc is taken from the environment.

httpcore 1.0 imports ``sniffio`` inside every lock it sets up; recent anyio
releases (4.16 in the dev venv) no longer depend on it, and without it each
of those imports fails and searches ``sys.path`` again (about a third of
httpx's CPU per request at concurrency 1 on the dev machine). ``version()``
says when it is missing, since that changes the figures.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from benchmarks.connection import _httpx_client
from benchmarks.pool._common import Get, Target, WrongAnswer

__all__ = ["NAME", "pool", "version"]

NAME: Final = "httpx"


def version() -> str:
    missing = importlib.util.find_spec("sniffio") is None
    return _httpx_client.version() + (", sniffio missing" if missing else "")


@asynccontextmanager
async def pool(target: Target, size: int) -> AsyncIterator[Get]:
    url = target.url(target.small_path)
    expected = target.small_body
    async with _httpx_client.client(target, size) as client:

        async def get(lane: int) -> None:
            resp = await client.get(url)
            if resp.status_code != 200 or resp.content != expected:
                raise WrongAnswer(f"status {resp.status_code}, body {resp.content[:64]!r}")

        yield get

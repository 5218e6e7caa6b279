"""The locust side of the load-generator comparison: ``FastHttpUser``, no wait time.

``FastHttpUser`` is locust's fastest client (geventhttpclient); a user
class with no ``wait_time`` runs its next task as soon as the last one
ends, so each user is a closed-loop lane, as a connection of wrk or of
``aiohttpcore bench`` is. The path comes from ``AIOHTTPCORE_BENCH_PATH``
(default ``/small``), the host from locust's ``--host``. Run by
``_generators.py`` as ``locust -f`` this file, headless, one process.
"""

from __future__ import annotations

import os

from locust import FastHttpUser, task

PATH = os.environ.get("AIOHTTPCORE_BENCH_PATH", "/small")


class SmallGet(FastHttpUser):
    """One GET of the small path after another."""

    @task
    def small(self) -> None:
        self.client.get(PATH)

"""Retry: when the pool may send a request again, as one frozen value.

What it owns: the decision "may this failure be retried, and after how
long", given what the pool knows of the attempt. What it must not do: sleep
or count time (the pool does), or widen PROTOCOL-POLICY.md's pool rule 4: a
request that may have reached the server is replayed only when its method
is idempotent, its body can be sent again, and the connection was a reused
one that failed before any byte of the response arrived (the classic race
with a server closing an idle keep-alive connection). A fresh connection
that fails the same way would fail again: never retried. Nor is a timeout:
the server is there, only slow.

Connect failures (nothing was sent) are another matter: they are retried,
for every method, only as many times as ``connect`` allows (0 by default),
with exponential backoff, and only when ``is_temp_network_error`` says the
trouble may pass (a certificate error never does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .exceptions import ConnectError, ConnectionClosed, is_temp_network_error

__all__ = ["IDEMPOTENT_METHODS", "Retry"]

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""RFC 9110 §9.2.2: methods whose repetition has the effect of one request."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry:
    """How many times, and after which failures, the pool sends a request again.

    Attributes:
        total: retries of one request, all causes together (0: never).
        connect: retries after failing to open a connection (refused,
            unreachable, connect timeout), within ``total``. 0 by default:
            whether to hammer a host that refuses is the caller's decision.
        stale: retry an idempotent request once on a reused connection
            that the server closed before answering. A read
            or write timeout is not such a close: never retried.
        backoff_factor: sleep ``backoff_factor * 2 ** (n - 1)`` seconds
            before retry *n* of a connect failure (none before a stale
            retry: the next connection is a fresh one).
        backoff_max: the longest such sleep.
        methods: the methods that may be replayed after the request may
            have reached the server.

    Raises:
        ValueError: a negative count or time.
    """

    total: int = 2
    connect: int = 0
    stale: bool = True
    backoff_factor: float = 0.0
    backoff_max: float = 10.0
    methods: frozenset[str] = field(default=IDEMPOTENT_METHODS)

    def __post_init__(self) -> None:
        for name in ("total", "connect", "backoff_factor", "backoff_max"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"Retry.{name} must not be negative, not {value!r}")
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))

    @classmethod
    def never(cls) -> Retry:
        """No retry at all, not even after a stale keep-alive connection."""
        return cls(total=0, connect=0, stale=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to sleep before connect retry *attempt* (1 for the first)."""
        if attempt < 1 or not self.backoff_factor:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * 2 ** (attempt - 1)))

    def connect_retry(self, error: BaseException, retries: int, connects: int) -> bool:
        """May a failed connect be retried, after *retries* retries (*connects* of connects)?"""
        return (
            isinstance(error, ConnectError)
            and is_temp_network_error(error)
            and retries < self.total
            and connects < self.connect
        )

    def stale_retry(
        self,
        error: BaseException,
        *,
        method: str,
        reused: bool,
        response_started: bool,
        replayable: bool,
        retries: int,
        stale_retries: int,
    ) -> bool:
        """May a request that failed on an open connection be sent again?

        Only once, only idempotent methods (any method when the server said
        it did not process the request), only on a reused connection that
        failed before any response byte, only with a replayable body, and
        never after a read or write timeout.
        """
        if not self.stale or stale_retries or retries >= self.total or not replayable:
            return False
        if isinstance(error, ConnectionClosed) and error.unprocessed:
            return True
        return (
            reused
            and not response_started
            and method in self.methods
            and is_temp_network_error(error)
            # A timeout is a slow or stalled server, not one that closed an idle
            # connection: sending again would double the wait and its work.
            and not isinstance(error, TimeoutError)
        )


DEFAULT_RETRY: Final = Retry()
"""Stale keep-alive retries on, connect retries off."""

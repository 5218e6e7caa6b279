"""The pool's books: who holds which connection, who waits, what may be opened.

What it owns: per origin, the idle connections (a LIFO stack, so the warmest
connection is reused and the coldest ones expire), the count of connections
checked out or being opened, the FIFO queue of tasks waiting for a slot, and
the counters behind ``ConnectionPool.stats()``. What it must not do: await,
open or close anything, or read a clock. Every function here is synchronous
and returns what the caller must do next (connections to close, waiters to
wake), so ``pool.py`` awaits only after the books balance (CONVENTIONS.md
rule 6; httpcore's ``_assign_requests_to_connections`` has the same shape).
A connection to close comes as a ``(connection, reason)`` pair, the reason
being the key it is counted under in ``Books.closed``; ``_close`` alone
counts and returns it, so what ``pool.py`` reports (its ``connection_closed``
trace events) and what ``stats()`` counts cannot disagree, and no caller
works the reason out again from the rules here (CONVENTIONS.md rule 17).

Invariants, checked by ``check`` (which the tests call after every step):

* ``total`` = idle connections + checked-out connections (``busy``, which
  includes the ones being opened), and never exceeds ``max_connections``;
  ``busy`` + idle of one origin never exceeds ``max_per_host``.
* A waiter is either queued, or holds exactly one grant (a reserved slot or
  a connection), never both; a grant that its task did not take up goes
  back through :func:`cancel`, so cancellation never leaks a slot.
* Waiters are served in arrival order: a newcomer never takes a fresh slot
  while earlier waiters that it could starve are queued.

Connections are opaque here; all the books ask of one is ``is_reusable()``.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable
from typing import Final, Generic, Protocol, TypeVar

__all__ = [
    "Books",
    "OriginCount",
    "Poolable",
    "Waiter",
    "acquire",
    "cancel",
    "check",
    "close_all",
    "connect_failed",
    "connected",
    "enqueue",
    "release",
    "sweep",
]

# The reasons a connection leaves the books, as ``stats()`` counts them; a caller's
# own reason for a connection it releases unfit (``release(reason=...)``) besides.
EXPIRED: Final = "expired"  # idle for keepalive_expiry seconds or more
SERVER_CLOSED: Final = "server_closed"  # idle, and no longer is_reusable()
IDLE_LIMIT: Final = "idle_limit"  # released clean while max_idle were idle
EVICTED: Final = "evicted"  # idle, closed to free a slot for another origin
POOL_CLOSED: Final = "pool_closed"  # idle when the pool closed
NOT_REUSABLE: Final = "not_reusable"  # released unfit, the caller giving no reason


class Poolable(Protocol):
    """What the books need of a connection: whether it can carry another request now."""

    def is_reusable(self) -> bool: ...


C = TypeVar("C", bound=Poolable)
K = TypeVar("K", bound=Hashable)


class Waiter(Generic[K, C]):
    """A task queued for a connection to *key*; ``pool.py`` attaches its wake-up.

    After a grant exactly one of ``slot`` (open a new connection in the
    reserved slot) and ``connection`` (an idle one, handed over) is set.
    """

    __slots__ = ("connection", "key", "queued", "slot", "wake")

    def __init__(self, key: K) -> None:
        self.key = key
        self.queued = True
        self.slot = False
        self.connection: C | None = None
        self.wake: object = None  # pool.py's future; the books never touch it


class _Origin(Generic[C]):
    __slots__ = ("busy", "connecting", "idle", "waiting")

    def __init__(self) -> None:
        self.idle: list[tuple[C, float]] = []  # (connection, idle since); newest last
        self.busy = 0  # checked out, including the ones being opened
        self.connecting = 0
        self.waiting = 0

    def empty(self) -> bool:
        return not (self.idle or self.busy or self.waiting)


class OriginCount:
    """One origin's figures at the moment ``stats()`` was taken."""

    __slots__ = ("active", "connecting", "idle", "waiters")

    def __init__(self, idle: int, active: int, connecting: int, waiters: int) -> None:
        self.idle = idle
        self.active = active
        self.connecting = connecting
        self.waiters = waiters

    def __repr__(self) -> str:
        return (
            f"OriginCount(idle={self.idle}, active={self.active}, "
            f"connecting={self.connecting}, waiters={self.waiters})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OriginCount):
            return NotImplemented
        return (self.idle, self.active, self.connecting, self.waiters) == (
            other.idle,
            other.active,
            other.connecting,
            other.waiters,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value: equal, not hashable


class Books(Generic[K, C]):
    """The state of one pool; change it only through this module's functions.

    Args:
        max_connections: connections open or being opened, all origins together.
        max_per_host: the same for one origin; ``None``: only the total limits.
        max_idle: idle connections kept, all origins together; a released
            connection beyond it is closed.
        keepalive_expiry: seconds an idle connection is kept; ``None``: forever.
    """

    __slots__ = (
        "closed",
        "keepalive_expiry",
        "max_connections",
        "max_idle",
        "max_per_host",
        "opened",
        "origins",
        "reused",
        "total",
        "total_idle",
        "waiters",
    )

    def __init__(
        self,
        *,
        max_connections: int,
        max_per_host: int | None = None,
        max_idle: int | None = None,
        keepalive_expiry: float | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if max_per_host is not None and max_per_host < 1:
            raise ValueError("max_connections_per_host must be at least 1 (or None)")
        if max_idle is not None and max_idle < 0:
            raise ValueError("max_idle_connections must not be negative")
        if keepalive_expiry is not None and not keepalive_expiry >= 0:  # NaN fails too
            raise ValueError(f"keepalive_expiry must be >= 0 or None, not {keepalive_expiry!r}")
        self.max_connections = max_connections
        self.max_per_host = max_per_host or max_connections
        self.max_idle = max_connections if max_idle is None else max_idle
        self.keepalive_expiry = keepalive_expiry
        self.origins: dict[K, _Origin[C]] = {}
        self.waiters: deque[Waiter[K, C]] = deque()
        self.total = 0
        self.total_idle = 0
        self.opened = 0
        self.reused = 0
        self.closed: Counter[str] = Counter()

    def origin(self, key: K) -> OriginCount:
        """The figures of one origin (all zero for an unknown one)."""
        origin = self.origins.get(key)
        if origin is None:
            return OriginCount(0, 0, 0, 0)
        return OriginCount(
            len(origin.idle), origin.busy - origin.connecting, origin.connecting, origin.waiting
        )


def _origin(books: Books[K, C], key: K) -> _Origin[C]:
    origin = books.origins.get(key)
    if origin is None:
        origin = books.origins[key] = _Origin()
    return origin


def _expired(books: Books[K, C], since: float, now: float) -> bool:
    expiry = books.keepalive_expiry
    return expiry is not None and now - since >= expiry


def _room(books: Books[K, C], origin: _Origin[C]) -> bool:
    return books.total < books.max_connections and (
        origin.busy + len(origin.idle) < books.max_per_host
    )


def _reserve(books: Books[K, C], origin: _Origin[C]) -> None:
    books.total += 1
    origin.busy += 1
    origin.connecting += 1


def _close(books: Books[K, C], to_close: list[tuple[C, str]], connection: C, reason: str) -> None:
    """Count *connection* closed for *reason* and add it to *to_close*, as one step."""
    books.closed[reason] += 1
    to_close.append((connection, reason))


def _evict_oldest_idle(
    books: Books[K, C], spare: _Origin[C] | None, to_close: list[tuple[C, str]]
) -> bool:
    """Free a slot held by the longest-idle connection of another origin (scrapers: many hosts).

    Returns whether it found one; that one is added to *to_close* as ``EVICTED``.
    """
    oldest: _Origin[C] | None = None
    for origin in books.origins.values():
        if (
            origin.idle
            and origin is not spare
            and (oldest is None or origin.idle[0][1] < oldest.idle[0][1])
        ):
            oldest = origin
    if oldest is None:
        return False
    connection, _ = oldest.idle.pop(0)
    books.total -= 1
    books.total_idle -= 1
    _close(books, to_close, connection, EVICTED)
    return True


def acquire(books: Books[K, C], key: K, now: float) -> tuple[C | None, bool, list[tuple[C, str]]]:
    """Take an idle connection to *key*, or reserve a slot for a new one.

    Returns ``(connection, reserved, to_close)``: a reusable idle connection
    (checked out), else ``reserved`` true when a slot was reserved (open a
    connection, then call :func:`connected` or :func:`connect_failed`), else
    neither: :func:`enqueue` and wait. ``to_close`` holds the
    ``(connection, reason)`` pairs for the caller to close: idle ones found
    dead on the way down the stack (``SERVER_CLOSED``), then the first one
    found expired and every older one (``EXPIRED``), then one of another
    origin ``EVICTED`` to make room. Reuse is LIFO and costs O(1) unless dead
    ones are found.
    """
    origin = _origin(books, key)
    idle = origin.idle
    to_close: list[tuple[C, str]] = []
    while idle:
        connection, since = idle.pop()
        books.total_idle -= 1
        if _expired(books, since, now):
            # Everything below it on the stack is older: expired as well.
            _close(books, to_close, connection, EXPIRED)
            for older, _ in idle:
                _close(books, to_close, older, EXPIRED)
            books.total -= len(idle) + 1
            books.total_idle -= len(idle)
            idle.clear()
            break
        if not connection.is_reusable():
            _close(books, to_close, connection, SERVER_CLOSED)
            books.total -= 1
            continue
        origin.busy += 1
        books.reused += 1
        return connection, False, to_close
    if books.waiters:
        return None, False, to_close  # earlier waiters go first (FIFO)
    if not _room(books, origin):
        if origin.busy + len(origin.idle) >= books.max_per_host:
            return None, False, to_close
        if not _evict_oldest_idle(books, origin, to_close):
            return None, False, to_close
    _reserve(books, origin)
    return None, True, to_close


def connected(books: Books[K, C], key: K) -> None:
    """The connection opened in a reserved slot is up; it stays checked out."""
    origin = books.origins[key]
    origin.connecting -= 1
    books.opened += 1


def connect_failed(books: Books[K, C], key: K) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """Opening in a reserved slot failed or was cancelled: free the slot for the next waiter.

    Returns the waiters granted and the ``(connection, EVICTED)`` pairs to
    close to make room for them.
    """
    origin = books.origins[key]
    origin.connecting -= 1
    origin.busy -= 1
    books.total -= 1
    return _serve_waiters(books)


def enqueue(
    books: Books[K, C], key: K
) -> tuple[Waiter[K, C], list[Waiter[K, C]], list[tuple[C, str]]]:
    """Queue a task that :func:`acquire` could not serve, then serve the queue.

    :func:`acquire` sends a newcomer to the back of the queue whenever
    anyone waits, without looking at whom; serving the queue here gives the
    newcomer a slot at once if the waiters ahead of it cannot use one (their
    origins are at the per-host cap). Returns the new waiter (possibly
    already granted), the other waiters granted, and the
    ``(connection, EVICTED)`` pairs to close to make room for the grants.
    """
    waiter: Waiter[K, C] = Waiter(key)
    books.waiters.append(waiter)
    _origin(books, key).waiting += 1
    woken, to_close = _serve_waiters(books)
    return waiter, [w for w in woken if w is not waiter], to_close


def release(
    books: Books[K, C], key: K, connection: C, now: float, *, reusable: bool, reason: str = ""
) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """A checked-out connection comes back, idle and clean or to be closed.

    *reusable* is the caller's verdict (PROTOCOL-POLICY.md pool rule 2);
    *reason* names why it is closed otherwise, for ``stats()`` (empty:
    ``NOT_REUSABLE``). Returns the waiters that now hold a grant and the
    ``(connection, reason)`` pairs to close: idle ones ``EVICTED`` to make
    room for the grants (the released one too, if it was parked and was the
    longest idle), then the released one if it is not kept, with *reason* or
    ``IDLE_LIMIT``. Both lists are empty when it simply goes idle.
    """
    origin = books.origins[key]
    origin.busy -= 1
    if not reusable:
        books.total -= 1
        woken, to_close = _serve_waiters(books)
        _close(books, to_close, connection, reason or NOT_REUSABLE)
        return woken, to_close
    for waiter in books.waiters:
        if waiter.key == key:  # hand it over: no idle round trip, no wake-up race
            _dequeue(books, waiter, origin)
            waiter.connection = connection
            origin.busy += 1
            books.reused += 1
            return [waiter], []
    if books.total_idle >= books.max_idle:
        books.total -= 1
        woken, to_close = _serve_waiters(books)
        _close(books, to_close, connection, IDLE_LIMIT)
        return woken, to_close
    origin.idle.append((connection, now))
    books.total_idle += 1
    return _serve_waiters(books)


def _dequeue(books: Books[K, C], waiter: Waiter[K, C], origin: _Origin[C]) -> None:
    books.waiters.remove(waiter)
    waiter.queued = False
    origin.waiting -= 1


def _serve_waiters(books: Books[K, C]) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """Give free slots (and idle connections) to queued waiters, first come first served.

    A waiter whose own origin is at its per-host cap is passed over, not
    waited on: it cannot use the free slot, and the next waiter can.
    Returns the waiters granted and the ``(connection, EVICTED)`` pairs
    closed to make room for them, in the order they were granted.
    """
    woken: list[Waiter[K, C]] = []
    to_close: list[tuple[C, str]] = []
    if not books.waiters:
        return woken, to_close
    for waiter in list(books.waiters):
        origin = books.origins[waiter.key]
        if origin.idle:
            connection, _ = origin.idle.pop()
            books.total_idle -= 1
            _dequeue(books, waiter, origin)
            origin.busy += 1
            books.reused += 1
            waiter.connection = connection
            woken.append(waiter)
            continue
        if origin.busy >= books.max_per_host:
            continue
        if books.total >= books.max_connections and not _evict_oldest_idle(
            books, origin, to_close
        ):
            break  # every slot is busy: nobody else can be served either
        _dequeue(books, waiter, origin)
        _reserve(books, origin)
        waiter.slot = True
        woken.append(waiter)
    return woken, to_close


def cancel(
    books: Books[K, C], waiter: Waiter[K, C], now: float
) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """The waiting task gave up (timeout, cancellation): undo whatever it held.

    A queued waiter leaves the queue; a reserved slot is freed; a connection
    handed to it goes back as :func:`release` would take it (closed
    ``NOT_REUSABLE`` if it is no longer reusable). Returns the waiters
    granted and the ``(connection, reason)`` pairs to close, as
    :func:`connect_failed` and :func:`release` do.
    """
    origin = books.origins[waiter.key]
    if waiter.queued:
        _dequeue(books, waiter, origin)
        return [], []
    if waiter.slot:
        waiter.slot = False
        return connect_failed(books, waiter.key)
    connection = waiter.connection
    if connection is None:
        return [], []
    waiter.connection = None
    books.reused -= 1  # it was never used
    return release(books, waiter.key, connection, now, reusable=connection.is_reusable())


def sweep(books: Books[K, C], now: float) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """Close expired and dead idle connections; forget empty origins.

    Run now and then (``pool.py`` does at most once a second), never per
    request: it visits every origin. Returns the waiters granted the slots
    it freed, and the ``(connection, reason)`` pairs to close: the idle ones
    ``EXPIRED`` (tested first) or dead (``SERVER_CLOSED``), origin by origin
    and oldest first, then any ``EVICTED`` to make room for the grants.
    """
    to_close: list[tuple[C, str]] = []
    for key, origin in list(books.origins.items()):
        kept = []
        for connection, since in origin.idle:
            if _expired(books, since, now):
                _close(books, to_close, connection, EXPIRED)
            elif not connection.is_reusable():
                _close(books, to_close, connection, SERVER_CLOSED)
            else:
                kept.append((connection, since))
        if len(kept) != len(origin.idle):
            books.total -= len(origin.idle) - len(kept)
            books.total_idle -= len(origin.idle) - len(kept)
            origin.idle = kept
        if origin.empty():
            del books.origins[key]
    woken, more = _serve_waiters(books)
    return woken, to_close + more


def close_all(books: Books[K, C]) -> tuple[list[Waiter[K, C]], list[tuple[C, str]]]:
    """The pool closes: every idle connection is to be closed, every waiter failed.

    Returns the waiters that were queued (to be failed) and a
    ``(connection, POOL_CLOSED)`` pair for each idle connection, origin by
    origin and oldest first. Checked-out connections stay counted until they
    are released (then closed by the caller, since the pool is closed).
    """
    to_close: list[tuple[C, str]] = []
    for origin in books.origins.values():
        for connection, _ in origin.idle:
            _close(books, to_close, connection, POOL_CLOSED)
        origin.idle.clear()
    books.total -= books.total_idle
    books.total_idle = 0
    waiters = list(books.waiters)
    for waiter in waiters:
        _dequeue(books, waiter, books.origins[waiter.key])
    return waiters, to_close


def check(books: Books[K, C]) -> None:
    """Assert the invariants in the module docstring (for tests; cheap enough to call often)."""
    idle = sum(len(origin.idle) for origin in books.origins.values())
    busy = sum(origin.busy for origin in books.origins.values())
    waiting = sum(origin.waiting for origin in books.origins.values())
    assert idle == books.total_idle, (idle, books.total_idle)
    assert idle + busy == books.total, (idle, busy, books.total)
    assert books.total <= books.max_connections, books.total
    assert books.total_idle <= books.max_idle, books.total_idle
    assert waiting == len(books.waiters), (waiting, len(books.waiters))
    for origin in books.origins.values():
        assert 0 <= origin.connecting <= origin.busy, (origin.connecting, origin.busy)
        assert origin.busy + len(origin.idle) <= books.max_per_host
    for waiter in books.waiters:
        assert waiter.queued, waiter
        assert not waiter.slot, waiter
        assert waiter.connection is None, waiter

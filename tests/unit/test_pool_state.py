"""aiohttpcore._pool_state: the pool's books, driven as plain functions with explicit time.

What it proves, through public state (``total``, ``origin()``, the counters, each
waiter's ``queued``/``slot``/``connection``) with ``check()`` after every call: the
limits (total, per origin, a slot being opened counted as connecting); LIFO reuse
with the checkout checks (hung-up and expired idle connections dropped, older ones
with an expired one); ``max_idle``; eviction of another origin's longest-idle
connection at the cap; waiters served in arrival order (hand-over on release, slot
grants, capped waiters passed over, no queue jumping); ``cancel`` undoing each
grant; ``connect_failed``; ``sweep``; ``close_all``; constructor validation. Every
connection to close comes back paired with its reason, the key ``closed`` counts it
under: one test per reason shows each where the books decide it.

A hypothesis test runs random operation sequences against a model that knows where
every connection is (held, handed to a waiter, idle, closed): after each step the
books agree with it per origin, every grant is reported woken, grants and evictions
keep their order, no queued waiter could have been served, the reasons returned are
exactly what ``closed`` counted in that step and each fits where its connection was;
at the end every connection was closed exactly once and nothing is left counted. The
doubles have behaviour (CONVENTIONS.md rule 14): a ``FakeConnection`` is reusable
until its far end hangs up.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttpcore import _pool_state
from aiohttpcore._pool_state import Books, OriginCount, Waiter, check

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def checked(operation: Callable[P, R]) -> Callable[P, R]:
    """*operation*, followed by ``check()`` of the books it was given, at every call."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        result = operation(*args, **kwargs)
        books = args[0]
        assert isinstance(books, Books)
        check(books)
        return result

    return run


acquire = checked(_pool_state.acquire)
cancel = checked(_pool_state.cancel)
close_all = checked(_pool_state.close_all)
connect_failed = checked(_pool_state.connect_failed)
connected = checked(_pool_state.connected)
enqueue = checked(_pool_state.enqueue)
release = checked(_pool_state.release)
sweep = checked(_pool_state.sweep)


class FakeConnection:
    """A connection with a far end: ``hang_up()`` is the server closing it."""

    __slots__ = ("name", "open")

    def __init__(self, name: str) -> None:
        self.name = name
        self.open = True

    def is_reusable(self) -> bool:
        return self.open

    def hang_up(self) -> None:
        self.open = False

    def __repr__(self) -> str:
        return f"<{self.name}{'' if self.open else ' hung up'}>"


PoolBooks = Books[str, FakeConnection]
PoolWaiter = Waiter[str, FakeConnection]
ToClose = list[tuple[FakeConnection, str]]


def reasons(to_close: ToClose) -> Counter[str]:
    """How many connections *to_close* closes for each reason."""
    return Counter(reason for _, reason in to_close)


def open_new(books: PoolBooks, key: str, now: float = 0.0) -> FakeConnection:
    """Reserve a slot for *key*, connect in it, and return the connection (checked out)."""
    assert acquire(books, key, now) == (None, True, [])
    connected(books, key)
    return FakeConnection(f"{key}{books.opened}")


def park(books: PoolBooks, key: str, connection: FakeConnection, now: float = 0.0) -> None:
    """Release a clean connection that nobody waits for: it goes idle."""
    assert release(books, key, connection, now, reusable=True) == ([], [])


def queue(books: PoolBooks, key: str, now: float = 0.0) -> PoolWaiter:
    """A newcomer that acquire cannot serve joins the queue and stays there."""
    assert acquire(books, key, now) == (None, False, [])
    waiter, woken, to_close = enqueue(books, key)
    assert (waiter.queued, woken, to_close) == (True, [], [])
    return waiter


# ------------------------------------------------------------------ construction and limits


@pytest.mark.parametrize(
    "limits",
    [
        {"max_connections": 0},
        {"max_connections": 1, "max_per_host": 0},
        {"max_connections": 1, "max_idle": -1},
        {"max_connections": 1, "keepalive_expiry": -0.5},
    ],
)
def test_invalid_limits_are_refused(limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        Books(**limits)


def test_defaults_let_the_total_limit_everything() -> None:
    books: PoolBooks = Books(max_connections=3, max_idle=0, keepalive_expiry=0)
    assert (books.max_per_host, books.max_idle, books.keepalive_expiry) == (3, 0, 0)
    assert Books(max_connections=3).max_idle == 3
    assert books.origin("nowhere") == OriginCount(0, 0, 0, 0)
    assert repr(books.origin("a")) == "OriginCount(idle=0, active=0, connecting=0, waiters=0)"
    assert OriginCount(1, 2, 3, 4) != (1, 2, 3, 4)


def test_a_slot_being_opened_counts_toward_the_total_as_connecting() -> None:
    books: PoolBooks = Books(max_connections=2)
    assert acquire(books, "a", 0.0) == (None, True, [])
    assert books.origin("a") == OriginCount(idle=0, active=0, connecting=1, waiters=0)
    assert acquire(books, "b", 0.0) == (None, True, [])
    assert acquire(books, "c", 0.0) == (None, False, [])  # two slots, both being opened
    assert (books.total, books.opened, books.origin("c")) == (2, 0, OriginCount(0, 0, 0, 0))
    connected(books, "a")
    assert books.origin("a") == OriginCount(idle=0, active=1, connecting=0, waiters=0)
    assert books.opened == 1
    park(books, "a", FakeConnection("a1"))
    assert books.origin("a") == OriginCount(idle=1, active=0, connecting=0, waiters=0)
    assert (books.total, books.total_idle) == (2, 1)


def test_max_per_host_limits_one_origin_only() -> None:
    books: PoolBooks = Books(max_connections=10, max_per_host=2)
    a1 = open_new(books, "a")
    assert acquire(books, "a", 0.0) == (None, True, [])  # the second, still connecting
    assert acquire(books, "a", 0.0) == (None, False, [])
    park(books, "a", a1)  # an idle connection counts toward the per-host cap as well
    assert books.origin("a") == OriginCount(idle=1, active=0, connecting=1, waiters=0)
    assert acquire(books, "b", 0.0) == (None, True, [])
    assert books.total == 3


# ------------------------------------------------------------------ reuse and checkout checks


def test_reuse_is_lifo_and_counted() -> None:
    books: PoolBooks = Books(max_connections=3)
    conns = [open_new(books, "a") for _ in range(3)]
    for now, connection in enumerate(conns):
        park(books, "a", connection, float(now))
    assert acquire(books, "a", 3.0) == (conns[2], False, [])
    assert acquire(books, "a", 3.0) == (conns[1], False, [])
    assert (books.opened, books.reused) == (3, 2)
    assert books.origin("a") == OriginCount(idle=1, active=2, connecting=0, waiters=0)


def test_hung_up_idle_connections_are_dropped_and_the_next_ones_tried() -> None:
    books: PoolBooks = Books(max_connections=3)
    a1, a2, a3 = (open_new(books, "a") for _ in range(3))
    for now, connection in enumerate((a1, a2, a3)):
        park(books, "a", connection, float(now))
    a3.hang_up()
    assert acquire(books, "a", 3.0) == (a2, False, [(a3, "server_closed")])
    assert (books.closed, books.total, books.reused) == (Counter(server_closed=1), 2, 1)
    a1.hang_up()  # the last idle one is dead as well: a new slot is reserved
    assert acquire(books, "a", 3.0) == (None, True, [(a1, "server_closed")])
    assert books.origin("a") == OriginCount(idle=0, active=1, connecting=1, waiters=0)
    assert books.closed == Counter(server_closed=2)


def test_an_expired_idle_connection_goes_with_all_older_ones() -> None:
    books: PoolBooks = Books(max_connections=4, keepalive_expiry=5)
    a1, a2, a3, a4 = (open_new(books, "a") for _ in range(4))
    for now, connection in zip((0.0, 1.0, 1.0005, 1.001), (a1, a2, a3, a4), strict=True):
        park(books, "a", connection, now)
    assert acquire(books, "a", 6.0) == (a4, False, [])  # idle 4.999 s: still good
    a3.hang_up()
    # a3 is dead (not expired); a2 has idled exactly 5 s: expired, and a1 with it.
    assert acquire(books, "a", 6.0) == (
        None,
        True,
        [(a3, "server_closed"), (a2, "expired"), (a1, "expired")],
    )
    assert books.closed == Counter(server_closed=1, expired=2)
    assert (books.total, books.total_idle) == (2, 0)


def test_acquire_closes_the_first_expired_connection_and_all_below_it_as_expired() -> None:
    books: PoolBooks = Books(max_connections=6, keepalive_expiry=5)
    a1, a2, a3, a4, a5, b1 = (open_new(books, key) for key in "aaaaab")
    for now, connection in zip((0.0, 0.5, 1.0, 1.5, 4.0), (a1, a2, a3, a4, a5), strict=True):
        park(books, "a", connection, now)
    park(books, "b", b1, 0.0)  # another origin's, expired too: not acquire's business
    a5.hang_up()
    a2.hang_up()  # below the first expired one: expired, whatever else it is
    # At 6.5: a5 (idle 2.5 s) is dead; a4 (idle 5 s) is the first expired; a1..a3 are older.
    taken, reserved, to_close = acquire(books, "a", 6.5)
    assert (taken, reserved) == (None, True)
    assert to_close == [
        (a5, "server_closed"),
        (a4, "expired"),
        (a1, "expired"),
        (a2, "expired"),
        (a3, "expired"),
    ]
    assert books.closed == reasons(to_close) == Counter(server_closed=1, expired=4)
    assert books.origin("a") == OriginCount(idle=0, active=0, connecting=1, waiters=0)
    assert books.origin("b") == OriginCount(idle=1, active=0, connecting=0, waiters=0)
    assert (books.total, books.total_idle) == (2, 1)


def test_sweep_closes_expired_and_dead_idle_connections_and_forgets_empty_origins() -> None:
    books: PoolBooks = Books(max_connections=4, keepalive_expiry=5)
    a1, b1, b2, c1 = (open_new(books, key) for key in "abbc")
    park(books, "a", a1, 0.0)
    park(books, "b", b1, 3.0)
    park(books, "b", b2, 4.0)
    b2.hang_up()
    assert sweep(books, 6.0) == ([], [(a1, "expired"), (b2, "server_closed")])
    assert books.closed == Counter(expired=1, server_closed=1)
    assert "a" not in books.origins  # forgotten: nothing idle, busy or waiting
    assert {"b", "c"} <= books.origins.keys()  # b1 idle, c1 checked out
    assert books.origin("b") == OriginCount(idle=1, active=0, connecting=0, waiters=0)
    assert sweep(books, 6.0) == ([], [])
    assert release(books, "c", c1, 7.0, reusable=False, reason="eof") == ([], [(c1, "eof")])
    assert sweep(books, 9.0) == ([], [(b1, "expired")])
    assert (books.origins, books.total) == ({}, 0)


def test_sweep_tests_the_expiry_first_then_whether_the_server_closed() -> None:
    books: PoolBooks = Books(max_connections=5, keepalive_expiry=5)
    a1, a2, a3, b1, b2 = (open_new(books, key) for key in "aaabb")
    for key, connection, now in (("a", a1, 0.0), ("a", a2, 2.0), ("a", a3, 3.0)):
        park(books, key, connection, now)
    park(books, "b", b1, 0.5)
    park(books, "b", b2, 4.0)
    a1.hang_up()  # expired and dead: counted once, as expired
    a3.hang_up()  # dead only
    b2.hang_up()
    woken, to_close = sweep(books, 5.5)
    assert (woken, to_close) == (
        [],
        [(a1, "expired"), (a3, "server_closed"), (b1, "expired"), (b2, "server_closed")],
    )
    assert books.closed == reasons(to_close) == Counter(expired=2, server_closed=2)
    assert books.origin("a") == OriginCount(idle=1, active=0, connecting=0, waiters=0)
    assert "b" not in books.origins


def test_a_released_connection_is_closed_beyond_max_idle_or_when_not_reusable() -> None:
    books: PoolBooks = Books(max_connections=4, max_idle=1)
    a1, a2, a3, a4 = (open_new(books, "a") for _ in range(4))
    park(books, "a", a1)
    assert release(books, "a", a2, 0.0, reusable=True) == ([], [(a2, "idle_limit")])
    assert release(books, "a", a3, 0.0, reusable=False, reason="error") == ([], [(a3, "error")])
    assert release(books, "a", a4, 0.0, reusable=False) == ([], [(a4, "not_reusable")])
    assert books.closed == Counter(idle_limit=1, error=1, not_reusable=1)
    assert (books.total, books.total_idle) == (1, 1)


# ------------------------------------------------------------------ waiters and eviction


def test_waiters_are_served_in_arrival_order() -> None:
    books: PoolBooks = Books(max_connections=1)
    a1 = open_new(books, "a")
    first, second, third = queue(books, "a"), queue(books, "b"), queue(books, "c")
    assert books.origin("b") == OriginCount(idle=0, active=0, connecting=0, waiters=1)
    assert release(books, "a", a1, 1.0, reusable=False) == ([first], [(a1, "not_reusable")])
    assert (first.queued, first.slot, first.connection) == (False, True, None)
    assert (second.queued, third.queued) == (True, True)
    connected(books, "a")
    assert release(books, "a", FakeConnection("a2"), 2.0, reusable=False)[0] == [second]
    assert connect_failed(books, "b") == ([third], [])  # the slot goes to the next one
    assert books.origin("b") == OriginCount(0, 0, 0, 0)
    assert books.origin("c") == OriginCount(idle=0, active=0, connecting=1, waiters=0)
    assert (books.total, books.opened) == (1, 2)


def test_release_hands_a_clean_connection_to_the_first_waiter_of_its_origin() -> None:
    books: PoolBooks = Books(max_connections=1)
    a1 = open_new(books, "a")
    waiter_b, waiter_a, later_a = queue(books, "b"), queue(books, "a"), queue(books, "a")
    assert release(books, "a", a1, 1.0, reusable=True) == ([waiter_a], [])
    assert (waiter_a.queued, waiter_a.slot, waiter_a.connection) == (False, False, a1)
    assert (waiter_b.queued, later_a.queued, books.reused) == (True, True, 1)
    assert books.origin("a") == OriginCount(idle=0, active=1, connecting=0, waiters=1)


def test_a_freed_slot_goes_to_the_first_waiter_that_can_use_it() -> None:
    books: PoolBooks = Books(max_connections=2, max_per_host=1)
    a1, b1 = open_new(books, "a"), open_new(books, "b")
    capped_a = queue(books, "a")  # a is at its per-host cap
    waiter_c = queue(books, "c")
    assert release(books, "b", b1, 1.0, reusable=False) == ([waiter_c], [(b1, "not_reusable")])
    assert (capped_a.queued, waiter_c.slot) == (True, True)
    assert release(books, "a", a1, 2.0, reusable=False) == ([capped_a], [(a1, "not_reusable")])
    assert capped_a.slot


def test_a_newcomer_queues_behind_waiters_and_is_served_only_when_they_cannot_be() -> None:
    books: PoolBooks = Books(max_connections=3, max_per_host=1)
    a1, b1 = open_new(books, "a"), open_new(books, "b")
    capped_a = queue(books, "a")
    # A slot is free, but someone is queued: acquire does not look, enqueue serves in
    # order, and the capped waiter ahead cannot use the slot, so the newcomer has it.
    assert acquire(books, "c", 0.0) == (None, False, [])
    newcomer, woken, to_close = enqueue(books, "c")
    assert (newcomer.queued, newcomer.slot, woken, to_close) == (False, True, [], [])
    # The total is at its cap now: a newcomer waits behind the capped waiters.
    capped_b, waiter_d = queue(books, "b"), queue(books, "d")
    assert release(books, "a", a1, 1.0, reusable=False) == ([capped_a], [(a1, "not_reusable")])
    assert release(books, "b", b1, 1.0, reusable=False) == ([capped_b], [(b1, "not_reusable")])
    assert waiter_d.queued  # still behind: no slot is free


def test_at_the_cap_a_new_origin_evicts_the_longest_idle_connection_of_another() -> None:
    books: PoolBooks = Books(max_connections=3)
    a1, b1, c1 = (open_new(books, key) for key in "abc")
    park(books, "a", a1, 2.0)
    park(books, "b", b1, 3.0)
    park(books, "c", c1, 1.0)  # the longest idle, though not the first origin
    c1.hang_up()  # evicted all the same: eviction frees a slot, it does not test the connection
    assert acquire(books, "d", 4.0) == (None, True, [(c1, "evicted")])
    assert books.closed == Counter(evicted=1)
    assert (books.total, books.total_idle) == (3, 2)


def test_a_waiter_at_the_cap_takes_the_slot_of_a_connection_released_idle() -> None:
    books: PoolBooks = Books(max_connections=2)
    open_new(books, "a")
    b1 = open_new(books, "b")
    waiter_c = queue(books, "c")
    # Released clean and parked, then evicted for the waiter: evicted, not the idle limit.
    assert release(books, "b", b1, 1.0, reusable=True) == ([waiter_c], [(b1, "evicted")])
    assert waiter_c.slot
    assert books.closed == Counter(evicted=1)


def test_serving_the_queue_evicts_for_a_newcomer_behind_a_capped_waiter() -> None:
    books: PoolBooks = Books(max_connections=2, max_per_host=1)
    a1, b1 = open_new(books, "a"), open_new(books, "b")
    park(books, "b", b1, 1.0)
    capped_a = queue(books, "a")  # a is at its per-host cap: b1 is of no use to it
    assert acquire(books, "c", 2.0) == (None, False, [])  # someone waits: to the back
    newcomer, woken, to_close = enqueue(books, "c")
    assert (newcomer.slot, woken, to_close) == (True, [], [(b1, "evicted")])
    assert books.closed == Counter(evicted=1)
    # The capped waiter is served when its origin's connection comes back dead.
    a1.hang_up()
    assert release(books, "a", a1, 3.0, reusable=False, reason="eof") == (
        [capped_a],
        [(a1, "eof")],
    )
    assert books.closed == Counter(evicted=1, eof=1)


def test_enqueue_serves_an_idle_connection_of_the_waiters_origin() -> None:
    # acquire drains an origin's idle stack before anyone queues, so only a bare enqueue
    # meets one: the queue is served from it.
    books: PoolBooks = Books(max_connections=2)
    a1 = open_new(books, "a")
    park(books, "a", a1)
    waiter, woken, to_close = enqueue(books, "a")
    assert (waiter.queued, waiter.connection, woken, to_close) == (False, a1, [], [])
    assert books.reused == 1


# ------------------------------------------------------------------ cancel and close_all


def test_cancel_takes_a_queued_waiter_out_of_the_queue() -> None:
    books: PoolBooks = Books(max_connections=1)
    open_new(books, "a")
    before = (books.total, books.origin("a"), books.origin("b"))
    waiter = queue(books, "b")
    assert cancel(books, waiter, 1.0) == ([], [])
    assert (waiter.queued, waiter.slot, waiter.connection) == (False, False, None)
    assert (books.total, books.origin("a"), books.origin("b")) == before
    assert cancel(books, waiter, 1.0) == ([], [])  # a second cancel has nothing to undo


def test_cancel_of_an_unused_slot_grant_passes_the_slot_on() -> None:
    books: PoolBooks = Books(max_connections=1)
    a1 = open_new(books, "a")
    waiter_b, waiter_c = queue(books, "b"), queue(books, "c")
    release(books, "a", a1, 1.0, reusable=False)
    assert waiter_b.slot
    assert cancel(books, waiter_b, 2.0) == ([waiter_c], [])
    assert (waiter_b.slot, waiter_c.slot) == (False, True)
    assert books.origin("b") == OriginCount(0, 0, 0, 0)
    assert cancel(books, waiter_c, 2.0) == ([], [])
    assert (books.total, books.opened) == (0, 1)


@pytest.mark.parametrize("hung_up", [False, True])
def test_cancel_of_an_unused_connection_returns_it_without_counting_a_reuse(
    hung_up: bool,
) -> None:
    books: PoolBooks = Books(max_connections=1)
    a1 = open_new(books, "a")
    waiter = queue(books, "a")
    release(books, "a", a1, 1.0, reusable=True)
    assert (waiter.connection, books.reused) == (a1, 1)
    if hung_up:
        a1.hang_up()
    assert cancel(books, waiter, 2.0) == ([], [(a1, "not_reusable")] if hung_up else [])
    assert (waiter.connection, books.reused) == (None, 0)
    assert books.origin("a") == OriginCount(
        idle=0 if hung_up else 1, active=0, connecting=0, waiters=0
    )
    assert books.closed == (Counter(not_reusable=1) if hung_up else Counter())


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_cancels_in_any_order_leave_only_what_the_releases_changed(
    order: tuple[int, ...],
) -> None:
    books: PoolBooks = Books(max_connections=3, max_per_host=1)
    a1, _, c1 = (open_new(books, key) for key in "abc")
    waiters = [queue(books, key) for key in "abda"]  # a and b capped, d at the total cap
    assert release(books, "a", a1, 1.0, reusable=True) == ([waiters[0]], [])
    assert release(books, "c", c1, 1.0, reusable=False) == ([waiters[2]], [(c1, "not_reusable")])
    assert (waiters[0].connection, waiters[2].slot) == (a1, True)
    for index in order:
        cancel(books, waiters[index], 2.0)
    # As if nobody had waited: a1 idle, b1 still out, c1 closed.
    assert (books.total, books.total_idle, len(books.waiters)) == (2, 1, 0)
    assert [books.origin(key) for key in "abcd"] == [
        OriginCount(1, 0, 0, 0),
        OriginCount(0, 1, 0, 0),
        OriginCount(0, 0, 0, 0),
        OriginCount(0, 0, 0, 0),
    ]
    assert (books.reused, books.closed) == (0, Counter(not_reusable=1))
    assert not any(w.queued or w.slot or w.connection for w in waiters)


def test_close_all_returns_every_idle_connection_and_every_queued_waiter() -> None:
    books: PoolBooks = Books(max_connections=4, max_per_host=1)
    a1, b1, c1 = (open_new(books, key) for key in "abc")
    park(books, "b", b1)
    park(books, "c", c1)
    waiter = queue(books, "a")
    waiters, to_close = close_all(books)
    assert (waiters, to_close) == ([waiter], [(b1, "pool_closed"), (c1, "pool_closed")])
    assert (waiter.queued, len(books.waiters)) == (False, 0)
    assert books.origin("a") == OriginCount(idle=0, active=1, connecting=0, waiters=0)
    assert books.closed == Counter(pool_closed=2)
    # a1 was still out: it comes back closed, for the caller's reason.
    assert release(books, "a", a1, 1.0, reusable=False, reason="pool_closed") == (
        [],
        [(a1, "pool_closed")],
    )
    assert books.closed == Counter(pool_closed=3)
    assert close_all(books) == ([], [])  # nothing idle: nothing counted, not even a zero
    assert books.closed == Counter(pool_closed=3)
    assert dict(books.closed) == {"pool_closed": 3}
    assert books.total == 0


# ------------------------------------------------------------------ random sequences

KEYS = ("a", "b", "c")
REASONS = ("", "eof", "error")


class Model:
    """Where each connection is, as the tasks using the books see it, and what they expect.

    A connection is ``held`` (checked out by a task), ``granted`` (handed to a
    waiter that has not taken it yet), ``idle``, ``closed``, or in ``transit``
    while an operation decides its fate.
    """

    def __init__(self, books: PoolBooks) -> None:
        self.books, self.now = books, 0.0
        self.where: dict[FakeConnection, tuple[str, str]] = {}  # connection: (place, key)
        self.since: dict[FakeConnection, tuple[float, int]] = {}  # idle: (time, release no.)
        self.closes: Counter[FakeConnection] = Counter()
        self.counted: Counter[str] = Counter()  # books.closed as the last step left it
        self.opening: list[str] = []  # keys of reserved slots whose task is connecting
        self.waiters: list[PoolWaiter] = []  # queued, or granted and not taken up yet
        self.opened = self.reused = self.releases = 0

    def placed(self, place: str, key: str | None = None) -> list[FakeConnection]:
        return [c for c, (p, k) in self.where.items() if p == place and key in (None, k)]

    def at_host_cap(self, key: str) -> bool:
        count = self.books.origin(key)
        return count.idle + count.active + count.connecting >= self.books.max_per_host

    def could_be_served(self, key: str) -> bool:
        """Whether a waiter for *key* could have a connection or a slot (evicting) now."""
        books = self.books
        return books.origin(key).idle > 0 or (
            not self.at_host_cap(key)
            and (books.total < books.max_connections or books.total_idle > 0)
        )

    def expired(self, connection: FakeConnection) -> bool:
        """Whether an idle connection has been idle for the keep-alive expiry or longer."""
        expiry, since = self.books.keepalive_expiry, self.since[connection][0]
        return expiry is not None and self.now - since >= expiry

    def fit(self, connection: FakeConnection) -> bool:
        """Whether an idle connection could be reused: open and not expired."""
        return connection.is_reusable() and not self.expired(connection)

    def closed_as(self, reusable: bool, reason: str) -> str:
        """The reason a connection released now is closed for, if the books close it.

        Unfit: the caller's reason. Clean: over the idle limit, or else parked
        and then evicted (the longest idle) to give a waiter of another origin a slot.
        """
        if not reusable:
            return reason or "not_reusable"
        return "idle_limit" if self.books.total_idle >= self.books.max_idle else "evicted"

    def check_reasons(self, to_close: ToClose, released: str, closing: bool) -> None:
        """Each reason fits where its connection was, and ``closed`` counted exactly these.

        *released*: the reason a connection in transit (being released) must be
        closed for, if it is (:meth:`closed_as`); *closing*: ``close_all``.
        """
        books = self.books
        change = Counter(
            {reason: books.closed[reason] - self.counted[reason] for reason in books.closed}
        )
        assert reasons(to_close) == change, (to_close, change)
        self.counted = Counter(books.closed)
        for connection, reason in to_close:
            place = self.where[connection][0]
            if place == "transit":
                assert reason == released, (connection, reason, released)
            elif closing:
                assert reason == "pool_closed", (connection, reason)
            elif reason == "expired":
                assert self.expired(connection), connection
            elif reason == "server_closed":
                assert not connection.is_reusable(), connection
                assert not self.expired(connection), connection  # the expiry is tested first
            else:
                assert reason == "evicted", (connection, reason)

    def settle(
        self,
        queue_before: list[PoolWaiter],
        woken: list[PoolWaiter],
        to_close: ToClose,
        gone: tuple[PoolWaiter, ...] = (),
        reserved: int | None = 0,
        released: str = "",
    ) -> None:
        """Check an operation's answer against the model, then move the connections.

        *reserved*: slots the operation reserved besides its grants to *woken*;
        ``None`` for ``close_all``, which closes idle connections without evicting.
        *released*: the reason expected for the connection in transit, if closed.
        """
        self.check_reasons(to_close, released, closing=reserved is None)
        evicted = [
            self.since[c][0] for c, reason in to_close if reason == "evicted" and c in self.since
        ]
        for connection, _ in to_close:
            place, key = self.where[connection]
            assert place in ("idle", "transit"), (connection, place)
            self.closes[connection] += 1
            self.where[connection] = ("closed", key)
            self.since.pop(connection, None)
        for waiter in woken:
            assert waiter in queue_before, waiter
            assert not waiter.queued, waiter
            assert waiter.slot != (waiter.connection is not None), waiter
            ahead = [w for w in queue_before[: queue_before.index(waiter)] if w.queued]
            assert all(w.key != waiter.key for w in ahead), "served out of order"
            if waiter.slot:
                assert all(self.at_host_cap(w.key) for w in ahead), "slot out of order"
                continue
            handed = waiter.connection
            assert handed is not None
            assert self.where[handed] in (("idle", waiter.key), ("transit", waiter.key))
            self.where[handed] = ("granted", waiter.key)
            self.since.pop(handed, None)
            self.reused += 1
        if reserved is not None:  # a fit idle connection goes only to make room, oldest first
            assert len(evicted) <= reserved + sum(w.slot for w in woken), "needless eviction"
            oldest_kept = min((t for t, _ in self.since.values()), default=float("inf"))
            assert max(evicted, default=0.0) <= oldest_kept, "evicted a younger one"
        left = [w for w in queue_before if not w.queued]
        assert sorted(map(id, left)) == sorted(map(id, [*woken, *gone])), "a grant not woken"
        for connection in self.placed("transit"):
            self.where[connection] = ("idle", self.where[connection][1])
            self.releases += 1
            self.since[connection] = (self.now, self.releases)
        self.compare()

    def compare(self) -> None:
        """The books' figures equal the model's, origin by origin; nobody waits in vain."""
        books = self.books
        check(books)
        places = Counter(self.where.values())
        for key in KEYS:
            mine = [w for w in self.waiters if w.key == key]
            expected = OriginCount(
                idle=places["idle", key],
                active=places["held", key] + places["granted", key],
                connecting=self.opening.count(key) + sum(w.slot for w in mine),
                waiters=sum(w.queued for w in mine),
            )
            assert books.origin(key) == expected, key
        assert list(books.waiters) == [w for w in self.waiters if w.queued]
        closed = sum(places["closed", key] for key in KEYS)
        slots = len(self.opening) + sum(w.slot for w in self.waiters)
        assert books.total == len(self.where) - closed + slots
        assert (books.opened, books.reused) == (self.opened, self.reused)
        assert books.closed == self.counted, "counted a close it did not return"
        assert sum(books.closed.values()) == closed == len(self.closes)
        assert max(self.closes.values(), default=0) <= 1, "closed twice"
        for waiter in books.waiters:
            assert not self.could_be_served(waiter.key), f"{waiter.key} waits in vain"

    # The operations of a pool's tasks, each checked by settle().

    def acquire(self, key: str) -> None:
        books, queue_before = self.books, list(self.books.waiters)
        idle = self.placed("idle", key)
        connection, reserved, to_close = acquire(books, key, self.now)
        closed = [c for c, _ in to_close]
        assert all(r == "evicted" for c, r in to_close if self.where[c] != ("idle", key))
        if connection is not None:
            live = [c for c in idle if c not in closed]
            assert connection is max(live, key=lambda c: self.since[c][1]), "not LIFO"
            assert self.fit(connection)
            self.since.pop(connection)
            self.where[connection] = ("held", key)
            self.reused += 1
            self.settle(queue_before, [], to_close)
        elif reserved:
            assert all(c in closed for c in idle), "an idle connection passed over"
            assert not queue_before, "jumped the queue"
            self.opening.append(key)
            self.settle(queue_before, [], to_close, reserved=1)
        else:
            assert all(c in closed for c in idle), "an idle connection passed over"
            self.settle(queue_before, [], to_close)
            assert queue_before or not self.could_be_served(key), "refused for no reason"
            waiter, woken, more = enqueue(books, key)
            self.waiters.append(waiter)
            granted = woken if waiter.queued else [*woken, waiter]
            self.settle([*queue_before, waiter], granted, more)

    def connected(self, index: int) -> None:
        key = self.opening.pop(index)
        connected(self.books, key)
        self.opened += 1
        self.where[FakeConnection(f"{key}{self.opened}")] = ("held", key)
        self.compare()

    def connect_failed(self, index: int) -> None:
        queue_before = list(self.books.waiters)
        self.settle(queue_before, *connect_failed(self.books, self.opening.pop(index)))

    def take_up(self, waiter: PoolWaiter) -> None:
        """A woken task takes its grant and clears it, as pool.py does."""
        self.waiters.remove(waiter)
        if waiter.slot:
            self.opening.append(waiter.key)
        else:
            assert waiter.connection is not None
            self.where[waiter.connection] = ("held", waiter.key)
        waiter.connection, waiter.slot = None, False
        self.compare()

    def release(self, connection: FakeConnection, reusable: bool, reason: str) -> None:
        books, queue_before = self.books, list(self.books.waiters)
        key = self.where[connection][1]
        self.where[connection] = ("transit", key)
        closed_as = self.closed_as(reusable, reason)
        woken, to_close = release(
            books, key, connection, self.now, reusable=reusable, reason=reason
        )
        if not reusable:  # closed, and last: after any evicted to serve the waiters
            assert to_close[-1] == (connection, reason or "not_reusable")
        self.settle(queue_before, woken, to_close, released=closed_as)

    def cancel(self, waiter: PoolWaiter) -> None:
        queue_before = list(self.books.waiters)
        gone = (waiter,) if waiter.queued else ()
        handed = waiter.connection
        if handed is not None:
            self.where[handed] = ("transit", waiter.key)
            self.reused -= 1
        self.waiters.remove(waiter)
        closed_as = self.closed_as(handed is None or handed.is_reusable(), "")
        woken, to_close = cancel(self.books, waiter, self.now)
        assert (waiter.queued, waiter.slot, waiter.connection) == (False, False, None)
        assert handed is None or handed.is_reusable() or (handed, "not_reusable") in to_close
        self.settle(queue_before, woken, to_close, gone, released=closed_as)

    def sweep(self) -> None:
        self.settle(list(self.books.waiters), *sweep(self.books, self.now))
        assert all(self.fit(c) for c in self.placed("idle")), "sweep left an unfit one"

    def close_all(self) -> None:
        queue_before = list(self.books.waiters)
        waiters, to_close = close_all(self.books)
        assert waiters == queue_before
        for waiter in waiters:
            self.waiters.remove(waiter)
        self.settle(queue_before, [], to_close, tuple(waiters), reserved=None)
        assert not self.placed("idle")
        for waiter in waiters:  # their tasks wake with an error and cancel: nothing to undo
            assert cancel(self.books, waiter, self.now) == ([], [])
        self.compare()


_INDEX = [st.integers(0, n - 1) for n in range(1, 100)]  # built once: drawing is the cost


def pick(data: st.DataObject, items: Sequence[T], label: str) -> T:
    return items[data.draw(_INDEX[len(items) - 1], label=label)]


@settings(deadline=None, max_examples=300)
@given(st.data())
def test_random_sequences_keep_the_books_and_leak_nothing(data: st.DataObject) -> None:
    books: PoolBooks = Books(
        max_connections=data.draw(st.integers(1, 5), label="max_connections"),
        max_per_host=data.draw(st.none() | st.integers(1, 3), label="max_per_host"),
        max_idle=data.draw(st.none() | st.integers(0, 3), label="max_idle"),
        keepalive_expiry=data.draw(st.none() | st.sampled_from([0.0, 2.5, 5.0]), label="expiry"),
    )
    model = Model(books)
    for _ in range(data.draw(st.integers(10, 60), label="steps")):
        granted = [w for w in model.waiters if not w.queued]
        alive = [c for c, (p, _) in model.where.items() if p != "closed" and c.is_reusable()]
        held = model.placed("held")
        # Weighted so that the pool fills and drains, keeping idle connections of several origins.
        ops = ["release"] * 4 if held else []
        ops += ["acquire"] * (1 if books.waiters else 3) + ["sweep", "tick"]
        ops += ["connect", "connect", "connect_failed"] if model.opening else []
        ops += ["take_up", "take_up"] if granted else []
        ops += ["cancel"] if model.waiters else []
        ops += ["hang_up"] if alive else []
        op = pick(data, ops, "op")
        if op == "release":
            reusable = pick(data, (True, True, True, False), "reusable")
            model.release(pick(data, held, "connection"), reusable, pick(data, REASONS, "reason"))
        elif op == "acquire":
            opening = len(model.opening)
            model.acquire(pick(data, KEYS, "key"))
            if len(model.opening) > opening and pick(data, (True, False), "connects at once"):
                model.connected(opening)
        elif op in ("sweep", "tick"):
            model.now += pick(data, (0.0, 1.0, 2.5, 6.0), "seconds pass")
            if op == "sweep":
                model.sweep()
        elif op in ("connect", "connect_failed"):
            index = data.draw(_INDEX[len(model.opening) - 1], label="slot")
            (model.connected if op == "connect" else model.connect_failed)(index)
        elif op == "take_up":
            model.take_up(pick(data, granted, "waiter"))
        elif op == "cancel":
            model.cancel(pick(data, model.waiters, "waiter"))
        else:
            pick(data, alive, "hangs up").hang_up()
            model.compare()

    # The pool closes: waiters fail, grants go back, opening tasks finish, holders release.
    model.close_all()
    while model.waiters:
        model.cancel(model.waiters[0])
    while model.opening:
        if pick(data, (True, False), "connects"):
            model.connected(0)
        else:
            model.connect_failed(0)
    for connection in model.placed("held"):
        model.release(connection, pick(data, (True, False), "reusable"), "")
    model.close_all()
    model.sweep()
    assert (books.total, books.total_idle, list(books.waiters), books.origins) == (0, 0, [], {})
    assert all(place == "closed" for place, _ in model.where.values())
    assert all(model.closes[c] == 1 for c in model.where), "closed twice or never"

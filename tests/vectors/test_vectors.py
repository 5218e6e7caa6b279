"""Run every response-parser vector fed whole, byte by byte and at seeded random splits.

The driver is deliberately dumb: build a codec, send the vector's requests,
feed the bytes chunk by chunk calling ``next_event()`` after each feed until
``NEED_DATA`` (or until every request has its answer), then deliver EOF if the
vector asks for it. The outcome (normalised events, final ``is_reusable()``
or the exception) must be what the vector says, the same way every feeding.

For a rejected vector the events before the error must be exactly those
listed (every body byte that arrived before the fault is delivered first);
afterwards the codec must be unusable: not reusable, and ``next_event()``
raises ``StateError`` (after one ``ConnectionClosed(unprocessed=True)`` per
further request pipelined behind a response that closed the connection).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.protocol import (
    NEED_DATA,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    NeedData,
    Profile,
    ResponseHead,
)

from .cases import HOST, VECTORS, Event, Request, Vector

PROFILES = {"strict": Profile.STRICT, "lenient": Profile.LENIENT}
SPLIT_SEEDS = range(4)
MAX_RANDOM_CUTS = 16


def feedings(vector: Vector) -> Iterator[tuple[str, list[bytes]]]:
    """The three ways to feed a vector: whole, byte by byte, random splits (seeded)."""
    raw = vector.data
    yield "whole", [raw]
    yield "byte-by-byte", [raw[i : i + 1] for i in range(len(raw))]
    for seed in SPLIT_SEEDS:
        rng = random.Random(f"{vector.name}/{seed}")
        cuts: list[int] = []
        if len(raw) > 1:
            count = rng.randint(1, min(MAX_RANDOM_CUTS, len(raw) - 1))
            cuts = sorted(rng.sample(range(1, len(raw)), count))
        bounds = [0, *cuts, len(raw)]
        yield f"split-seed-{seed}", [raw[a:b] for a, b in itertools.pairwise(bounds)]


def normalise(event: ResponseHead | Informational | Data | EndOfMessage) -> Event:
    if isinstance(event, ResponseHead):
        headers = tuple(event.headers.multi_items())
        return ("head", int(event.status), event.reason, event.http_version, headers)
    if isinstance(event, Informational):
        return ("informational", int(event.status))
    if isinstance(event, Data):
        assert event.data, "a Data event carries at least one byte"
        return ("data", event.data)
    return ("end", tuple(event.trailers.multi_items()))


class Driver:
    """Sends the vector's requests, then feeds its bytes and records what comes out."""

    def __init__(self, vector: Vector) -> None:
        self.vector = vector
        self.codec = ClientCodec(
            host=HOST,
            profile=PROFILES[vector.profile],
            surface_informational=vector.surface_informational,
        )
        self.events: list[Event] = []
        self.answered = 0  # requests whose final response has ended
        self.continued: set[int] = set()  # requests whose body went after 100 Continue
        self.switched = False
        for request in vector.requests:
            self.codec.send_request(
                request.method,
                "/",
                request.headers,
                host_header=HOST,
                body_length=len(request.body),
                expect_continue=request.expect_continue,
            )
            if request.body and not request.expect_continue:
                self._send_body(request)

    def _send_body(self, request: Request) -> None:
        self.codec.send_data(request.body)
        self.codec.end_request()

    def record(self, event: Event) -> None:
        if event[0] == "data" and self.events and self.events[-1][0] == "data":
            merged = self.events[-1][1] + event[1]  # type: ignore[operator]
            self.events[-1] = ("data", merged)
        else:
            self.events.append(event)

    def pump(self, *, after_eof: bool) -> None:
        requests = self.vector.requests
        while self.answered < len(requests) and not self.switched:
            event = self.codec.next_event()
            if isinstance(event, NeedData):
                assert event is NEED_DATA
                if after_eof:
                    self.record(("stalled: NEED_DATA after EOF",))
                return
            self.record(normalise(event))
            current = requests[self.answered]
            if isinstance(event, Informational):
                first_continue = self.answered not in self.continued
                if event.status == 100 and current.expect_continue and first_continue:
                    self.continued.add(self.answered)
                    self._send_body(current)
            elif isinstance(event, ResponseHead):
                self.switched = event.status == 101
            elif isinstance(event, EndOfMessage):
                self.answered += 1

    def run(self, chunks: Sequence[bytes]) -> exc.HTTPException | None:
        """Feed *chunks*, then EOF if asked; return the error raised, if any."""
        try:
            for index, chunk in enumerate(chunks):
                self.codec.receive_data(chunk)
                self.pump(after_eof=False)
                if self.switched:
                    rest = b"".join(chunks[index + 1 :])
                    self.record(("switched", self.codec.trailing_data() + rest))
                    return None
            if self.vector.eof != "none":
                self.codec.receive_eof(clean=self.vector.eof == "clean")
                self.pump(after_eof=True)
        except exc.HTTPException as error:
            return error
        return None


def check(vector: Vector, driver: Driver, error: exc.HTTPException | None, mode: str) -> None:
    where = f"{vector.name} fed {mode}"
    codec = driver.codec
    if vector.raises is None:
        assert error is None, f"{where}: unexpected {error!r} after {driver.events}"
        assert driver.events == list(vector.events), where
        assert codec.is_reusable() is vector.reusable, f"{where}: is_reusable()"
        return
    assert isinstance(error, vector.raises), (
        f"{where}: expected {vector.raises.__name__}, got {error!r} after {driver.events}"
    )
    assert error.host == HOST, where
    if vector.unprocessed is not None:
        assert isinstance(error, exc.ConnectionClosed)
        assert error.unprocessed is vector.unprocessed, f"{where}: unprocessed"
    assert driver.events == list(vector.events), f"{where}: events before the error"
    assert not codec.is_reusable(), f"{where}: reusable after an error"
    if vector.unprocessed:
        # DESIGN.md: every request pipelined behind the closing response fails
        # the same way, once each; then nothing is owed and the codec is dead.
        for _ in range(len(vector.requests) - driver.answered - 1):
            with pytest.raises(exc.ConnectionClosed) as further:
                codec.next_event()
            assert further.value.unprocessed, f"{where}: a later pipelined request"
    with pytest.raises(exc.StateError):
        codec.next_event()


@pytest.mark.parametrize("vector", VECTORS, ids=[vector.name for vector in VECTORS])
def test_vector(vector: Vector) -> None:
    error_types: dict[str, type[exc.HTTPException] | None] = {}
    for mode, chunks in feedings(vector):
        driver = Driver(vector)
        error = driver.run(chunks)
        check(vector, driver, error, mode)
        error_types[mode] = None if error is None else type(error)
    assert len(set(error_types.values())) == 1, f"{vector.name}: {error_types}"


def test_vector_names_are_unique() -> None:
    names = [vector.name for vector in VECTORS]
    assert len(names) == len(set(names))


def test_every_category_is_populated() -> None:
    counts: dict[str, int] = {}
    for vector in VECTORS:
        counts[vector.category] = counts.get(vector.category, 0) + 1
    assert "" not in counts
    assert len(VECTORS) >= 170
    assert all(count >= 10 for count in counts.values()), counts


def test_feedings_reassemble_the_bytes() -> None:
    for vector in VECTORS:
        for mode, chunks in feedings(vector):
            assert b"".join(chunks) == vector.data, f"{vector.name} {mode}"

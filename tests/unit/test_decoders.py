"""Content-Encoding decoding (``aiohttpcore/_decoders.py``), without sockets.

What this file covers: every coding round-trips fed whole, byte by byte and
at seeded random splits, read with tiny and large limits, and no read ever
returns more than its limit; stacked codings; both forms of ``deflate``;
multi-member gzip and multi-frame zstd; the header parsing of
:func:`make_decoder` and its errors; corrupt, truncated and trailing data;
``needs_input``, ``finish`` and misuse; the zstd window limit; and a
200 MiB gzip bomb decoded in flat memory (the 10 GiB bombs are in
``tests/slow/test_decoder_bomb.py``).

How it tests: bodies are compressed here with the reference libraries
(zlib, gzip, brotli, zstd), fed through the public API, and the decoded
bytes compared with the original. Assertions are on what the caller sees:
the bytes, the exceptions and their messages, ``needs_input``.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import random
import sys
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from _support.codecs import brotli, zstd

from aiohttpcore import _decoders
from aiohttpcore._decoders import (
    ACCEPT_ENCODING,
    MAX_CODINGS,
    SUPPORTED_CODINGS,
    ContentDecoder,
    make_decoder,
)
from aiohttpcore.exceptions import DecodingError, InvalidResponse

HOST = "decode.example"
KIB = 1024
MIB = 1024 * KIB
# Incompressible, repetitive and zero runs: each codec takes its different
# paths (stored blocks, long matches, match copies across reads).
DATA = random.Random(7).randbytes(3000) + b"aiohttpcore decodes " * 600 + bytes(6000)


def _zlib(data: bytes, wbits: int, level: int = 6) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def encode(coding: str, data: bytes) -> bytes:
    """*data* compressed by the reference library for *coding* ("raw-deflate": RFC 1951)."""
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(data, mtime=0)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":
        return _zlib(data, -zlib.MAX_WBITS)
    if coding == "br":
        return bytes(brotli.compress(data, quality=5))
    if coding == "zstd":
        return bytes(zstd.compress(data, options={zstd.CompressionParameter.checksum_flag: 1}))
    raise AssertionError(coding)


def encode_stack(header: str, data: bytes) -> bytes:
    """*data* with the codings of *header* applied in the order listed (RFC 9110 §8.4)."""
    for coding in header.split(","):
        data = encode(coding.strip(), data)
    return data


def whole(body: bytes) -> Iterator[bytes]:
    yield body


def bytewise(body: bytes) -> Iterator[bytes]:
    for index in range(len(body)):
        yield body[index : index + 1]


def random_splits(body: bytes, seed: int = 2024) -> Iterator[bytes]:
    rng = random.Random(seed)
    start = 0
    while start < len(body):
        end = start + rng.randint(1, 3000)
        yield body[start:end]
        start = end


SPLITS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "whole": whole,
    "bytewise": bytewise,
    "random": random_splits,
}


def needs_input(decoder: ContentDecoder) -> bool:
    """The property, read through a call: mypy would narrow it between two asserts."""
    return decoder.needs_input


def drain(decoder: ContentDecoder, limit: int) -> bytes:
    """Read until ``b""``, checking every read against *limit*."""
    out = bytearray()
    while data := decoder.read(limit):
        assert len(data) <= limit
        out += data
    assert needs_input(decoder)
    return bytes(out)


def decode(
    header: str,
    body: bytes,
    split: Callable[[bytes], Iterator[bytes]] = whole,
    limit: int = 64 * KIB,
) -> bytes:
    """Feed *body* in *split* pieces, reading after each as a response does; then finish."""
    decoder = make_decoder(header, host=HOST)
    assert decoder is not None
    out = bytearray()
    for piece in split(body):
        decoder.feed(piece)
        out += drain(decoder, limit)
    decoder.finish()
    return bytes(out)


def decode_error(
    header: str, body: bytes, split: Callable[[bytes], Iterator[bytes]] = whole
) -> DecodingError:
    """The DecodingError that decoding *body* raises, from read() or finish()."""
    with pytest.raises(DecodingError) as caught:
        decode(header, body, split, limit=1000)
    assert HOST in str(caught.value)
    return caught.value


CODINGS = [
    "gzip",
    "x-gzip",
    "deflate",
    "raw-deflate",
    pytest.param("br"),
    pytest.param("zstd"),
]


def codec_error(coding: str) -> type[Exception]:
    """The exception the reference library raises for corrupt *coding* data."""
    if coding == "br":
        error: type[Exception] = brotli.error
    elif coding == "zstd":
        error = zstd.ZstdError
    else:
        error = zlib.error
    return error


def header_of(coding: str) -> str:
    return "deflate" if coding == "raw-deflate" else coding


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("limit", [1, 7, 64 * KIB])
@pytest.mark.parametrize("split", list(SPLITS))
@pytest.mark.parametrize("coding", CODINGS)
def test_round_trip(coding: str, split: str, limit: int) -> None:
    assert decode(header_of(coding), encode(coding, DATA), SPLITS[split], limit) == DATA


@pytest.mark.parametrize("coding", CODINGS)
def test_round_trip_large_reads_of_a_large_body(coding: str) -> None:
    data = DATA * 40  # 1.2 MB: many codec calls per read, reads larger than a step
    assert decode(header_of(coding), encode(coding, data), random_splits, 1 * MIB) == data


@pytest.mark.parametrize(
    "header",
    [
        "gzip, deflate",
        "deflate, gzip",
        pytest.param("gzip, br"),
        pytest.param("br, zstd, gzip"),
        "gzip, gzip, gzip, gzip, gzip",
    ],
)
@pytest.mark.parametrize("limit", [7, 64 * KIB])
@pytest.mark.parametrize("split", list(SPLITS))
def test_stacked_codings_are_undone_in_reverse(header: str, split: str, limit: int) -> None:
    assert decode(header, encode_stack(header, DATA), SPLITS[split], limit) == DATA


def test_bytes_after_an_inner_stream_are_ignored_too() -> None:
    inner = encode("gzip", DATA) + b"junk " * 1000
    for split in SPLITS.values():
        assert decode("gzip, deflate", encode("deflate", inner), split, 1000) == DATA


def test_stacked_codings_in_flat_memory_whatever_the_inner_ratio() -> None:
    # Each stage pulls a bounded step from the one before: gzip inside
    # gzip, 32 MiB of zeros, must not materialise the inner stream.
    data_size = 32 * MIB
    body = _zlib(_zlib(bytes(data_size), 31, 9), 31, 9)
    decoder = make_decoder("gzip, gzip", host=HOST)
    assert decoder is not None
    tracemalloc.start()
    try:
        decoder.feed(body)
        total = 0
        while data := decoder.read(64 * KIB):
            total += len(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decoder.finish()
    assert total == data_size
    assert peak < 2 * MIB


# ---------------------------------------------------------------- deflate: zlib or raw


@pytest.mark.parametrize("coding", ["deflate", "raw-deflate"])
def test_deflate_decides_on_two_bytes_and_waits_after_one(coding: str) -> None:
    body = encode(coding, DATA)
    decoder = make_decoder("deflate", host=HOST)
    assert decoder is not None
    decoder.feed(body[:1])
    assert decoder.read(100) == b""
    assert needs_input(decoder)
    decoder.feed(body[1:])
    assert not needs_input(decoder)
    assert drain(decoder, 100) == DATA
    decoder.finish()


@pytest.mark.parametrize("coding", ["deflate", "raw-deflate"])
def test_deflate_body_of_one_byte_is_truncated(coding: str) -> None:
    error = decode_error("deflate", encode(coding, DATA)[:1])
    assert "deflate stream ended early" in str(error)


@pytest.mark.parametrize("level", [0, 1, 9])
@pytest.mark.parametrize("wbits", [9, 12, 15])
def test_deflate_every_window_and_level(wbits: int, level: int) -> None:
    # Window sizes change the zlib header's first byte, level 0 makes the raw
    # stream start with a stored block: the sniffing must hold for each.
    for body in (_zlib(DATA, wbits, level), _zlib(DATA, -wbits, level)):
        assert decode("deflate", body, random_splits, 777) == DATA


@pytest.mark.parametrize("limit", [1, 3, 7])
@pytest.mark.parametrize("data", [b"hello " * 3, b"hello " * 50])
def test_output_zlib_holds_after_the_last_input_byte(data: bytes, limit: int) -> None:
    # A raw deflate stream has no trailer: its last byte can start a match
    # that a small limit cuts, and zlib then holds output with no input
    # left. Asking for input there would report the body as truncated.
    assert decode("deflate", _zlib(data, -zlib.MAX_WBITS, 9), whole, limit) == data


# ---------------------------------------------------------------- several streams


@pytest.mark.parametrize("limit", [7, 1000, 64 * KIB])
def test_gzip_members_back_to_back(limit: int) -> None:
    # Large limits put a member's end and the next one's start in one codec call.
    parts = [b"first member ", b"", DATA, b"last"]
    body = b"".join(encode("gzip", part) for part in parts)
    for split in SPLITS.values():
        assert decode("gzip", body, split, limit) == b"".join(parts)


@pytest.mark.parametrize("limit", [7, 1000, 64 * KIB])
def test_zstd_frames_back_to_back_with_a_skippable_frame(limit: int) -> None:
    skippable = (0x184D2A5E).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"12345"
    body = encode("zstd", b"one ") + skippable + encode("zstd", DATA) + encode("zstd", b"")
    for split in SPLITS.values():
        assert decode("zstd", body, split, limit) == b"one " + DATA


# ---------------------------------------------------------------- make_decoder


@pytest.mark.parametrize("value", ["", "identity", "IDENTITY", " , ,\t", "identity, identity"])
def test_nothing_to_decode_gives_none(value: str) -> None:
    assert make_decoder(value, host=HOST) is None


@pytest.mark.parametrize("value", [" GZip ", "gzip,\tidentity", "identity , gzip,", "X-Gzip"])
def test_codings_are_case_and_whitespace_insensitive(value: str) -> None:
    assert decode(value, encode("gzip", DATA)) == DATA


def test_supported_codings_in_preference_order() -> None:
    expected = ["gzip", "deflate", "br", "zstd"]  # the test sessions install both packages
    assert tuple(expected) == SUPPORTED_CODINGS
    assert ", ".join(expected) == ACCEPT_ENCODING
    assert "x-gzip" not in ACCEPT_ENCODING  # accepted, never offered


@pytest.mark.parametrize("value", ["compress", "gzip, lzma", "deflate-raw", "gzip;q=1"])
def test_unknown_coding(value: str) -> None:
    with pytest.raises(DecodingError, match="unsupported Content-Encoding") as caught:
        make_decoder(value, host=HOST)
    assert HOST in str(caught.value)
    assert isinstance(caught.value, InvalidResponse)


def test_stacked_codings_are_limited() -> None:
    assert MAX_CODINGS == 5
    assert make_decoder(", ".join(["gzip"] * MAX_CODINGS), host=HOST) is not None
    with pytest.raises(DecodingError, match="6 stacked Content-Encodings") as caught:
        make_decoder(", ".join(["gzip"] * (MAX_CODINGS + 1)), host=HOST)
    assert HOST in str(caught.value)
    with pytest.raises(DecodingError, match="more than the limit of 1"):
        make_decoder("gzip, deflate", host=HOST, max_codings=1)
    # identity is no coding: it does not count
    assert make_decoder(", ".join(["gzip", "identity"] * MAX_CODINGS), host=HOST) is not None


def test_missing_optional_packages_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh copy of the module, imported as if neither package existed.
    for name in ("brotli", "compression.zstd", "backports.zstd"):
        monkeypatch.setitem(sys.modules, name, None)
    spec = importlib.util.spec_from_file_location("aiohttpcore._decoders", _decoders.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SUPPORTED_CODINGS == ("gzip", "deflate")
    assert module.ACCEPT_ENCODING == "gzip, deflate"
    with pytest.raises(DecodingError, match=r"'br'.*'brotli' package is not installed") as caught:
        module.make_decoder("gzip, br", host=HOST)
    assert HOST in str(caught.value)
    with pytest.raises(DecodingError, match=r"'zstd'.*'backports\.zstd' package"):
        module.make_decoder("zstd", host=HOST)
    assert module.make_decoder("gzip", host=HOST) is not None


def test_repr_names_the_codings_and_the_state() -> None:
    decoder = make_decoder("x-gzip, deflate", host=HOST)
    assert repr(decoder) == f"<ContentDecoder x-gzip, deflate host={HOST} ok>"
    assert decoder is not None
    decoder.feed(b"\xff\xff")  # raw deflate, reserved block type
    with pytest.raises(DecodingError):
        decoder.read(10)
    assert repr(decoder).endswith(" failed>")


# ---------------------------------------------------------------- corrupt and truncated


def _flip(body: bytes, index: int) -> bytes:
    return body[:index] + bytes([body[index] ^ 0xFF]) + body[index + 1 :]


CORRUPT = [
    pytest.param("gzip", lambda body: _flip(body, 1), "incorrect header check", id="gzip-magic"),
    pytest.param(
        "gzip", lambda body: _flip(body, len(body) - 6), "incorrect data check", id="gzip-crc"
    ),
    pytest.param(
        "gzip", lambda body: _flip(body, len(body) - 2), "incorrect length check", id="gzip-size"
    ),
    pytest.param(
        "deflate", lambda body: _flip(body, len(body) - 1), "incorrect data check", id="zlib-adler"
    ),
    pytest.param("raw-deflate", lambda body: b"\xff" + body, "invalid block type", id="raw-block"),
    pytest.param("br", lambda body: b"\xff" * 8 + body, "brotli", id="br"),
    pytest.param(
        "zstd",
        lambda body: _flip(body, 0),
        "Unknown frame descriptor",
        id="zstd-magic",
    ),
    pytest.param(
        "zstd",
        lambda body: _flip(body, len(body) - 1),
        "checksum",
        id="zstd-checksum",
    ),
]


@pytest.mark.parametrize("split", ["whole", "bytewise"])
@pytest.mark.parametrize(("coding", "corrupt", "reason"), CORRUPT)
def test_corrupt_data(
    coding: str, corrupt: Callable[[bytes], bytes], reason: str, split: str
) -> None:
    error = decode_error(header_of(coding), corrupt(encode(coding, DATA)), SPLITS[split])
    assert f"{header_of(coding)} body could not be decoded" in str(error)
    assert reason.lower() in str(error).lower()
    assert isinstance(error.__cause__, codec_error(coding))


def test_an_error_sticks() -> None:
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    decoder.feed(b"not gzip at all")
    with pytest.raises(DecodingError) as first:
        decoder.read(100)
    for call in (lambda: decoder.read(100), decoder.finish, lambda: decoder.feed(b"more")):
        with pytest.raises(DecodingError) as again:
            call()
        assert again.value is first.value


CUTS: dict[str, Callable[[int], int]] = {
    "last-byte-missing": lambda size: size - 1,
    "half": lambda size: size // 2,
    "a-tenth": lambda size: size // 10,
}


@pytest.mark.parametrize("cut", list(CUTS))
@pytest.mark.parametrize("coding", CODINGS)
def test_truncated_body_fails_at_finish(coding: str, cut: str) -> None:
    body = encode(coding, DATA)
    body = body[: CUTS[cut](len(body))]
    decoder = make_decoder(header_of(coding), host=HOST)
    assert decoder is not None
    decoder.feed(body)
    drain(decoder, 64 * KIB)
    for _ in range(2):  # idempotent: raises every time
        with pytest.raises(DecodingError, match="stream ended early") as caught:
            decoder.finish()
        assert HOST in str(caught.value)
        assert f"{header_of(coding).removeprefix('x-')} stream" in str(caught.value)


def test_truncated_stack_names_the_outermost_cut() -> None:
    body = encode_stack("gzip, br", DATA)
    error = decode_error("gzip, br", body[: len(body) // 2])
    assert "br stream ended early" in str(error)


def test_gzip_member_cut_after_its_header_is_truncated() -> None:
    body = encode("gzip", DATA) + encode("gzip", DATA)[:10]
    assert "gzip stream ended early" in str(decode_error("gzip", body))


@pytest.mark.parametrize("coding", CODINGS)
def test_empty_body_is_empty_content(coding: str) -> None:
    decoder = make_decoder(header_of(coding), host=HOST)
    assert decoder is not None
    decoder.feed(b"")
    assert decoder.read(10) == b""
    decoder.finish()
    decoder.finish()


@pytest.mark.parametrize("coding", CODINGS)
def test_empty_content_round_trips(coding: str) -> None:
    assert decode(header_of(coding), encode(coding, b""), bytewise, 1) == b""


# ---------------------------------------------------------------- after the last stream


TRAILING = [
    pytest.param("gzip", b"<html>junk</html>\n", id="gzip-junk"),
    pytest.param("gzip", bytes(1000), id="gzip-zero-padding"),
    pytest.param("gzip", b"\x1f", id="gzip-half-a-magic"),
    pytest.param("deflate", b"junk", id="zlib-junk"),
    pytest.param("raw-deflate", b"\x1f\x8b junk", id="raw-junk"),
    pytest.param("zstd", b"junk after the frame", id="zstd-junk"),
    pytest.param("zstd", b"\x28\xb5\x2f", id="zstd-three-quarters-of-a-magic"),
]


@pytest.mark.parametrize("split", list(SPLITS))
@pytest.mark.parametrize(("coding", "trailing"), TRAILING)
def test_bytes_after_the_last_stream_are_ignored(coding: str, trailing: bytes, split: str) -> None:
    body = encode(coding, DATA) + trailing
    assert decode(header_of(coding), body, SPLITS[split], 1000) == DATA


def test_ignored_bytes_need_no_read_after_feed() -> None:
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    decoder.feed(encode("gzip", DATA) + b"junk")
    assert drain(decoder, 64 * KIB) == DATA
    decoder.feed(b"more junk")  # dropped at once: there is nothing to read
    assert needs_input(decoder)
    decoder.finish()


def test_bytes_that_look_like_a_gzip_member_must_be_one() -> None:
    body = encode("gzip", DATA) + b"\x1f\x8b\x09" + bytes(20)  # method 9 does not exist
    assert "unknown compression method" in str(decode_error("gzip", body))


def test_bytes_that_look_like_a_zstd_frame_must_be_one() -> None:
    body = encode("zstd", DATA) + b"\x28\xb5\x2f\xfd" + b"\xff" * 20
    assert "zstd body could not be decoded" in str(decode_error("zstd", body))


@pytest.mark.parametrize("split", list(SPLITS))
def test_bytes_after_a_br_stream_are_an_error(split: str) -> None:
    # brotli cannot say where its stream ended (see the module docstring).
    error = decode_error("br", encode("br", DATA) + b"junk", SPLITS[split])
    assert "br body could not be decoded" in str(error)


def test_bytes_fed_after_a_finished_br_stream_are_an_error() -> None:
    decoder = make_decoder("br", host=HOST)
    assert decoder is not None
    decoder.feed(encode("br", DATA))
    assert drain(decoder, 64 * KIB) == DATA
    decoder.feed(b"\x00")
    with pytest.raises(DecodingError, match="bytes follow the end of its stream"):
        decoder.read(10)


# ---------------------------------------------------------------- the caller's contract


@pytest.mark.parametrize("coding", CODINGS)
def test_needs_input(coding: str) -> None:
    body = encode(coding, DATA)
    decoder = make_decoder(header_of(coding), host=HOST)
    assert decoder is not None
    assert needs_input(decoder)
    decoder.feed(body)
    assert not needs_input(decoder)
    first = decoder.read(10)
    assert 0 < len(first) <= 10
    assert not needs_input(decoder)  # more output is waiting for a read
    rest = drain(decoder, 64 * KIB)
    assert first + rest == DATA
    assert needs_input(decoder)
    decoder.finish()
    assert needs_input(decoder)


@pytest.mark.parametrize("coding", CODINGS)
def test_finish_before_the_reads_are_done_is_a_bug(coding: str) -> None:
    decoder = make_decoder(header_of(coding), host=HOST)
    assert decoder is not None
    decoder.feed(encode(coding, DATA))
    decoder.read(10)
    with pytest.raises(RuntimeError, match="finish"):
        decoder.finish()


@pytest.mark.parametrize("limit", [0, -1])
def test_read_limit_must_be_positive(limit: int) -> None:
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    with pytest.raises(ValueError, match="limit must be positive"):
        decoder.read(limit)


def test_feed_copies_buffers_the_caller_reuses() -> None:
    body = encode("gzip", DATA)
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    buffer = bytearray(body[:100])
    decoder.feed(memoryview(buffer))
    buffer[:] = b"\x00" * 100  # overwritten before the read: the decoder kept a copy
    buffer.extend(b"resizable")  # and holds no view that would forbid this
    decoder.feed(bytearray(body[100:]))
    assert drain(decoder, 64 * KIB) == DATA
    decoder.finish()


def test_feed_before_reading_everything_keeps_the_order() -> None:
    body = encode("gzip", DATA)
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    decoder.feed(body[:500])
    first = decoder.read(5)
    decoder.feed(body[500:])  # not the documented rhythm, but nothing is lost
    assert first + drain(decoder, 64 * KIB) == DATA


# ---------------------------------------------------------------- limits


def test_zstd_window_is_limited_to_8_mib() -> None:
    # RFC 9659 §3: an HTTP zstd frame needs at most an 8 MiB window.

    def frame(window_log: int) -> bytes:
        compressor = zstd.ZstdCompressor(
            options={zstd.CompressionParameter.window_log: window_log}
        )
        return bytes(compressor.compress(DATA) + compressor.flush())

    assert decode("zstd", frame(23)) == DATA
    error = decode_error("zstd", frame(24))
    assert "too much memory" in str(error)


BOMB_SIZE = 200 * MIB


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """200 MiB of zeros as one gzip member (~900 KiB), built once per run.

    Level 1, not 9: measured here, building and decoding take 0.35 s instead
    of 0.9 s, and a 256 KiB chunk still expands to about 60 MiB.
    """
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    pieces = [compressor.compress(zeros) for _ in range(BOMB_SIZE // MIB)]
    pieces.append(compressor.flush())
    return b"".join(pieces)


def test_gzip_bomb_decodes_in_flat_memory() -> None:
    body = gzip_bomb()
    decoder = make_decoder("gzip", host=HOST)
    assert decoder is not None
    total = 0
    tracemalloc.start()
    try:
        for start in range(0, len(body), 256 * KIB):
            decoder.feed(body[start : start + 256 * KIB])
            while data := decoder.read(64 * KIB):
                assert len(data) <= 64 * KIB
                total += len(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decoder.finish()
    assert total == BOMB_SIZE
    assert peak < 2 * MIB  # the input slice, one output, zlib's window: not the body

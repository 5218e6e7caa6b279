"""Header collections: :class:`Headers` (a multimap) and :class:`CaseInsensitiveDict`.

``Headers`` is what responses carry and requests accept: ordered, looked up
without regard to case, keeping every field line with its original case.
Values are ``str`` decoded as ISO-8859-1, which maps every byte to one code
point, so ``raw`` gives back exactly the bytes that were on the wire
(RFC 9110 §5.5: field values are octets; Latin-1 is the lossless view).

Semantics follow httpx and ``http.client``: ``headers[name]`` and ``get``
join repeated fields with ", " (RFC 9110 §5.3 allows it for every field but
``Set-Cookie``, for which :meth:`Headers.getall` exists); ``keys``, ``items``
and iteration see each name once; :meth:`Headers.multi_items` and ``raw`` see
every line. ``CaseInsensitiveDict`` is dugong's plain mapping where the case
last set wins.

The parser builds ``Headers`` through :meth:`Headers._from_lines` with names
it has already validated, so the hot path allocates one list and no more.
This module imports nothing from the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TypeAlias, TypeVar, overload

__all__ = ["CaseInsensitiveDict", "HeaderTypes", "Headers"]

HeaderTypes: TypeAlias = (
    "Headers | Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[str, str]]"
    " | Iterable[tuple[bytes, bytes]]"
)
"""What every API taking request headers accepts."""

_T = TypeVar("_T")

_Line: TypeAlias = tuple[str, str, str]
"""One field line: (lower-case name, name as sent, value)."""


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else value


class Headers(MutableMapping[str, str]):
    """An ordered, case-insensitive multimap of header fields that keeps their case.

    Accepts a mapping, another ``Headers`` or an iterable of ``(name, value)``
    pairs, each ``str`` or ``bytes``. Validation of names and values for the
    wire happens when a request is written, not here, so a ``Headers`` may
    hold anything until it is sent.
    """

    __slots__ = ("_lines",)

    def __init__(self, headers: HeaderTypes | None = None) -> None:
        self._lines: list[_Line] = []
        if headers is None:
            return
        if isinstance(headers, Headers):
            self._lines = list(headers._lines)
            return
        pairs: Iterable[tuple[str | bytes, str | bytes]]
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in pairs:
            name = _text(name)
            self._lines.append((name.lower(), name, _text(value)))

    @classmethod
    def _from_lines(cls, lines: list[_Line]) -> Headers:
        """Adopt already-validated lines without copying (the parser's fast path)."""
        new = cls.__new__(cls)
        new._lines = lines
        return new

    # ------------------------------------------------------------- lookup

    def getall(self, name: str) -> list[str]:
        """Every value of *name*, in order; an empty list when absent."""
        key = name.lower()
        return [value for lname, _, value in self._lines if lname == key]

    @overload
    def get(self, name: str, /) -> str | None: ...
    @overload
    def get(self, name: str, /, default: str) -> str: ...
    @overload
    def get(self, name: str, /, default: _T) -> str | _T: ...

    def get(self, name: str, /, default: object = None) -> object:
        """The values of *name* joined with ", ", or *default* when absent."""
        key = name.lower()
        found = [value for lname, _, value in self._lines if lname == key]
        if not found:
            return default
        return found[0] if len(found) == 1 else ", ".join(found)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """httplib's spelling of :meth:`get`."""
        return self.get(name, default)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return any(lname == key for lname, _, _ in self._lines)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for lname, name, _ in self._lines:
            if lname not in seen:
                seen.add(lname)
                yield name

    def __len__(self) -> int:
        return len({lname for lname, _, _ in self._lines})

    def multi_items(self) -> list[tuple[str, str]]:
        """Every field line as ``(name, value)``, in order, names in their original case."""
        return [(name, value) for _, name, value in self._lines]

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """Every field line as the bytes on the wire, in order."""
        return [
            (name.encode("latin-1"), value.encode("latin-1")) for _, name, value in self._lines
        ]

    # ------------------------------------------------------------- changes

    def add(self, name: str, value: str) -> None:
        """Append one more field line, keeping those already there."""
        self._lines.append((name.lower(), name, value))

    def __setitem__(self, name: str, value: str) -> None:
        """Replace every line of *name* by one, at the place of the first."""
        key = name.lower()
        for index, (lname, _, _) in enumerate(self._lines):
            if lname == key:
                self._lines[index] = (key, name, value)
                self._lines[index + 1 :] = [
                    line for line in self._lines[index + 1 :] if line[0] != key
                ]
                return
        self._lines.append((key, name, value))

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        kept = [line for line in self._lines if line[0] != key]
        if len(kept) == len(self._lines):
            raise KeyError(name)
        self._lines = kept

    def copy(self) -> Headers:
        """A shallow copy that can be changed without changing this one."""
        return Headers._from_lines(list(self._lines))

    # ------------------------------------------------------------- comparison

    def __eq__(self, other: object) -> bool:
        """Equal when the same fields are there, names compared without case, order ignored.

        Like httpx and ``Mapping``: the order of different fields carries no
        meaning (RFC 9110 §5.3 gives meaning only to the order of one field's
        lines, which :meth:`getall` keeps).
        """
        if isinstance(other, Headers):
            theirs = other._lines
        elif isinstance(other, Mapping | list | tuple):
            try:
                theirs = Headers(other)._lines
            except (TypeError, ValueError, AttributeError):
                return False
        else:
            return NotImplemented
        return sorted((k, v) for k, _, v in self._lines) == sorted((k, v) for k, _, v in theirs)

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"


class CaseInsensitiveDict(MutableMapping[str, str]):
    """dugong's mapping: one value per name, looked up without case, the case last set kept.

    For callers that want a plain dictionary rather than a multimap: setting
    ``d["content-type"]`` after ``d["Content-Type"]`` replaces the value and
    the name is then spelled ``content-type``.
    """

    __slots__ = ("_store",)

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        if data is not None:
            self.update(data)

    def __setitem__(self, name: str, value: str) -> None:
        self._store[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __delitem__(self, name: str) -> None:
        del self._store[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def lower_items(self) -> Iterator[tuple[str, str]]:
        """``(lower-case name, value)`` pairs, for comparisons."""
        return ((key, pair[1]) for key, pair in self._store.items())

    def copy(self) -> CaseInsensitiveDict:
        """A shallow copy."""
        return CaseInsensitiveDict(self._store.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if not all(isinstance(key, str) for key in other):
            return False
        return dict(self.lower_items()) == dict(CaseInsensitiveDict(other).lower_items())

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    def __repr__(self) -> str:
        return f"CaseInsensitiveDict({dict(self.items())!r})"

"""The code examples of the docs, as data: which blocks, where, in what language.

The docs are reStructuredText; an example is a ``.. code-block:: LANG`` (or
``.. code:: LANG``) directive. This module finds them with a line scanner
rather than docutils, so the test needs no Sphinx: the rules are few (a
directive line, its ``:option:`` lines, a blank line, then the body,
indented more than the directive, ending at the first non-blank line
indented no more than it).
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

_DIRECTIVE = re.compile(
    r"^(?P<indent>\s*)\.\. (?:code-block|code|sourcecode)::\s*(?P<lang>\S*)\s*$"
)
_OPTION = re.compile(r"^\s*:[\w-]+:")


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    """One code example: its language, text (dedented) and first line in the file (1-based)."""

    path: Path
    language: str
    line: int
    text: str

    @property
    def where(self) -> str:
        """``page.rst:LINE``, relative to ``docs/``, for messages and tracebacks."""
        return f"{self.path.relative_to(DOCS)}:{self.line}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def blocks(path: Path) -> Iterator[Block]:
    """Yield every code-block of the file ``path``, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        index += 1
        if match is None:
            continue
        own = len(match["indent"])
        while index < len(lines) and _OPTION.match(lines[index]) and _indent(lines[index]) > own:
            index += 1
        start = index
        body: list[str] = []
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > own):
            body.append(lines[index])
            index += 1
        while body and not body[0].strip():
            body.pop(0)
            start += 1
        text = textwrap.dedent("\n".join(body)).strip("\n")
        if text:
            yield Block(path, match["lang"] or "default", start + 1, text + "\n")


def pages() -> list[Path]:
    """Every ``.rst`` source of the docs, sorted, build output excluded."""
    return sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts)

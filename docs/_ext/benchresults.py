"""Show the benchmark suite's committed results in the docs, read from its Markdown at build time.

Why it exists: ``nox -s bench`` writes its report as Markdown
(``benchmarks/results/suite.md``), and that file is the record of the last
full run. A page that copied its figures would go stale at the next run; a
page that reads them cannot. So ``docs/benchmarks.rst`` places the tables
with this directive, and the file is registered as a dependency of every
page that reads it, so committing a new ``suite.md`` rebuilds those pages::

    .. bench-results:: ../benchmarks/results/suite.md
       :section: A
       :tables: 1
       :blocks: table list

The argument is the Markdown file, relative to the page (as for
``literalinclude``). Options:

``:section:``
    Which sections to show, ``;``-separated, in the order given; without it,
    every section. A key names the heading that equals it or starts with it
    followed by a character that is not a letter or digit: ``A`` selects
    "A. small GETs, kept-alive connections", ``Goals`` selects "Goals (the
    issue's)", while ``B`` does not select "Benchmark suite". A key must
    select exactly one heading, or the build fails: a renamed heading is an
    error, not an empty page. A section is the blocks between its heading
    and the next heading of any level.
``:tables:``
    1-based numbers of the tables to keep in each selected section (the
    other blocks are kept as ``:blocks:`` says).
``:blocks:``
    The kinds of blocks to show, among ``table``, ``list``, ``paragraph``
    and ``code`` (default: all four).
``:no-titles:``
    No table titles (see below).

Titles: a table is titled by a paragraph that directly precedes it and ends
with a colon (that paragraph, colon dropped, is then not shown on its own),
else, if it is the first table of its section, by the section's heading.
With ``:no-titles:`` such a paragraph stays a paragraph.

The Markdown read is the subset the suite writes: ATX headings (``#``),
GitHub pipe tables (a header row, a delimiter row whose colons set each
column's alignment, body rows; ``\\|`` is a pipe inside a cell), bullet lists,
paragraphs and fenced code. Inline, a code span (in backticks) becomes a
literal, ``**bold**`` strong text and ``[text](target)`` its text alone;
everything else is plain text. An image on a line of its own is skipped:
the page places the charts itself, with a caption and alternative text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, TypeAlias

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["BenchResults", "Section", "Table", "parse", "setup"]

KINDS: Final = ("table", "list", "paragraph", "code")

# ---------------------------------------------------------------- the Markdown, as data


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph, its lines joined by spaces."""

    text: str


@dataclass(frozen=True, slots=True)
class BulletList:
    """A bullet list; each item's lines joined by spaces."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Code:
    """A fenced code block and its info string's first word (``""`` when none)."""

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: the header cells, each column's alignment and the body rows."""

    header: tuple[str, ...]
    align: tuple[str | None, ...]  # "left", "right", "center" or None, one per column
    rows: tuple[tuple[str, ...], ...]


Block: TypeAlias = Paragraph | BulletList | Code | Table


@dataclass(slots=True)
class Section:
    """A heading (``""`` and level 0 for what precedes the first) and its blocks."""

    heading: str
    level: int
    blocks: list[Block] = field(default_factory=list)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)")
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
_PIPE = re.compile(r"(?<!\\)\|")


def _is_table(lines: Sequence[str], index: int) -> bool:
    return (
        "|" in lines[index]
        and index + 1 < len(lines)
        and "|" in lines[index + 1]
        and _DELIMITER.match(lines[index + 1]) is not None
    )


def _starts_block(lines: Sequence[str], index: int) -> bool:
    """Whether line *index* begins a block other than a paragraph (so it ends one)."""
    line = lines[index]
    return bool(
        not line.strip()
        or _HEADING.match(line)
        or _FENCE.match(line)
        or _BULLET.match(line)
        or _IMAGE.match(line)
        or _is_table(lines, index)
    )


def _cells(line: str) -> tuple[str, ...]:
    """A table row's cells: split at unescaped pipes, the outer ones dropped."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return tuple(cell.strip().replace("\\|", "|") for cell in _PIPE.split(text))


def _alignment(cell: str) -> str | None:
    left, right = cell.startswith(":"), cell.endswith(":")
    if left and right:
        return "center"
    if right:
        return "right"
    return "left" if left else None


def _table(lines: Sequence[str], index: int) -> tuple[Table, int]:
    header = _cells(lines[index])
    align = tuple(_alignment(cell) for cell in _cells(lines[index + 1]))
    width = len(header)
    align = (align + (None,) * width)[:width]
    rows: list[tuple[str, ...]] = []
    index += 2
    while index < len(lines) and lines[index].strip() and "|" in lines[index]:
        cells = _cells(lines[index])
        rows.append((cells + ("",) * width)[:width])  # GFM: pad or cut to the header
        index += 1
    return Table(header, align, tuple(rows)), index


def _code(lines: Sequence[str], index: int, fence: str, language: str) -> tuple[Code, int]:
    body: list[str] = []
    index += 1
    while index < len(lines):
        closing = _FENCE.match(lines[index])
        if closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence):
            index += 1
            break
        body.append(lines[index])
        index += 1
    return Code("\n".join(body), language), index


def _bullets(lines: Sequence[str], index: int) -> tuple[BulletList, int]:
    items: list[list[str]] = []
    while index < len(lines):
        line = lines[index]
        bullet = _BULLET.match(line)
        if bullet:
            items.append([bullet[1].strip()])
        elif line.strip() and line[:1].isspace() and not _starts_block(lines, index):
            items[-1].append(line.strip())  # a continuation line of the item
        elif not line.strip() and index + 1 < len(lines) and _BULLET.match(lines[index + 1]):
            pass  # a loose list: a blank line between two items
        else:
            break
        index += 1
    return BulletList(tuple(" ".join(item) for item in items)), index


def parse(text: str) -> list[Section]:
    """Split Markdown *text* into sections of blocks (the subset in the module docstring)."""
    lines = text.splitlines()
    sections = [Section("", 0)]
    index = 0
    while index < len(lines):
        line = lines[index]
        blocks = sections[-1].blocks
        if not line.strip() or _IMAGE.match(line):
            index += 1
        elif heading := _HEADING.match(line):
            sections.append(Section(heading[2].strip(), len(heading[1])))
            index += 1
        elif fence := _FENCE.match(line):
            code, index = _code(lines, index, fence[1], fence[2])
            blocks.append(code)
        elif _is_table(lines, index):
            table, index = _table(lines, index)
            blocks.append(table)
        elif _BULLET.match(line):
            bullets, index = _bullets(lines, index)
            blocks.append(bullets)
        else:
            paragraph = [line.strip()]
            index += 1
            while index < len(lines) and not _starts_block(lines, index):
                paragraph.append(lines[index].strip())
                index += 1
            blocks.append(Paragraph(" ".join(paragraph)))
    if not sections[0].blocks:
        del sections[0]
    return sections


# ---------------------------------------------------------------- Markdown to docutils

_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?P<literal>.+?)(?P=ticks))"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|\[(?P<link>[^\]]+)\]\([^)]*\)"
)


def inline(text: str) -> list[nodes.Node]:
    """*text* as docutils inline nodes: literals, strong, link texts, plain text."""
    result: list[nodes.Node] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            result.append(nodes.Text(text[position : match.start()]))
        if match["code"]:
            literal = match["literal"].strip()
            result.append(nodes.literal(literal, literal))
        elif match["strong"]:
            result.append(nodes.strong("", "", *inline(match["strong"])))
        else:
            result.extend(inline(match["link"]))
        position = match.end()
    if position < len(text):
        result.append(nodes.Text(text[position:]))
    return result


#: Cells up to this many characters are figures ("2.10x ✓", "1,095,679", "≥ 2.00"):
#: one never wraps, since half a figure on each line reads as two values.
FIGURE_WIDTH = 12


def _row(cells: Sequence[str], align: Sequence[str | None]) -> nodes.row:
    row = nodes.row()
    for cell, side in zip(cells, align, strict=True):
        # furo right-aligns td.text-right and th.text-right: the figures' columns.
        classes = [] if side is None else [f"text-{side}"]
        if len(cell) <= FIGURE_WIDTH:
            classes.append("figure")  # kept on one line by the docs' stylesheet
        entry = nodes.entry(classes=classes)
        if cell:
            entry += nodes.paragraph("", "", *inline(cell))
        row += entry
    return row


def table_node(table: Table, title: str | None) -> nodes.table:
    """A docutils table of *table*, titled *title* (Markdown inline allowed) unless ``None``."""
    node = nodes.table(classes=["bench-results", "colwidths-auto"])
    if title:
        node += nodes.title("", "", *inline(title))
    group = nodes.tgroup(cols=len(table.header))
    node += group
    for _column in table.header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    head += _row(table.header, table.align)
    group += head
    body = nodes.tbody()
    for cells in table.rows:
        body += _row(cells, table.align)
    group += body
    return node


def _block_node(block: Paragraph | BulletList | Code) -> nodes.Element:
    if isinstance(block, Paragraph):
        return nodes.paragraph("", "", *inline(block.text))
    if isinstance(block, BulletList):
        items = nodes.bullet_list(bullet="-")
        for text in block.items:
            item = nodes.list_item()
            item += nodes.paragraph("", "", *inline(text))
            items += item
        return items
    code = nodes.literal_block(block.text, block.text)
    code["language"] = block.language or "none"
    return code


def _kind(block: Block) -> str:
    names: dict[type[Any], str] = {
        Table: "table",
        BulletList: "list",
        Paragraph: "paragraph",
        Code: "code",
    }
    return names[type(block)]


def _titled(blocks: Sequence[Block]) -> Iterator[tuple[Block, str | None]]:
    """Each block; for a table, the colon-ended paragraph just before it, colon dropped.

    That paragraph is not yielded on its own.
    """
    skip = False
    for number, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        if (
            isinstance(block, Paragraph)
            and block.text.endswith(":")
            and isinstance(following, Table)
        ):
            yield following, block.text[:-1].rstrip()
            skip = True
        else:
            yield block, None


def render(
    section: Section, *, tables: Sequence[int] | None, kinds: Sequence[str], titles: bool
) -> list[nodes.Node]:
    """The nodes of one section's selected blocks.

    Raises:
        ValueError: a number in *tables* is not one of the section's tables.
    """
    count = sum(isinstance(block, Table) for block in section.blocks)
    wrong = [number for number in tables or () if not 1 <= number <= count]
    if wrong:
        raise ValueError(
            f"section {section.heading!r} has {count} table(s), not number {wrong[0]}"
        )
    result: list[nodes.Node] = []
    number = 0
    for block, intro in _titled(section.blocks):
        if isinstance(block, Table):
            number += 1
            if "table" not in kinds or (tables and number not in tables):
                continue
            title = intro or (section.heading if number == 1 else None)
            result.append(table_node(block, title if titles else None))
            if intro and not titles and "paragraph" in kinds:
                result.insert(-1, nodes.paragraph("", "", *inline(intro + ":")))
        elif _kind(block) in kinds:
            result.append(_block_node(block))
    return result


def select(sections: Sequence[Section], key: str) -> Section:
    """The one section whose heading *key* names (module docstring, ``:section:``).

    Raises:
        LookupError: no heading, or more than one, matches.
    """
    found = [
        section
        for section in sections
        if section.heading == key
        or (
            section.heading.startswith(key)
            and not section.heading[len(key) : len(key) + 1].isalnum()
        )
    ]
    if len(found) != 1:
        headings = ", ".join(repr(section.heading) for section in sections if section.heading)
        matched = "no heading" if not found else f"{len(found)} headings"
        raise LookupError(f"section {key!r} matches {matched}; the headings are {headings}")
    return found[0]


# ---------------------------------------------------------------- the directive


def _kinds(argument: str) -> list[str]:
    kinds = argument.replace(",", " ").split()
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"choose among {', '.join(KINDS)}, not {argument!r}")
    return kinds


class BenchResults(SphinxDirective):
    """``.. bench-results:: FILE.md``: the selected sections of a Markdown report."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "section": directives.unchanged_required,
        "tables": directives.positive_int_list,
        "blocks": _kinds,
        "no-titles": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        relative, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)  # a new suite.md rebuilds the page
        try:
            text = Path(absolute).read_text(encoding="utf-8")
        except OSError as error:
            raise self.error(f"cannot read {self.arguments[0]!r}: {error.strerror}") from error
        sections = parse(text)
        keys = [key.strip() for key in self.options.get("section", "").split(";") if key.strip()]
        result: list[nodes.Node] = []
        try:
            chosen = [select(sections, key) for key in keys] if keys else sections
            for section in chosen:
                result.extend(
                    render(
                        section,
                        tables=self.options.get("tables"),
                        kinds=self.options.get("blocks", KINDS),
                        titles="no-titles" not in self.options,
                    )
                )
        except (LookupError, ValueError) as error:
            raise self.error(f"{self.arguments[0]}: {error}") from error
        if not result:
            raise self.error(f"{self.arguments[0]}: the options select nothing")
        for node in result:
            self.set_source_info(node)
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("bench-results", BenchResults)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

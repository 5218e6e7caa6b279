"""Draw the connection state machine from the tables the code runs on.

Two directives read ``SEND_TRANSITIONS`` and ``RECV_TRANSITIONS`` from
:mod:`aiohttpcore.protocol.state` at build time, so the pictures and tables in
the docs are the code's own table and cannot drift from it (in the spirit of
h11's generated state diagrams)::

    .. state-machine-diagram:: send
    .. state-machine-table:: recv

The diagram is Graphviz ``dot`` source handed to ``sphinx.ext.graphviz``. The
moves to ``ERROR`` are not rows of the tables: ``fail_send`` and ``fail_recv``
reach it from every state, so the diagram draws them as one dashed edge from
"any state" and the table adds one row saying so.
"""

from __future__ import annotations

import enum
from collections.abc import ItemsView
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.ext.graphviz import graphviz
from sphinx.util.docutils import SphinxDirective

from aiohttpcore.protocol import state

# A table's rows, ((from, event), to): an items view, covariant where a Mapping is not.
Rows = ItemsView[tuple[enum.Enum, enum.Enum], enum.Enum]

# half -> (its table, its state enum, the method that reaches ERROR)
HALVES: dict[str, tuple[Rows, type[enum.Enum], str]] = {
    "send": (state.SEND_TRANSITIONS.items(), state.SendState, "fail_send()"),
    "recv": (state.RECV_TRANSITIONS.items(), state.RecvState, "fail_recv()"),
}
_START = {"send": state.SendState.IDLE, "recv": state.RecvState.IDLE}


def _half(argument: str) -> str:
    return str(directives.choice(argument, tuple(HALVES)))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(half: str) -> str:
    """The ``dot`` program for one half: a node per state, an edge per row."""
    rows, states, fail = HALVES[half]
    lines = [
        f"digraph {half} {{",
        "  rankdir=TB;",
        '  bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f8", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for member in states:
        label = f"{member.name}\\n({member.value})"
        extra = ", penwidth=2" if member is _START[half] else ""
        lines.append(f'  {member.name} [label="{label}"{extra}];')
    # Several events may share one (from, to) edge: one arrow, labels stacked.
    edges: dict[tuple[str, str], list[str]] = {}
    for (source, event), target in rows:
        edges.setdefault((source.name, target.name), []).append(event.name)
    for (source_name, target_name), events in edges.items():
        lines.append(f"  {source_name} -> {target_name} [label={_quote(chr(10).join(events))}];")
    lines.append('  ANY [label="any state", shape=plaintext, style=""];')
    lines.append(f"  ANY -> ERROR [style=dashed, label={_quote(fail)}];")
    lines.append("}")
    return "\n".join(lines)


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph("", "", cell)
        row += entry
    return row


def _literal(member: enum.Enum) -> nodes.Node:
    return nodes.literal(member.name, member.name)


class StateMachineDiagram(SphinxDirective):
    """``.. state-machine-diagram:: send|recv``: the half as a Graphviz figure."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"caption": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        half = _half(self.arguments[0])
        node = graphviz()
        node["code"] = dot_source(half)
        node["options"] = {"docname": self.env.docname}
        node["alt"] = f"The {half} half of the connection state machine"
        if "caption" not in self.options:
            return [node]
        figure = nodes.figure()
        figure += node
        figure += nodes.caption("", self.options["caption"])
        return [figure]


class StateMachineTable(SphinxDirective):
    """``.. state-machine-table:: send|recv``: every legal move, one row each."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        half = _half(self.arguments[0])
        rows, _states, fail = HALVES[half]
        table = nodes.table(classes=["state-table"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (3, 4, 3):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([nodes.Text("From"), nodes.Text("Event"), nodes.Text("To")])
        group += head
        body = nodes.tbody()
        for (source, event), target in rows:
            event_cell = nodes.inline()
            event_cell += _literal(event)
            event_cell += nodes.Text(f" ({event.value})")
            body += _row([_literal(source), event_cell, _literal(target)])
        body += _row(
            [nodes.Text("any state"), nodes.literal(fail, fail), nodes.literal("ERROR", "ERROR")]
        )
        group += body
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("state-machine-diagram", StateMachineDiagram)
    app.add_directive("state-machine-table", StateMachineTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

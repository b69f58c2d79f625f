"""The state graph of a definition, drawn by graphviz's ``dot`` as inline SVG.

Every state node carries ``data-state`` and ``data-status`` (ARCHITECTURE.md's contract), so
the page's script and any test can read and recolour the live graph. Parallel branches and
Map processors are drawn as clusters inside their parent state.
"""

from __future__ import annotations

import html
import re
from typing import Any

import graphviz

_NODE_ID = re.compile(r'<g id="sbnode(\d+)" class="node">')


class _Builder:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.ids: dict[str, str] = {}

    def node_id(self, name: str) -> str:
        if name not in self.ids:
            self.ids[name] = f"sbnode{len(self.names)}"
            self.names.append(name)
        return self.ids[name]

    def add_machine(self, graph: graphviz.Digraph, machine: dict[str, Any], prefix: str) -> None:
        states = machine.get("States") or {}
        start = f"{prefix}start"
        graph.node(start, "", shape="circle", width="0.2", style="filled", fillcolor="#555555")
        if machine.get("StartAt") in states:
            graph.edge(start, self.node_id(machine["StartAt"]))
        end = f"{prefix}end"
        ends = False
        for name, state in states.items():
            node = self.node_id(name)
            kind = state.get("Type", "?")
            shape = {"Choice": "diamond", "Succeed": "oval", "Fail": "oval"}.get(kind, "box")
            graph.node(
                node, f"{name}\n({kind})", id=node, shape=shape, style="rounded,filled", fillcolor="#ffffff"
            )
            for target in self._transitions(state):
                if target in states:
                    graph.edge(node, self.node_id(target))
            for catcher in state.get("Catch") or []:
                if catcher.get("Next") in states:
                    graph.edge(
                        node, self.node_id(catcher["Next"]), style="dashed", color="#bb0000", label="catch"
                    )
            if state.get("End") or kind in ("Succeed", "Fail"):
                ends = True
                graph.edge(node, end)
            for index, branch in enumerate(self._children(state)):
                with graph.subgraph(name=f"cluster_{node}_{index}") as cluster:
                    cluster.attr(
                        label=f"{name} branch {index + 1}" if kind == "Parallel" else f"{name} iteration",
                        style="dashed",
                        color="#888888",
                    )
                    self.add_machine(cluster, branch, f"{node}_{index}_")
                graph.edge(node, f"{node}_{index}_start", style="dotted", color="#888888", arrowhead="none")
        if ends:
            graph.node(end, "", shape="doublecircle", width="0.15", style="filled", fillcolor="#555555")

    @staticmethod
    def _transitions(state: dict[str, Any]) -> list[str]:
        targets = [state["Next"]] if isinstance(state.get("Next"), str) else []
        for choice in state.get("Choices") or []:
            if isinstance(choice, dict) and isinstance(choice.get("Next"), str):
                targets.append(choice["Next"])
        if isinstance(state.get("Default"), str):
            targets.append(state["Default"])
        return targets

    @staticmethod
    def _children(state: dict[str, Any]) -> list[dict[str, Any]]:
        if state.get("Type") == "Parallel":
            return [b for b in state.get("Branches") or [] if isinstance(b, dict)]
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator")
            return [processor] if isinstance(processor, dict) else []
        return []


def render_svg(definition: dict[str, Any], statuses: dict[str, str] | None = None) -> str:
    """SVG text of the graph, nodes tagged with their state name and status."""
    statuses = statuses or {}
    builder = _Builder()
    graph = graphviz.Digraph(
        graph_attr={"rankdir": "TB", "bgcolor": "transparent", "fontname": "sans-serif"},
        node_attr={"fontname": "sans-serif", "fontsize": "11"},
        edge_attr={"fontname": "sans-serif", "fontsize": "10"},
    )
    builder.add_machine(graph, definition, "root_")
    svg = graph.pipe(format="svg").decode()
    svg = svg[svg.index("<svg") :]

    def tag(match: re.Match[str]) -> str:
        name = builder.names[int(match.group(1))]
        status = statuses.get(name, "not-started")
        return (
            f'<g id="sbnode{match.group(1)}" class="node state-node" '
            f'data-state="{html.escape(name, quote=True)}" data-status="{status}">'
        )

    return _NODE_ID.sub(tag, svg)

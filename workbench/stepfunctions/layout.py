"""The designer canvas's layout: graphviz ``dot`` places the states, the browser draws them.

The graph is the one Workflow Studio shows for an Amazon States Language definition
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html):
a start and an end per (sub)machine, an edge per ``Next``, Choice rule, ``Default`` and
``Catch``, and each Parallel branch or Map ItemProcessor as a cluster inside its state.
Unlike ``graph.py`` (a finished SVG for read-only pages), every node and edge here carries an
id that says what it stands for, so the canvas can insert a state on an edge, reconnect it, or
drop one into a branch. ``dot -Tjson0`` gives positions in points, y growing upwards; the
answer flips y so the browser can use it as SVG coordinates directly.
"""

from __future__ import annotations

import json
from typing import Any

import graphviz

POINTS_PER_INCH = 72.0
# Past this many nodes, bound dot's network-simplex passes (nslimit/nslimit1): on a 200-state
# definition with long fan-in edges the unbounded x-placement takes seconds, bounded ~0.1 s.
LARGE_GRAPH = 40


def _transitions(state: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(kind, target, index) for every way out of a state except Catch."""
    out: list[tuple[str, str, int]] = []
    if isinstance(state.get("Next"), str):
        out.append(("next", state["Next"], 0))
    for index, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            out.append(("choice", rule["Next"], index))
    if isinstance(state.get("Default"), str):
        out.append(("default", state["Default"], 0))
    return out


def children(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The sub-machines drawn inside a state: Parallel's Branches, Map's ItemProcessor (or Iterator)."""
    if state.get("Type") == "Parallel":
        return [b if isinstance(b, dict) else {} for b in state.get("Branches") or []]
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if isinstance(processor, dict) else []
    return []


class _Graph:
    """Builds the dot graph, remembering what each node and edge id means."""

    def __init__(self) -> None:
        self.graph = graphviz.Digraph(
            graph_attr={"rankdir": "TB", "nodesep": "0.35", "ranksep": "0.45", "fontsize": "11"},
            node_attr={"fontsize": "11", "fixedsize": "true", "width": "2.1", "height": "0.5"},
            edge_attr={"fontsize": "10"},
        )
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[str, dict[str, Any]] = {}
        self.clusters: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}

    def add_machine(self, graph: graphviz.Digraph, machine: dict[str, Any], scope: str) -> None:
        states = machine.get("States") if isinstance(machine.get("States"), dict) else {}
        names: dict[str, str] = {}
        start = self._node(graph, f"start:{scope}", {"kind": "start", "scope": scope}, shape="circle")
        end_needed = False
        for name, state in states.items():
            state = state if isinstance(state, dict) else {}
            kind = str(state.get("Type", "?"))
            names[name] = self._node(
                graph,
                f"state:{name}",
                {"kind": "state", "state": name, "type": kind, "scope": scope},
                shape="diamond" if kind == "Choice" else "box",
            )
        end = ""
        start_at = machine.get("StartAt")
        if isinstance(start_at, str) and start_at in names:
            self._edge(graph, start, names[start_at], {"kind": "start", "scope": scope, "to": start_at})
        for name, state in states.items():
            state = state if isinstance(state, dict) else {}
            for kind, target, index in _transitions(state):
                if target in names:
                    meta = {"kind": kind, "from": name, "to": target, "index": index, "scope": scope}
                    self._edge(graph, names[name], names[target], meta)
            for index, catcher in enumerate(state.get("Catch") or []):
                if isinstance(catcher, dict) and catcher.get("Next") in names:
                    target = catcher["Next"]
                    meta = {"kind": "catch", "from": name, "to": target, "index": index, "scope": scope}
                    self._edge(graph, names[name], names[target], meta, style="dashed")
            if state.get("End") is True or state.get("Type") in ("Succeed", "Fail"):
                if not end_needed:
                    end_needed = True
                    end = self._node(graph, f"end:{scope}", {"kind": "end", "scope": scope}, shape="circle")
                self._edge(graph, names[name], end, {"kind": "end", "from": name, "scope": scope})
            for index, branch in enumerate(children(state)):
                branch_scope = f"{name}/{index}"
                with graph.subgraph(name=f"cluster_{names[name]}_{index}") as cluster:
                    cluster.attr(margin="12")
                    parallel = state.get("Type") == "Parallel"
                    self.clusters[f"cluster_{names[name]}_{index}"] = {
                        "state": name,
                        "branch": index,
                        "scope": branch_scope,
                        "label": f"{name} · branch {index + 1}" if parallel else f"{name} · items",
                    }
                    self.add_machine(cluster, branch, branch_scope)
                child_start = self.by_key[f"start:{branch_scope}"]
                self._edge(graph, names[name], child_start, {"kind": "child", "scope": scope}, style="dotted")

    def _node(self, graph: graphviz.Digraph, key: str, meta: dict[str, Any], shape: str) -> str:
        gv = f"n{len(self.nodes)}"  # graphviz-safe: state names may hold any character
        self.by_key[key] = gv
        size = {"width": "0.22", "height": "0.22"} if meta["kind"] in ("start", "end") else {}
        graph.node(gv, "", id=gv, shape=shape, **size)
        self.nodes[gv] = {"id": key, **meta}
        return gv

    def _edge(
        self, graph: graphviz.Digraph, tail: str, head: str, meta: dict[str, Any], **attrs: Any
    ) -> None:
        gv = f"e{len(self.edges)}"
        graph.edge(tail, head, id=gv, **attrs)
        self.edges[gv] = meta


def _point(text: str, height: float) -> list[float]:
    x, y = text.split(",")[:2]
    return [round(float(x), 1), round(height - float(y), 1)]


def layout(definition: dict[str, Any]) -> dict[str, Any]:
    """Positions of every state, edge and branch of a definition, in SVG coordinates (points)."""
    built = _Graph()
    built.add_machine(built.graph, definition, "")
    if len(built.nodes) > LARGE_GRAPH:
        built.graph.graph_attr.update(nslimit="1", nslimit1="1")
    placed = json.loads(built.graph.pipe(format="json0"))
    _, _, width, height = (float(v) for v in placed["bb"].split(","))
    nodes: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    by_gvid: dict[int, str] = {}
    for obj in placed.get("objects", []):
        if "nodes" in obj or obj.get("name", "").startswith("cluster_"):
            meta = built.clusters.get(obj["name"])
            if meta and "bb" in obj:
                x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
                clusters.append({**meta, "x": x0, "y": height - y1, "w": x1 - x0, "h": y1 - y0})
            continue
        by_gvid[obj["_gvid"]] = obj["name"]
        meta = built.nodes[obj["name"]]
        x, y = _point(obj["pos"], height)
        w = float(obj["width"]) * POINTS_PER_INCH
        h = float(obj["height"]) * POINTS_PER_INCH
        nodes.append({**meta, "x": round(x - w / 2, 1), "y": round(y - h / 2, 1), "w": w, "h": h})
    edges: list[dict[str, Any]] = []
    for edge in placed.get("edges", []):
        meta = built.edges[edge["id"]]
        points: list[list[float]] = []
        arrow: list[float] | None = None
        for token in edge.get("pos", "").split():
            if token.startswith("e,"):
                arrow = _point(token[2:], height)
            elif not token.startswith("s,"):
                points.append(_point(token, height))
        edges.append(
            {
                **meta,
                "id": edge["id"],
                "points": points,
                "arrow": arrow,
                "source": built.nodes[by_gvid[edge["tail"]]]["id"],
                "target": built.nodes[by_gvid[edge["head"]]]["id"],
            }
        )
    return {"width": width, "height": height, "nodes": nodes, "edges": edges, "clusters": clusters}

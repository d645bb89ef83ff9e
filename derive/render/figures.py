"""Drawings of a computational graph: TikZ for LaTeX, Mermaid for Markdown, a tree for text.

Positions are computed here (column = longest path from the leaves, row = order within
the column, operations first), so the TikZ needs no layout library and compiles with plain
pdflatex; an arrow that would cross a node is routed along a lane outside them.
"""

from __future__ import annotations

from derive.render.numbers import format_number, tex_number
from derive.render.printing import tex, text
from derive.solution import GraphFigure, GraphNode

MAX_DRAWN = 60  # larger graphs are described, not drawn


def _levels(figure: GraphFigure) -> list[int]:
    """Height of each node: one above its highest input; a leaf sits just below its
    lowest user, so inputs stay close to where they are used."""
    level: list[int] = []
    for node in figure.nodes:
        level.append(1 + max((level[i] for i in node.inputs), default=-1))
    for index, node in enumerate(figure.nodes):
        users = [level[j] for j, user in enumerate(figure.nodes) if index in user.inputs]
        if not node.inputs and users:
            level[index] = min(users) - 1
    return level


def _positions(figure: GraphFigure) -> list[tuple[int, int]]:
    """(column, row) of every node: the column is its level, left to right; operations
    take the first rows of a column and leaves the rows below them, so the chain of
    operations runs straight along the top."""
    levels = _levels(figure)
    order = sorted(range(len(levels)), key=lambda i: (bool(figure.nodes[i].inputs) is False, i))
    filled: dict[int, int] = {}
    places = [(0, 0)] * len(levels)
    for index in order:
        places[index] = (levels[index], filled.get(levels[index], 0))
        filled[levels[index]] = filled.get(levels[index], 0) + 1
    return places


X_CM, Y_CM = 2.6, 1.45  # column and row pitch
HALF_W, HALF_H = 1.15, 0.45  # a node's half box, for the edge routing
TEXT_CM = 15.5


def _hits(points: list[tuple[float, float]], centres: list[tuple[float, float]],
          ends: tuple[int, int]) -> bool:
    """Whether the polyline through `points` passes through a node other than its ends."""
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for step in range(1, 40):
            x, y = x0 + (x1 - x0) * step / 40, y0 + (y1 - y0) * step / 40
            if any(abs(x - cx) < HALF_W and abs(y - cy) < HALF_H
                   for k, (cx, cy) in enumerate(centres) if k not in ends):
                return True
    return False


def _edge(source: int, target: int, centres: list[tuple[float, float]]) -> str:
    """A straight arrow when it crosses no node, else one routed along a free lane below
    (or above) every node."""
    (xa, ya), (xb, yb) = centres[source], centres[target]
    if not _hits([(xa, ya), (xb, yb)], centres, (source, target)):
        return rf"\draw[->] (n{source}) -- (n{target});"
    bottom = min(y for _, y in centres) - Y_CM / 2
    top = max(y for _, y in centres) + Y_CM / 2
    for lane, side in ((bottom, "south"), (top, "north")):
        route = [(xa, ya), (xa, lane), (xb, lane), (xb, yb)]
        if not _hits(route, centres, (source, target)):
            return (rf"\draw[->, rounded corners] (n{source}.{side}) -- ({xa:.2f},{lane:.2f}) -- "
                    rf"({xb:.2f},{lane:.2f}) -- (n{target}.{side});")
    return rf"\draw[->] (n{source}) -- (n{target});"


def tikz(figure: GraphFigure, digits: int) -> str:
    """A tikzpicture, inputs on the left and the output on the right: each node shows
    name = operation, value and gradient; no arrow passes through a node."""
    if len(figure.nodes) > MAX_DRAWN:
        return ""
    places = _positions(figure)
    centres = [(column * X_CM, -row * Y_CM) for column, row in places]
    lines = [r"\begin{tikzpicture}[every node/.style={draw, rounded corners, align=center, "
             r"font=\footnotesize}, >=stealth]"]
    for index, (node, (x, y)) in enumerate(zip(figure.nodes, centres, strict=True)):
        label = tex(node.name) + ("" if node.operation is None else " = " + tex(node.operation))
        lines.append(rf"\node (n{index}) at ({x:.2f},{y:.2f}) {{${label}$\\ "
                     rf"${tex_number(node.value, digits)}$, grad "
                     rf"${tex_number(node.gradient, digits)}$}};")
    for index, node in enumerate(figure.nodes):
        lines += [_edge(source, index, centres) for source in dict.fromkeys(node.inputs)]
    picture = "\n".join([*lines, r"\end{tikzpicture}"])
    if max(x for x, _ in centres) + 2 * HALF_W > TEXT_CM:
        picture = r"\resizebox{\linewidth}{!}{%" + "\n" + picture + "}"
    return "\n".join([r"\begin{center}", picture, r"\end{center}"])


def mermaid(figure: GraphFigure, digits: int) -> str:
    """A Mermaid flowchart, left to right, with value and gradient on each node."""
    if len(figure.nodes) > MAX_DRAWN:
        return ""
    lines = ["```mermaid", "flowchart LR"]
    for index, node in enumerate(figure.nodes):
        label = _plain(node, pretty=False).replace('"', "'")  # Mermaid labels stay code-like
        lines.append(f'  n{index}["{label}<br/>value {format_number(node.value, digits)}, '
                     f'grad {format_number(node.gradient, digits)}"]')
    for index, node in enumerate(figure.nodes):
        lines += [f"  n{source} --> n{index}" for source in dict.fromkeys(node.inputs)]
    return "\n".join([*lines, "```"])


def tree(figure: GraphFigure, digits: int) -> list[str]:
    """The graph as an indented tree from the output down; a shared node is shown once."""
    shown: set[int] = set()
    lines: list[str] = []

    def visit(index: int, depth: int) -> None:
        node = figure.nodes[index]
        summary = (f"{_plain(node)}   value {format_number(node.value, digits)}, "
                   f"grad {format_number(node.gradient, digits)}")
        if index in shown and node.inputs:
            lines.append("    " * depth + f"{text(node.name)} (shown above)")
            return
        shown.add(index)
        lines.append("    " * depth + summary)
        for child in dict.fromkeys(node.inputs):
            visit(child, depth + 1)

    visit(len(figure.nodes) - 1, 0)
    return lines


def _plain(node: GraphNode, pretty: bool = True) -> str:
    """A node as `name = operation`, in Unicode math (`pretty`) or code-like text."""
    return text(node.name, pretty=pretty) + (
        "" if node.operation is None else " = " + text(node.operation, pretty=pretty))

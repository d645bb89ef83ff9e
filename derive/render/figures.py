"""Drawings of a computational graph: TikZ for LaTeX, Mermaid for Markdown, a tree for text.

Positions are computed here (column = longest path from the leaves, row = order within
the column), so the TikZ needs no layout library and compiles with plain pdflatex.
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
    """(slot within its level, level) for every node."""
    filled: dict[int, int] = {}
    places = []
    for level in _levels(figure):
        places.append((filled.get(level, 0), level))
        filled[level] = filled.get(level, 0) + 1
    return places


def tikz(figure: GraphFigure, digits: int) -> str:
    """A tikzpicture, output on top: each node shows name = operation, value and gradient."""
    if len(figure.nodes) > MAX_DRAWN:
        return ""
    places = _positions(figure)
    widest = max(slot for slot, _ in places) + 1
    lines = [r"\begin{center}", rf"\begin{{tikzpicture}}[x={min(4.4, 16 / widest):.2f}cm, "
             r"y=1.5cm, every node/.style={draw, rounded corners, align=center, "
             r"font=\footnotesize}, >=stealth]"]
    for index, (node, (slot, level)) in enumerate(zip(figure.nodes, places, strict=True)):
        label = tex(node.name) + ("" if node.operation is None else " = " + tex(node.operation))
        lines.append(rf"\node (n{index}) at ({slot}, {level}) {{${label}$\\ "
                     rf"${tex_number(node.value, digits)}$, grad "
                     rf"${tex_number(node.gradient, digits)}$}};")
    for index, node in enumerate(figure.nodes):
        lines += [rf"\draw[->] (n{source}) -- (n{index});" for source in dict.fromkeys(node.inputs)]
    return "\n".join([*lines, r"\end{tikzpicture}", r"\end{center}"])


def mermaid(figure: GraphFigure, digits: int) -> str:
    """A Mermaid flowchart, left to right, with value and gradient on each node."""
    if len(figure.nodes) > MAX_DRAWN:
        return ""
    lines = ["```mermaid", "flowchart LR"]
    for index, node in enumerate(figure.nodes):
        label = _plain(node).replace('"', "'")
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


def _plain(node: GraphNode) -> str:
    return text(node.name) + ("" if node.operation is None else " = " + text(node.operation))

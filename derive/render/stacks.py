"""A conv/pool stack as feature-map boxes: TikZ for LaTeX, Mermaid for Markdown, a line of
text. Each box's height follows the map's height and its depth the channels (square roots and
logarithms, so a 3 x 224 x 224 input and a 512 x 7 x 7 map both fit), with its shape beneath."""

from __future__ import annotations

import math

from derive.render.tex import tex_escape
from derive.solution import StackFigure

MAX_MAPS = 12  # longer stacks are left to the table
WIDTH_CM = 15.5
TIMES = r" \times "  # the text width the drawing is scaled into when it is wider


def _dims(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(channels, height, width) of a map; a 2-D map has one channel."""
    channels, height, width = (1, *shape)[-3:] if len(shape) >= 2 else (1, 1, shape[0])
    return channels, height, width


def _box(channels: int, height: int, scale: tuple[int, int]) -> tuple[float, float, float]:
    """(front width, front height, depth offset) in cm for one map."""
    tallest, most = scale
    front = 0.5 + 2.3 * math.sqrt(height / tallest)
    thick = 0.12 + 0.9 * math.log2(channels + 1) / math.log2(most + 1)
    return thick, front, 0.25 * front


def stack_tikz(figure: StackFigure) -> str:
    """A tikzpicture of the stack, left to right, each box labelled with its layer and shape."""
    maps = figure.maps
    if not 2 <= len(maps) <= MAX_MAPS:
        return ""
    dims = [_dims(m.shape) for m in maps]
    scale = (max(d[1] for d in dims), max(d[0] for d in dims))
    lines, x = [], 0.0
    for index, (item, (channels, height, _)) in enumerate(zip(maps, dims, strict=True)):
        thick, front, depth = _box(channels, height, scale)
        lines += [
            rf"\draw[fill=blue!8] ({x:.2f},0) rectangle ++({thick:.2f},{front:.2f});",
            rf"\draw[fill=blue!18] ({x:.2f},{front:.2f}) -- ++({depth:.2f},{depth:.2f}) -- "
            rf"++({thick:.2f},0) -- ++(0,{-front:.2f}) -- ++({-depth:.2f},{-depth:.2f}) -- "
            rf"++(0,{front:.2f}) -- cycle;",
            rf"\node[above, font=\scriptsize] at ({x + thick / 2 + depth / 2:.2f},"
            rf"{front + depth:.2f}) {{{tex_escape(item.label)}}};",
            rf"\node[below, font=\scriptsize] at ({x + thick / 2:.2f},0) "
            rf"{{${TIMES.join(map(str, item.shape))}$}};"]
        if index:
            lines.append(rf"\draw[->, >=stealth, gray] ({x - 0.85:.2f},0.3) -- "
                         rf"({x - 0.15:.2f},0.3);")
        x += thick + depth + 1.1
    picture = "\n".join([r"\begin{tikzpicture}", *lines, r"\end{tikzpicture}"])
    if x > WIDTH_CM:
        picture = r"\resizebox{\linewidth}{!}{%" + "\n" + picture + "}"
    return "\n".join([r"\begin{center}", picture, r"\end{center}"])


def stack_markdown(figure: StackFigure) -> str:
    """A Mermaid flowchart, left to right, one box per feature map with its shape."""
    if not 2 <= len(figure.maps) <= MAX_MAPS:
        return ""
    lines = ["```mermaid", "flowchart LR"]
    for index, item in enumerate(figure.maps):
        shape = " × ".join(map(str, item.shape))
        lines.append(f'  m{index}["{item.label.replace(chr(34), chr(39))}<br/>{shape}"]')
    lines += [f"  m{index - 1} --> m{index}" for index in range(1, len(figure.maps))]
    return "\n".join([*lines, "```"])


def stack_lines(figure: StackFigure) -> list[str]:
    """The stack as one text line per map: `1: conv  6 × 28 × 28`."""
    if not 2 <= len(figure.maps) <= MAX_MAPS:
        return []
    width = max(len(item.label) for item in figure.maps)
    return ["Feature maps:"] + [f"  {item.label.ljust(width)}  {' × '.join(map(str, item.shape))}"
                                for item in figure.maps]

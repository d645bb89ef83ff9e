"""What a key says around its formulas: headings, verification, shapes in words, and the one
caption printer of each format.

>>> shape_words((4, 3)), shape_words((2, 1)), shape_words((3, 4, 2)), shape_words(())
('4 x 3 matrix', '2 x 1 column vector', '3 x 4 x 2 tensor', 'scalar')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from derive.render.captions import caption_markdown, caption_math_tex, caption_tex, caption_unicode

if TYPE_CHECKING:
    from derive.problem import Problem
    from derive.solution import Step

# a readable name for each kind, for a problem without a title
KIND_TITLES = {
    "params": "Parameter count", "conv-size": "Convolution output sizes",
    "attention-params": "Parameters of multi-head attention", "mlp-grad": "Gradients of an MLP",
    "backprop": "A worked forward and backward pass", "jacobian": "Jacobians and their shapes",
    "gd": "Gradient descent", "graph": "A computational graph", "loss": "Loss values",
    "softmax-ce": "The gradient of softmax with cross-entropy", "summary": "Layer-by-layer summary",
    "layer-grad": "One layer's forward and backward", "model-backprop": "Backprop through a model",
    "bptt": "Backpropagation through time", "init": "Weight initialization",
    "optimize": "Optimizer steps",
}


def heading(problem: Problem) -> str:
    """The problem's title, else a readable form of its kind."""
    title = getattr(problem, "title", None)
    if title:
        return str(title)
    return KIND_TITLES.get(problem.kind, problem.kind.replace("-", " ").capitalize())


def shape_words(shape: Sequence[Any] | None) -> str:
    """A shape in words (ASCII math, typeset by the caption printers)."""
    if shape is None:
        return ""
    sizes = " x ".join(str(n) for n in shape)
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"vector of {shape[0]} entries"
    if len(shape) == 2 and shape[1] == 1 and shape[0] != 1:
        return f"{sizes} column vector"
    if len(shape) == 2 and shape[0] == 1 and shape[1] != 1:
        return f"{sizes} row vector"
    return f"{sizes} {'matrix' if len(shape) == 2 else 'tensor'}"


def verification(steps: Sequence[Step]) -> str:
    """One line for the whole solution: how many steps were verified, and the worst residual."""
    checks = [step.check for step in steps if step.check is not None]
    if not checks:
        return ""
    worst = max(checks)
    how = "exactly" if worst == 0 else \
        f"(exactly, or numerically with largest residual {worst:.0e})"
    share = "every step" if len(checks) == len(steps) else \
        f"the {len(checks)} marked steps of {len(steps)}"
    return f"{share} verified {how}; each residual is in the JSON output"


def printer(fmt: str) -> Callable[[str], str]:
    """The caption printer of a format: LaTeX prose, Markdown, or Unicode text."""
    return {"latex": caption_tex, "markdown": caption_markdown}.get(fmt, caption_unicode)


def math_printer(fmt: str) -> Callable[[str], str]:
    """Captions inside math mode (an answer's name in an aligned list)."""
    return caption_math_tex if fmt == "latex" else caption_markdown

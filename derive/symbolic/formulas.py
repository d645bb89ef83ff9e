"""The formulas of backpropagation in one network's convention and names.

Pure builders shared by the derivation (`mlp-grad`) and the worked numeric example
(`backprop`): the pre-activation of a layer, delta_L, the recursion for delta_l, and the
gradient of a weight or a bias, all shaped as the convention arranges them.
"""

from __future__ import annotations

import re

import sympy
from sympy import MatrixExpr

from derive.answers import plain_name
from derive.symbolic.activations import Activation
from derive.symbolic.build import neg
from derive.symbolic.matrices import hadamard, minus, scaled
from derive.symbolic.network import N, SymbolicNetwork
from derive.symbolic.outputs import OutputLoss


def pre_activation(net: SymbolicNetwork, layer: int) -> MatrixExpr:
    """z_l = the convention's linear map of a_{l-1}."""
    conv = net.convention
    return conv.forward(net.W(layer), net.a(layer - 1), net.b(layer), conv.ones(N))


def divisor(net: SymbolicNetwork, pair: OutputLoss, reduction: str) -> sympy.Expr:
    """What the summed loss is divided by: N rows, or N x outputs for a per-entry mean."""
    if reduction == "sum" or not net.convention.rows:
        return sympy.Integer(1)
    return N * net.dims[-1] if pair.per_entry_mean else N


EXAMPLE_LOSS = sympy.Symbol("ell")  # the loss of one example (or row); the network's may be L
LOSS_WORDS = {"ce": "cross-entropy", "bce": "binary cross-entropy", "mse": "mean squared error"}


def loss_words(pair: OutputLoss) -> str:
    """The pair's loss as captions name it: ce -> cross-entropy (`pair.loss` stays the
    option value)."""
    return LOSS_WORDS.get(pair.loss, pair.loss)


ROW = sympy.Symbol("n", integer=True)  # the row a batch loss sums over


def batch_loss(net: SymbolicNetwork, pair: OutputLoss, reduction: str) -> sympy.Expr:
    """L = (1/N) sum_n l_n: the N rows' losses summed, divided as the reduction says."""
    total = sympy.Sum(sympy.Symbol(f"{EXAMPLE_LOSS.name}_n"), (ROW, 1, N))
    return _reduced(total, divisor(net, pair, reduction))


def batch_loss_written(net: SymbolicNetwork, pair: OutputLoss, reduction: str,
                       per_row: sympy.Expr) -> sympy.Expr:
    """L with each row's loss `per_row` written out, its entries indexed by the row n
    and its minus in front, as a course writes it:

    >>> from sympy import IndexedBase, Sum, log, symbols
    >>> from derive.symbolic.build import mul, neg
    >>> from derive.symbolic.conventions import CONVENTIONS
    >>> from derive.symbolic.network import SymbolicNetwork
    >>> from derive.symbolic.outputs import PAIRS
    >>> i, C = symbols("i C", integer=True)
    >>> Y, A = IndexedBase("Y"), IndexedBase("A_3")
    >>> net = SymbolicNetwork(CONVENTIONS["XWT"], (5, 3))
    >>> batch_loss_written(net, PAIRS["softmax", "ce"], "mean",
    ...                    neg(Sum(mul(Y[i], log(A[i])), (i, 1, C)))).doit()
    -Sum(log(A_3[n, i])*Y[n, i], (i, 1, C), (n, 1, N))/N
    """
    negative = isinstance(per_row, sympy.Mul) and per_row.args[0] == -1
    body = sympy.Mul(*per_row.args[1:], evaluate=False) if negative else per_row
    rowed = body.xreplace({entry: entry.base[(ROW, *entry.indices)]
                           for entry in body.atoms(sympy.Indexed)})
    # UnevaluatedExpr keeps sum_n sum_i apart (SymPy merges nested sums into one)
    total = _reduced(sympy.Sum(sympy.UnevaluatedExpr(rowed), (ROW, 1, N)),
                     divisor(net, pair, reduction))
    return neg(total) if negative else total


def _reduced(total: sympy.Expr, scale: sympy.Expr) -> sympy.Expr:
    """(1/scale) total, the fraction printed in front: (1/N) sum_n, not sum_n / N."""
    if scale == 1:
        return total
    return sympy.Mul(sympy.UnevaluatedExpr(sympy.Integer(1)) / scale, total, evaluate=False)


def output_delta(net: SymbolicNetwork, pair: OutputLoss, half: bool,
                 reduction: str) -> MatrixExpr:
    """delta_L = dL/dz_L = factor (yhat - y) / divisor where the pair collapses; else the
    pair's own form (the general chain rule, or squash(z) - y on logits) / divisor."""
    if pair.delta is not None:
        per_example = pair.delta(net.z(net.depth), net.yhat, net.y, half, net.convention.rows)
        return scaled(1 / divisor(net, pair, reduction), per_example)
    return scaled(pair.factor(half) / divisor(net, pair, reduction), minus(net.yhat, net.y))


def output_gradient(net: SymbolicNetwork, pair: OutputLoss, half: bool,
                    reduction: str) -> MatrixExpr | None:
    """dL/dyhat of a pair taken by the general chain rule (None where it collapses)."""
    if pair.gradient is None:
        return None
    return scaled(1 / divisor(net, pair, reduction), pair.gradient(net.yhat, net.y, half))


def hidden_delta(net: SymbolicNetwork, layer: int, rule: Activation) -> MatrixExpr:
    """delta_l = (delta_{l+1} carried back through W_{l+1}) * g'(z_l), entry by entry, with
    g'(z_l) in the activation a_l where the rule allows it: a_l * (1 - a_l) for a sigmoid."""
    back = net.convention.back(net.W(layer + 1), net.delta(layer + 1))
    prime = rule.prime(rule, net.z(layer), net.a(layer))
    return hadamard(back, *prime) if prime else back


def gradient(net: SymbolicNetwork, target: str, layer: int) -> MatrixExpr:
    """dL/dW_l ("W") or dL/db_l ("b") from delta_l, shaped like the parameter."""
    conv = net.convention
    if target == "W":
        return conv.grad_W(net.delta(layer), net.a(layer - 1))
    return conv.grad_b(net.delta(layer), conv.ones(N))


def parameter(net: SymbolicNetwork, target: str, layer: int) -> sympy.MatrixSymbol:
    """W_l or b_l."""
    return net.W(layer) if target == "W" else net.b(layer)


LAYER_ONE = re.compile(r"(.*?)(\(1\)|1)$")  # a name's layer index 1 at its end: Z_1, Z^(1)


def convention_note(net: SymbolicNetwork) -> str:
    """The convention in words in the network's names, for any layer l where every name
    carries its layer (else for layer 1), as an ASCII-math caption.

    >>> from derive.symbolic.conventions import CONVENTIONS
    >>> convention_note(SymbolicNetwork(CONVENTIONS["XWT"], (5, 7, 3)))
    'row convention: Z_l = A_(l-1) W_l^T + 1 b_l^T, one example per row (A_0 = X)'
    >>> convention_note(SymbolicNetwork(CONVENTIONS["WTx"], (2, 2, 2), {"a": "H", "x": "X"}))
    'column convention: z_1 = W_1^T X + b_1, one example as a column'
    """
    z, W, b, a = (plain_name(m) for m in (net.z(1), net.W(1), net.b(1), net.a(1)))
    matches = [LAYER_ONE.fullmatch(name) for name in (z, W, b, a)]
    if net.depth < 2 or not all(matches):
        return net.convention.words(z, W, plain_name(net.a(0)), b)
    z, W, b, a = (_at(match, "l") for match in matches if match)
    below, first = (_at(matches[-1], layer) for layer in ("l-1", "0") if matches[-1])
    return (net.convention.words(z, W, below, b) + f" ({first} = {plain_name(net.a(0))})")


def _at(match: re.Match[str], layer: str) -> str:
    """A layer-1 name (matched by `LAYER_ONE`) at another layer: Z_1 -> Z_l, A_(l-1);
    Z^(1) -> Z^{(l)}, braced, as the caption typesetter keeps parentheses."""
    stem, index = match.groups()
    if index == "(1)":
        return f"{stem}{{({layer})}}"
    return f"{stem}({layer})" if len(layer) > 1 else stem + layer

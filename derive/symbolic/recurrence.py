"""Backpropagation through time for a vanilla RNN, as SymPy building blocks.

Column vectors, torch's parameter names (torch.nn.RNN: h_t = tanh(x_t W_ih^T + b_ih +
h_{t-1} W_hh^T + b_hh) for row vectors, so for a column vector)

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,   h_t = tanh(a_t),   t = 1..T,
    L = sum_t l_t(h_t),   e_t = dl_t/dh_t (zero for t < T when only the last output counts).

Gradients are in denominator layout (shaped like the variable). One step's Jacobian is
dh_t/dh_{t-1} = D_t W_hh with D_t = diag(tanh'(a_t)) = diag(1 - h_t * h_t), and

    J_t = dh_t/dh_{t-1} = diag(tanh'(a_t)) W_hh = D_t W_hh,
    dL/dh_t = e_t + J_{t+1}^T dL/dh_{t+1} = e_t + W_hh^T D_{t+1} dL/dh_{t+1},
    dL/dh_T = e_T                                                       (the recursion)
    delta_t = dL/da_t = D_t dL/dh_t,   dL/dW_hh = sum_t delta_t h_{t-1}^T,
    dL/dW_ih = sum_t delta_t x_t^T,   dL/db_ih = dL/db_hh = sum_t delta_t,
    dL/dh_0 = W_hh^T delta_1 = sum_{s=1}^{T} (D_s W_hh ... D_1 W_hh)^T e_s
                                               (the recursion unrolled: the sum over paths)

Each quantity is derived once: dL/dh_t by the recursion, the sum over paths stated once, as
what dL/dh_0's recursion expands to. The forward step (a_t, h_t) is the model's definition,
restated for a general t; it carries no check mark of its own (the forward steps' numbers
do). `derivation(T)` gives every block with its shape and the shapes of its factors;
`verified(T, numbers)` (recurrence_check.py) checks each at numbers from the numeric
kernels and finite differences.

>>> blocks = derivation(2)
>>> [block.name for block in blocks][:4]
['pre-activation', 'hidden state', 'step Jacobian', 'recursion']
>>> print(blocks[-1].name, "=", blocks[-1].sides[-1])
dL/dh_0 (recursion, unrolled: the sum over paths) = W_hh.T*D_1*e_1 + W_hh.T*D_1*W_hh.T*D_2*e_2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Eq, MatAdd, MatMul, MatrixExpr, MatrixSymbol

from derive.symbolic.matrices import Diag, Elementwise, MatrixPartial

n_h, n_x = sympy.symbols("n_h n_x", integer=True, positive=True)
LOSS = sympy.Symbol("L")
W_ih, W_hh = MatrixSymbol("W_ih", n_h, n_x), MatrixSymbol("W_hh", n_h, n_h)
b_ih, b_hh = MatrixSymbol("b_ih", n_h, 1), MatrixSymbol("b_hh", n_h, 1)
Shape = tuple[Any, ...]


@dataclass(frozen=True)
class Block:
    """One relation of the derivation: what it is, the relation, the shape of its left
    side, and each factor of its right side's terms with its shape."""

    name: str
    relation: Eq
    shape: Shape
    factors: tuple[tuple[sympy.Basic, Shape], ...] = ()
    check: float | None = None  # residual of its numeric verification, once verified
    more: tuple[MatrixExpr, ...] = ()  # further sides equal to the left side, printed after
    definition: bool = False  # the model's own definition: verified, but not a check

    @property
    def sides(self) -> tuple[MatrixExpr, ...]:
        """The left side, then every expression it equals, in printed order."""
        return (self.relation.lhs, self.relation.rhs, *self.more)


def vector(name: str, t: Any, rows: Any = n_h) -> MatrixSymbol:
    """x_t, h_t, a_t, e_t, D_t, ... at step t (a number or a symbol such as t - 1)."""
    label = str(t)
    return MatrixSymbol(f"{name}_{label}" if len(label) == 1 else f"{name}_{{{label}}}",
                        rows, rows if name in ("D", "J") else 1)


def grad(t: Any, name: str = "h") -> MatrixPartial:
    """dL/dh_t (or dL/d<name>_t)."""
    return MatrixPartial(LOSS, vector(name, t))


def tanh(a: MatrixExpr) -> Elementwise:
    return Elementwise("tanh", "tanh({})", r"\tanh\left({}\right)", a)


def slope(t: Any) -> Diag:
    """diag(tanh'(a_t)) (= diag(1 - h_t * h_t), the kernels' tanh')."""
    return Diag(Elementwise("tanh_prime", "tanh'({})", r"\tanh'\left({}\right)",
                            vector("a", t)))


def _factors(expr: MatrixExpr) -> tuple[tuple[sympy.Basic, Shape], ...]:
    """Each distinct factor of each term, with its shape (the term itself when a symbol)."""
    seen: dict[sympy.Basic, Shape] = {}
    for term in MatAdd.make_args(expr):
        for factor in (term.args if isinstance(term, MatMul) else (term,)):
            if not isinstance(factor, sympy.Integer):
                seen.setdefault(factor, tuple(factor.shape))
    return tuple(seen.items())


def block(name: str, lhs: MatrixExpr, rhs: MatrixExpr, *more: MatrixExpr,
          definition: bool = False) -> Block:
    """lhs = rhs (= more ...), its factors those of the last side."""
    return Block(name, Eq(lhs, rhs, evaluate=False), tuple(lhs.shape),
                 _factors(more[-1] if more else rhs), more=more, definition=definition)


def generic_blocks(t: Any = None) -> list[Block]:
    """The forward step, the step Jacobian and the recursion at step t (a general t, or a
    number when the blocks are checked at each step)."""
    t = sympy.Symbol("t") if t is None else t
    x, h, h_prev, a = vector("x", t, n_x), vector("h", t), vector("h", t - 1), vector("a", t)
    return [
        block("pre-activation", a, MatAdd(W_ih * x, b_ih, W_hh * h_prev, b_hh,
                                          evaluate=False), definition=True),
        block("hidden state", h, tanh(a), definition=True),
        block("step Jacobian", vector("J", t, n_h), MatMul(slope(t), W_hh),
              MatMul(vector("D", t), W_hh)),
        block("recursion", grad(t), MatAdd(vector("e", t), MatMul(
            vector("J", t + 1, n_h).T, grad(t + 1)), evaluate=False), MatAdd(
            vector("e", t), MatMul(W_hh.T, vector("D", t + 1), grad(t + 1)), evaluate=False)),
    ]


def path_sum(t: int, steps: int) -> MatrixExpr:
    """sum_{s=t}^{T} (D_s W_hh ... D_{t+1} W_hh)^T e_s, the transposes taken factor by
    factor (W_hh^T D_{t+1} ... W_hh^T D_s e_s): every path from l_s back to h_t."""
    terms, product = [], []
    for s in range(t, steps + 1):
        if s > t:
            product += [W_hh.T, vector("D", s)]
        if s:  # there is no l_0
            terms.append(MatMul(*product, vector("e", s)) if product else vector("e", s))
    return terms[0] if len(terms) == 1 else MatAdd(*terms, evaluate=False)


def over_time(steps: int, right: Any) -> MatrixExpr:
    """sum_{t=1}^{T} delta_t right(t), written out."""
    terms = [MatMul(vector("delta", t), right(t)) if right else vector("delta", t)
             for t in range(1, steps + 1)]
    return terms[0] if len(terms) == 1 else MatAdd(*terms, evaluate=False)


def unrolled_blocks(steps: int) -> list[Block]:
    """At T = steps: D_t, the recursion for every h_t (t = T..1), delta_t, the parameter
    gradients as sums over time (both biases' at once: they enter a_t alike), and dL/dh_0,
    whose recursion unrolled is the sum over paths."""
    blocks = [block(f"D_{t}", vector("D", t), slope(t)) for t in range(1, steps + 1)]
    for t in range(steps, 0, -1):
        direct = vector("e", t)
        blocks.append(block(f"dL/dh_{t} (recursion)", grad(t), direct if t == steps else MatAdd(
            direct, MatMul(W_hh.T, vector("D", t + 1), grad(t + 1)), evaluate=False)))
    blocks += [block(f"delta_{t}", vector("delta", t), MatMul(vector("D", t), grad(t)))
               for t in range(1, steps + 1)]
    blocks += [
        block("dL/dW_hh", MatrixPartial(LOSS, W_hh), over_time(steps, lambda t: vector(
            "h", t - 1).T)),
        block("dL/dW_ih", MatrixPartial(LOSS, W_ih), over_time(steps, lambda t: vector(
            "x", t, n_x).T)),
        block("dL/db_ih = dL/db_hh", MatrixPartial(LOSS, b_ih), MatrixPartial(LOSS, b_hh),
              over_time(steps, None)),
        block("dL/dh_0 (recursion, unrolled: the sum over paths)", grad(0),
              MatMul(W_hh.T, vector("delta", 1)), path_sum(0, steps)),
    ]
    return blocks


def derivation(steps: int) -> list[Block]:
    """The generic blocks, then the derivation unrolled over T = steps."""
    if steps < 1:
        raise ValueError("a sequence has at least one step")
    return generic_blocks() + unrolled_blocks(steps)


def block_named(blocks: list[Block], name: str) -> Block:
    return next(b for b in blocks if b.name == name)

"""A vanilla RNN's BPTT derivation and why its gradients vanish or explode, as steps.

The derivation is `derive.symbolic.recurrence`'s (the recursion, the sum over paths, the
parameter gradients as sums over time, each factor with its shape), every block verified
by `recurrence_check.verified` at the example's numbers. The vanishing statement is

    ||dh_T/dh_t||_2 = ||prod_{k=T}^{t+1} diag(tanh'(a_k)) W_hh||_2 <= (gamma ||W_hh||_2)^(T-t),

gamma = max_{k,j} |tanh'(a_kj)|, evaluated by `derive.numeric.recurrent.vanishing.analyse`
next to the actual ||dL/dh_t||_2.

>>> print(Norm(sympy.MatrixSymbol("h_1", 2, 1)))
||h_1||_2
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Eq, MatrixSymbol

from derive.answers import Answer, Key
from derive.numeric.recurrent.vanishing import analyse
from derive.problems.bptt_cells import vec
from derive.problems.bptt_numbers import Computed, relative
from derive.solution import Step, measured
from derive.symbolic.matrices import MatrixPartial
from derive.symbolic.recurrence_check import numbers, verified

GAMMA, SIGMA = sympy.Symbol("gamma"), sympy.Symbol("sigma_hh")


class Norm(sympy.Expr):  # type: ignore[misc]
    """The spectral (for a vector: Euclidean) norm ||A||_2, printed as such."""

    def __new__(cls, arg: sympy.Basic) -> Norm:
        return sympy.Expr.__new__(cls, arg)

    def _latex(self, printer: Any) -> str:
        return rf"\left\| {printer._print(self.args[0])} \right\|_2"

    def _sympystr(self, printer: Any) -> str:
        return f"||{printer._print(self.args[0])}||_2"


def _shapes(factors: tuple[tuple[sympy.Basic, tuple[Any, ...]], ...]) -> str:
    return "; ".join(f"{factor}: {' x '.join(map(str, shape))}" for factor, shape in factors)


def derivation_steps(run: Computed) -> list[Step]:
    """Every block of the symbolic derivation over T = run.steps, verified at the numbers."""
    params = {name: run.params[name] for name in
              ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "h0")}
    target = run.target if run.where == "every" else np.repeat(run.target, run.steps, axis=0)
    blocks = verified(run.steps, numbers(params, run.x, target, run.where))
    return [Step(block.relation, f"BPTT derivation, {block.name} (factors: "
                 f"{_shapes(block.factors)})" if block.factors else
                 f"BPTT derivation, {block.name}", shape=block.shape,
                 check=measured(block.check or 0.0)) for block in blocks]


def vanishing_steps(run: Computed) -> tuple[list[Step], list[Answer]]:
    """gamma, ||W_hh||_2, and for t = T..0 the bound, ||dh_T/dh_t||_2 and ||dL/dh_t||_2."""
    found = analyse(run.config, run.params, run.cache, run.back)
    T, steps, answers = run.steps, [], []
    slopes = 1.0 - np.concatenate([run.record(t)["h"][0] for t in range(1, T + 1)]) ** 2
    derivative = "ReLU'" if run.config.nonlinearity == "relu" else "tanh' = 1 - h^2"
    prime = "ReLU'" if run.config.nonlinearity == "relu" else "tanh'"
    steps.append(Step(GAMMA, f"gamma: the largest |{derivative}| over the "
                      "sequence's steps and units", value=found.gamma,
                      check=measured(0.0 if run.config.nonlinearity == "relu" else relative(
                          found.gamma, float(np.abs(slopes).max())))))
    W_hh = run.params["weight_hh_l0"]
    steps.append(Step(Eq(SIGMA, Norm(MatrixSymbol("W_hh", *W_hh.shape))),
                      "the spectral norm of W_hh (its largest singular value)",
                      value=found.W_hh_norm, check=measured(relative(
                          found.W_hh_norm, float(np.linalg.svd(W_hh, compute_uv=False)[0])))))
    H = run.config.hidden_size
    for horizon in found.horizons:
        t, power = horizon.t, T - horizon.t
        beta = sympy.Symbol(f"beta_{t}" if t < 10 else f"beta_{{{t}}}")
        bound = (GAMMA * SIGMA) ** power
        steps.append(Step(Eq(beta, bound, evaluate=False), f"the bound on ||dh_T/dh_{t}||_2 "
                          "by submultiplicativity, ||diag(v)||_2 = max |v_j|",
                          value=horizon.bound, given={GAMMA: found.gamma, SIGMA: found.W_hh_norm},
                          check=measured(relative(horizon.bound, (found.gamma *
                                                                 found.W_hh_norm) ** power))))
        jacobian = Norm(MatrixPartial(vec("h", T, H), vec("h", t, H)))
        gradient = Norm(MatrixPartial(sympy.Symbol("L"), vec("h", t, H)))
        steps.append(Step(jacobian, _product_caption(T, t, prime),
                          value=horizon.product_norm, check=_within(horizon)))
        steps.append(Step(gradient, f"the actual size of dL/dh_{t}",
                          value=horizon.gradient_norm))
        answers += [Answer(Key(f"h_{T}", wrt=f"h_{t}", aspect="norm"), horizon.product_norm,
                           nonnegative=True),
                    Answer(Key("L", wrt=f"h_{t}", aspect="norm"), horizon.gradient_norm,
                           nonnegative=True)]
    return steps, answers


def _product_caption(T: int, t: int, prime: str) -> str:
    """What dh_T/dh_t multiplies: no factor (t = T), one step Jacobian, or the product over
    k = t + 1, ..., T, each diag(act'(a_k)) W_hh."""
    factor = f"diag({prime}(a_k)) W_hh"
    if t == T:
        return f"dh_{T}/dh_{T} is the identity, no step Jacobian: at most beta_{t} = 1"
    if t == T - 1:
        return f"one step Jacobian {factor} with k = {T}: at most beta_{t}"
    ks = f"{t + 1}, {T}" if T - t == 2 else f"{t + 1}, ..., {T}"
    return f"the product of the {T - t} step Jacobians {factor}, k = {ks}: at most beta_{t}"


def conclusion(run: Computed) -> str:
    """The answer to "why do gradients of long sequences vanish?", from the example's own
    bound and norms."""
    found = analyse(run.config, run.params, run.cache, run.back)
    rate, T = found.gamma * found.W_hh_norm, run.steps
    first, last = found.horizons[-1], found.horizons[0]
    seen = (f"here ||dh_{T}/dh_{first.t}||_2 = {first.product_norm:.3g} against "
            f"||dh_{T}/dh_{T}||_2 = {last.product_norm:.3g}")
    if rate < 1:
        return (f"why gradients of long sequences vanish: each step back multiplies the "
                f"gradient by a step Jacobian of norm at most gamma ||W_hh||_2 = {rate:.3g} < "
                f"1, so k = T - t steps back ||dh_T/dh_t||_2 <= {rate:.3g}^k shrinks "
                f"geometrically ({seen}): what reaches the early steps of a long sequence "
                "vanishes")
    return (f"why gradients of long sequences vanish or explode: each step back multiplies the "
            f"gradient by a step Jacobian of norm at most gamma ||W_hh||_2 = {rate:.3g} >= 1, "
            f"so the bound {rate:.3g}^k, k = T - t, does not force vanishing here ({seen}); "
            "saturated units (|tanh'| near 0) shrink it, and ||W_hh||_2 > 1 lets it explode")


def _within(horizon: Any) -> float:
    """0 when the norm is within its bound (up to rounding); the bound failing is a bug."""
    excess = horizon.product_norm - horizon.bound
    if excess > 1e-9 * max(1.0, horizon.bound):
        from derive.errors import VerificationError

        raise VerificationError(f"bptt: ||dh_T/dh_{horizon.t}|| exceeds its bound")
    return measured(0.0)

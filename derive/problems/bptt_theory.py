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
from derive.errors import VerificationError
from derive.numeric.recurrent.vanishing import analyse
from derive.problems.bptt_cells import vec
from derive.problems.bptt_numbers import STEP, Computed, relative, rerun, state_gradient
from derive.solution import Step, measured
from derive.symbolic.build import equalities
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
    return [Step(equalities(*block.sides) if block.more else block.relation,
                 f"BPTT derivation, {block.name} (factors: {_shapes(block.factors)})"
                 if block.factors else f"BPTT derivation, {block.name}", shape=block.shape,
                 check=None if block.check is None else measured(block.check))
            for block in blocks]


def vanishing_steps(run: Computed) -> tuple[list[Step], list[Answer]]:
    """gamma, ||W_hh||_2, and for t = T..0 the bound, ||dh_T/dh_t||_2 and ||dL/dh_t||_2, each
    against a computation of its own: gamma from sech^2 of the pre-activations, the norm from
    the eigenvalues of W_hh^T W_hh, the bound from its printed formula, the norms from central
    differences."""
    found = analyse(run.config, run.params, run.cache, run.back)
    T, steps, answers = run.steps, [], []
    relu = run.config.nonlinearity == "relu"
    derivative = "ReLU'" if relu else "tanh' = 1 - h^2"
    prime = "ReLU'" if relu else "tanh'"
    steps.append(Step(GAMMA, f"gamma: the largest |{derivative}| over the "
                      "sequence's steps and units", value=found.gamma,
                      check=None if relu else _agrees(found.gamma, _sech_squared(run), "gamma")))
    W_hh = run.params["weight_hh_l0"]
    steps.append(Step(Eq(SIGMA, Norm(MatrixSymbol("W_hh", *W_hh.shape))),
                      "the spectral norm of W_hh (its largest singular value)",
                      value=found.W_hh_norm, check=_agrees(found.W_hh_norm, float(np.sqrt(
                          np.linalg.eigvalsh(W_hh.T @ W_hh).max())), "||W_hh||_2")))
    H, given = run.config.hidden_size, {GAMMA: found.gamma, SIGMA: found.W_hh_norm}
    for horizon in found.horizons:
        t, power = horizon.t, T - horizon.t
        beta = sympy.Symbol(f"beta_{t}" if t < 10 else f"beta_{{{t}}}")
        bound = (GAMMA * SIGMA) ** power
        steps.append(Step(Eq(beta, bound, evaluate=False), f"the bound on ||dh_T/dh_{t}||_2 "
                          "by submultiplicativity, ||diag(v)||_2 = max |v_j|",
                          value=horizon.bound, given=given, check=_agrees(
                              horizon.bound, float(sympy.sympify(bound).subs(given)),
                              f"beta_{t}")))
        jacobian = Norm(MatrixPartial(vec("h", T, H), vec("h", t, H)))
        gradient = Norm(MatrixPartial(sympy.Symbol("L"), vec("h", t, H)))
        steps.append(Step(jacobian, _product_caption(T, t, prime),
                          value=horizon.product_norm, check=_within(run, horizon)))
        steps.append(Step(gradient, f"the actual size of dL/dh_{t}",
                          value=horizon.gradient_norm, check=_agrees(
                              horizon.gradient_norm, float(np.linalg.norm(state_gradient(
                                  run, run.runs[0], t, "h"))), f"||dL/dh_{t}||")))
        answers += [Answer(Key(f"h_{T}", wrt=f"h_{t}", aspect="norm"), horizon.product_norm,
                           nonnegative=True),
                    Answer(Key("L", wrt=f"h_{t}", aspect="norm"), horizon.gradient_norm,
                           nonnegative=True)]
    return steps, answers


def _sech_squared(run: Computed) -> float:
    """max |tanh'(a)| over the steps, as sech^2(a) = 1 / cosh^2(a) of the pre-activations."""
    return max(float((1.0 / np.cosh(run.record(t)["a"]) ** 2).max())
               for t in range(1, run.steps + 1))


def _agrees(value: float, again: float, what: str) -> float:
    """The residual of `value` against its own recomputation; a disagreement is a bug."""
    residual = relative(value, again)
    if not residual <= 1e-6:
        raise VerificationError(f"bptt: {what} disagrees with its recomputation by "
                                f"{residual:.3g}")
    return measured(residual)


def _jacobian_norm(run: Computed, t: int) -> float:
    """||dh_T/dh_t||_2 by central differences: h_t moved by +-STEP e_j, the steps after it
    re-run."""
    rid, base = run.runs[0], run.state(t, "h")
    eye = STEP * np.eye(base.shape[1])
    moves = np.concatenate([base + eye, base - eye])

    def inject(step: int, state: tuple[Any, ...], record: dict[str, Any]) -> tuple[Any, ...]:
        return (moves,) if step == t else state

    last = rerun(run, run.params, len(moves), rid, inject)[run.steps - 1]
    half = len(eye)
    return float(np.linalg.norm(((last[:half] - last[half:]) / (2 * STEP)).T, 2))


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


def _within(run: Computed, horizon: Any) -> float:
    """The norm against central differences, once it is within its bound (up to rounding):
    the bound failing is a bug."""
    excess = horizon.product_norm - horizon.bound
    if excess > 1e-9 * max(1.0, horizon.bound):
        raise VerificationError(f"bptt: ||dh_T/dh_{horizon.t}|| exceeds its bound")
    return _agrees(horizon.product_norm, _jacobian_norm(run, horizon.t),
                   f"||dh_T/dh_{horizon.t}||")

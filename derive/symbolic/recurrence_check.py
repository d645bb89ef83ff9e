"""Every block of the vanilla-RNN BPTT derivation checked at numbers before it is kept.

The numbers come from the numeric kernels (derive.numeric.recurrent: forward, BPTT) on one
example; a block's right side is evaluated with `evaluate` (what is printed is what is
checked) and compared with its left side's value from the kernels and, for every quantity
that has one, an independent value: central finite differences of the loss for dL/dh_t
(t = 0..T), delta_t = dL/da_t and the parameter gradients, of one step for the step
Jacobian, and of tanh for D_t. A block's check is the worst over those; a definition (the
forward step restated) is verified but carries no check. A relative residual above 1e-6
raises.

>>> import numpy as np
>>> from derive.numeric.recurrent import RecurrentConfig, draw_parameters
>>> params = draw_parameters(RecurrentConfig("RNN", 2, 3), seed=0)
>>> example = numbers(params, np.ones((3, 2)), np.zeros((3, 3)), "every")
>>> blocks = verified(3, example)
>>> max(block.check for block in blocks if block.check is not None) < 1e-6
True
>>> [block.name for block in blocks if block.check is None]
['pre-activation', 'hidden state']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy

from derive.errors import VerificationError
from derive.numeric.mlp import numerical_gradient
from derive.numeric.recurrent import RecurrentConfig, backward_through_time, forward
from derive.numeric.recurrent.cells import Weights, rnn_step
from derive.numeric.recurrent.sequence import Forward
from derive.numeric.recurrent.trace import output_loss
from derive.symbolic.matrices import MatrixPartial, evaluate
from derive.symbolic.recurrence import (
    LOSS,
    Block,
    W_hh,
    W_ih,
    b_hh,
    b_ih,
    generic_blocks,
    grad,
    n_h,
    n_x,
    unrolled_blocks,
    vector,
)

TOLERANCE = 1e-6
STEP = 1e-6  # central-difference step of tanh
KERNELS: dict[str, Callable[[Any], Any]] = {
    "tanh": np.tanh, "tanh_prime": lambda a: 1.0 - np.tanh(a) ** 2}


@dataclass(frozen=True)
class Numbers:
    """One example's values: every symbol and gradient of the derivation, and the loss."""

    arrays: dict[sympy.Basic, np.ndarray]
    sizes: dict[sympy.Symbol, int]
    loss: float
    expected: dict[sympy.Basic, np.ndarray]  # independent values: FD, one-step Jacobians


def _target(target: np.ndarray, where: str) -> np.ndarray:
    """(T, H) targets as output_loss takes them for a batch of one."""
    return target[:, None, :] if where == "every" else target[-1:]


def _loss(params: dict[str, Any], x: np.ndarray, target: np.ndarray, where: str) -> float:
    config = RecurrentConfig("RNN", x.shape[1], params["weight_hh_l0"].shape[0])
    y, _ = forward(np, params, x[:, None, :], config)
    return output_loss(np, y, _target(target, where), where,
                       config)[0]


def _weights(params: dict[str, Any]) -> Weights:
    return Weights(params["weight_ih_l0"], params["weight_hh_l0"], params["bias_ih_l0"],
                   params["bias_hh_l0"])


def _loss_from(params: dict[str, Any], x: np.ndarray, target: np.ndarray, where: str,
               cache: Forward, t: int, state: np.ndarray) -> float:
    """The loss with h_t replaced by `state` (1, H): the earlier states the kernels', the
    later ones re-run from it one cell step at a time."""
    hs = [record["h"] for record in cache.runs[0][0].records]
    hs[t - 1] = state
    for s in range(t, len(x)):
        hs[s] = rnn_step(np, _weights(params), x[s][None], (hs[s - 1],), False)[0][0]
    config = RecurrentConfig("RNN", x.shape[1], params["weight_hh_l0"].shape[0])
    return output_loss(np, np.stack(hs), _target(target, where), where, config)[0]


def _state_differences(params: dict[str, Any], x: np.ndarray, target: np.ndarray,
                       where: str, cache: Forward, t: int) -> dict[sympy.Basic, np.ndarray]:
    """dL/dh_t and delta_t = dL/da_t by central differences of the loss, D_t by central
    differences of tanh at a_t."""
    record = cache.runs[0][0].records[t - 1]
    h, a = record["h"].copy(), record["a"].copy()
    slopes = (np.tanh(a + STEP) - np.tanh(a - STEP)) / (2 * STEP)
    return {grad(t): numerical_gradient(lambda: _loss_from(
                params, x, target, where, cache, t, h), h).T,
            vector("delta", t): numerical_gradient(lambda: _loss_from(
                params, x, target, where, cache, t, np.tanh(a)), a).T,
            vector("D", t): np.diagflat(slopes)}


def numbers(params: dict[str, Any], x: np.ndarray, target: np.ndarray, where: str) -> Numbers:
    """The example: parameters by torch's names (h0 optional, (1, 1, H)), x (T, n_x), the
    loss 1/2 sum_t ||h_t - target_t||^2 on every output or on the last (target (T, H))."""
    config = RecurrentConfig("RNN", x.shape[1], params["weight_hh_l0"].shape[0])
    params = {"h0": np.zeros((1, 1, config.hidden_size)), **params}
    y, cache = forward(np, params, x[:, None, :], config)
    loss, dy = output_loss(np, y, _target(target, where), where, config)
    back = backward_through_time(np, params, cache, dy, config)
    column = {W_ih: params["weight_ih_l0"], W_hh: params["weight_hh_l0"],
              b_ih: params["bias_ih_l0"][:, None], b_hh: params["bias_hh_l0"][:, None],
              vector("h", 0): params["h0"][0, 0][:, None], grad(0): back.grads["h0"][0, 0][:, None]}
    expected: dict[sympy.Basic, np.ndarray] = {}
    for t, record in enumerate(cache.runs[0][0].records, start=1):
        D = np.diagflat(1.0 - record["h"][0] ** 2)  # tanh'(a_t) = 1 - h_t^2
        column.update({vector("x", t, n_x): x[t - 1][:, None], vector("h", t): record["h"].T,
                       vector("a", t): record["a"].T, vector("e", t): dy[t - 1].T,
                       vector("D", t): D, grad(t): back.dh[0][0][t - 1].T,
                       vector("delta", t): D @ back.dh[0][0][t - 1].T,
                       vector("J", t, n_h): D @ params["weight_hh_l0"]})
        expected[vector("J", t, n_h)] = _step_jacobian(params, record)
        expected.update(_state_differences(params, x, target, where, cache, t))
    for name, symbol in (("weight_ih_l0", W_ih), ("weight_hh_l0", W_hh), ("bias_ih_l0", b_ih),
                         ("bias_hh_l0", b_hh), ("h0", vector("h", 0))):
        column[MatrixPartial(LOSS, symbol)] = back.grads[name].reshape(column[symbol].shape)
        fd = numerical_gradient(lambda: _loss(params, x, target, where), params[name])
        expected[MatrixPartial(LOSS, symbol)] = fd.reshape(column[symbol].shape)
    return Numbers(column, {n_h: config.hidden_size, n_x: config.input_size}, loss, expected)


def _step_jacobian(params: dict[str, Any], record: dict[str, Any]) -> np.ndarray:
    """dh_t/dh_{t-1} by central differences of one step of the kernel."""
    h_prev = record["h_prev"].copy()
    return numerical_gradient(lambda: rnn_step(np, _weights(params), record["x"], (h_prev,),
                                               False)[0][0][0], h_prev[0])


def residual(block: Block, example: Numbers) -> float:
    """max |side - lhs| / max(1, max |lhs|) over every side after the first, lhs from the
    kernels and, where there is one, from its independent computation."""
    lhs = block.relation.lhs
    values = [example.arrays[lhs]] if lhs in example.arrays else []
    values += [example.expected[lhs]] if lhs in example.expected else []
    return max(float(np.abs(evaluate(side, example.arrays, example.sizes, KERNELS) - value)
                     .max()) / max(1.0, float(np.abs(value).max()))
               for side in block.sides[1:] for value in values)


def verified(steps: int, example: Numbers) -> list[Block]:
    """The derivation over T = steps, every block (the general-t ones at each t where they
    apply) checked at `example`; raises VerificationError if one fails."""
    kept = []
    general = {block.name: block for block in generic_blocks()}
    for name in general:
        last = steps - 1 if name == "recursion" else steps
        worst = max((residual(generic_blocks(t)[list(general).index(name)], example)
                     for t in range(1, last + 1)), default=None)
        kept.append(_kept(general[name], worst))
    kept += [_kept(block, residual(block, example)) for block in unrolled_blocks(steps)]
    return kept


def _kept(block: Block, worst: float | None) -> Block:
    """The block with its check: none for a definition, or where no t applies (the
    recursion of a one-step sequence)."""
    if worst is not None and not worst <= TOLERANCE:
        raise VerificationError(f"BPTT step {block.name!r} failed its check: {worst:.3g}")
    return replace(block, check=None if block.definition else worst)

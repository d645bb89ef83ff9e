"""The symbolic BPTT derivation: every block checked at numbers from the kernels and
finite differences, the parameter gradients against torch's autograd, a wrong formula
refused, and the sum over paths equal to the unrolled recursion exactly (explicit 2 x 2)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from derive.errors import VerificationError
from derive.numeric.recurrent import RecurrentConfig, draw_parameters
from derive.symbolic.matrices import MatrixPartial, evaluate
from derive.symbolic.recurrence import (
    LOSS,
    W_hh,
    block,
    block_named,
    derivation,
    grad,
    n_h,
    path_sum,
    vector,
)
from derive.symbolic.recurrence_check import KERNELS, _kept, numbers, residual, verified
from tests.recurrent import oracle


def _example(seed: int, where: str, steps: int = 4):
    rng = np.random.default_rng(seed)
    params = draw_parameters(RecurrentConfig("RNN", 2, 3), seed)
    params["h0"] = rng.normal(size=(1, 1, 3))
    x, target = rng.normal(size=(steps, 2)), rng.normal(size=(steps, 3))
    return params, x, target, numbers(params, x, target, where)


@pytest.mark.parametrize("where", ["every", "last"])
@pytest.mark.parametrize("seed", [0, 1])
def test_every_block_is_verified(where: str, seed: int) -> None:
    *_, example = _example(seed, where)
    blocks = verified(4, example)
    assert len(blocks) == len(derivation(4))
    assert all(b.check is not None and b.check < 1e-6 for b in blocks if not b.definition)
    assert all(b.check is None for b in blocks if b.definition)


@pytest.mark.parametrize("where", ["every", "last"])
def test_the_gradient_formulas_equal_torch_autograd(where: str) -> None:
    params, x, target, example = _example(3, where)
    dy = np.zeros((4, 1, 3))
    h = example.arrays
    for t in range(1, 5):
        if where == "every" or t == 4:
            dy[t - 1, 0] = (h[vector("h", t)] - target[t - 1][:, None]).ravel()
    config = RecurrentConfig("RNN", 2, 3)
    expected = oracle.run(config, params, x[:, None, :], dy)
    for name, torch_name in (("dL/dW_hh", "dweight_hh_l0"), ("dL/dW_ih", "dweight_ih_l0"),
                             ("dL/db_ih = dL/db_hh", "dbias_hh_l0"),
                             ("dL/dh_0 (recursion, unrolled: the sum over paths)", "dh0")):
        formula = block_named(derivation(4), name).sides[-1]
        value = evaluate(formula, example.arrays, example.sizes, KERNELS)
        assert np.abs(value.reshape(expected[torch_name].shape)
                      - expected[torch_name]).max() < 1e-12, name


def test_a_wrong_step_is_refused() -> None:
    *_, example = _example(0, "every")
    wrong = block("dL/dh_1 (recursion)", grad(1), sympy.MatAdd(vector("e", 1), sympy.MatMul(
        W_hh, vector("D", 2), grad(2))))  # W_hh where W_hh^T belongs
    with pytest.raises(VerificationError, match="recursion"):
        _kept(wrong, residual(wrong, example))


def test_the_paths_are_the_unrolled_recursion_exactly() -> None:
    """dL/dh_t = e_t + W^T D_{t+1} dL/dh_{t+1} unrolled from dL/dh_T = e_T is the sum over
    paths, entry by entry as polynomials, at n_h = 2 and T = 3."""
    steps, explicit = 3, {}
    for t in range(1, steps + 1):
        for name in ("e", "D"):
            symbol = vector(name, t)
            explicit[symbol] = sympy.Matrix(2, symbol.shape[1].subs(n_h, 2),
                                            lambda i, j, s=symbol: sympy.Symbol(f"{s}[{i}{j}]"))
    explicit[W_hh] = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"W[{i}{j}]"))
    unrolled = {steps: explicit[vector("e", steps)]}
    for t in range(steps - 1, 0, -1):
        unrolled[t] = explicit[vector("e", t)] + explicit[W_hh].T * explicit[
            vector("D", t + 1)] * unrolled[t + 1]
    for t in range(1, steps + 1):
        paths = path_sum(t, steps).xreplace(explicit).doit()
        assert sympy.expand(sympy.Matrix(paths) - unrolled[t]) == sympy.zeros(2, 1)
    assert isinstance(grad(1), MatrixPartial) and grad(1).args[0] == LOSS

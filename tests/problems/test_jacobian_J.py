"""The boxed J of the jacobian kind (seed 003: J = dYhat/dZ^1 in the numerator layout) equals
central differences of a NumPy forward pass at the instance the kind checks at."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import derive
from derive.answers import Key
from derive.symbolic.instance import instantiate
from derive.symbolic.matrices import evaluate
from tests.problems.oracles import central_differences, softmax

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_boxed_j_is_the_jacobian_of_the_output_in_z1() -> None:
    problem = derive.load(EXAMPLES / "seed-003.toml").problems[0]
    J = derive.solve(problem).answers[Key("J")].expr
    instance = instantiate(problem.model(), seed=5)  # the instance the kind checks at
    (W1, b1), (W2, b2) = instance.params  # row layout: W_l is out x in
    x = instance.X[0]
    z1 = W1 @ x + b1
    written = evaluate(J, instance.arrays, instance.sizes, instance.kernels)

    def output(z: np.ndarray) -> np.ndarray:
        return softmax(W2 @ np.maximum(z, 0) + b2)

    expected = np.stack([central_differences(lambda z, m=m: float(output(z)[m]), z1)
                         for m in range(len(b2))])
    np.testing.assert_allclose(written, expected, rtol=1e-6, atol=1e-9)

"""Formulas as a course writes them: the backward recursion reuses the activation (A (1 - A)
for a sigmoid, 1 - A * A for tanh, ReLU' of Z kept), checked here against finite differences
computed independently in NumPy; each chain-rule caption states a product that works out; no
caption speaks the engine's jargon (ce loss, d(of)/d(wrt))."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

import derive
from derive.numeric.activations import ACTIVATION_KERNELS
from derive.problemset import builtin
from derive.symbolic import formulas
from derive.symbolic.activations import ACTIVATIONS
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.matrices import Elementwise, evaluate
from derive.symbolic.network import SymbolicNetwork
from tests.problems.oracles import central_differences

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STEP = 1e-6


def _linear(convention: str, W: Any, a: Any) -> Any:
    """The next pre-activation without its bias, written out per convention in NumPy."""
    return {"Wx": lambda: W @ a, "WTx": lambda: W.T @ a, "XWT": lambda: a @ W.T,
            "XW": lambda: a @ W}[convention]()



def _functions(formula: Any) -> set[str]:
    """The element-wise functions a formula applies (sigmoid, relu', ...)."""
    return {node.kernel for node in sympy.preorder_traversal(formula)
            if isinstance(node, Elementwise)}


@pytest.mark.parametrize("convention", list(CONVENTIONS))
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("seed", range(3))
def test_delta_in_the_activation_agrees_with_finite_differences(convention: str, name: str,
                                                                seed: int) -> None:
    rng = np.random.default_rng(seed)
    widths = tuple(int(n) for n in rng.integers(2, 6, size=3))
    batch = int(rng.integers(2, 5))
    net = SymbolicNetwork(CONVENTIONS[convention], widths)
    rule = ACTIVATIONS[name]
    formula = formulas.hidden_delta(net, 1, rule)
    assert net.a(1) in formula.free_symbols and not _functions(formula)  # A_1, no g(Z_1)
    sizes = net.sizes(widths, batch)
    W = rng.normal(size=tuple(int(sympy.sympify(d).xreplace(sizes)) for d in net.W(2).shape))
    z = rng.normal(size=tuple(int(sympy.sympify(d).xreplace(sizes)) for d in net.z(1).shape))
    G = rng.normal(size=tuple(int(sympy.sympify(d).xreplace(sizes)) for d in net.z(2).shape))
    g = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh}[name]

    def loss(pre: Any) -> float:  # L = sum(G * Z_2): its delta_2 is G
        return float(np.sum(G * _linear(convention, W, g(pre))))

    arrays = {net.W(2): W, net.delta(2): G, net.z(1): z, net.a(1): g(z)}
    value = evaluate(formula, arrays, sizes, rule.kernels(0.01))
    np.testing.assert_allclose(value, central_differences(loss, z, STEP), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_an_indicator_stays_a_function_of_the_pre_activation(name: str) -> None:
    net = SymbolicNetwork(CONVENTIONS["XWT"], (4, 3, 2))
    formula = formulas.hidden_delta(net, 1, ACTIVATIONS[name])
    assert _functions(formula) == {f"{name}'"} and net.a(1) not in formula.free_symbols
    z = np.array([[-1.5, 0.5, 2.0], [0.25, -0.75, 1.0]])
    arrays = {net.W(2): np.ones((2, 3)), net.delta(2): np.ones((2, 2)), net.z(1): z}
    kernels = ACTIVATIONS[name].kernels(0.1)
    value = evaluate(formula, arrays, net.sizes((4, 3, 2), 2), kernels)
    derivative = ACTIVATION_KERNELS[name][1]
    expected = 2 * derivative(np, z, **({"slope": 0.1} if name == "leaky_relu" else {}))
    np.testing.assert_allclose(value, expected)


def test_the_worked_example_substitutes_the_activations_numbers() -> None:
    solution = derive.solve(derive.load(EXAMPLES / "seed-003.toml").problems[1])
    (step,) = [step for step in solution.steps if step.why == "delta of layer 1"]
    formula = step.sides[-1][-1]
    assert "H" in {str(m) for m in formula.free_symbols} and not _functions(formula)
    H = next(value for symbol, value in step.given.items() if str(symbol) == "H")
    np.testing.assert_allclose(np.ravel(H), [0.982, 0.5], atol=1e-3)  # sigma([4; 0])


# -- chain-rule captions ---------------------------------------------------------------
def _split(text: str) -> list[str]:
    """'(1 x 3)(3 x (3 x 4))' -> ['1 x 3', '3 x (3 x 4)']: the top-level parenthesised groups."""
    groups, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth == 1:
                start = index + 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                groups.append(text[start:index])
    return groups


def _sides(shape: str) -> tuple[str, str]:
    """'3 x (3 x 4)' -> ('3', '(3 x 4)'), '(N x N1) x K' -> ('(N x N1)', 'K')."""
    depth = 0
    for index, char in enumerate(shape):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and shape[index:index + 3] == " x ":
            return shape[:index], shape[index + 3:]
    raise AssertionError(f"not a shape: {shape}")


def _stated_products(captions: list[str]) -> list[tuple[list[str], str]]:
    found = []
    for caption in captions:
        match = re.search(r"shapes(?: for one example)?: ((?:\([^=]*\))+) = ([^,;]+)", caption)
        if match:
            found.append((_split(match.group(1)), match.group(2).strip()))
    return found


CHAINS = [("mlp-grad", dict(layers="5,7,4,3", convention="XWT")),
          ("mlp-grad", dict(layers="20,6,4", convention="XW", hidden="relu")),
          ("mlp-grad", dict(layers="D,H,C", convention="Wx", hidden="tanh")),
          ("jacobian", dict(layers="4,3,2", of="yhat", wrt="W1")),
          ("jacobian", dict(layers="N,N1,K", of="yhat", wrt="b1", layout="denominator"))]


@pytest.mark.parametrize(("kind", "fields"), CHAINS)
def test_each_chain_caption_states_the_product_of_its_factors(kind: str,
                                                               fields: dict[str, str]) -> None:
    solution = derive.solve(derive.problem(kind, **fields))
    products = _stated_products([step.why for step in solution.steps])
    assert products
    for factors, product in products:
        sides = [_sides(factor) for factor in factors]
        assert all(left[1] == right[0] for left, right in zip(sides, sides[1:], strict=False))
        assert product == f"{sides[0][0]} x {sides[-1][1]}"


def test_a_parameters_caption_says_how_the_product_is_shaped_like_it() -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="5,4,3", convention="XWT"))
    captions = [step.why for step in solution.steps if step.why.startswith("chain rule for")]
    assert captions[0].endswith("(1 x 3)(3 x 3)(3 x (3 x 4)) = 1 x (3 x 4), shaped like W_2")
    assert captions[1].endswith("(1 x 3)(3 x 3)(3 x 3) = 1 x 3, transposed to 3 x 1, shaped "
                                "like b_2")


# -- wording --------------------------------------------------------------------------
JARGON = re.compile(r"\bce loss|with ce\b|\bbce loss|\bmse loss|\(of\)|\(wrt\)|sigmoid'")


def _every_problem() -> list[Any]:
    sets = [derive.load(path) for path in sorted(EXAMPLES.glob("*.toml"))] + [builtin()]
    return [item for problem_set in sets for item in problem_set.problems]


def test_no_caption_speaks_jargon() -> None:
    for item in _every_problem():
        solution = derive.solve(item)
        for text in [step.why for step in solution.steps] + list(solution.notes):
            assert not JARGON.search(text), (item.id, text)


def test_the_recursion_caption_states_the_derivative_in_the_activation() -> None:
    solution = derive.solve(derive.load(EXAMPLES / "seed-001.toml").problems[1])
    captions = [step.why for step in solution.steps]
    assert "back through layer 3, then times sigma'(Z_2) = A_2 (1 - A_2) entry by entry" \
        in captions
    assert "cross-entropy loss of row n, over its entries i" in captions

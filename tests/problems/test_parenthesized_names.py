"""Names with the layer in parentheses (`Z=Z^()`: Z^(1)), as courses write Z^{(l)}.

The gradients are checked against central differences by the kind itself; here the names
reach every step and answer, parse back as keys, and the numbers equal the default names'.
"""

from __future__ import annotations

import numpy as np
import pytest

import derive
from derive.answers import parse_key
from derive.errors import InputError

NAMES = "W=W^(),b=b^(),z=Z^(),a=A^()"
FIELDS = dict(layers=[3, 4, 2], hidden="sigmoid", convention="XWT")


def test_the_layer_is_written_in_parentheses_everywhere() -> None:
    solution = derive.solve(derive.problem("mlp-grad", names=NAMES, **FIELDS))
    latex = derive.render(solution, "latex")
    assert "Z^{(1)}" in latex and "W^{(2)}" in latex and "A^{(1)}" in latex
    text = derive.render(solution, "text")
    assert "Z⁽¹⁾" in text and "W⁽²⁾" in text
    assert parse_key("dL/dW^(2)") in set(solution.answers)


def test_numbers_do_not_depend_on_the_names() -> None:
    x = [[1.0, -0.5, 2.0], [0.5, 1.5, -1.0]]
    weights = [[[0.5, -1.0, 1.5], [2.0, 0.5, -0.5], [-1.5, 1.0, 1.0], [0.0, 1.5, -1.0]],
               [[1.0, -0.5, 0.0, 1.5], [0.0, 1.0, 0.5, -0.5]]]
    fields = dict(x=x, label=[0, 1], weights=weights, convention="XWT", lr=0.5)
    plain = derive.solve(derive.problem("backprop", **fields))
    named = derive.solve(derive.problem("backprop", names=NAMES, **fields))
    assert np.allclose(plain.answers["dL/dW_1"], named.answers["dL/dW^(1)"])
    assert np.allclose(plain.answers["W_2 new"], named.answers["W^(2) new"])


@pytest.mark.parametrize("names", ["W=W^(", "W=W^(1)x", "W=W^()^()"])
def test_a_malformed_parenthesized_name_is_refused(names: str) -> None:
    with pytest.raises(InputError, match="names"):
        derive.problem("mlp-grad", names=names, **FIELDS)

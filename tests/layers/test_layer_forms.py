"""Every index-notation form agrees with the numeric kernels entry by entry at random small
sizes (`check_form` raises above 1e-6)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive.errors import InputError
from derive.symbolic.layer_forms import check_form, form_of

rng = np.random.default_rng(7)


def r(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


BN = {"running_mean": np.zeros(2), "running_var": np.ones(2)}
CASES: list[tuple[str, dict[str, Any], Any, dict[str, Any]]] = [
    ("Linear", {}, r(3, 4), {"weight": r(2, 4), "bias": r(2)}),
    ("Conv2d", {"stride": 2, "padding": 1}, r(2, 2, 5, 6), {"weight": r(3, 2, 3, 3),
                                                            "bias": r(3)}),
    ("Conv2d", {"dilation": 2, "bias": False}, r(1, 2, 6, 6), {"weight": r(2, 2, 2, 2)}),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, r(1, 2, 5, 5), {}),
    ("MaxPool2d", {"kernel_size": 2}, np.ones((1, 1, 4, 4)), {}),  # ties: the first maximum
    ("AvgPool2d", {"kernel_size": 2, "padding": 1}, r(1, 2, 5, 5), {}),
    ("Flatten", {}, r(2, 2, 3, 3), {}),
    ("BatchNorm2d", {}, r(3, 2, 2, 3), {"weight": r(2), "bias": r(2), **BN}),
    ("BatchNorm1d", {}, r(4, 2), {"weight": r(2), "bias": r(2), **BN}),
    ("LayerNorm", {"normalized_shape": (4,)}, r(3, 4), {"weight": r(4), "bias": r(4)}),
    ("Dropout", {"p": 0.4, "mask": rng.integers(0, 2, (3, 4))}, r(3, 4), {}),
    ("Softmax", {"dim": -1}, r(3, 4), {}),
    ("LogSoftmax", {"dim": 1}, r(3, 4), {}),
    ("scaled_dot_product_attention", {}, (r(2, 3, 4), r(2, 5, 4), r(2, 5, 3)), {}),
    ("scaled_dot_product_attention", {"is_causal": True},
     (r(2, 2, 3, 4), r(2, 2, 3, 4), r(2, 2, 3, 2)), {}),
    *((name, {}, r(3, 4), {}) for name in ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
                                            "SiLU", "Identity")),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_form_matches_kernels(case: tuple[str, dict[str, Any], Any, dict[str, Any]]) -> None:
    layer_type, config, x, state = case
    _, residual = check_form(layer_type, config, x, state)
    assert residual < 1e-9


def test_conv_backward_names_the_rotated_kernel() -> None:
    form = form_of("Conv2d", {}, 4)
    text = str(form.backward[1].rhs)
    assert "-u + k_1 - 1" in text or "k_1 - u - 1" in text  # W rotated 180 degrees


def test_unknown_layer_is_one_line() -> None:
    with pytest.raises(InputError, match="has no index-notation derivation"):
        form_of("LSTM", {}, 3)

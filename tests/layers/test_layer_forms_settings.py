"""layer-grad's index forms under the settings torch allows beyond the defaults (grouped and
'same' convolutions, ceil_mode pooling, count_include_pad=False, BatchNorm without affine,
LayerNorm over several axes, Flatten of N x F, GELU's tanh approximation): each form is
evaluated entry by entry against torch autograd's Y, dL/dX and parameter gradients, and the
whole problem solves (its relations checked against the kernels) to torch's numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from derive import problem, solve
from derive.errors import InputError
from derive.symbolic.layer_forms import Bound, form_of, verify_form

torch = pytest.importorskip("torch")
nn = torch.nn

CASES: list[tuple[str, Callable[[], Any], dict[str, Any], tuple[int, ...]]] = [
    ("GELU(approximate='tanh')", lambda: nn.GELU(approximate="tanh"),
     {"approximate": "tanh"}, (2, 3)),
    ("Conv2d(4, 6, 3, groups=2)", lambda: nn.Conv2d(4, 6, 3, groups=2), {"groups": 2},
     (2, 4, 5, 5)),
    ("Conv2d(4, 2, 2, groups=2, stride=2, padding=1, bias=False)",
     lambda: nn.Conv2d(4, 2, 2, groups=2, stride=2, padding=1, bias=False),
     {"groups": 2, "stride": 2, "padding": 1, "bias": False}, (1, 4, 5, 4)),
    ("Conv2d(2, 3, 4, padding='same')", lambda: nn.Conv2d(2, 3, 4, padding="same"),
     {"padding": "same", "kernel_size": 4}, (1, 2, 5, 6)),
    ("Conv2d(2, 2, 3, padding='same', dilation=2)",
     lambda: nn.Conv2d(2, 2, 3, padding="same", dilation=2),
     {"padding": "same", "dilation": 2, "kernel_size": 3}, (1, 2, 6, 5)),
    ("Conv2d(1, 2, 3, padding='valid')", lambda: nn.Conv2d(1, 2, 3, padding="valid"),
     {"padding": "valid"}, (1, 1, 5, 5)),
    ("MaxPool2d(2, ceil_mode=True)", lambda: nn.MaxPool2d(2, ceil_mode=True),
     {"kernel_size": 2, "ceil_mode": True}, (2, 2, 5, 5)),
    ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)",
     lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 2, 6, 6)),
    ("AvgPool2d(3, stride=2, padding=1, count_include_pad=False)",
     lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, (1, 2, 5, 5)),
    ("AvgPool2d(2, ceil_mode=True)", lambda: nn.AvgPool2d(2, ceil_mode=True),
     {"kernel_size": 2, "ceil_mode": True}, (1, 2, 5, 5)),
    ("AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)",
     lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
      "count_include_pad": False}, (1, 1, 6, 6)),
    ("BatchNorm1d(3, affine=False)", lambda: nn.BatchNorm1d(3, affine=False),
     {"affine": False}, (4, 3)),
    ("BatchNorm2d(2, affine=False)", lambda: nn.BatchNorm2d(2, affine=False),
     {"affine": False}, (2, 2, 3, 3)),
    ("LayerNorm([3, 4])", lambda: nn.LayerNorm([3, 4]), {"normalized_shape": (3, 4)},
     (2, 3, 4)),
    ("Flatten()", nn.Flatten, {}, (3, 4)),
]


def _torch_numbers(module: Any, x: np.ndarray, dy_seed: int = 3) -> dict[str, Any]:
    """Y, dL/dX and the parameter gradients by torch autograd for L = sum(dY * Y)."""
    for param in module.parameters():  # away from the defaults (ones, zeros)
        param.data = torch.randn(param.shape, dtype=torch.float64)
    xt = torch.tensor(x, requires_grad=True)
    y = module(xt)
    dy = np.random.default_rng(dy_seed).standard_normal(tuple(y.shape))
    (y * torch.tensor(dy)).sum().backward()
    return {"y": y.detach().numpy(), "dy": dy, "dx": xt.grad.numpy(),
            "state": {k: p.detach().numpy() for k, p in module.named_parameters()},
            "grads": {k: p.grad.numpy() for k, p in module.named_parameters()}}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_form_matches_torch(case: tuple[str, Callable[[], Any], dict[str, Any],
                                        tuple[int, ...]]) -> None:
    text, build, config, shape = case
    torch.manual_seed(0)
    module = build().double()
    x = np.random.default_rng(1).standard_normal(shape)
    ref = _torch_numbers(module, x)
    form = form_of(text.split("(")[0], {**config, **({} if "bias" in ref["state"]
                                                   else {"bias": False})}, x.ndim)
    bound = Bound(x, ref["state"], config, ref["dy"], ref["y"], ref["dx"], ref["grads"])
    assert verify_form(form, bound) < 1e-9
    solution = solve(problem("layer-grad", layer=text, x=x.tolist(), grad_output=ref["dy"].tolist(),
                             params={k: v.tolist() for k, v in ref["state"].items()}))
    np.testing.assert_allclose(np.asarray(solution.answers["Y"]).reshape(ref["y"].shape),
                               ref["y"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(solution.answers["dL/dX"]).reshape(x.shape),
                               ref["dx"], rtol=1e-9, atol=1e-12)
    for name, grad in ref["grads"].items():
        np.testing.assert_allclose(np.asarray(solution.answers[f"dL/d{name}"]).reshape(
            grad.shape), grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("layer", ["AvgPool2d(2, divisor_override=3)",
                                   "Conv2d(1, 2, (3, 2), padding='same')",
                                   "MaxPool2d((2, 3))", "Conv2d(1, 1, 3, stride=(1, 2))"])
def test_forms_out_of_reach_refused_in_one_line(layer: str) -> None:
    with pytest.raises(InputError) as error:
        problem("layer-grad", layer=layer)
    message = error.value.in_problem("layer-grad") if hasattr(error.value, "in_problem") \
        else error.value
    assert str(message).startswith("problem 'layer-grad', field 'layer': ")
    assert str(message).endswith("; use model-backprop for the numbers")
    assert "\n" not in str(message)

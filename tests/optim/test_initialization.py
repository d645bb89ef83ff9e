"""Init bounds and stds against torch.nn.init's own computations on the same shapes:
_calculate_fan_in_and_fan_out, calculate_gain and the bound formula of each scheme, and a
fresh layer's reset_parameters (the largest |w| of a large layer approaches the bound)."""

from __future__ import annotations

import math

import pytest

from derive.errors import InputError
from derive.numeric.initialization import (
    NONLINEARITIES,
    fans,
    gain,
    initialize,
    parse_init,
    parse_layer,
)

torch = pytest.importorskip("torch")
nn_init = torch.nn.init

LAYERS = ["Linear(400, 120)", "Conv2d(3, 16, 3)", "Conv2d(32, 64, (3, 5), groups=4)",
          "Conv1d(8, 4, 5, groups=2, bias=False)", "ConvTranspose2d(16, 8, 4, groups=2)",
          "Conv3d(2, 6, 3)"]
SCHEMES = ["xavier_uniform_()", "xavier_normal_(gain=calculate_gain('tanh'))",
           "kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')",
           "kaiming_normal_(mode='fan_out', nonlinearity='relu')",
           "kaiming_uniform_(a=0.2, nonlinearity='leaky_relu')",
           "kaiming_normal_(a=sqrt(5))", "xavier_uniform_(gain=calculate_gain('leaky_relu', 0.3))"]


def _module(text: str) -> torch.nn.Module:
    name, _, rest = text.partition("(")
    return eval(f"torch.nn.{name}({rest}")  # the test's own literals, not user input


@pytest.mark.parametrize("text", LAYERS)
def test_fans_are_torchs(text: str) -> None:
    module = _module(text)
    layer = parse_layer(text)
    assert layer.weight == tuple(module.weight.shape)
    assert fans(layer.weight) == nn_init._calculate_fan_in_and_fan_out(module.weight)


def _torch_value(scheme: str, weight: torch.Tensor) -> float:
    """The bound or std torch.nn.init computes, from its own helpers."""
    fan_in, fan_out = nn_init._calculate_fan_in_and_fan_out(weight)
    parsed = parse_init(scheme)
    if scheme.startswith("xavier"):
        std = float(parsed["gain"]) * math.sqrt(2.0 / (fan_in + fan_out))
    else:
        fan = fan_in if parsed["mode"] == "fan_in" else fan_out
        std = nn_init.calculate_gain(parsed["nonlinearity"], float(parsed["a"])) / math.sqrt(fan)
    return math.sqrt(3.0) * std if "uniform" in scheme else std


@pytest.mark.parametrize("text", LAYERS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_bounds_and_stds_are_torchs(text: str, scheme: str) -> None:
    (result,) = initialize(parse_layer(text), parse_init(scheme))
    expected = _torch_value(scheme, _module(text).weight)
    assert float(result.value) == pytest.approx(expected, rel=1e-14)


def test_uniform_bound_reached_by_torch() -> None:
    """kaiming_uniform_ on a large grouped conv: every sample within the bound, the max close."""
    text = "Conv2d(64, 128, 3, groups=4)"
    (result,) = initialize(parse_layer(text), parse_init("kaiming_uniform_(nonlinearity='relu')"))
    weight = _module(text).weight.detach()
    torch.manual_seed(0)
    nn_init.kaiming_uniform_(weight, nonlinearity="relu")
    assert weight.abs().max().item() <= float(result.value)
    assert weight.abs().max().item() > 0.999 * float(result.value)


@pytest.mark.parametrize("text", ["Linear(50, 20)", "Conv2d(12, 24, 3, groups=3)",
                                  "ConvTranspose2d(6, 9, 2, groups=3)"])
def test_default_is_reset_parameters(text: str) -> None:
    weight, bias = initialize(parse_layer(text), parse_init("default"))
    torch.manual_seed(0)
    module = _module(text)
    fan_in, _ = nn_init._calculate_fan_in_and_fan_out(module.weight)
    assert float(weight.value) == pytest.approx(1 / math.sqrt(fan_in), rel=1e-14)
    assert float(bias.value) == pytest.approx(1 / math.sqrt(fan_in), rel=1e-14)
    assert module.weight.abs().max().item() <= float(weight.value)
    assert module.bias.abs().max().item() <= float(bias.value)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_every_gain(nonlinearity: str) -> None:
    assert float(gain(nonlinearity)) == pytest.approx(nn_init.calculate_gain(nonlinearity),
                                                      rel=1e-15)
    assert float(gain("leaky_relu", 0.2)) == pytest.approx(
        nn_init.calculate_gain("leaky_relu", 0.2), rel=1e-15)


@pytest.mark.parametrize("text, message", [
    ("kaiming_uniform_(mode='fan_avg')", "'fan_avg' is not one of 'fan_in', 'fan_out'"),
    ("he_uniform_()", "unknown init scheme 'he_uniform_'; known: xavier_uniform_"),
    ("xavier_uniform_(gian=1)", "unknown argument 'gian' of xavier_uniform_; known: gain"),
    ("xavier_uniform_(gain=calculate_gain('swish'))", "'swish' is not one of"),
    ("xavier_uniform_(gain=exp(1))", "give a number, sqrt(n) or calculate_gain"),
])
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        parse_init(text)
    assert message in str(error.value)


def test_layer_refusals() -> None:
    with pytest.raises(InputError, match="divisible by groups"):
        parse_layer("Conv2d(3, 16, 3, groups=2)")
    with pytest.raises(InputError, match="unknown layer 'LSTM'"):
        parse_layer("LSTM(3, 16)")


@pytest.mark.parametrize("text", [
    "Linear(5, 3, bias=False)", "Conv3d(4, 6, (1, 3, 2), groups=2)",
    "ConvTranspose3d(4, 6, 3, groups=2, bias=False)", "ConvTranspose1d(3, 4, 5, stride=2)",
    "nn.Conv2d(3, 16, 3)",
])
def test_layer_shapes_are_the_model_rules_and_torchs(text: str) -> None:
    """init reads the weight's shape from derive.models' rule, and it is torch's."""
    torch = pytest.importorskip("torch")
    from derive.models import parse_model
    from derive.models.registry import RULES

    layer = parse_layer(text)
    node = parse_model(text).children[0][1]
    rule = {t.name: t.shape for t in RULES[node.type].tensors(node.args, ())}
    module = eval(f"torch.nn.{text.removeprefix('nn.')}", {"torch": torch})  # noqa: S307
    assert layer.weight == rule["weight"] == tuple(module.weight.shape)
    assert layer.bias == (module.bias is not None)


def test_layer_refused_as_torch_refuses_it() -> None:
    """The models rule's checks apply: torch refuses padding='same' with a stride."""
    with pytest.raises(InputError, match="padding='same' needs stride 1"):
        parse_layer("Conv3d(2, 4, 3, stride=2, padding='same')")

"""Drawn (and given) parameters are printed as given data, so every step can be redone by
hand; a tensor too large to print is described instead."""

from __future__ import annotations

import numpy as np

from derive import load, problem, render, solve
from derive.given import MAX_SHOWN, given_values


def _example(path: str, name: str) -> object:
    return next(p for p in load(path).problems if p.id == name)


def test_model_backprop_shows_the_input_and_every_parameter() -> None:
    item = _example("examples/layers.toml", "conv-pool-linear")
    shown = dict(given_values(item))
    run = item.run()  # type: ignore[attr-defined]
    assert set(shown) == {"X", "0.weight", "0.bias", "4.weight", "4.bias"}
    assert np.array_equal(np.reshape(shown["0.weight"], (2, 1, 3, 3)), run.state["0.weight"])
    text = render(solve(item), "text")
    assert "4.bias = [0.24, 0.01, 0.01]" in text


def test_recurrent_parameters_drawn_from_a_seed_are_printed() -> None:
    item = _example("examples/rnn.toml", "gru-step")
    shown = dict(given_values(item))
    params = item.arrays()[0]  # type: ignore[attr-defined]
    assert set(shown) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}
    for name, value in shown.items():
        assert np.array_equal(np.asarray(value), params[name])


def test_layer_grad_shows_x_parameters_and_dy() -> None:
    item = problem("layer-grad", layer="Linear(2, 1)", x="1,2", grad_output="2", seed=3)
    shown = dict(given_values(item))
    assert set(shown) == {"X", "W", "b", "dL/dY"}  # the math's letters for weight, bias
    assert problem("layer-grad", layer="Linear(2, 1)").worked_data() == []  # type: ignore[attr-defined]


def test_a_large_drawn_tensor_is_described_not_printed() -> None:
    item = problem("model-backprop", layers=["Linear(40, 10)"], input=["40"], label=[1])
    shown = dict(given_values(item))
    assert MAX_SHOWN < 400
    assert shown["0.weight"] == "10 × 40 tensor drawn from seed 0 as the conventions say " \
        "(not printed)"
    assert shown["0.bias"] == [float(v) for v in item.run().state["0.bias"]]  # type: ignore[attr-defined]

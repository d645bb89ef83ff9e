"""The recurrent types in derive.numeric.layers' table, checked by its own check_layer."""

from __future__ import annotations

import numpy as np
import pytest

import derive.numeric.recurrent.layers  # noqa: F401  (registers RNN, LSTM, GRU)
from derive.numeric.layers import check_layer
from derive.numeric.layers.registry import LAYER_KERNELS
from derive.numeric.recurrent import RecurrentConfig, draw_parameters


@pytest.mark.parametrize("mode, keywords", [
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", {"bidirectional": True, "proj_size": 2}),
    ("GRU", {"batch_first": True, "num_layers": 2}),
])
def test_registered_kernels_pass_the_tables_check(mode: str, keywords: dict) -> None:
    config = RecurrentConfig(mode, 2, 3, **keywords)
    state = draw_parameters(config, seed=0)
    rng = np.random.default_rng(0)
    stacked = config.directions * config.num_layers
    x = rng.normal(size=(2, 4, 2) if config.batch_first else (4, 2, 2))
    states = [rng.normal(size=(stacked, 2, config.out_size))]
    if mode == "LSTM":
        states.append(rng.normal(size=(stacked, 2, 3)))
    given = {k: v for k, v in keywords.items() if k != "proj_size"}
    kernels = LAYER_KERNELS[mode]
    assert set(state) <= set(kernels.params)
    assert check_layer(kernels, state, x, given) < 1e-6
    assert check_layer(kernels, state, (x, *states), given) < 1e-6

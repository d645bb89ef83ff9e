"""What a recurrent layer is: torch's constructor arguments, its parameter names and shapes.

The names and shapes are torch's `state_dict` ones (torch.nn.RNN / LSTM / GRU docs,
"Variables"): for layer k and direction suffix s ("" or "_reverse"),
`weight_ih_l{k}{s}` is (G H, in_k), `weight_hh_l{k}{s}` is (G H, H_out), `bias_ih_l{k}{s}`
and `bias_hh_l{k}{s}` are (G H,) -- two bias vectors, as torch counts them -- and with
`proj_size` > 0 (LSTM only) `weight_hr_l{k}{s}` is (proj_size, H). G is 1 (RNN), 4 (LSTM,
gates i, f, g, o) or 3 (GRU, gates r, z, n); H_out is proj_size if set, else H; in_0 is
input_size and in_k = D H_out for k >= 1, D = 2 when bidirectional.

>>> config = RecurrentConfig("LSTM", input_size=3, hidden_size=5, proj_size=2)
>>> parameter_shapes(config)["weight_hh_l0"], parameter_shapes(config)["weight_hr_l0"]
((20, 2), (2, 5))
>>> sum(math.prod(shape) for shape in parameter_shapes(config).values())
150
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

GATES = {"RNN": ("a",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
NONLINEARITIES = ("tanh", "relu")


@dataclass(frozen=True)
class RecurrentConfig:
    """torch.nn.RNN / LSTM / GRU's arguments (dropout is not modelled: it is 0 here), and
    the window of truncated BPTT: with `truncation` = k the hidden (and cell) state is
    carried from one window of k steps to the next but its gradient is not -- torch's
    `h = h.detach()` every k steps, windows counted in each direction's processing order."""

    mode: str  # "RNN", "LSTM" or "GRU"
    input_size: int
    hidden_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"  # RNN only: "tanh" or "relu"
    bias: bool = True
    batch_first: bool = False
    bidirectional: bool = False
    proj_size: int = 0  # LSTM only
    truncation: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in GATES:
            raise ValueError(f"mode must be one of {sorted(GATES)}, not {self.mode!r}")
        if self.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be tanh or relu, not {self.nonlinearity!r}")
        if self.proj_size and (self.mode != "LSTM" or self.proj_size >= self.hidden_size):
            raise ValueError("proj_size is for an LSTM, and smaller than hidden_size")
        if min(self.input_size, self.hidden_size, self.num_layers) < 1 or self.proj_size < 0:
            raise ValueError("sizes and num_layers must be positive")
        if self.truncation is not None and self.truncation < 1:
            raise ValueError("the truncation window must be at least 1 step")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> tuple[str, ...]:
        return GATES[self.mode]

    @property
    def out_size(self) -> int:
        """H_out: the size of h_t (proj_size when the LSTM projects)."""
        return self.proj_size or self.hidden_size

    def layer_input(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.directions * self.out_size


def suffix(layer: int, direction: int) -> str:
    """`l0`, `l0_reverse`, ... as torch names a layer and direction."""
    return f"l{layer}" + ("_reverse" if direction else "")


def parameter_shapes(config: RecurrentConfig) -> dict[str, tuple[int, ...]]:
    """torch's state_dict names and shapes, in torch's order."""
    G, H = len(config.gates), config.hidden_size
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(config.num_layers):
        for direction in range(config.directions):
            s = suffix(layer, direction)
            shapes[f"weight_ih_{s}"] = (G * H, config.layer_input(layer))
            shapes[f"weight_hh_{s}"] = (G * H, config.out_size)
            if config.bias:
                shapes[f"bias_ih_{s}"] = (G * H,)
                shapes[f"bias_hh_{s}"] = (G * H,)
            if config.proj_size:
                shapes[f"weight_hr_{s}"] = (config.proj_size, H)
    return shapes


def state_shapes(config: RecurrentConfig, batch: int) -> dict[str, tuple[int, ...]]:
    """h0 is (D num_layers, N, H_out); an LSTM's c0 is (D num_layers, N, H)."""
    stacked = config.directions * config.num_layers
    shapes: dict[str, tuple[int, ...]] = {"h0": (stacked, batch, config.out_size)}
    if config.mode == "LSTM":
        shapes["c0"] = (stacked, batch, config.hidden_size)
    return shapes


def draw_parameters(config: RecurrentConfig, seed: int) -> dict[str, Any]:
    """Parameters drawn as torch initialises them, U(-1/sqrt(H), 1/sqrt(H)), from a NumPy
    generator (the same distribution as torch's, not torch's numbers)."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / math.sqrt(config.hidden_size)
    return {name: rng.uniform(-bound, bound, shape)
            for name, shape in parameter_shapes(config).items()}

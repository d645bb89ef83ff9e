"""Gate by gate: torch's gates computed by hand from its module's weights (torch's
docstring equations), anchored to torch's own outputs, against the kernels' records."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.recurrent import RecurrentConfig, forward
from tests.recurrent import oracle

torch = oracle.torch


def _hand_gates(config: RecurrentConfig, layer, x, h, c):
    """One step of torch's cell from its weights: (gates by name, h_t, c_t)."""
    W_ih, W_hh = layer.weight_ih_l0, layer.weight_hh_l0
    a_x, a_h = x @ W_ih.T + layer.bias_ih_l0, h @ W_hh.T + layer.bias_hh_l0
    if config.mode == "RNN":
        return {"a": a_x + a_h}, torch.tanh(a_x + a_h), None
    if config.mode == "GRU":
        (xr, xz, xn), (hr, hz, hn) = a_x.chunk(3, 1), a_h.chunk(3, 1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)  # reset gate on (W_hn h + b_hn): torch, not Cho et al.
        return {"r": r, "z": z, "n": n}, (1 - z) * n + z * h, None
    ai, af, ag, ao = (a_x + a_h).chunk(4, 1)
    i, f, g, o = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag), torch.sigmoid(ao)
    c = f * c + i * g
    m = o * torch.tanh(c)
    h = m @ layer.weight_hr_l0.T if config.proj_size else m
    return {"i": i, "f": f, "g": g, "o": o, "c": c}, h, c


@pytest.mark.parametrize("mode, proj", [("RNN", 0), ("LSTM", 0), ("LSTM", 2), ("GRU", 0)])
def test_every_gate_at_every_step_is_torchs(mode: str, proj: int) -> None:
    config = RecurrentConfig(mode, input_size=3, hidden_size=4, proj_size=proj)
    params, x = oracle.case(config, steps=6, batch=2, seed=7, with_states=True)
    _, cache = forward(np, params, x, config)
    layer = oracle.module(config, params)
    with torch.no_grad():
        h0 = torch.tensor(params["h0"])
        c0 = torch.tensor(params["c0"]) if mode == "LSTM" else None
        y, _ = layer(torch.tensor(x), (h0, c0) if mode == "LSTM" else h0)
        h, c = h0[0], None if c0 is None else c0[0]
        for t, record in enumerate(cache.runs[0][0].records):
            gates, h, c = _hand_gates(config, layer, torch.tensor(x[t]), h, c)
            assert torch.allclose(h, y[t], atol=1e-12, rtol=0)  # the hand step is torch's
            for name, gate in gates.items():
                assert np.abs(record[name] - gate.numpy()).max() < 1e-12, (t, name)

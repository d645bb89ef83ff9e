"""`bptt`'s gate-level backward of an LSTM and a GRU step against torch autograd on a
hand-written cell (the gates and their pre-activations retained), the cell itself against
torch.nn.LSTMCell / GRUCell, and each gate gradient against a hand computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import derive
from derive.answers import Key

torch = pytest.importorskip("torch")
EXAMPLES = Path(__file__).parents[2] / "examples" / "rnn.toml"
CLOSE = dict(rtol=1e-9, atol=1e-12)


def _tensor(value) -> object:
    return torch.tensor(np.asarray(value, dtype=float))


def lstm_by_hand(params: dict, xs: np.ndarray, h0, c0, target) -> dict:
    """torch's LSTM equations written out over the steps, every gate and pre-activation of
    the last step retained; the loss 1/2 ||h_T - y||^2."""
    W_ih, W_hh, b_ih, b_hh = (_tensor(params[f"{k}_l0"]).requires_grad_() for k in
                              ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    h, c, kept = _tensor(h0), _tensor(c0), {}
    for x in xs:
        a = W_ih @ _tensor(x) + b_ih + W_hh @ h + b_hh
        a.retain_grad()
        ai, af, ag, ao = a.chunk(4)
        i, f, g, o = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag), torch.sigmoid(ao)
        c = f * c + i * g
        h = o * torch.tanh(c)
        kept = {"a": a, "i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
        for value in kept.values():
            value.retain_grad()
    (0.5 * ((h - _tensor(target)) ** 2).sum()).backward()
    return kept


def gru_by_hand(params: dict, xs: np.ndarray, h0, target) -> dict:
    """torch's GRU (r on W_hn h + b_hn) written out, the last step's gates retained."""
    W_ih, W_hh, b_ih, b_hh = (_tensor(params[f"{k}_l0"]).requires_grad_() for k in
                              ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    h, kept = _tensor(h0), {}
    for x in xs:
        xr, xz, xn = (W_ih @ _tensor(x) + b_ih).chunk(3)
        hr, hz, hn = (W_hh @ h + b_hh).chunk(3)
        ar, az = xr + hr, xz + hz
        r, z = torch.sigmoid(ar), torch.sigmoid(az)
        an = xn + r * hn
        n = torch.tanh(an)
        h = (1 - z) * n + z * h
        kept = {"ar": ar, "az": az, "an": an, "r": r, "z": z, "n": n, "h": h}
        for value in kept.values():
            value.retain_grad()
    (0.5 * ((h - _tensor(target)) ** 2).sum()).backward()
    return kept


def _solve(mode: str, steps: int, seed: int):
    rng = np.random.default_rng(seed)
    x, h0, c0, y = (rng.normal(size=(steps, 2)), rng.normal(size=3), rng.normal(size=3),
                    rng.normal(size=3))
    fields = dict(layer=f"{mode}(2, 3)", x=x.tolist(), target=y.tolist(), h0=h0.tolist(),
                  seed=seed)
    if mode == "LSTM":
        fields["c0"] = c0.tolist()
    problem = derive.problem("bptt", **fields)
    return derive.solve(problem).answers, problem.arrays()[0], x, h0, c0, y


@pytest.mark.parametrize("steps", [1, 3])
def test_lstm_gate_gradients_match_autograd(steps: int) -> None:
    answers, params, x, h0, c0, y = _solve("LSTM", steps, steps)
    kept = lstm_by_hand(params, x, h0, c0, y)
    T, H = steps, 3
    for gate in "ifgoc":
        np.testing.assert_allclose(answers[Key("L", wrt=f"{gate}_{T}")],
                                   kept[gate].grad.numpy(), **CLOSE)
    for index, gate in enumerate("ifgo"):
        np.testing.assert_allclose(answers[Key("L", wrt=f"a^{gate}_{T}")],
                                   kept["a"].grad.numpy()[index * H:(index + 1) * H], **CLOSE)


@pytest.mark.parametrize("steps", [1, 3])
def test_gru_gate_gradients_match_autograd(steps: int) -> None:
    answers, params, x, h0, _, y = _solve("GRU", steps, 10 + steps)
    kept = gru_by_hand(params, x, h0, y)
    for name, torch_name in (("n", "n"), ("z", "z"), ("r", "r"), ("a^n", "an"),
                             ("a^r", "ar"), ("a^z", "az")):
        np.testing.assert_allclose(answers[Key("L", wrt=f"{name}_{steps}")],
                                   kept[torch_name].grad.numpy(), **CLOSE)


def test_the_hand_written_cells_are_torchs() -> None:
    answers, params, x, h0, c0, y = _solve("LSTM", 1, 1)
    cell = torch.nn.LSTMCell(2, 3).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(_tensor(params[f"{name}_l0"]))
    h, _ = cell(_tensor(x[:1]), (_tensor(h0[None]), _tensor(c0[None])))
    kept = lstm_by_hand(params, x, h0, c0, y)
    np.testing.assert_allclose(kept["h"].detach().numpy(), h.detach().numpy()[0], **CLOSE)
    answers, params, x, h0, _, y = _solve("GRU", 1, 11)
    gru = torch.nn.GRUCell(2, 3).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, name).copy_(_tensor(params[f"{name}_l0"]))
    expected = gru(_tensor(x[:1]), _tensor(h0[None])).detach().numpy()[0]
    np.testing.assert_allclose(gru_by_hand(params, x, h0, y)["h"].detach().numpy(), expected,
                               **CLOSE)


def test_the_example_lstm_gates_by_hand() -> None:
    """rnn.toml's LSTM step: dL/do_1 = dL/dh_1 tanh(c_1), dL/df_1 = dL/dc_1 c_0 (zero where
    c_0 is), dL/da^o_1 = dL/do_1 o_1 (1 - o_1), from the answers' own numbers."""
    problem = derive.load(EXAMPLES).problems[1]
    a = derive.solve(problem).answers
    dh, dc = np.asarray(a[Key("L", wrt="h_1")]), np.asarray(a[Key("L", wrt="c_1")])
    o, c = np.asarray(a["o_1"]), np.asarray(a["c_1"])
    np.testing.assert_allclose(a[Key("L", wrt="o_1")], dh * np.tanh(c), **CLOSE)
    np.testing.assert_allclose(a[Key("L", wrt="f_1")], dc * np.array([0.5, 0.0]), **CLOSE)
    assert a[Key("L", wrt="f_1")][1] == 0
    np.testing.assert_allclose(a[Key("L", wrt="a^o_1")], dh * np.tanh(c) * o * (1 - o),
                               **CLOSE)


def test_the_example_gru_reset_placement_shows_in_b_hn() -> None:
    """torch's reset placement: b_in's gradient is dL/da^n_1, b_hn's is r_1 times it."""
    a = derive.solve(derive.load(EXAMPLES).problems[2]).answers
    dan, r = np.asarray(a[Key("L", wrt="a^n_1")]), np.asarray(a["r_1"])
    np.testing.assert_allclose(a[Key("L", wrt="bias_ih_l0")][4:], dan, **CLOSE)
    np.testing.assert_allclose(a[Key("L", wrt="bias_hh_l0")][4:], r * dan, **CLOSE)


def test_gate_steps_carry_checks() -> None:
    for problem in derive.load(EXAMPLES).problems[1:]:
        steps = [s for s in derive.solve(problem).steps if "backward:" in s.why]
        assert len(steps) == (9 if problem.id == "lstm-step" else 6)
        assert all(s.check is not None and s.check < 1e-6 for s in steps)

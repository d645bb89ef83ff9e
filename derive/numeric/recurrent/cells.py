"""One time step of torch's recurrent cells, forward and backward; `xp` is NumPy or CuPy.

Rows are examples: x_t is (N, in), h_t is (N, H_out), W_ih is (G H, in), so a cell's
pre-activations are x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, gates stacked in torch's
order. The cell definitions are torch's (torch.nn.RNN, LSTM, GRU docstrings):

RNN   h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),  act = tanh or ReLU (ReLU'(0) = 0)
LSTM  i, f, o = sigma(.), g = tanh(.) in the order i, f, g, o;
      c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t), then W_hr h_t with proj_size
GRU   r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz),
      n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.
      The reset gate multiplies W_hn h + b_hn (torch, cuDNN); Cho et al. (2014) apply it
      before the product, W_hn (r * h), which is a different function.

Each `step` returns the new state and a record of the step (inputs, gates, state); each
`back` takes that record and dL/d(state) and returns dL/dx_t, dL/d(previous state) and the
gradients worth showing, adding the parameter gradients into `grads`: an LSTM's total
dL/dc_t and, for a gated cell, dL/d(each gate) by the gate's name and `a`, dL/d(the stacked
pre-activations) in torch's gate order (a GRU's input side: its n part is dL/d(the whole
pre-activation of n), the hidden side W_hn h + b_hn gets r times it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.numeric.activations import relu, relu_prime, sigmoid

Record = dict[str, Any]
State = tuple[Any, ...]  # (h,) or, for an LSTM, (h, c)
Back = tuple[Any, State, Record]  # dL/dx_t, dL/d(previous state), gradients shown


@dataclass(frozen=True)
class Weights:
    """One layer and direction's parameters (biases None when bias=False)."""

    W_ih: Any
    W_hh: Any
    b_ih: Any | None
    b_hh: Any | None
    W_hr: Any | None = None


def join(xp: Any, parts: list[Any]) -> Any:
    """The parts side by side along the last axis, written into an array made like the
    first (so it stays on the parts' device: NumPy's concatenate drops array subclasses)."""
    if len(parts) == 1:
        return parts[0]
    shape = (*parts[0].shape[:-1], sum(part.shape[-1] for part in parts))
    joined, start = xp.zeros_like(parts[0], shape=shape), 0
    for part in parts:
        joined[..., start:start + part.shape[-1]] = part
        start += part.shape[-1]
    return joined


def stack(xp: Any, parts: list[Any]) -> Any:
    """The parts along a new first axis, on their device (see `join`)."""
    stacked = xp.zeros_like(parts[0], shape=(len(parts), *parts[0].shape))
    for index, part in enumerate(parts):
        stacked[index] = part
    return stacked


def _affine(x: Any, W: Any, b: Any | None) -> Any:
    return x @ W.T if b is None else x @ W.T + b


def _linear_back(w: Weights, grads: dict[str, Any], da_x: Any, da_h: Any, x: Any,
                 h: Any) -> tuple[Any, Any]:
    """a_x = x W_ih^T + b_ih, a_h = h W_hh^T + b_hh: dW_ih += da_x^T x, dW_hh += da_h^T h,
    the biases get the column sums; returns (dL/dx, dL/dh through a_h)."""
    grads["W_ih"] += da_x.T @ x
    grads["W_hh"] += da_h.T @ h
    if w.b_ih is not None:
        grads["b_ih"] += da_x.sum(axis=0)
        grads["b_hh"] += da_h.sum(axis=0)
    return da_x @ w.W_ih, da_h @ w.W_hh


def rnn_step(xp: Any, w: Weights, x: Any, state: State, relu_act: bool) -> tuple[State, Record]:
    """h_t = act(a_t), a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh."""
    (h_prev,) = state
    a = _affine(x, w.W_ih, w.b_ih) + _affine(h_prev, w.W_hh, w.b_hh)
    h = relu(xp, a) if relu_act else xp.tanh(a)
    return (h,), {"x": x, "h_prev": h_prev, "a": a, "h": h}


def rnn_back(xp: Any, w: Weights, r: Record, dstate: State, grads: dict[str, Any],
             relu_act: bool) -> Back:
    """da_t = dL/dh_t * act'(a_t) (tanh' = 1 - h_t^2); then the linear maps."""
    (dh,) = dstate
    da = dh * (relu_prime(xp, r["a"]) if relu_act else 1.0 - r["h"] ** 2)
    dx, dh_prev = _linear_back(w, grads, da, da, r["x"], r["h_prev"])
    return dx, (dh_prev,), {}


def lstm_step(xp: Any, w: Weights, x: Any, state: State) -> tuple[State, Record]:
    """Gates i, f, g, o from the stacked pre-activations; c_t, then h_t (projected)."""
    h_prev, c_prev = state
    a = _affine(x, w.W_ih, w.b_ih) + _affine(h_prev, w.W_hh, w.b_hh)
    ai, af, ag, ao = xp.split(a, 4, axis=1)
    i, f, g, o = sigmoid(xp, ai), sigmoid(xp, af), xp.tanh(ag), sigmoid(xp, ao)
    c = f * c_prev + i * g
    m = o * xp.tanh(c)
    h = m if w.W_hr is None else m @ w.W_hr.T
    return (h, c), {"x": x, "h_prev": h_prev, "c_prev": c_prev, "i": i, "f": f, "g": g,
                    "o": o, "c": c, "m": m, "h": h}


def lstm_back(xp: Any, w: Weights, r: Record, dstate: State,
              grads: dict[str, Any]) -> Back:
    """dm = dh (W_hr), do = dm tanh c, dc += dm o (1 - tanh^2 c); di = dc g, df = dc c_{t-1},
    dg = dc i, dc_{t-1} = dc f; sigma' = s (1 - s), tanh' = 1 - g^2."""
    dh, dc = dstate
    dm = dh
    if w.W_hr is not None:
        grads["W_hr"] += dh.T @ r["m"]
        dm = dh @ w.W_hr
    tanh_c = xp.tanh(r["c"])
    dc = dc + dm * r["o"] * (1.0 - tanh_c ** 2)
    i, f, g, o = r["i"], r["f"], r["g"], r["o"]
    shown = {"c": dc, "o": dm * tanh_c, "f": dc * r["c_prev"], "i": dc * g, "g": dc * i}
    shown["a"] = join(xp, [shown["i"] * i * (1.0 - i), shown["f"] * f * (1.0 - f),
                           shown["g"] * (1.0 - g ** 2), shown["o"] * o * (1.0 - o)])
    dx, dh_prev = _linear_back(w, grads, shown["a"], shown["a"], r["x"], r["h_prev"])
    return dx, (dh_prev, dc * f), shown


def gru_step(xp: Any, w: Weights, x: Any, state: State) -> tuple[State, Record]:
    """r, z from both affine maps; n = tanh(a_x,n + r * a_h,n); h_t = (1 - z) n + z h_{t-1}."""
    (h_prev,) = state
    xr, xz, xn = xp.split(_affine(x, w.W_ih, w.b_ih), 3, axis=1)
    hr, hz, hn = xp.split(_affine(h_prev, w.W_hh, w.b_hh), 3, axis=1)
    r, z = sigmoid(xp, xr + hr), sigmoid(xp, xz + hz)
    n = xp.tanh(xn + r * hn)
    h = (1.0 - z) * n + z * h_prev
    return (h,), {"x": x, "h_prev": h_prev, "r": r, "z": z, "n": n, "hn": hn, "h": h}


def gru_back(xp: Any, w: Weights, r: Record, dstate: State,
             grads: dict[str, Any]) -> Back:
    """dn = dh (1 - z), dz = dh (h_{t-1} - n), da_n = dn (1 - n^2), dr = da_n (W_hn h + b_hn);
    a_x gets (da_r, da_z, da_n), a_h gets (da_r, da_z, r da_n); dh_{t-1} also gets dh z."""
    (dh,) = dstate
    rg, z, n = r["r"], r["z"], r["n"]
    shown = {"n": dh * (1.0 - z), "z": dh * (r["h_prev"] - n)}
    dan = shown["n"] * (1.0 - n ** 2)
    shown["r"] = dan * r["hn"]
    dar, daz = shown["r"] * rg * (1.0 - rg), shown["z"] * z * (1.0 - z)
    shown["a"] = join(xp, [dar, daz, dan])
    da_h = join(xp, [dar, daz, rg * dan])
    dx, dh_prev = _linear_back(w, grads, shown["a"], da_h, r["x"], r["h_prev"])
    return dx, (dh_prev + dh * z,), shown


@dataclass(frozen=True)
class Cell:
    """A cell's step and its backward, bound to a mode."""

    step: Callable[[Any, Weights, Any, State], tuple[State, Record]]
    back: Callable[[Any, Weights, Record, State, dict[str, Any]], Back]


def _rnn(relu_act: bool) -> Cell:
    return Cell(step=lambda xp, w, x, s: rnn_step(xp, w, x, s, relu_act),
                back=lambda xp, w, r, d, g: rnn_back(xp, w, r, d, g, relu_act))


CELLS: dict[str, Cell] = {
    "RNN_TANH": _rnn(False), "RNN_RELU": _rnn(True),
    "LSTM": Cell(step=lstm_step, back=lstm_back), "GRU": Cell(step=gru_step, back=gru_back),
}

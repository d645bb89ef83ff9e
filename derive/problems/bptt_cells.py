"""torch's cell equations as printed formulas, and the forward steps of a `bptt` example.

Column vectors; the stacked matrices are split by gate in torch's order (weight_ih_l0 is
[W_ii; W_if; W_ig; W_io] for an LSTM, [W_ir; W_iz; W_in] for a GRU), so each gate reads

    LSTM  i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi), f, g (tanh), o alike,
          c_t = f_t o c_{t-1} + i_t o g_t,   h_t = o_t o tanh(c_t)
    GRU   r_t, z_t = sigma(...),  n_t = tanh(W_in x_t + b_in + r_t o (W_hn h_{t-1} + b_hn)),
          h_t = (1 - z_t) o n_t + z_t o h_{t-1}
    RNN   a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,   h_t = tanh(a_t) (or ReLU)

Each formula is evaluated at the example's numbers (`evaluate`: what is printed is what
is checked) and compared with the kernel's value before its step is kept.

>>> [lhs.name for _, lhs, _, _ in formulas("GRU", 2, 3, 2, True, "tanh")]
['r_2', 'z_2', 'n_2', 'h_2']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from sympy import HadamardProduct, MatAdd, MatrixExpr, MatrixSymbol, OneMatrix

from derive.errors import VerificationError
from derive.numeric.activations import sigmoid
from derive.problems.bptt_numbers import Computed
from derive.solution import Step, measured
from derive.symbolic.matrices import Elementwise, evaluate, minus

TOLERANCE = 1e-9
KERNELS: dict[str, Callable[[Any], Any]] = {"sigmoid": lambda a: sigmoid(np, a), "tanh": np.tanh,
           "relu": lambda a: np.maximum(a, 0.0)}
WHY = {"a": "pre-activation", "i": "input gate (sigmoid)", "f": "forget gate (sigmoid)",
       "g": "cell candidate (tanh)", "o": "output gate (sigmoid)", "c": "cell state",
       "r": "reset gate (sigmoid)", "z": "update gate (sigmoid)",
       "n": "new gate (tanh); torch applies r_t to W_hn h_{t-1} + b_hn, Cho et al. (2014) "
            "to h_{t-1} before W_hn", "h": "hidden state"}
Formula = tuple[str, MatrixSymbol, MatrixExpr, str]  # record key, lhs, rhs, why


def vec(name: str, t: int, rows: int) -> MatrixSymbol:
    """x_t, h_t, i_t, ... as a column (braces around a subscript of two digits)."""
    label = str(t)
    return MatrixSymbol(f"{name}_{label}" if len(label) == 1 else f"{name}_{{{label}}}",
                        rows, 1)


def block(kind: str, gate: str, H: int, cols: int) -> MatrixSymbol:
    """W_ii, W_hf, ... (kind i or h): one gate's rows of weight_ih_l0 / weight_hh_l0."""
    return MatrixSymbol(f"W_{{{kind}{gate}}}", H, cols)


def bias(kind: str, gate: str, H: int) -> MatrixSymbol:
    return MatrixSymbol(f"b_{{{kind}{gate}}}", H, 1)


def act(name: str, arg: MatrixExpr) -> Elementwise:
    tex = {"sigmoid": r"\sigma\left({}\right)", "tanh": r"\tanh\left({}\right)",
           "relu": r"\operatorname{ReLU}\left({}\right)"}[name]
    return Elementwise(name, {"sigmoid": "sigma({})"}.get(name, name + "({})"), tex, arg)


def affine(gate: str, t: int, H: int, n_x: int, with_bias: bool,
           hidden: MatrixExpr | None = None) -> MatrixExpr:
    """W_i<g> x_t + b_i<g> + W_h<g> h_{t-1} + b_h<g>; `hidden` replaces the last two."""
    terms: list[Any] = [block("i", gate, H, n_x) * vec("x", t, n_x)]
    terms += [bias("i", gate, H)] if with_bias else []
    if hidden is None:
        terms += [block("h", gate, H, H) * vec("h", t - 1, H)]
        terms += [bias("h", gate, H)] if with_bias else []
    else:
        terms.append(hidden)
    return MatAdd(*terms, evaluate=False)


def formulas(mode: str, t: int, H: int, n_x: int, with_bias: bool,
             nonlinearity: str) -> list[Formula]:
    """Step t's equations, in the order they are computed."""
    h, h_prev = vec("h", t, H), vec("h", t - 1, H)
    if mode == "RNN":
        a = vec("a", t, H)
        pre = affine("h", t, H, n_x, with_bias)  # W_ih x + b_ih + W_hh h + b_hh
        return [("a", a, pre, WHY["a"]), ("h", h, act(nonlinearity, a), WHY["h"])]
    if mode == "LSTM":
        gates = [(g, vec(g, t, H), act("tanh" if g == "g" else "sigmoid",
                                       affine(g, t, H, n_x, with_bias)), WHY[g])
                 for g in "ifgo"]
        i, f, g, o, c = (vec(name, t, H) for name in "ifgoc")
        cell = MatAdd(HadamardProduct(f, vec("c", t - 1, H)), HadamardProduct(i, g),
                      evaluate=False)
        return [*gates, ("c", c, cell, WHY["c"]),
                ("h", h, HadamardProduct(o, act("tanh", c)), WHY["h"])]
    r, z, n = (vec(name, t, H) for name in "rzn")
    reset = HadamardProduct(r, MatAdd(block("h", "n", H, H) * h_prev, *(
        [bias("h", "n", H)] if with_bias else []), evaluate=False))
    update = MatAdd(HadamardProduct(minus(OneMatrix(H, 1), z), n),
                    HadamardProduct(z, h_prev), evaluate=False)
    return [("r", r, act("sigmoid", affine("r", t, H, n_x, with_bias)), WHY["r"]),
            ("z", z, act("sigmoid", affine("z", t, H, n_x, with_bias)), WHY["z"]),
            ("n", n, act("tanh", affine("n", t, H, n_x, with_bias, reset)), WHY["n"]),
            ("h", h, update, WHY["h"])]


def parameter_arrays(run: Computed) -> dict[sympy.Basic, np.ndarray]:
    """Every W_<k><g> and b_<k><g> as the gate's rows of torch's stacked tensors."""
    config, H = run.config, run.config.hidden_size
    arrays: dict[sympy.Basic, np.ndarray] = {}
    for index, gate in enumerate(config.gates if config.mode != "RNN" else ("h",)):
        rows = slice(index * H, (index + 1) * H)
        for kind in "ih":
            W = run.params[f"weight_{kind}h_l0"][rows]
            arrays[block(kind, gate, H, W.shape[1])] = W
            if config.bias:
                arrays[bias(kind, gate, H)] = run.params[f"bias_{kind}h_l0"][rows][:, None]
    return arrays


def step_arrays(run: Computed, t: int) -> dict[sympy.Basic, np.ndarray]:
    """x_t, h_{t-1} (c_{t-1}) and everything step t records, as columns."""
    H, record = run.config.hidden_size, run.record(t)
    arrays = {vec("x", t, run.config.input_size): run.x[t - 1][:, None],
              vec("h", t - 1, H): run.state(t - 1).T}
    if run.config.mode == "LSTM":
        arrays[vec("c", t - 1, H)] = run.state(t - 1, "c").T
    for key in (*run.config.gates, "c", "h"):
        if key in record:
            arrays[vec(key, t, H)] = record[key].T
    return arrays


def forward_steps(run: Computed) -> list[Step]:
    """Every gate and state of every step, each formula checked against the kernels."""
    config, arrays = run.config, parameter_arrays(run)
    steps = []
    for t in range(1, run.steps + 1):
        arrays.update(step_arrays(run, t))
        for _key, lhs, rhs, why in formulas(config.mode, t, config.hidden_size,
                                           config.input_size, config.bias, config.nonlinearity):
            value = arrays[lhs][:, 0]
            residual = float(np.abs(evaluate(rhs, arrays, {}, KERNELS)[:, 0] - value).max()
                             / max(1.0, float(np.abs(value).max())))
            if not residual <= TOLERANCE:
                raise VerificationError(f"bptt: {lhs.name} = {rhs} disagrees with the kernel "
                                        f"by {residual:.3g}")
            steps.append(Step(sympy.Eq(lhs, rhs, evaluate=False), f"Step {t}: {why}",
                              shape=(config.hidden_size,), value=value,
                              check=measured(residual)))
    return steps

"""torch's cell equations as printed formulas, and the forward steps of a `bptt` example.

Column vectors; the stacked matrices are split by gate in torch's order (weight_ih_l0 is
[W_ii; W_if; W_ig; W_io] for an LSTM, [W_ir; W_iz; W_in] for a GRU), so each gate reads

    LSTM  i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi), f, g (tanh), o alike,
          c_t = f_t o c_{t-1} + i_t o g_t,   h_t = o_t o tanh(c_t)
    GRU   r_t, z_t = sigma(...),  n_t = tanh(W_in x_t + b_in + r_t o (W_hn h_{t-1} + b_hn)),
          h_t = (1 - z_t) o n_t + z_t o h_{t-1}
    RNN   a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,   h_t = tanh(a_t) (or ReLU)

Each formula is evaluated at the example's numbers (`evaluate`: what is printed is what
is checked) and compared with the kernel's value before its step is kept. The evaluated
formulas form a second forward pass of their own: each reads the values the printed
formulas before it gave (x_t, h_0 and the gate blocks of the parameters alone), never the
kernel's, so that h_t = tanh(a_t) is compared with tanh of the printed a_t, not with the
kernel's own tanh of its own a_t.

>>> [lhs.name for _, lhs, _, _ in formulas("GRU", 2, 3, 2, True, "tanh")]
['r_2', 'z_2', 'n_2', 'h_2']
>>> from derive.problems.bptt_runs import RunId
>>> [lhs.name for _, lhs, _, _ in formulas("LSTM", 2, 3, 2, True, "tanh",
...                                      RunId(1, 1, 4, single=False), 2)][-2:]
['m_{2}^{(l1\\\\_reverse)}', 'h_{2}^{(l1\\\\_reverse)}']
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
from derive.problems.bptt_runs import RunId
from derive.solution import Step, measured
from derive.symbolic.matrices import Elementwise, evaluate, minus

TOLERANCE = 1e-9
KERNELS: dict[str, Callable[[Any], Any]] = {"sigmoid": lambda a: sigmoid(np, a), "tanh": np.tanh,
           "relu": lambda a: np.maximum(a, 0.0)}
WHY = {"a": "pre-activation", "i": "input gate (sigmoid)", "f": "forget gate (sigmoid)",
       "g": "cell candidate (tanh)", "o": "output gate (sigmoid)", "c": "cell state",
       "r": "reset gate (sigmoid)", "z": "update gate (sigmoid)",
       "n": "new gate (tanh), r_t on W_hn h_{t-1} + b_hn as torch places it",
       "h": "hidden state",
       "m": "o_t times tanh(c_t), before the projection",
       "x": "the layer's input: the outputs of the layer below, both directions stacked"}
PLAIN = RunId(0, 0, 1)
Formula = tuple[str, MatrixSymbol, MatrixExpr, str]  # record key, lhs, rhs, why


def vec(name: str, t: int, rows: int, run: RunId = PLAIN) -> MatrixSymbol:
    """x_t, h_t, i_t, ... as a column (braces around a subscript of two digits), marked with
    the run's superscript."""
    label = str(t)
    if run.mark and not (name == "x" and run.layer == 0):  # the input is every run's
        return MatrixSymbol(f"{name}_{{{label}}}{run.mark}", rows, 1)
    return MatrixSymbol(f"{name}_{label}" if len(label) == 1 else f"{name}_{{{label}}}",
                        rows, 1)


def block(kind: str, gate: str, H: int, cols: int, run: RunId = PLAIN) -> MatrixSymbol:
    """W_ii, W_hf, ... (kind i or h): one gate's rows of weight_ih_l0 / weight_hh_l0."""
    return MatrixSymbol(f"W_{{{kind}{gate}}}{run.mark}", H, cols)


def bias(kind: str, gate: str, H: int, run: RunId = PLAIN) -> MatrixSymbol:
    return MatrixSymbol(f"b_{{{kind}{gate}}}{run.mark}", H, 1)


def act(name: str, arg: MatrixExpr) -> Elementwise:
    tex = {"sigmoid": r"\sigma\left({}\right)", "tanh": r"\tanh\left({}\right)",
           "relu": r"\operatorname{ReLU}\left({}\right)"}[name]
    return Elementwise(name, {"sigmoid": "sigma({})"}.get(name, name + "({})"), tex, arg)


def affine(gate: str, t: int, H: int, n_x: int, with_bias: bool,
           hidden: MatrixExpr | None = None, run: RunId = PLAIN, out: int = 0) -> MatrixExpr:
    """W_i<g> x_t + b_i<g> + W_h<g> h_prev + b_h<g>; `hidden` replaces the last two."""
    terms: list[Any] = [block("i", gate, H, n_x, run) * vec("x", t, n_x, run)]
    terms += [bias("i", gate, H, run)] if with_bias else []
    if hidden is None:
        terms += [block("h", gate, H, out or H, run) * vec("h", run.previous(t), out or H, run)]
        terms += [bias("h", gate, H, run)] if with_bias else []
    else:
        terms.append(hidden)
    return MatAdd(*terms, evaluate=False)


def _lstm(t: int, H: int, n_x: int, with_bias: bool, run: RunId, out: int) -> list[Formula]:
    """i, f, g, o; c_t; h_t (through m_t and W_hr with proj_size, `out` < H)."""
    gates = [(g, vec(g, t, H, run), act("tanh" if g == "g" else "sigmoid", affine(
        g, t, H, n_x, with_bias, None, run, out)), WHY[g]) for g in "ifgo"]
    i, f, g, o, c = (vec(name, t, H, run) for name in "ifgoc")
    cell = MatAdd(HadamardProduct(f, vec("c", run.previous(t), H, run)), HadamardProduct(i, g),
                  evaluate=False)
    gated = HadamardProduct(o, act("tanh", c))
    h = vec("h", t, out, run)
    if out == H:
        return [*gates, ("c", c, cell, WHY["c"]), ("h", h, gated, WHY["h"])]
    m = vec("m", t, H, run)
    projected = MatrixSymbol(f"W_{{hr}}{run.mark}", out, H) * m
    return [*gates, ("c", c, cell, WHY["c"]), ("m", m, gated, WHY["m"]),
            ("h", h, projected, WHY["h"] + ", projected (proj_size)")]


def formulas(mode: str, t: int, H: int, n_x: int, with_bias: bool, nonlinearity: str,
             run: RunId = PLAIN, out: int = 0) -> list[Formula]:
    """Step t's equations, in the order they are computed (`out`: H_out, default H)."""
    h, h_prev = vec("h", t, H, run), vec("h", run.previous(t), H, run)
    if mode == "RNN":
        a = vec("a", t, H, run)
        pre = affine("h", t, H, n_x, with_bias, None, run)  # W_ih x + b_ih + W_hh h + b_hh
        return [("a", a, pre, WHY["a"]), ("h", h, act(nonlinearity, a), WHY["h"])]
    if mode == "LSTM":
        return _lstm(t, H, n_x, with_bias, run, out or H)
    r, z, n = (vec(name, t, H, run) for name in "rzn")
    reset = HadamardProduct(r, MatAdd(block("h", "n", H, H, run) * h_prev, *(
        [bias("h", "n", H, run)] if with_bias else []), evaluate=False))
    update = MatAdd(HadamardProduct(minus(OneMatrix(H, 1), z), n),
                    HadamardProduct(z, h_prev), evaluate=False)
    return [("r", r, act("sigmoid", affine("r", t, H, n_x, with_bias, None, run)), WHY["r"]),
            ("z", z, act("sigmoid", affine("z", t, H, n_x, with_bias, None, run)), WHY["z"]),
            ("n", n, act("tanh", affine("n", t, H, n_x, with_bias, reset, run)), WHY["n"]),
            ("h", h, update, WHY["h"])]


def parameter_arrays(run: Computed, rid: RunId) -> dict[sympy.Basic, np.ndarray]:
    """Every W_<k><g> and b_<k><g> of run `rid` as the gate's rows of torch's stacked
    tensors (and W_hr with proj_size)."""
    config, H = run.config, run.config.hidden_size
    arrays: dict[sympy.Basic, np.ndarray] = {}
    for index, gate in enumerate(config.gates if config.mode != "RNN" else ("h",)):
        rows = slice(index * H, (index + 1) * H)
        for kind in "ih":
            W = run.params[f"weight_{kind}h_{rid.suffix}"][rows]
            arrays[block(kind, gate, H, W.shape[1], rid)] = W
            if config.bias:
                arrays[bias(kind, gate, H, rid)] = run.params[
                    f"bias_{kind}h_{rid.suffix}"][rows][:, None]
    if config.proj_size:
        W_hr = run.params[f"weight_hr_{rid.suffix}"]
        arrays[MatrixSymbol(f"W_{{hr}}{rid.mark}", *W_hr.shape)] = W_hr
    return arrays


def initial_arrays(run: Computed, rid: RunId) -> dict[sympy.Basic, np.ndarray]:
    """The run's initial h (and c) as columns: given data, where the printed pass starts."""
    config, start = run.config, rid.initial
    arrays = {vec("h", start, config.out_size, rid): run.state(start, "h", rid).T}
    if config.mode == "LSTM":
        arrays[vec("c", start, config.hidden_size, rid)] = run.state(start, "c", rid).T
    return arrays


def _checked(lhs: MatrixSymbol, rhs: MatrixExpr, printed: dict[sympy.Basic, np.ndarray],
             value: np.ndarray, caption: str) -> Step:
    """The step lhs = rhs showing the kernel's `value`, checked against the printed formula
    evaluated on the printed pass's values (which it then joins)."""
    again = evaluate(rhs, printed, {}, KERNELS)[:, 0]
    printed[lhs] = again[:, None]
    residual = relative_to(value, again)
    if not residual <= TOLERANCE:
        raise VerificationError(f"bptt: {lhs.name} = {rhs} disagrees with the kernel "
                                f"by {residual:.3g}")
    return Step(sympy.Eq(lhs, rhs, evaluate=False), caption, shape=(len(value),), value=value,
                check=measured(residual))


def relative_to(value: np.ndarray, again: np.ndarray) -> float:
    """max |value - again| / max(1, max |value|)."""
    return float(np.abs(again - value).max() / max(1.0, float(np.abs(value).max())))


def layer_input(run: Computed, rid: RunId, t: int,
                printed: dict[sympy.Basic, np.ndarray]) -> Step:
    """x_t of a layer above the first: the layer below's h_t, its directions stacked (the
    kernel's against the printed pass's h_t)."""
    config = run.config
    below = [r for r in run.runs if r.layer == rid.layer - 1]
    parts = [vec("h", t, config.out_size, r) for r in below]
    value = np.asarray(run.record(t, rid)["x"])[0]
    again = np.concatenate([printed[part][:, 0] for part in parts])
    lhs = vec("x", t, len(value), rid)
    printed[lhs] = again[:, None]
    rhs = parts[0] if len(parts) == 1 else sympy.BlockMatrix([[p] for p in parts])
    return Step(sympy.Eq(lhs, rhs, evaluate=False),
                f"{rid.title}, t = {t}: {WHY['x']}", shape=(len(value),), value=value,
                check=measured(relative_to(value, again)))


def forward_steps(run: Computed) -> tuple[list[Step], dict[sympy.Basic, np.ndarray]]:
    """Every gate and state of every step, run by run (layer, direction; the reverse
    direction from t = T down), each formula checked against the kernels; and the printed
    pass's values by symbol."""
    config, steps = run.config, []
    printed: dict[sympy.Basic, np.ndarray] = {}
    for rid in run.runs:
        printed.update(parameter_arrays(run, rid))
        printed.update(initial_arrays(run, rid))
        where = f"{rid.title}, t =" if rid.title else "t ="  # the step number is the sheet's
        for t in rid.order:
            if rid.layer:
                steps.append(layer_input(run, rid, t, printed))
            else:
                printed[vec("x", t, config.input_size, rid)] = run.x[t - 1][:, None]
            record = run.record(t, rid)
            for key, lhs, rhs, why in formulas(
                    config.mode, t, config.hidden_size, config.layer_input(rid.layer),
                    config.bias, config.nonlinearity, rid, config.out_size):
                steps.append(_checked(lhs, rhs, printed, np.asarray(record[key])[0],
                                      f"{where} {t}: {why}"))
    return steps, printed

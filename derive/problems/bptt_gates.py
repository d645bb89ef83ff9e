"""The gate-level backward of one step of an LSTM or GRU, as a TA writes it: from dL/dh_t
(and dL/dc_t) to dL/d(each gate) and dL/d(each gate's pre-activation), whose rows stacked in
torch's gate order are what W_ih, W_hh and the biases receive from step t.

    LSTM  dL/do_t = dL/dh_t o tanh(c_t),
          dL/dc_t = dL/dh_t o o_t o tanh'(c_t)  (at t = T: nothing comes from c_{t+1}),
          dL/df_t = dL/dc_t o c_{t-1},  dL/di_t = dL/dc_t o g_t,  dL/dg_t = dL/dc_t o i_t,
          dL/da^i_t = dL/di_t o i_t o (1 - i_t) (f, o alike), dL/da^g_t = dL/dg_t o (1 - g_t o g_t)
    GRU   dL/dn_t = dL/dh_t o (1 - z_t),  dL/dz_t = dL/dh_t o (h_{t-1} - n_t),
          dL/da^n_t = dL/dn_t o (1 - n_t o n_t),  dL/dr_t = dL/da^n_t o (W_hn h_{t-1} + b_hn),
          dL/da^r_t = dL/dr_t o r_t o (1 - r_t),  dL/da^z_t = dL/dz_t o z_t o (1 - z_t)

(torch's reset placement: r_t multiplies W_hn h_{t-1} + b_hn, so that term's rows get
r_t o dL/da^n_t and W_in's get dL/da^n_t whole). Shown for the step BPTT reaches first (t = T)
of a one-layer, one-direction layer without projection. Each formula is evaluated at the
example's numbers and compared with the kernels' backward (`cells.lstm_back`, `gru_back`).

>>> [str(lhs) for lhs, _, _, _ in lstm_formulas(1, 2)][:3]
['dL/do_1', 'dL/dc_1', 'dL/df_1']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import HadamardProduct, MatAdd, MatrixExpr, MatrixSymbol, OneMatrix

from derive.answers import Answer, Key
from derive.errors import VerificationError
from derive.problems.bptt_cells import KERNELS, act, bias, block, parameter_arrays, vec
from derive.problems.bptt_numbers import Computed
from derive.problems.bptt_runs import RunId
from derive.solution import Step, measured
from derive.symbolic.matrices import Elementwise, MatrixPartial, evaluate, minus

TOLERANCE = 1e-9
LOSS = sympy.Symbol("L")
GateFormula = tuple[MatrixPartial, MatrixExpr, str, str]  # lhs, rhs, kernel key, why
SLOPES = {**KERNELS, "tanh_prime": lambda a: 1.0 - np.tanh(a) ** 2}


def pre(gate: str, t: int, H: int) -> MatrixSymbol:
    """a^i_t, ...: the pre-activation of gate `gate` at step t."""
    label = str(t) if t < 10 else f"{{{t}}}"
    return MatrixSymbol(f"a^{{{gate}}}_{label}", H, 1)


def d(symbol: MatrixSymbol) -> MatrixPartial:
    return MatrixPartial(LOSS, symbol)


def _times(*factors: MatrixExpr) -> HadamardProduct:
    return HadamardProduct(*factors)


def _sigmoid_slope(gate: MatrixSymbol, H: int) -> HadamardProduct:
    """s o (1 - s): sigma' at the gate's pre-activation, written with the gate."""
    return _times(gate, minus(OneMatrix(H, 1), gate))


def lstm_formulas(t: int, H: int) -> list[GateFormula]:
    """dL/do_t, dL/dc_t, dL/df_t, dL/di_t, dL/dg_t, then the four pre-activations, at the
    last step (dL/dc_t through h_t alone)."""
    i, f, g, o, c = (vec(name, t, H) for name in "ifgoc")
    tanh_prime = Elementwise("tanh_prime", "tanh'({})", r"\tanh'\left({}\right)", c)
    first = [(d(o), _times(d(vec("h", t, H)), act("tanh", c)), "o", "h_t = o_t tanh(c_t)"),
             (d(c), _times(d(vec("h", t, H)), o, tanh_prime), "c",
              "through h_t = o_t tanh(c_t) alone at the last step"),
             (d(f), _times(d(c), vec("c", t - 1, H)), "f", "c_t = f_t c_{t-1} + i_t g_t"),
             (d(i), _times(d(c), g), "i", "c_t = f_t c_{t-1} + i_t g_t"),
             (d(g), _times(d(c), i), "g", "c_t = f_t c_{t-1} + i_t g_t")]
    slopes = {"i": _sigmoid_slope(i, H), "f": _sigmoid_slope(f, H),
              "g": minus(OneMatrix(H, 1), _times(g, g)), "o": _sigmoid_slope(o, H)}
    return first + [(d(pre(gate, t, H)), _times(d(vec(gate, t, H)), slopes[gate]), gate + "'",
                     f"through {gate}_t = " + ("tanh" if gate == "g" else "sigma") +
                     f"(a^{gate}_t): " + ("tanh' = 1 - g^2" if gate == "g" else
                                          "sigma' = s (1 - s)"))
                    for gate in "ifgo"]


def gru_formulas(t: int, H: int, with_bias: bool) -> list[GateFormula]:
    """dL/dn_t, dL/dz_t, dL/da^n_t, dL/dr_t, dL/da^r_t, dL/da^z_t."""
    r, z, n, h = (vec(name, t, H) for name in "rznh")
    hidden = MatAdd(block("h", "n", H, H) * vec("h", t - 1, H),
                    *([bias("h", "n", H)] if with_bias else []), evaluate=False)
    return [
        (d(n), _times(d(h), minus(OneMatrix(H, 1), z)), "n", "h_t = (1 - z_t) n_t + z_t h_{t-1}"),
        (d(z), _times(d(h), minus(vec("h", t - 1, H), n)), "z",
         "h_t = (1 - z_t) n_t + z_t h_{t-1}"),
        (d(pre("n", t, H)), _times(d(n), minus(OneMatrix(H, 1), _times(n, n))), "n'",
         "through n_t = tanh(a^n_t); the rows of W_in get it whole, W_hn h_{t-1} + b_hn gets "
         "r_t times it (torch's reset placement)"),
        (d(r), _times(d(pre("n", t, H)), hidden), "r",
         "a^n_t = W_in x_t + b_in + r_t (W_hn h_{t-1} + b_hn)"),
        (d(pre("r", t, H)), _times(d(r), _sigmoid_slope(r, H)), "r'",
         "through r_t = sigma(a^r_t): sigma' = s (1 - s)"),
        (d(pre("z", t, H)), _times(d(z), _sigmoid_slope(z, H)), "z'",
         "through z_t = sigma(a^z_t): sigma' = s (1 - s)"),
    ]


def kernel_value(run: Computed, rid: RunId, t: int, key: str) -> np.ndarray:
    """What the kernels' backward gives for `key` at step t: a gate's gradient by its name, a
    pre-activation's by the gate's name primed (its rows of the stacked `a`)."""
    shown = run.back.shown[rid.layer][rid.direction][t - 1]
    if not key.endswith("'"):
        return np.asarray(shown[key])[0]
    H, index = run.config.hidden_size, run.config.gates.index(key[0])
    return np.asarray(shown["a"])[0, index * H:(index + 1) * H]


def _arrays(run: Computed, rid: RunId, t: int) -> dict[Any, np.ndarray]:
    """Step t's forward values, the parameters' gate blocks and the state gradients at t (and
    t + 1), as columns: what the formulas read."""
    H, record = run.config.hidden_size, run.record(t, rid)
    arrays: dict[Any, np.ndarray] = dict(parameter_arrays(run, rid))
    arrays[vec("h", t - 1, H)] = run.state(t - 1, "h", rid).T
    for name in (*run.config.gates, "c", "h"):
        if name in record:
            arrays[vec(name, t, H)] = np.asarray(record[name]).T
    if run.config.mode == "LSTM":
        arrays[vec("c", t - 1, H)] = run.state(t - 1, "c", rid).T
    for name in ("h", "c")[: 1 + (run.config.mode == "LSTM")]:
        arrays[d(vec(name, t, H))] = np.asarray(
            (run.back.dh if name == "h" else run.back.dc)[0][0][t - 1]).T
    return arrays


def gate_steps(run: Computed, rid: RunId, t: int,
               cell_check: float | None = None) -> tuple[list[Step], list[Answer]]:
    """Step t's gate-level backward, each formula evaluated and compared with the kernels'
    value; an LSTM's dL/dc_t keeps `cell_check` (its finite-difference residual) too."""
    H, config = run.config.hidden_size, run.config
    formulas = lstm_formulas(t, H) if config.mode == "LSTM" else gru_formulas(
        t, H, config.bias)
    arrays, steps, answers = _arrays(run, rid, t), [], []
    for lhs, rhs, key, why in formulas:
        value = kernel_value(run, rid, t, key)
        again = evaluate(rhs, arrays, {}, SLOPES)[:, 0]
        arrays[lhs] = again[:, None]
        residual = float(np.abs(again - value).max() / max(1.0, float(np.abs(value).max())))
        if not residual <= TOLERANCE:
            raise VerificationError(f"bptt: {lhs} disagrees with the kernel by {residual:.3g}")
        if key == "c" and cell_check is not None:
            residual = max(residual, cell_check)
        steps.append(Step(sympy.Eq(lhs, rhs, evaluate=False), f"t = {t}, backward: {why}",
                          shape=(H,), value=value, check=measured(residual)))
        answers.append(Answer(Key.derivative("L", lhs.args[1]), value, shape=(H,)))
    return steps, answers


def gated(run: Computed, rid: RunId, t: int) -> bool:
    """Whether step t of `rid` shows its gate-level backward: the step BPTT reaches first of
    a gated, one-layer, one-direction layer without projection, in the plain cell's names."""
    return (run.config.mode != "RNN" and rid.single and not run.config.proj_size
            and t == rid.order[-1])

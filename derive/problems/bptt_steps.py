"""The steps and answers of a `bptt` worked example, in the order a course writes them:
forward (every gate and state), the loss, dL/dh_t back in time, the parameter gradients,
the RNN's derivation and bounds, one SGD step.

Answers: every gate and state by its name (`h_2`, `i_1`, `c_3`, `r_2`, `a_1`), `L`,
`dL/dh_t` and `dL/dc_t` for t = T..0, `dL/dweight_ih_l0` (every tensor by torch's name),
with lr `weight_hh_l0 new` and `L new`; for an RNN `gamma`, `sigma_hh`, `beta_t`,
`norm of dh_T/dh_t` and `norm of dL/dh_t`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy
from sympy import Eq, MatrixSymbol

from derive.answers import Answer, Answers, Key, Update
from derive.errors import InputError, VerificationError
from derive.numeric.recurrent import RecurrentConfig, forward
from derive.problems.bptt_cells import forward_steps, vec
from derive.problems.bptt_gates import gate_steps, gated
from derive.problems.bptt_head import Readout
from derive.problems.bptt_numbers import (
    Computed,
    computed,
    entrywise,
    parameter_residuals,
    relative,
    shown_gradient,
    state_names,
    state_residuals,
)
from derive.problems.bptt_runs import RunId
from derive.problems.bptt_theory import Norm, conclusion, derivation_steps, vanishing_steps
from derive.solution import Step, Table, measured
from derive.symbolic.matrices import MatrixPartial, Updated, minus, scaled

TOLERANCE = 1e-6
LOSS = sympy.Symbol("L")
SYMBOLS = {"weight_ih": "W_{ih}", "weight_hh": "W_{hh}", "bias_ih": "b_{ih}",
           "bias_hh": "b_{hh}", "weight_hr": "W_{hr}"}
TORCH_NAME = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$")
RUNS_NOTE = ("every quantity of layer k and direction d carries torch's suffix, "
             "^(l1_reverse); the reverse direction reads t = T..1, its previous state is "
             "h_{t+1} and its initial state h_{T+1} is torch's h0 row 2k+1; layer k > 0 reads "
             "x_t = the layer below's h_t, both directions stacked")
Printed = dict[sympy.Basic, np.ndarray]  # the printed forward pass's values by symbol
GRU_NOTE = ("torch's GRU applies the reset gate to W_hn h_{t-1} + b_hn; Cho et al. (2014) "
            "apply it before the product, W_hn (r_t * h_{t-1}): a different function")


def tensor_symbol(name: str, shape: tuple[int, ...], single: bool = True) -> MatrixSymbol:
    """W_ih, W_hh, b_ih, b_hh (W_hr) for torch's weight_ih_l0, ... (the stacked tensors),
    marked with the run's suffix unless `single`; W_hy, b_y for head.weight, head.bias."""
    cols = shape[1] if len(shape) > 1 else 1
    if name.startswith("head."):
        return MatrixSymbol("W_{hy}" if name == "head.weight" else "b_{y}", shape[0], cols)
    found = TORCH_NAME.match(name)
    if found is None:
        raise KeyError(name)
    run = RunId(int(found[2]), int(bool(found[3])), 1, single)
    return MatrixSymbol(SYMBOLS[found[1]] + run.mark, shape[0], cols)


def output_symbol(run: Computed, t: int) -> MatrixSymbol:
    """What the loss or head reads at step t: h_t of the top layer, or with two directions
    hat y_t, their h_t stacked."""
    top = run.runs[-1]
    if run.config.directions == 1:
        return vec("h", t, run.config.out_size, top)
    return MatrixSymbol(rf"\hat{{y}}_{{{t}}}", 2 * run.config.out_size, 1)


def printed_output(run: Computed, printed: Printed, t: int) -> np.ndarray:
    """The output at step t from the printed forward pass: the top layer's h_t, both
    directions stacked (`forward_steps`)."""
    return np.concatenate([printed[vec("h", t, run.config.out_size, r)][:, 0]
                           for r in run.runs[-run.config.directions:]])


def output_steps(run: Computed, printed: Printed) -> list[Step]:
    """hat y_t = [h_t^(top); h_t^(top_reverse)] at each step in the loss (two directions):
    torch's output against the printed pass's states."""
    if run.config.directions == 1:
        return []
    top, steps = run.runs[-2:], []
    for t in _loss_steps(run):
        value = run.output(t)[0]
        again = printed_output(run, printed, t)
        rhs = sympy.BlockMatrix([[vec("h", t, run.config.out_size, r)] for r in top])
        steps.append(Step(Eq(output_symbol(run, t), rhs, evaluate=False),
                          f"torch's output at step {t}: the top layer's directions stacked",
                          shape=value.shape, value=value,
                          check=_checked(relative(value, again), f"output {t}")))
    return steps


def _checked(residual: float, what: str) -> float:
    if not residual <= TOLERANCE:
        raise VerificationError(f"bptt: {what} disagrees with finite differences by "
                                f"{residual:.3g}")
    return measured(residual)


def loss_step(run: Computed, printed: Printed) -> Step:
    """L = 1/2 sum_{t in S} ||h_t - y_t||^2, recomputed from the printed pass's states."""
    if not run.readout.plain:
        return head_loss_step(run, printed)
    shown = _loss_steps(run)
    terms = [sympy.Rational(1, 2) * Norm(minus(output_symbol(run, t), target_symbol(
        run, t, output_symbol(run, t).shape[0]))) ** 2 for t in shown]
    again = sum(0.5 * float(((printed_output(run, printed, t) - run.target[
        t - 1 if run.where == "every" else 0]) ** 2).sum()) for t in shown)
    return Step(Eq(LOSS, sympy.Add(*terms, evaluate=False), evaluate=False),
                "the loss, 1/2 sum of squares of " + ("every output" if run.where == "every"
                                                     else "the last output"),
                value=run.loss, check=_checked(relative(run.loss, again), "the loss"))


def head_steps(run: Computed, printed: Printed) -> tuple[list[Step], list[Answer]]:
    """With a head: z_t = W_hy h_t + b_y (and for CE p_t = softmax(z_t)) at each step in the
    loss, each an answer (`z_t`, `p_t`), recomputed from the head's tensors and the printed
    pass's states."""
    readout = run.readout
    steps: list[Step] = []
    answers: list[Answer] = []
    if not readout.head:
        return steps, answers
    C = np.shape(run.params["head.weight"])[0]
    W = tensor_symbol("head.weight", np.shape(run.params["head.weight"]))
    bias = run.params.get("head.bias")
    terms = [] if bias is None else [tensor_symbol("head.bias", np.shape(bias))]
    for t in _loss_steps(run):
        h = run.output(t)
        z = readout.logits(run.params, h)[0]
        again = np.asarray(run.params["head.weight"]) @ printed_output(run, printed, t) + (
            0 if bias is None else bias)
        steps.append(Step(Eq(vec("z", t, C), sympy.MatAdd(sympy.MatMul(W, output_symbol(
            run, t)), *terms, evaluate=False), evaluate=False),
            f"the head's output at step {t}", shape=(C,), value=z,
            check=_checked(relative(z, again), f"z_{t}")))
        answers.append(Answer(Key(f"z_{t}"), z, shape=(C,)))
        if readout.loss == "ce":
            p = readout.probabilities(run.params, h)[0]
            steps.append(Step(Eq(vec("p", t, C), sympy.Function("softmax")(vec("z", t, C))),
                              f"the class probabilities at step {t}", shape=(C,), value=p,
                              check=_checked(relative(p, np.exp(z) / np.exp(z).sum()),
                                             f"p_{t}")))
            answers.append(Answer(Key(f"p_{t}"), p, shape=(C,)))
    return steps, answers


def target_symbol(run: Computed, t: int, rows: int) -> MatrixSymbol:
    """The target as the statement names it: y for the last output alone, y_t for every
    output."""
    return vec("y", t, rows) if run.where == "every" else MatrixSymbol("y", rows, 1)


def _loss_steps(run: Computed) -> list[int]:
    return list(range(1, run.steps + 1)) if run.where == "every" else [run.steps]


def head_loss_step(run: Computed, printed: Printed) -> Step:
    """L through the head: 1/2 sum ||z_t - y_t||^2 or sum -log p_t[k_t], recomputed from the
    printed pass's states."""
    readout, C = run.readout, np.shape(run.params["head.weight"])[0] if run.readout.head \
        else run.config.hidden_size
    terms, again = [], 0.0
    for index, t in enumerate(_loss_steps(run)):
        z = readout.logits(run.params, printed_output(run, printed, t)[None])[0]
        if readout.loss == "ce":
            k = readout.labels[index]
            terms.append(-sympy.log(sympy.Indexed(sympy.IndexedBase(f"p_{t}"), k)))
            again += float(np.log(np.exp(z).sum()) - z[k])
        else:
            terms.append(sympy.Rational(1, 2) * Norm(minus(vec("z", t, C), target_symbol(
                run, t, C))) ** 2)
            again += 0.5 * float(((z - run.target[index]) ** 2).sum())
    what = ("softmax cross-entropy with class " + ", ".join(map(str, readout.labels))
            if readout.loss == "ce" else "1/2 sum of squares")
    return Step(Eq(LOSS, sympy.Add(*terms, evaluate=False), evaluate=False),
                f"the loss, {what} of the head's " + (
                    "every output" if run.where == "every" else "last output"),
                value=run.loss, check=_checked(relative(run.loss, again), "the loss"))


def _back_caption(rid: RunId, t: int, name: str) -> str:
    """What BPTT adds up at t, in the run's processing order."""
    where = f"{rid.title}: " if rid.title else ""
    if t == rid.initial:
        return f"{where}BPTT: the gradient of the initial state (dL/d{name}_{t})"
    note = (", 'back in time' runs forward, t = 1..T+1, for the reverse direction"
            if rid.direction else "")
    if t == rid.order[-1]:  # the last step processed: no later step sends anything back
        return f"{where}BPTT: what the output at {t} sends, the last step{note} (dL/d{name}_{t})"
    later = t - 1 if rid.direction else t + 1
    return (f"{where}BPTT: what the output at {t} sends plus what step {later} sends back"
            f"{note} (dL/d{name}_{t})")


def backward_steps(run: Computed) -> tuple[list[Step], list[Answer]]:
    """dL/dh_t (dL/dc_t) of every run, last-processed step first and the initial state
    last (t = T..0; the reverse direction t = 1..T+1), each against central differences."""
    residuals = state_residuals(run)
    steps, answers = [], []
    for rid in run.runs:
        for t in rid.back_order:
            for name in state_names(run):
                check = _checked(residuals[rid, name, t], f"dL/d{name}_{t}")
                if name == "c" and gated(run, rid, t):
                    continue  # the gate-level steps derive it, keeping this check
                value = shown_gradient(run, rid, t, name)
                symbol = vec(name, t, len(value), rid)
                steps.append(Step(MatrixPartial(LOSS, symbol), _back_caption(rid, t, name),
                                  shape=(len(value),), value=value, check=check))
                answers.append(Answer(Key.derivative("L", symbol), value, shape=(len(value),)))
            if gated(run, rid, t):
                more_steps, more_answers = gate_steps(run, rid, t, residuals.get((rid, "c", t)))
                steps += more_steps
                answers += more_answers
    return steps, answers


def gradient_steps(run: Computed) -> tuple[list[Step], list[Answer]]:
    """dL/d(tensor) for every tensor by torch's name."""
    residuals, steps, answers = parameter_residuals(run), [], []
    how = "each entry" if entrywise(run) else "random directions"
    for name, residual in residuals.items():
        value = np.asarray(run.back.grads[name])
        lhs = MatrixPartial(LOSS, tensor_symbol(name, value.shape, run.runs[0].single))
        steps.append(Step(lhs, f"dL/d{name}: the sum over time of each step's contribution "
                          f"(central differences of the loss, {how})", shape=value.shape,
                          value=value, check=_checked(residual, f"dL/d{name}")))
        answers.append(Answer(Key("L", wrt=name), value, shape=value.shape))
    return steps, answers


def update_steps(run: Computed, lr: float) -> tuple[list[Step], list[Answer]]:
    """One SGD step on every tensor, and the loss after it."""
    steps, answers, new = [], [], dict(run.params)
    for name in (k for k in run.params if k not in ("h0", "c0")):
        old, grad = np.asarray(run.params[name]), np.asarray(run.back.grads[name])
        symbol = tensor_symbol(name, old.shape, run.runs[0].single)
        new[name] = old - lr * grad
        steps.append(Step(Eq(Updated(symbol), minus(symbol, scaled(sympy.Float(lr), MatrixPartial(
            LOSS, symbol))), evaluate=False), f"SGD on {name}", shape=old.shape,
            value=new[name]))  # arithmetic on checked gradients: no check of its own
        answers.append(Answer(Key(name, new=True), new[name], shape=old.shape, update=Update(
            old=old, gradient=Key("L", wrt=name), rate=lr)))
    again = computed(run.config, new, run.x, run.target, run.where, run.config.truncation,
                     run.readout)
    steps.append(Step(Eq(sympy.Symbol("L'"), sympy.Float(again.loss), evaluate=False),
                      "the loss after the step"))
    answers.append(Answer(Key("L", new=True), again.loss, nonnegative=True))
    return steps, answers


def _notes(run: Computed, lr: float | None) -> list[str]:
    config = run.config
    notes = [f"torch's {config.mode} equations, column vectors, one sequence (batch 1; "
             "batch_first only changes torch's layout, not these numbers)",
             "dL/dh_t holds c_t fixed; dL/dc_t counts h_t = o_t tanh(c_t)"
             if config.mode == "LSTM" else ""]
    notes += [GRU_NOTE] if config.mode == "GRU" else []
    notes += [RUNS_NOTE] if not run.runs[0].single else []
    notes += [f"truncated BPTT: every {config.truncation} steps the state is carried forward "
              "but its gradient is not (h = h.detach())"] if config.truncation else []
    notes += [f"one SGD step with learning rate {lr:g}"] if lr is not None else []
    return [note for note in notes if note]


def solution_parts(config: RecurrentConfig, params: dict[str, Any], x: np.ndarray,
                   target: np.ndarray, where: str, truncation: int | None,
                   lr: float | None, readout: Readout | None = None,
                   ) -> tuple[list[Step], Answers, list[str], tuple[Table, ...]]:
    """Steps, answers, notes and tables of the worked example."""
    with np.errstate(all="ignore"):
        y, _ = forward(np, params, x[:, None, :], config)
    if not np.isfinite(y).all():
        raise InputError("x, params: the forward pass overflows with these numbers")
    run = computed(config, params, x, target, where, truncation, readout)
    forward_part, printed = forward_steps(run)
    outputs, output_answers = head_steps(run, printed)
    steps = [*forward_part, *output_steps(run, printed), *outputs, loss_step(run, printed)]
    answers = [*output_answers, Answer(Key("L"), run.loss, nonnegative=True)]
    symbolic = (config.mode == "RNN" and truncation is None and run.readout.plain
                and run.runs[0].single)
    if symbolic and config.nonlinearity == "tanh" and config.bias:
        steps += derivation_steps(run)
    for part in (backward_steps, gradient_steps):
        more_steps, more_answers = part(run)
        steps += more_steps
        answers += more_answers
    if symbolic:
        more_steps, more_answers = vanishing_steps(run)
        steps += more_steps
        answers += more_answers
    if lr is not None:
        more_steps, more_answers = update_steps(run, lr)
        steps += more_steps
        answers += more_answers
    notes = _notes(run, lr) + ([conclusion(run)] if symbolic else [])
    return steps, Answers(answers), notes, ()

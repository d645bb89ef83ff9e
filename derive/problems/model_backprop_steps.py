"""The steps of a model's worked backprop example: parameters drawn, each layer's forward and
backward (its index-notation rule where one is registered, with the numbers), the loss, the
gradients, the SGD step; and the notes that state every convention."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy

from derive.answers import Answer, Key
from derive.errors import InputError, VerificationError
from derive.models import Summary
from derive.numeric.layers import TensorCheck, judge_layer, kernels_for
from derive.numeric.layers.attention import KEY_BIAS
from derive.numeric.layers.check import KINK_ENTRIES, TOLERANCE, kink_check, norm_of
from derive.numeric.layers.sequence import substate
from derive.numeric.model_run import WHOLE_ENTRIES, Result, Run
from derive.problems.tensors import draw, matrix_view
from derive.solution import Step
from derive.symbolic.matrices import Entry

L = sympy.Symbol("L")
LOSS = sympy.Symbol("loss")
DRAWN = ("parameters not given are drawn with numpy's default_rng(seed): a weight (and its "
         "layer's bias) uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)] (torch's default bound), "
         "norm scales 1 and shifts 0, rounded to 2 decimals; a drawn input uniform on [-1, 1]")


def view(value: Any) -> Any:
    """A tensor as shown and claimed: up to 2 axes as is, more as rows x last axis."""
    return matrix_view(np.asarray(value))


def initial_state(summary: Summary, given: Mapping[str, Any],
                  rng: np.random.Generator) -> dict[str, Any]:
    """Every parameter and buffer by state_dict name: given ones checked, others drawn."""
    known = {e.name: e for row in summary.rows for e in row.params}
    buffers = {e.name: e for row in summary.rows for e in row.buffers}
    for name, value in given.items():
        if name not in known:
            raise InputError(f"params: no parameter {name!r}; the model's: {', '.join(known)}")
        if tuple(value.shape) != tuple(known[name].shape):
            raise InputError(f"params: {name} has shape {tuple(known[name].shape)}, got "
                             f"{tuple(value.shape)}")
    state: dict[str, Any] = {}
    for name, entry in known.items():
        if name in given:
            state[name] = given[name]
            continue
        # a matrix's own fan-in; a bias takes its weight's (0.bias: 0.weight, in_proj_bias:
        # in_proj_weight); a 1-axis weight is a norm's scale
        weight = entry if len(entry.shape) >= 2 else known.get(
            name[:-4] + "weight") if name.endswith("bias") else None
        if entry.shape and weight is not None and len(weight.shape) >= 2:
            bound = 1 / math.sqrt(max(1, math.prod(weight.shape[1:])))
            state[name] = draw(rng, tuple(entry.shape), bound)
        else:  # a norm's scale and shift
            state[name] = np.ones(entry.shape) if name.endswith("weight") else np.zeros(
                entry.shape)
    for name, entry in buffers.items():
        state[name] = np.ones(entry.shape) if name.endswith("var") else np.zeros(entry.shape)
    return state


def _symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol("X" if name == "" else f"Y_{{{name}}}")


def _forward_steps(run: Run, result: Result) -> list[Step]:
    steps, previous = [], ""
    for step, (name, output) in zip(run.steps, result.outputs, strict=True):
        relation = sympy.Eq(_symbol(name), sympy.Function(step.layer_type)(_symbol(previous)))
        steps.append(Step(relation, f"layer {name} ({step.layer_type}) forward",
                          np.shape(output), view(output), None))  # the kernels' output, shown
        previous = name
    return steps


def _rule(step: Any, ndim: int, target: str) -> sympy.Basic | None:
    """The index-notation relation of the layer's `target` gradient, when one exists."""
    chain = _chain(step, ndim, target)
    return chain[-1].relation if chain else None


def _chain(step: Any, ndim: int, target: str) -> list[Any]:
    """The layer form's relation of `target`'s gradient, after every intermediate it reads
    (dXtilde, dYtilde, Xtilde), in the form's order: dL/dX = dXtilde cropped means nothing
    without dXtilde's own relation. [] when the layer has no index form."""
    from derive.symbolic.layer_forms import form_of

    try:
        form = form_of(step.layer_type, step.config, ndim)
    except InputError:
        return []
    found = [r for r in form.backward if r.target == target]
    if not found:
        return []
    pool = [*form.forward, *form.backward]
    defined = {r.lhs.base.label: r for r in pool if not r.target}
    needed, waiting = set(), [found[0]]
    while waiting:
        for entry in waiting.pop().rhs.atoms(sympy.Indexed):
            label = entry.base.label
            if label in defined and label not in needed:
                needed.add(label)
                waiting.append(defined[label])
    return [r for r in pool if not r.target and r.lhs.base.label in needed] + [found[0]]


def _intermediate_steps(step: Any, ndim: int, target: str, shown: set[Any]) -> list[Step]:
    """The intermediates of `target`'s relation not yet shown for this layer, each a step."""
    found = []
    for relation in _chain(step, ndim, target)[:-1]:
        if relation.lhs.base.label not in shown:
            shown.add(relation.lhs.base.label)
            found.append(Step(relation.relation, f"layer {step.name} ({step.layer_type}): "
                              f"{relation.why}"))
    return found


Judged = Mapping[str, Mapping[str, TensorCheck]]  # layer name -> tensor -> its check


def layer_checks(run: Run, result: Result) -> dict[str, dict[str, TensorCheck]]:
    """Each layer's backward judged against differences of its forward at the run's point
    (`judge_layer`: a residual no kink explains raises)."""
    inputs = [run.x] + [out for _, out in result.outputs[:-1]]
    upstream = [dx for _, dx in result.input_grads[1:]] + [result.dyhat]
    return {step.name: judge_layer(kernels_for(step.layer_type), substate(run.state, step.name),
                                   x, step.config, dy)
            for step, x, dy in zip(run.steps, inputs, upstream, strict=True)}


def judge_whole(run: Run, result: Result,
                residuals: Mapping[str, float]) -> dict[str, TensorCheck]:
    """The whole gradient against differences of the objective (`Run.check`'s residuals): a
    tensor above the tolerance is checked again entry by entry, relative to the norm of the
    whole gradient and allowing kinks (`kink_check`); a VerificationError if still above."""
    floor = max(norm_of(result.grads[name] for name in residuals), 1e-12)
    judged = {}
    for name, residual in residuals.items():
        found = TensorCheck(residual)
        if residual > TOLERANCE and np.size(run.state[name]) <= KINK_ENTRIES:
            work = {k: np.array(v, dtype=float) if k in residuals else v
                    for k, v in run.state.items()}
            found = kink_check(_objective(run, work), work[name], result.grads[name], floor)
        if found.residual > TOLERANCE:
            raise VerificationError(f"model-backprop: dL/d{name} differs from central "
                                    f"differences of the loss by {found.residual:.1e}")
        judged[name] = found
    return judged


def _objective(run: Run, work: Mapping[str, Any]) -> Callable[[], float]:
    """The objective at `work`, read each call (entries are changed in place)."""
    return lambda: float(run.value(work)[0])


def _kinks(checks: Mapping[str, TensorCheck]) -> int:
    """The entries of a layer's input that sit on a kink."""
    return sum(c.kinks for name, c in checks.items() if name.startswith("input"))


def _backward_steps(run: Run, result: Result, whole: Mapping[str, TensorCheck],
                    judged: Judged) -> list[Step]:
    steps = []
    inputs = [run.x] + [out for _, out in result.outputs[:-1]]
    names = [""] + [name for name, _ in result.outputs[:-1]]
    for index in reversed(range(len(run.steps))):
        step, x = run.steps[index], inputs[index]
        checks = judged[step.name]
        check = None if _kinks(checks) else max(
            (c.residual for c in checks.values()), default=0.0)
        dx = result.input_grads[index][1]
        shown: set[Any] = set()  # the layer's intermediates already written out
        if dx is not None:  # token ids (an Embedding's input) have no gradient
            steps += _intermediate_steps(step, np.ndim(x), "X", shown)
            steps.append(_input_step(step, dx, names[index], np.ndim(x), check))
        for param in kernels_for(step.layer_type).params:
            key = f"{step.name}.{param}"
            if key in result.grads:
                steps += _intermediate_steps(step, np.ndim(x), param, shown)
                steps.append(_gradient_step(step, key, param, np.ndim(x), result,
                                            whole[key]))
    return steps


def _input_step(step: Any, dx: Any, name: str, ndim: int, check: float | None) -> Step:
    """dL/dX of one layer from its dL/dY, by the layer's index form where it has one; an
    input on a kink (`check` None) follows the kernel's rule there, as the notes say."""
    lhs = sympy.Derivative(L, _symbol(name), evaluate=False)
    rule = _rule(step, ndim, "X")
    relation = sympy.Eq(_indexed(lhs, rule), rule.rhs if rule is not None else sympy.Function(
        f"{step.layer_type}^T")(sympy.Derivative(L, _symbol(step.name), evaluate=False)))
    why = (f"layer {step.name} ({step.layer_type}) backward: dL/dX from dL/dY" +
           ("" if name == "" else f" (its input X is {_symbol(name)})") +
           ("" if check is not None else "; at the kinks by torch's rule (see the notes)"))
    return Step(relation, why, np.shape(dx), view(dx), check,
                key=Key.derivative(L, lhs.variables[0]))


def _indexed(lhs: sympy.Derivative, rule: Any) -> sympy.Basic:
    """The left side indexed as the rule's index form is: (dL/dY_2)_e = ..., never an
    unindexed dL/dY_2 equal to one entry's formula."""
    indices = getattr(getattr(rule, "lhs", None), "indices", ())
    return Entry(lhs, *indices) if indices else lhs


def _gradient_step(step: Any, key: str, param: str, ndim: int, result: Result,
                   checked: TensorCheck) -> Step:
    """dL/d(one parameter), by the layer's index form where it has one; checked against
    differences of the loss unless some of its entries sit on a kink of the loss."""
    rule = _rule(step, ndim, param)
    lhs = sympy.Derivative(L, sympy.Symbol(key), evaluate=False)
    relation = sympy.Eq(_indexed(lhs, rule), rule.rhs) if rule is not None else lhs
    why = f"gradient of {key}, " + ("checked against differences of the loss" if not
                                     checked.kinks else "at the kinks by torch's rule")
    return Step(relation, why, result.grads[key].shape, view(result.grads[key]),
                None if checked.kinks else checked.residual,
                key=Key.derivative(L, sympy.Symbol(key)))


def steps(run: Run, result: Result, whole: Mapping[str, TensorCheck],
          judged: Judged) -> list[Step]:
    """Forward, loss, backward, SGD step, loss after."""
    out = _forward_steps(run, result)
    last = _symbol(run.steps[-1].name)
    entries = int(np.size(result.outputs[-1][1]))
    out.append(Step(sympy.Eq(LOSS, _loss_of(run.objective, last, entries)),
                    _loss_why(run.objective, entries), None, result.loss, None))
    out.append(Step(sympy.Derivative(L, last, evaluate=False), "the loss's gradient with "
                    "respect to the model's output", np.shape(result.dyhat),
                    view(result.dyhat), None))
    out += _backward_steps(run, result, whole, judged)
    lr = sympy.Symbol("eta")
    for name in run.trainable():
        if name in run.frozen:
            continue
        w = sympy.Symbol(name)
        new = sympy.UnevaluatedExpr(sympy.Symbol(f"{name} new"))
        relation = sympy.Eq(new, w - lr * sympy.Derivative(L, w, evaluate=False))
        out.append(Step(relation, f"SGD step of {name}", result.grads[name].shape,
                        view(result.new_state[name]), None))
    # loss' of the output the new parameters give (Y'), keyed 'loss new' as claims write it
    after, output = sympy.Symbol("loss'"), sympy.Symbol(f"{last.name}'")
    out.append(Step(sympy.Eq(after, _loss_of(run.objective, output, entries)),
                    "the loss after the step, from the new output Y'", None,
                    result.loss_after, None, key=Key("loss", new=True)))
    return out


def _loss_of(objective: Any, output: sympy.Symbol, entries: int) -> sympy.Expr:
    """The loss of `output` and the target T as written: MSELoss as what it computes (a sum
    of squared errors over the output's entries e, divided by their count for the mean,
    halved with `half`), any other loss by torch's name."""
    data = _data_loss(objective, output, entries)
    return sympy.Add(data, sympy.Symbol("R"), evaluate=False) if objective.decay else data


def _data_loss(objective: Any, output: sympy.Symbol, entries: int) -> sympy.Expr:
    """The loss of `output` and T without the weight decay's penalty (see `_loss_of`)."""
    if objective.loss != "MSELoss":
        return sympy.Function(objective.loss)(output, sympy.Symbol("T"))
    e = sympy.Symbol("e")
    squares = sympy.Sum((sympy.IndexedBase(output.name)[e] - sympy.IndexedBase("T")[e]) ** 2,
                        (e, 0, entries - 1))
    divisor = (2 if objective.config.get("half") else 1) * (
        entries if objective.config.get("reduction", "mean") == "mean" else 1)
    return squares / divisor if divisor > 1 else squares


def _loss_why(objective: Any, entries: int) -> str:
    """The loss step's caption: torch's loss (for MSELoss what its formula sums), and the
    weight decay's penalty R when there is one."""
    penalty = ", plus R, the weight decay's penalty (see the notes)" if objective.decay else ""
    if objective.loss != "MSELoss":
        return f"the loss {objective.loss} of the output and the target{penalty}"
    mean = objective.config.get("reduction", "mean") == "mean"
    call = "MSELoss()" if mean else f"MSELoss(reduction='{objective.config['reduction']}')"
    half = objective.config.get("half")
    return (f"the loss {call}{' with the factor 1/2' if half else ''}: "
            f"{'half ' if half else ''}the {'mean' if mean else 'sum'} of the squared errors "
            f"over the output's {entries} entries{penalty}")


INTERMEDIATE = ("each layer's output Y_i and shape, and the gradients dL/dY_i and dL/dX of the "
                "backward pass (the steps)")


def gradient_answers(shown: list[Step]) -> list[Answer]:
    """The gradients of the loss the backward steps show (dL/dY of each layer's output, dL/dX
    of the input) as answers: every quantity a step shows is an answer. The parameters'
    gradients are answers of their own (with their updates), so they are skipped here."""
    found = []
    for step in shown:
        lhs = step.relation.lhs if isinstance(step.relation, sympy.Eq) else step.relation
        lhs = lhs.args[0] if isinstance(lhs, Entry) else lhs
        if isinstance(lhs, sympy.Derivative) and step.value is not None:
            wrt = lhs.variables[0]
            if str(wrt) == "X" or str(wrt).startswith("Y_"):
                found.append(Answer(Key.derivative(lhs.expr, wrt), step.value,
                                    shape=step.shape, detail=INTERMEDIATE))
    return found


def kink_notes(run: Run, judged: Judged) -> list[str]:
    """Per layer whose input sits on a kink: where, the rule its backward follows there, and
    what was checked instead."""
    found = []
    names = [""] + [step.name for step in run.steps[:-1]]
    for step, name in zip(run.steps, names, strict=True):
        checks = judged[step.name]
        kinks = _kinks(checks)
        if not kinks:
            continue
        rule = kernels_for(step.layer_type).kink or "the kernel's one-sided rule"
        worst = max(c.residual for c in checks.values())
        found.append(
            f"layer {step.name} ({step.layer_type}): {kinks} entries of its input "
            f"{_symbol(name)} sit on a kink, where the loss has no derivative and differences "
            f"cannot judge: there dL/d{_symbol(name)} follows torch's rule ({rule}), each "
            "entry equal to a one-sided difference of the loss; the other entries agree with "
            f"central differences (residual {worst:.0e}); so the step is not marked verified"
            .replace("residual 0e+00", "residual 0"))
    return found


def notes(problem: Any, run: Run, whole: Mapping[str, TensorCheck],
          judged: Judged) -> tuple[str, ...]:
    """The conventions: loss options, decay, frozen, drawn values, the checks."""
    result = [f"loss {problem.loss}" + (" with the factor 1/2" if problem.half else ""),
              f"one SGD step with learning rate eta = {problem.lr}: w new = w - eta dL/dw"]
    if run.objective.decay:
        factor = "lambda/2" if problem.decay_half else "lambda"
        result.append(f"L2 weight decay: the objective adds R = {factor} sum w^2 with lambda = "
                      f"{problem.weight_decay}, biases "
                      f"{'included' if problem.decay_biases else 'not decayed'}")
    if run.frozen:
        result.append(f"held fixed: {', '.join(run.frozen)}")
    for step in run.steps:
        if step.layer_type == "Dropout" and step.config.get("mask") is not None:
            p = float(step.config.get("p", 0.5))
            result.append(f"Dropout layer {step.name} (training) with its given mask m: Y = m X "
                          f"/ (1 - p), inverted scaling 1/(1 - {p:g}) = {1 / (1 - p):.6g} "
                          "(torch's nn.Dropout keeps the expected value)" if p < 1 else
                          f"Dropout layer {step.name} with p = 1: every entry is zeroed")
    result += [f"the key bias's block of dL/d{step.name}.in_proj_bias (entries E to 2E - 1) "
               f"is 0: {KEY_BIAS}" for step in run.steps if step.layer_type ==
               "MultiheadAttention" and run.state.get(f"{step.name}.in_proj_bias") is not None]
    if problem.params is None or len(problem.params) < len(run.trainable()):
        result.append(DRAWN)
    count = sum(np.size(run.state[k]) for k in run.trainable())
    mode = "entry by entry" if count <= WHOLE_ENTRIES else "along random directions"
    result.append(f"the whole gradient checked against central differences of the loss "
                  f"({mode}); largest residual "
                  f"{max((c.residual for c in whole.values()), default=0.0):.1e}")
    kinked = [name for name, c in whole.items() if c.kinks]
    if kinked:
        result.append(f"the loss has kinks along {', '.join(kinked)} (ties or breakpoints "
                      "that move with them): there the gradient follows torch's rules, each "
                      "entry equal to a one-sided difference, and is not marked verified")
    result += kink_notes(run, judged)
    result.append("tensors of more than 2 axes are shown (and claimed) as matrices: rows run "
                  "over the leading axes, the last axis across; dZ stands for dL/dZ")
    return tuple(result)

"""`layer-grad`: one layer's forward and backward in index notation, with numbers.

``layer`` is one PyTorch constructor call (``Conv2d(1, 1, 3)``). The derivation prints the
layer's index-notation relations (`derive.symbolic.layer_forms`) with the symbolic shape of
every factor: the forward, then dL/dX and dL/d(each parameter) from the upstream gradient
dL/dY. With numbers (``x`` or an ``input`` shape, ``params`` by state_dict name, ``grad_output``
= dL/dY; whatever is not given is drawn from ``seed``) every relation is evaluated: the
answers are Y, dL/dX and dL/d(each parameter) (``dL/dweight``, ``dL/dbias``). Every printed
relation is checked entry by entry against the numeric kernels, and the kernels' backward
against central differences of their forward. Without numbers the same checks run on a small
drawn instance, so the derivation shown is verified either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, InputError
from derive.given import tensor_data
from derive.models import Input, parse_inputs
from derive.numeric.layers import judge_layer, kernels_for
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems import layer_grad_instance as instance
from derive.problems.tensors import matrix_view, named_tensors, tensor
from derive.solution import MathCell, Solution, Step, Table, measured
from derive.symbolic.layer_forms import (
    Bound,
    IndexRelation,
    LayerForm,
    evaluate,
    target_residual,
)

TIES = ("{count} entries of {name} sit on a kink, where L has no derivative and differences "
        "cannot judge: dL/d{name} follows torch's rule ({rule}), each entry equal to a "
        "one-sided difference of L; there it is checked against the kernels, not against "
        "central differences")
DY_NOTE = "dZ stands for dL/dZ, the gradient of the loss L with respect to Z"


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(name, "expected one layer as PyTorch writes it, e.g. Conv2d(1, 1, 3)")
    return value


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """One layer, optionally with its input, parameters and dL/dY."""

    kind = "layer-grad"
    layer: str = spec(_text, "one layer as PyTorch writes it: Conv2d(1, 1, 3)")
    input: tuple[Input, ...] | None = spec(parse_inputs, "input shape per example: 1x5x5",
                                           None)
    batch: int = spec(converters.bounded_int(1, instance.MAX_BATCH), "examples in a drawn input", 1)
    x: Any = spec(tensor, "the input tensor, batch axis first", None)
    params: Any = spec(named_tensors, "parameters by state_dict name: weight=...", None)
    grad_output: Any = spec(tensor, "dL/dY, the upstream gradient", None)
    seed: int = spec(converters.bounded_int(0, 2**31), "seed of values not given", 0)
    causal: bool = spec(converters.boolean, "attention: the causal mask (i attends to j <= i)",
                        False)

    def validate(self) -> None:
        if self.x is not None and self.input is not None:
            raise FieldError("input", "give x (the tensor) or input (its shape), not both")
        try:
            layer = instance.parse_layer(self.layer)
        except InputError as error:
            raise FieldError("layer", str(error).split(": ", 2)[-1]) from None
        if self.causal and layer.type not in instance.MASKED:
            raise FieldError("causal", f"a causal mask applies to {', '.join(instance.MASKED)}, "
                                       f"not {layer.type}")
        try:
            built = instance.build(layer, self.x, self.input[0].shape if self.input else None,
                                   self.batch, self.params or {}, self.grad_output, self.seed,
                                   causal=self.causal)
        except InputError as error:
            field, sep, rest = str(error).partition(": ")
            names = ("x", "input", "grad_output", "params", "output")
            if sep and field.split(".")[0] in names:
                raise FieldError(field, rest) from None
            raise FieldError("layer", str(error)) from None
        try:
            _form(built)
        except InputError as error:
            raise FieldError("layer", f"{error}; use model-backprop for the numbers") from None
        object.__setattr__(self, "_instance", built)

    @property
    def numeric(self) -> bool:
        """Whether the problem carries numbers (else only the symbolic derivation shows)."""
        return any(v is not None for v in (self.x, self.input, self.params, self.grad_output))

    def instance(self) -> instance.Instance:
        """The numeric instance built at validation."""
        return getattr(self, "_instance")  # noqa: B009

    def worked_data(self) -> list[tuple[str, Any]]:
        """X, the parameters and dL/dY, given or drawn, shown as given data when the problem
        carries numbers (a symbolic problem's drawn instance is only its check)."""
        if not self.numeric:
            return []
        inst = self.instance()
        form = _form(inst)
        letters = {**(form.names if form else {}), "dY": "dL/dY"}
        drawn = f"drawn from seed {self.seed} as the notes say"
        tensors = [("X", inst.x), *((name, inst.state[name]) for name in kernels_for(
            inst.layer_type).params if inst.state.get(name) is not None), ("dY", inst.dy)]
        return [tensor_data(letters.get(name, name), value,
                            drawn if name in inst.drawn else "given")
                for name, value in tensors if np.issubdtype(np.asarray(value).dtype, np.number)]


def _shape(sizes: tuple[sympy.Expr, ...]) -> tuple[str, ...]:
    """The symbolic sizes in the captions' ASCII math (C_in, (H_1 + 2 p)), a sum in
    parentheses, so every format prints them in its letters."""
    return tuple(str(size) if size.is_Atom else f"({str(size).replace('*', ' ')})"
                 for size in sizes)


def _factor_row(name: str, shape: tuple[sympy.Expr, ...]) -> tuple[Any, Any]:
    """A factor's name and shape as math (gamma as a Greek letter, C_out with its
    subscript), a shape of several sizes as the renderers' size text (N x C_in)."""
    size: Any = MathCell(shape[0]) if len(shape) == 1 else " x ".join(map(str, shape))
    return MathCell(sympy.Symbol(name)), size


def _form(inst: instance.Instance) -> LayerForm | None:
    from derive.symbolic.layer_forms import FORMS, form_of

    form_of("Identity", {}, 2)  # fills FORMS
    if inst.layer_type not in FORMS:
        return None
    config = dict(inst.config)
    if "bias" in kernels_for(inst.layer_type).params and inst.state.get("bias") is None:
        config["bias"] = False
    return form_of(inst.layer_type, config, np.ndim(inst.x))


def _gradients(inst: instance.Instance) -> tuple[Any, dict[str, Any]]:
    kernels = kernels_for(inst.layer_type)
    _, cache = kernels.forward(np, inst.state, inst.x, inst.config)
    return kernels.backward(np, inst.state, cache, inst.dy, inst.config)


def _relation_steps(form: LayerForm, inst: instance.Instance, numbers: bool,
                    checks: dict[str, float]) -> list[Step]:
    """Every relation of the form, evaluated at the instance and compared with the kernels;
    the values shown when the problem has numbers."""
    dx, grads = _gradients(inst)
    bound = Bound(inst.x, inst.state, inst.config, inst.dy, inst.y, dx, grads)
    arrays, sizes = form.bind(bound)
    expected = {"Y": inst.y, "X": dx, **grads}
    steps = []
    for relation in form.relations:
        value = evaluate(relation, arrays, sizes)
        arrays[str(relation.lhs.base.label)] = value
        check = None
        if relation.target:
            check = measured(max(target_residual(relation, value, expected),
                                 checks.get(relation.target, 0.0)))
            if check > 1e-6:
                from derive.errors import VerificationError

                raise VerificationError(f"{form.layer_type}: {relation.lhs} differs from the "
                                        f"kernels (residual {check:.1e})")
        steps.append(_step(relation, value if numbers else None, check))
    return steps


def _step(relation: IndexRelation, value: Any, check: float | None) -> Step:
    shown = None if value is None or not np.all(np.isfinite(value)) else matrix_view(value)
    return Step(relation.relation, relation.why, _shape(relation.shape), shown, check)


def _kernel_steps(inst: instance.Instance, checks: dict[str, float]) -> list[Step]:
    """A layer without an index form: Y, dL/dX and each gradient from the kernels."""
    dx, grads = _gradients(inst)
    Y, X = sympy.Symbol("Y"), sympy.Symbol("X")
    rule = sympy.Function(inst.layer_type)
    steps = [Step(sympy.Eq(Y, rule(X)), f"forward of {inst.layer_type}", np.shape(inst.y),
                  matrix_view(inst.y), 0.0),
             Step(sympy.Derivative(sympy.Symbol("L"), X), "dL/dX from dL/dY by the layer's "
                  "backward" + (", checked against central differences of its forward"
                                if "X" in checks else ", by torch's rule at the kinks"),
                  np.shape(dx), matrix_view(dx),
                  measured(checks["X"]) if "X" in checks else None)]
    for name, grad in grads.items():
        steps.append(Step(sympy.Derivative(sympy.Symbol("L"), sympy.Symbol(name)),
                          f"dL/d{name}, checked against central differences",
                          np.shape(grad), matrix_view(grad),
                          measured(checks[name]) if name in checks else None))
    return steps


def _answers(inst: instance.Instance) -> list[Answer]:
    dx, grads = _gradients(inst)
    found = [Answer(Key("Y"), matrix_view(inst.y), shape=np.shape(inst.y)),
             Answer(Key("L", wrt="X"), matrix_view(dx), shape=np.shape(dx))]
    found += [Answer(Key("L", wrt=name), matrix_view(grad), shape=np.shape(grad))
              for name, grad in grads.items()]
    return found


def _intermediates(steps: list[Step], targets: set[str]) -> list[Answer]:
    """The intermediate quantities the relations show (the mean mu, the padded input Xtilde,
    ...), keyed by their names: every quantity a step shows is an answer. The relations'
    targets (Y, dX, dweight, ...) are answers already."""
    found = []
    named = {str(getattr(step.sides[0], "base", step.sides[0]).label) for step in steps
             if hasattr(step.sides[0], "base")}
    for step in steps:
        base = getattr(step.sides[0], "base", None)
        if step.value is not None and base is not None and str(base.label) not in targets:
            found.append(Answer(_key(str(base.label), named), step.value, shape=step.shape))
    return found


def _key(name: str, named: set[str]) -> Key:
    """An intermediate's key: dZ of a quantity Z the steps name is dL/dZ (dXtilde is
    dL/dXtilde, printed as such), any other name as it is (mu, Xtilde, dYtilde).

    >>> _key("dXtilde", {"Xtilde", "dXtilde"}) == Key("L", wrt="Xtilde")
    True
    """
    if name.startswith("d") and name[1:] in named:
        return Key.derivative(sympy.Symbol("L"), sympy.Symbol(name[1:]))
    return Key.of(sympy.Symbol(name))


def _notes(problem: Problem, inst: instance.Instance, form: LayerForm | None) -> list[str]:
    notes = [DY_NOTE, *(form.notes if form else ())]
    if form is not None and form.names:
        notes.append(" and ".join(form.names.values()) + " are what torch names " + " and ".join(
            form.names) + " (the answers' names: dL/d" + ", dL/d".join(form.names) + ")")
    if form is None:
        notes.append(f"{inst.layer_type} has no index-notation form yet: its numbers come "
                     "from the layer's kernels, checked against central differences")
    if problem.numeric and form is not None:
        _, sizes = form.bind(Bound(inst.x, inst.state, inst.config, inst.dy, inst.y, None, {}))
        notes.append("sizes: " + ", ".join(f"{k} = {v:g}" if isinstance(v, float) else
                                           f"{k} = {v}" for k, v in sizes.items()))
    if not problem.numeric:
        notes.append("each relation was checked entry by entry against the layer's kernels on "
                     "a drawn instance (X " + " x ".join(map(str, np.shape(inst.x))) + ")")
    elif inst.drawn:
        notes.append(f"drawn from numpy's default_rng({problem.seed}): "
                     f"{', '.join(inst.drawn)} (inputs and dY uniform on [-1, 1], weights "
                     "as torch's default bound 1/sqrt(fan_in), norm scales 1 and shifts 0, "
                     "rounded to 2 decimals)")
    if inst.layer_type in instance.UNBATCHED:
        notes.append("X is passed as torch takes it: L x E for one example, L x N x E, or "
                     "N x L x E when batch_first")
    notes.append("tensors of more than 2 axes are shown as matrices: rows run over the "
                 "leading axes, the last axis across")
    return notes


def solve(problem: Problem) -> Solution:
    """The layer's derivation, every relation checked; with numbers, every value."""
    inst = problem.instance()
    kernels = kernels_for(inst.layer_type)
    judged = {("X" if name.startswith("input") else name): c for name, c in judge_layer(
        kernels, inst.state, inst.x, inst.config, inst.dy, problem.seed).items()}
    checks = {name: c.residual for name, c in judged.items() if not c.kinks}
    ties = [TIES.format(count=c.kinks, name=name, rule=kernels.kink or "its one-sided rule")
            for name, c in judged.items() if c.kinks]
    form = _form(inst)
    if form is None:
        steps = _kernel_steps(inst, checks)
    else:
        steps = _relation_steps(form, inst, problem.numeric, checks)
    tables: tuple[Table, ...] = ()
    if form is not None:
        tables = (Table(("factor", "shape"), tuple(_factor_row(name, shape)
                                                   for name, shape in form.factors)),)
    targets = {str(r.lhs.base.label) for r in form.relations if r.target} if form else set()
    answers = Answers(_answers(inst) + _intermediates(steps, targets) if problem.numeric or
                      form is None else ())
    notes = _notes(problem, inst, form) + ties
    return Solution(problem, tuple(steps), answers, notes=tuple(notes), tables=tables)

"""A network's formulas shown with real numbers: forward pass, backward pass, SGD step.

The numbers are the rule table's kernels (`derive.numeric.mlp`); each printed formula
is evaluated again with those numbers and must agree, and each delta and gradient is
compared with central finite differences of the loss at these values (except below a
ReLU kink at exactly 0, where the one-sided convention is checked against the kernels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from sympy import IndexedBase, MatAdd, MatMul, MatrixExpr, MatrixSymbol

from derive.answers import Answer, Key, plain_name
from derive.errors import InputError, VerificationError
from derive.numeric import mlp
from derive.solution import Step, measured
from derive.symbolic import formulas
from derive.symbolic.activations import Activation
from derive.symbolic.build import add, div, eq, equalities, mul, value_of
from derive.symbolic.instance import FLOOR, TOLERANCE, Instance, instance_at
from derive.symbolic.matrices import MatrixPartial, Partial, Updated, evaluate
from derive.symbolic.model import Model
from derive.symbolic.network import N
from derive.symbolic.numeric_after import after_steps
from derive.symbolic.numeric_example_answers import ExampleAnswers, activation_differences
from derive.symbolic.outputs import Names

MAX_WRITTEN = 10  # entries written out term by term only when a sum has at most this many
AGREEMENT = 1e-9
KINKED = ("relu", "leaky_relu")
SWAMPED = ("at numbers this large, rounding in float64 swamps finite differences: a gradient "
           "they cannot confirm is checked against the backpropagation kernels only")


@dataclass
class Example(ExampleAnswers):
    """One network at given numbers (row layout), and the steps that show its computation."""

    model: Model
    params: list[tuple[Any, Any]]
    X: Any
    Y: Any
    steps: list[Step] = field(default_factory=list)
    answers: dict[Key, Answer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.numeric = self.model.kernels()
        with np.errstate(all="ignore"):
            cache = mlp.forward(self.numeric, self.params, self.X)
            self.zs = cache[0]
            self.loss = mlp.loss_from(self.numeric, self.params, len(self.params), self.zs[-1],
                                      self.Y)
            self.grads, self.deltas = mlp.backward(self.numeric, self.params, self.X, self.Y,
                                                   cache)
        if not all(np.isfinite(a).all() for a in (self.loss, *self.zs, *self.deltas,
                                                  *(g for pair in self.grads for g in pair))):
            raise InputError("x, weights, biases: the forward or backward pass overflows with "
                             "these numbers (a value reaches inf); scale them down")
        self.at: Instance = instance_at(self.model, self.params, self.X, self.Y)
        self.rounding_noise = self._rounding_noise()
        kinks = [layer for layer, (z, rule) in enumerate(zip(self.zs[:-1], self.model.hidden,
                                                             strict=True), 1)
                 if rule.name in KINKED and np.any(np.abs(z) < 1e-12)]
        self.kinked_up_to = max(kinks, default=0)
        if kinks:
            self.notes.append(f"a pre-activation of layer {self.kinked_up_to} is exactly 0, "
                              "where ReLU has its kink: ReLU'(0) = 0 is used, and the gradients "
                              "below it are checked against the backpropagation kernels")

    def _rounding_noise(self) -> float:
        """What rounding in float64 does to central differences at these numbers, relative
        to the gradients' scale: about eps (|L| / scale + max |entry|) / step."""
        scale = max(FLOOR, *(float(np.max(np.abs(a))) for a in self.deltas),
                    *(float(np.max(np.abs(g))) for pair in self.grads for g in pair))
        entries = max(float(np.max(np.abs(a))) for a in (*self.zs, *(
            p for pair in self.params for p in pair)))
        return float(np.finfo(float).eps * (abs(self.loss) / scale + entries) / mlp.FD_STEP)

    # -- helpers ------------------------------------------------------------------------
    def _given(self, formula: Any) -> dict[Any, Any]:
        arrays = self.at.arrays
        return {m: arrays[m] for m in formula.atoms(MatrixSymbol, MatrixPartial) if m in arrays}

    def _agreeing(self, formula: MatrixExpr, expected: Any, what: str) -> float:
        value = evaluate(formula, self.at.arrays, self.at.sizes, self.at.kernels)
        residual = float(np.max(np.abs(value - expected))) / max(1.0, float(np.max(np.abs(
            expected))))
        if not residual < AGREEMENT:
            raise VerificationError(f"{what}: the formula gives {value.tolist()}, the kernels "
                                    f"{np.asarray(expected).tolist()}")
        return measured(residual)

    def _matrix_step(self, lhs: Any, formula: MatrixExpr, why: str, value: Any,
                     check: float | None, extra: Sequence[Any] = ()) -> None:
        self.steps.append(Step(equalities(lhs, *extra, formula), why,
                               shape=self.shape_of(formula, value), value=value,
                               check=check, given=self._given(formula)))

    def shape_of(self, formula: MatrixExpr, value: Any) -> tuple[Any, ...]:
        """The shape a step shows: the value's numbers, or, when widths are named by letters
        (`layers`), the formula's shape in them (a row convention's batch is N), which must
        equal the value's at the letters' numbers."""
        numbers = tuple(np.shape(value))
        net = self.model.net
        if not net.lettered:
            return numbers
        shape = net.shape(formula)
        batch = {N: self.X.shape[0]} if net.convention.rows else {}
        widths = {dim: width for dim, width in zip(net.dims, net.widths, strict=True)
                  if dim in net.lettered}
        at = tuple(sympy.sympify(size).xreplace({**batch, **widths}) for size in shape)
        if at != numbers:
            raise VerificationError(f"the shape of {formula} in letters, {shape}, is "
                                    f"{at} at their numbers, but its value is {numbers}")
        return shape

    def _entry(self, matrix: MatrixSymbol, *index: int) -> sympy.Expr:
        """The (1-based) entry of a matrix symbol: row and column in a row convention."""
        base = IndexedBase(matrix.name)
        if self.model.net.convention.rows:
            return base[index]
        return base[index[-1]]

    # -- forward ------------------------------------------------------------------------
    def forward_steps(self) -> None:
        net, arrays = self.model.net, self.at.arrays
        for layer in range(1, net.depth + 1):
            z = net.z(layer)
            formula = formulas.pre_activation(net, layer)
            self._matrix_step(z, formula, f"layer {layer}: linear map",
                              arrays[z], self._agreeing(formula, arrays[z], f"z of layer {layer}"))
            self._linear_entry(layer)
            if layer < net.depth:
                rule = self.model.hidden[layer - 1]
                a = net.a(layer)
                applied = rule.apply(z)
                self._matrix_step(a, applied, f"layer {layer}: {rule.name}, entry by entry",
                                  arrays[a], self._agreeing(applied, arrays[a], f"a_{layer}"))
                self._activation_entry(rule, layer)
                self._keep(Answer(Key.of(a), arrays[a], shape=arrays[a].shape))
            self._keep(Answer(Key.of(z), arrays[z], shape=arrays[z].shape))
        yhat = net.yhat
        output = self.model.pair.apply(net.z(net.depth))
        self.steps.append(Step(eq(yhat, output), f"output: {self.model.pair.output}",
                               shape=self.shape_of(output, arrays[yhat]), value=arrays[yhat]))
        self._output_entry()
        self._keep(Answer(Key.of(yhat), arrays[yhat], shape=arrays[yhat].shape,
                          nonnegative=self.model.pair.output in ("softmax", "sigmoid")))
        self._loss_steps()

    def _linear_entry(self, layer: int) -> None:
        """z_11 written out: sum_k W_jk a_k + b_j for the first unit of the first row."""
        net, arrays, conv = self.model.net, self.at.arrays, self.model.net.convention
        W, a, b, z = net.W(layer), net.a(layer - 1), net.b(layer), net.z(layer)
        width = arrays[W].shape[0 if conv.transposed else 1]
        if width > MAX_WRITTEN:
            return
        w_base, b_base = IndexedBase(W.name), IndexedBase(b.name)
        given: dict[Any, Any] = {b_base[1]: arrays[b][0, 0]}
        terms = []
        for k in range(1, width + 1):
            w = w_base[k, 1] if conv.transposed else w_base[1, k]
            a_k = self._entry(a, 1, k)
            given[w] = arrays[W][(k - 1, 0) if conv.transposed else (0, k - 1)]
            given[a_k] = arrays[a][(0, k - 1) if conv.rows else (k - 1, 0)]
            terms.append((w, a_k))
        value = arrays[z][0, 0]
        written = sum(given[w] * given[a_k] for w, a_k in terms) + given[b_base[1]]
        self.steps.append(Step(eq(self._entry(z, 1, 1),
                                  add(*(mul(w, a_k) for w, a_k in terms), b_base[1])),
                               f"layer {layer}: the first entry written out", value=value,
                               check=abs(float(written - value)), given=given))

    def _activation_entry(self, rule: Activation, layer: int) -> None:
        arrays, net = self.at.arrays, self.model.net
        z_entry = self._entry(net.z(layer), 1, 1)
        z_value = arrays[net.z(layer)][0, 0]
        self.steps.append(Step(equalities(self._entry(net.a(layer), 1, 1),
                                          rule.scalar(z_entry)),
                               f"layer {layer}: the first entry", value=arrays[net.a(layer)][0, 0],
                               given={z_entry: z_value}))

    def _output_entry(self) -> None:
        net, arrays = self.model.net, self.at.arrays
        z, yhat = net.z(net.depth), net.yhat
        row = arrays[z][0] if net.convention.rows else arrays[z][:, 0]
        if self.model.pair.output != "softmax" or len(row) > MAX_WRITTEN:
            return
        entries = [self._entry(z, 1, k) for k in range(1, len(row) + 1)]
        formula = div(sympy.exp(entries[0]), add(*(sympy.exp(e) for e in entries)))
        self.steps.append(Step(equalities(self._entry(yhat, 1, 1), formula),
                               "softmax, the first entry", value=arrays[yhat][0, 0],
                               given=dict(zip(entries, row, strict=True))))

    def _loss_steps(self) -> None:
        net, arrays = self.model.net, self.at.arrays
        classes = arrays[net.y].shape[1 if net.convention.rows else 0]
        rows_loss = self.numeric.row_loss(self.zs[-1], self.Y)
        if classes <= MAX_WRITTEN:
            self._row_loss_step(classes, float(rows_loss[0]))
        if net.convention.rows:
            self._batch_loss_step(classes, rows_loss)
        self._keep(Answer(Key("loss"), self.loss, nonnegative=True))

    def _row_loss_step(self, classes: int, kernel: float) -> None:
        """The first row's loss term by term, its entries indexed by row and column in a row
        convention (Yhat_(1,k)); with a one-hot target the same chain goes on to -log
        Yhat_(1,c), checked against the kernels' loss of the row."""
        net, arrays, pair = self.model.net, self.at.arrays, self.model.pair
        yhat_row = arrays[net.yhat][0] if net.convention.rows else arrays[net.yhat][:, 0]
        y_row = self.Y[0]
        entries = {IndexedBase(net.yhat.name)[k + 1]: self._entry(net.yhat, 1, k + 1)
                   for k in range(classes)}
        entries.update({IndexedBase(net.y.name)[k + 1]: self._entry(net.y, 1, k + 1)
                        for k in range(classes)})
        given = {entries[IndexedBase(net.yhat.name)[k + 1]]: yhat_row[k] for k in range(classes)}
        given.update({entries[IndexedBase(net.y.name)[k + 1]]: y_row[k] for k in range(classes)})
        with sympy.evaluate(False):  # keep the course's -(a + b) as written
            formula = pair.loss_formula(Names(yhat=net.yhat.name, y=net.y.name),
                                        self.model.half, classes).xreplace(entries)
        lhs = sympy.Symbol(f"{formulas.EXAMPLE_LOSS.name}_1") if net.convention.rows \
            else net.loss
        why = f"{formulas.loss_words(pair)} loss" + (" of row 1" if net.convention.rows else "")
        hot = self._one_hot(yhat_row, y_row, kernel)
        if hot is None:
            self.steps.append(Step(eq(lhs, formula), why, value=kernel, given=given))
            return
        c, residual = hot
        with sympy.evaluate(False):
            numbers = formula.xreplace({k: _exact(v) for k, v in given.items()})
            collapsed = -sympy.log(sympy.Float(yhat_row[c - 1]))
        self.steps.append(Step(equalities(lhs, formula, numbers, collapsed),
                               f"{why}; the target is one-hot (class {c}): only the term of "
                               f"class {c} remains", value=kernel, check=measured(residual)))

    def _one_hot(self, yhat_row: Any, y_row: Any, kernel: float) -> tuple[int, float] | None:
        """With a one-hot target of class c only one term of the cross-entropy stays: the
        class c and the residual of -log yhat_(1,c) against the kernels' loss of the row;
        None for any other target or loss, or where yhat_(1,c) underflowed to 0 and only the
        kernels' log-softmax is finite."""
        pair = self.model.pair
        hot = np.flatnonzero(y_row)
        if (pair.output, pair.loss) != ("softmax", "ce") or len(hot) != 1 \
                or y_row[hot[0]] != 1 or not yhat_row[hot[0]] > 0:  # 0: exp underflowed
            return None
        value = -float(np.log(yhat_row[hot[0]]))
        residual = abs(value - kernel) / max(1.0, abs(kernel))
        if not residual < AGREEMENT:
            raise VerificationError(f"the one-hot loss -log yhat_{hot[0] + 1} is {value}, the "
                                    f"kernels give {kernel}")
        return int(hot[0]) + 1, residual

    def _batch_loss_step(self, classes: int, rows_loss: Any) -> None:
        """L = (1/N) sum_n l_n, then (for a few rows) the sum written out with each row's
        loss substituted, checked: the rows' losses reduced as the step says give L."""
        net, pair, batch = self.model.net, self.model.pair, self.X.shape[0]
        formula = formulas.batch_loss(net, pair, self.model.reduction)
        given: dict[Any, Any] = {N: batch, net.dims[-1]: classes}
        if batch > MAX_WRITTEN:
            self.steps.append(Step(eq(net.loss, formula), f"{self.model.reduction} over the "
                                   f"{batch} rows", value=self.loss, given=given))
            return
        rows = [sympy.Symbol(f"{formulas.EXAMPLE_LOSS.name}_{n}") for n in range(1, batch + 1)]
        given.update(zip(rows, (float(v) for v in rows_loss), strict=True))
        (total,) = formula.atoms(sympy.Sum)
        with sympy.evaluate(False):
            written = formula.xreplace({total: add(*rows)})
        scale = float(value_of(formulas.divisor(net, pair, self.model.reduction), given))
        residual = abs(float(np.sum(rows_loss)) / scale - self.loss) / max(1.0, abs(self.loss))
        if not residual < AGREEMENT:
            raise VerificationError(f"the rows' losses reduced give {np.sum(rows_loss) / scale}, "
                                    f"the kernels' loss is {self.loss}")
        self.steps.append(Step(equalities(net.loss, formula, written),
                               f"{self.model.reduction} over the {batch} rows", value=self.loss,
                               given=given, check=measured(residual)))

    # -- backward -----------------------------------------------------------------------
    def backward_steps(self) -> None:
        net, arrays, model = self.model.net, self.at.arrays, self.model
        for layer in range(net.depth, 0, -1):
            formula = (formulas.output_delta(net, model.pair, model.half, model.reduction)
                       if layer == net.depth
                       else formulas.hidden_delta(net, layer, self.model.hidden[layer - 1]))
            delta = self._oriented("data", self.deltas[layer - 1])
            check = self._checked(formula, "z", layer, delta)
            arrays[net.delta(layer)] = delta
            self._keep(self._delta_answer(layer, delta))
            if layer > 1:
                self._keep(self._activation_gradient(layer - 1))
            if layer < net.depth:
                self._activation_step(layer)
            self._matrix_step(net.delta(layer), formula, f"delta of layer {layer}", delta, check,
                              (Partial(net.loss, net.z(layer)),))
        for layer in range(net.depth, 0, -1):
            for target, grad in zip(("W", "b"), self.grads[layer - 1], strict=True):
                parameter = formulas.parameter(net, target, layer)
                formula = formulas.gradient(net, target, layer)
                value = self._oriented(target, grad)
                check = self._checked(formula, target, layer, value)
                arrays[MatrixPartial(net.loss, parameter)] = value
                self._matrix_step(Partial(net.loss, parameter), formula,
                                  f"gradient of {parameter.name}", value, check)
                self._keep(self._gradient_answer(target, layer, value))

    def _activation_step(self, layer: int) -> None:
        """dL/dA_l = delta_(l+1) carried back through W_(l+1) (Delta W in a row convention,
        W^T delta in a column one), checked against the kernels and, where the loss is smooth
        above layer l and rounding allows, against finite differences in A_l."""
        net = self.model.net
        a = net.a(layer)
        formula = net.convention.back(net.W(layer + 1), net.delta(layer + 1))
        value = self.answers[Key.derivative(net.loss, a)].value
        check = self._agreeing(formula, value, f"dL/dA of layer {layer}")
        if layer >= self.kinked_up_to:
            differences = self._oriented("data", activation_differences(
                self.numeric, self.params, self._rows(self.at.arrays[a]), self.Y, layer))
            scale = max(FLOOR, float(np.max(np.abs(differences))))
            residual = float(np.max(np.abs(differences - value))) / scale
            if residual < TOLERANCE:
                check = max(check, measured(residual))
            elif self.rounding_noise < TOLERANCE / 100:
                raise VerificationError(f"dL/dA of layer {layer}: differs from finite "
                                        f"differences by {residual:.1e} (relative)")
        self._matrix_step(Partial(net.loss, a), formula,
                          f"back through layer {layer + 1}: the gradient of {plain_name(a)}",
                          value, check)

    def _checked(self, formula: MatrixExpr, target: str, layer: int, kernel: Any) -> float:
        """Agreement with the kernels, then with finite differences where the loss is smooth
        and rounding leaves them sharp enough to judge."""
        agreement = self._agreeing(formula, kernel, f"{target} of layer {layer}")
        if layer <= self.kinked_up_to:
            return agreement
        try:
            return max(agreement, self.at.check(formula, target, layer,
                                                f"{target} of layer {layer}"))
        except VerificationError:
            if self.rounding_noise < TOLERANCE / 100:  # sharp differences: the formula is wrong
                raise
            if SWAMPED not in self.notes:
                self.notes.append(SWAMPED)
            return agreement

    # -- update -------------------------------------------------------------------------
    def update_steps(self, lr: float) -> list[tuple[Any, Any]]:
        """W_l' = W_l - lr dL/dW_l for every parameter; the new parameters in row layout."""
        net = self.model.net
        rate = sympy.Float(lr)
        updated = []
        for layer, (W, b) in enumerate(self.params, 1):
            new = []
            for target, old, grad in (("W", W, self.grads[layer - 1][0]),
                                      ("b", b, self.grads[layer - 1][1])):
                parameter = formulas.parameter(net, target, layer)
                formula = MatAdd(parameter, MatMul(-rate, MatrixPartial(net.loss, parameter),
                                                   evaluate=False), evaluate=False)
                value = self._oriented(target, old - lr * grad)
                self._matrix_step(Updated(parameter), formula,
                                  f"SGD step on {parameter.name} with rate {lr:g}", value,
                                  self._agreeing(formula, value, f"update of {parameter.name}"))
                self._keep(self._updated(parameter, target, layer, value, lr))
                new.append(old - lr * grad)
            updated.append((new[0], new[1]))
        return updated

    def loss_after(self, updated: list[tuple[Any, Any]]) -> float:
        """The loss on the same data after the step."""
        after = mlp.loss(self.numeric, updated, self.X, self.Y)
        forward, shown = after_steps(self, updated)
        self.steps += forward
        for answer in shown:
            self._keep(answer)
        loss = sympy.latex(self.model.net.loss)  # \\ell, not ell, before the prime
        self.steps.append(Step(sympy.Symbol(f"{loss}'"), "the loss after the step, from the "
                               "new output", value=after, key=Key("loss", new=True)))
        self._keep(Answer(Key("loss", new=True), after, nonnegative=True))
        return after


def _exact(value: Any) -> sympy.Number:
    """A substituted number: an integral one (a one-hot target's 0 and 1) as an integer.

    >>> _exact(1.0), _exact(0.25)
    (1, 0.250000000000000)
    """
    number = float(value)
    return sympy.Integer(int(number)) if number.is_integer() else sympy.Float(number)

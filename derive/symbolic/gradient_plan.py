"""The gradient of the loss for every weight and bias, planned rule by rule.

SymPy does the algebra inside each step (local derivatives, the p - y simplification);
the plan itself is backpropagation written in matrix symbols: the forward definitions,
the chain rule for each parameter with the shape of every factor, delta_L, the recursion
delta_l = (back-propagated delta_{l+1}) * g'(z_l), and dW_l, db_l in the convention's
orientation. Each formula is checked on the small instance before it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sympy import MatrixExpr, MatrixSymbol

from derive.answers import Answer, Key, plain_name
from derive.errors import VerificationError
from derive.numeric.heads import LOSS_KERNELS
from derive.solution import Formula, Shape, Step, shape_words
from derive.symbolic import formulas
from derive.symbolic.activations import Activation, derivative_step
from derive.symbolic.build import eq, equalities
from derive.symbolic.instance import Instance
from derive.symbolic.matrices import Partial, chain, evaluate
from derive.symbolic.model import Model
from derive.symbolic.network import N, SymbolicNetwork
from derive.symbolic.outputs import Names
from derive.symbolic.sizes import display

EXPANDED_DEPTH = 3  # up to this depth the answers are written out in full, not with deltas


@dataclass
class Plan:
    """What the derivation needs: the network, its rules, and the instance that checks it."""

    model: Model
    instance: Instance
    steps: list[Step] = field(default_factory=list)

    def shape(self, matrix: MatrixExpr) -> tuple[Any, ...]:
        return self.model.net.shape(matrix)


def forward_steps(plan: Plan) -> None:
    """z_l = (the convention's linear map), a_l = g_l(z_l), yhat = out(z_L), the loss."""
    net, conv = plan.model.net, plan.model.net.convention
    for layer in range(1, net.depth + 1):
        W, z = net.W(layer), net.z(layer)
        plan.steps.append(Step(eq(z, formulas.pre_activation(net, layer)),
                               f"layer {layer}: linear map; {plain_name(W)} is "
                               f"{shape_words(plan.shape(W))}", shape=plan.shape(z)))
        if layer < net.depth:
            rule = plan.model.hidden[layer - 1]
            plan.steps.append(Step(eq(net.a(layer), rule.apply(z)),
                                   f"layer {layer}: {rule.name}, entry by entry",
                                   shape=plan.shape(z)))
    plan.steps.append(Step(eq(net.yhat, plan.model.pair.apply(net.z(net.depth))),
                           f"output: {plan.model.pair.output}", shape=plan.shape(net.yhat)))
    per_example = plan.model.pair.loss_formula(_names(net), plan.model.half)
    loss = formulas.loss_words(plan.model.pair)
    if not conv.rows:
        plan.steps.append(Step(eq(net.loss, per_example),
                               f"{loss} loss of the example, over its entries i"))
        return
    plan.steps.append(Step(eq(formulas.EXAMPLE_LOSS, per_example),
                           f"{loss} loss of row n, over its entries i"))
    pair, reduction = plan.model.pair, plan.model.reduction
    divisor = formulas.divisor(net, pair, reduction)
    plan.steps.append(Step(equalities(net.loss, formulas.batch_loss(net, pair, reduction),
                                      formulas.batch_loss_written(net, pair, reduction,
                                                                  per_example)),
                           f"{reduction} over the batch"
                           + (" and the entries" if divisor not in (1, N) else "")))


def _names(net: SymbolicNetwork) -> Names:
    return Names(z=net.z(net.depth).name, yhat=net.yhat.name, y=net.y.name,
                 loss=formulas.EXAMPLE_LOSS.name)


def local_steps(plan: Plan) -> None:
    """Each hidden activation's derivative, then the output layer with its loss."""
    for rule in dict.fromkeys(plan.model.hidden):
        plan.steps.append(derivative_step(rule, plan.model.slope))
    names = _names(plan.model.net)
    plan.steps.extend(names.steps(plan.model.pair.derivation(names, plan.model.half)))


FactorShape = tuple[Any, ...]  # (rows, columns), columns possibly a parameter's shape


def _factors(plan: Plan, layer: int, parameter: MatrixSymbol) -> list[tuple[Partial,
                                                                              FactorShape]]:
    """The Leibniz factors from the loss down to `parameter` of `layer`, with their shapes
    for one example (numerator layout), in the problem's sizes (numbers or letters)."""
    net, size = plan.model.net, plan.model.net.size
    classes = size(net.depth)
    factors: list[tuple[Partial, FactorShape]] = [
        (Partial(net.loss, net.yhat), (1, classes)),
        (Partial(net.yhat, net.z(net.depth)), (classes, classes))]
    for inner in range(net.depth - 1, layer - 1, -1):
        factors += [(Partial(net.z(inner + 1), net.a(inner)), (size(inner + 1), size(inner))),
                    (Partial(net.a(inner), net.z(inner)), (size(inner), size(inner)))]
    target = tuple(plan.shape(parameter)) if parameter.shape[1] != 1 else size(layer)
    return factors + [(Partial(net.z(layer), parameter), (size(layer), target))]


def factor_words(shape: FactorShape) -> str:
    """A factor's shape as the notes write it: ``10 x (100 x 10)``."""
    return " x ".join(f"({shape_words(n)})" if isinstance(n, tuple) else str(n)
                      for n in shape)


def product_shape(shapes: list[FactorShape]) -> FactorShape:
    """The shape of the factors' product: the first's rows by the last's columns, each
    neighbour's columns matching the next one's rows (else the chain is wrong)."""
    for left, right in zip(shapes, shapes[1:], strict=False):
        if left[1] != right[0]:
            raise VerificationError(f"chain rule: a {factor_words(left)} factor cannot "
                                    f"multiply a {factor_words(right)} one")
    return (shapes[0][0], shapes[-1][1])


def chain_caption(parameter: MatrixSymbol, shapes: list[FactorShape],
                  shape: tuple[Any, ...]) -> str:
    """'chain rule for W_1; shapes for one example: (1 x 3)(3 x 3)(3 x (3 x 4)) = 1 x (3 x 4),
    shaped like W_1', and for a bias the row it gives, transposed to the parameter's shape."""
    result = product_shape(shapes)[1]
    name = plain_name(parameter)
    if isinstance(result, tuple) or (1, result) == tuple(shape):
        layout = f"shaped like {name}"
    else:
        layout = f"transposed to {shape_words(shape)}, shaped like {name}"
    return (f"chain rule for {name}; shapes for one example: {product_words(shapes)}, "
            f"{layout}")


def product_words(shapes: list[FactorShape]) -> str:
    """The factors' shapes and their product's: '(1 x 3)(3 x 3)(3 x (3 x 4)) = 1 x (3 x 4)'."""
    factors = "".join(f"({factor_words(factor)})" for factor in shapes)
    return f"{factors} = {factor_words(product_shape(shapes))}"


def _flat(shape: FactorShape) -> Shape:
    """A factor's shape read flat, each size a number or a letter: 10 x 100 x 10."""
    return Shape(display(n) for part in shape
                 for n in (part if isinstance(part, tuple) else (part,)))


def shape_answers(plan: Plan) -> list[Answer]:
    """The shapes the chain rule's steps state: every parameter, the loss (1 x 1), and each
    Leibniz factor for one example (``10 x (100 x 10)`` is kept as 10 x 100 x 10)."""
    net = plan.model.net
    found = [Answer(Key.of(net.loss, aspect="shape"), Shape((1, 1)), nonnegative=True)]
    for layer in range(net.depth, 0, -1):
        for parameter in (net.W(layer), net.b(layer)):
            found.append(Answer(Key.of(parameter, aspect="shape"),
                                _flat(tuple(plan.shape(parameter))), nonnegative=True))
            found += [Answer(Key.derivative(*factor.args, aspect="shape"), _flat(shape),
                             nonnegative=True)
                      for factor, shape in _factors(plan, layer, parameter)]
    return found


def chain_steps(plan: Plan) -> None:
    """The chain rule for every parameter, last layer first, with each factor's shape."""
    net = plan.model.net
    for layer in range(net.depth, 0, -1):
        for parameter in (net.W(layer), net.b(layer)):
            factors = _factors(plan, layer, parameter)
            shape = plan.shape(parameter)
            plan.steps.append(Step(eq(Partial(net.loss, parameter),
                                      chain(*(factor for factor, _ in factors))),
                                   chain_caption(parameter, [s for _, s in factors], shape),
                                   shape=shape))


def backward_steps(plan: Plan) -> dict[Key, Formula]:
    """delta_L, the recursion for delta_l, and every parameter's gradient, each checked."""
    net, conv, check = plan.model.net, plan.model.net.convention, plan.instance
    depth = net.depth
    factor = plan.model.pair.factor(plan.model.half)
    delta_L = formulas.output_delta(net, plan.model.pair, plan.model.half, plan.model.reduction)
    deltas: dict[int, MatrixExpr] = {depth: delta_L}
    pair = plan.model.pair
    form = pair.form or f"gives {'' if factor == 1 else f'{factor} '}(yhat - y) per example"
    loss = formulas.loss_words(pair)
    why = (f"the output layer: {pair.output} with {loss}{':' if pair.form else ''} {form}"
           + (f", {plan.model.reduction} over the batch" if conv.rows else ""))
    _output_gradient_step(plan)
    _delta_step(plan, depth, delta_L, _names(net).caption(why))
    for layer in range(depth - 1, 0, -1):
        rule = plan.model.hidden[layer - 1]
        deltas[layer] = formulas.hidden_delta(net, layer, rule)
        _delta_step(plan, layer, deltas[layer], _recursion_caption(net, layer, rule))
    answers = {Key.derivative(net.loss, net.z(layer)): _answer(plan, net.delta(layer),
                                                               deltas, "z", layer)
               for layer in range(depth, 0, -1)}
    for layer in range(depth, 0, -1):
        for target in ("W", "b"):
            parameter = formulas.parameter(net, target, layer)
            formula = formulas.gradient(net, target, layer)
            residual = check.check(formula, target, layer, f"gradient of {plain_name(parameter)}")
            plan.steps.append(Step(equalities(Partial(net.loss, parameter), formula),
                                   f"gradient of {plain_name(parameter)}, shaped like it",
                                   shape=plan.shape(parameter), check=residual))
            answers[Key.derivative(net.loss, parameter)] = _answer(
                plan, formula, deltas, target, layer)
    return answers


def _recursion_caption(net: SymbolicNetwork, layer: int, rule: Activation) -> str:
    """'back through layer 3, then times sigma'(Z_2) = A_2 (1 - A_2) entry by entry': the
    derivative in the activation the forward pass computed, where the rule writes it so."""
    back = f"back through layer {layer + 1}"
    if rule.name == "identity":
        return f"{back}; the identity's derivative is 1"
    caption = rule.prime_caption(plain_name(net.z(layer)), plain_name(net.a(layer)))
    return f"{back}, then times {caption} entry by entry"


def _output_gradient_step(plan: Plan) -> None:
    """dL/dyhat, for a pair taken by the general chain rule; checked against central
    differences of the loss in yhat."""
    model, net = plan.model, plan.model.net
    formula = formulas.output_gradient(net, model.pair, model.half, model.reduction)
    if formula is None:
        return
    residual = plan.instance.check_outputs(formula, LOSS_KERNELS[model.pair.loss].row_loss,
                                           model.half, "derivative of the loss in yhat")
    plan.steps.append(Step(equalities(Partial(net.loss, net.yhat), formula),
                           f"derivative of the {formulas.loss_words(model.pair)} loss in the "
                           "outputs, shaped like them", shape=plan.shape(net.yhat), check=residual))


def _delta_step(plan: Plan, layer: int, formula: MatrixExpr, why: str) -> None:
    net, check = plan.model.net, plan.instance
    residual = check.check(formula, "z", layer, f"delta of layer {layer}")
    check.arrays[net.delta(layer)] = _value(check, formula)
    plan.steps.append(Step(equalities(net.delta(layer), Partial(net.loss, net.z(layer)),
                                      formula), why, shape=plan.shape(net.z(layer)),
                           check=residual))


def _value(check: Instance, formula: MatrixExpr) -> Any:
    return evaluate(formula, check.arrays, check.sizes, check.kernels)


def _unnamed_activations(plan: Plan) -> dict[MatrixSymbol, MatrixExpr]:
    """a_l -> g_l(z_l) where the problem names its pre-activations but not the activations
    (seed 000 writes sigmoid(A)), so that the answers read in its own names; elsewhere they
    keep a_l, which the forward steps define."""
    net = plan.model.net
    if "z" not in net.names or "a" in net.names:
        return {}
    return {net.a(inner): plan.model.hidden[inner - 1].apply(net.z(inner))
            for inner in range(1, net.depth)}


def _answer(plan: Plan, formula: MatrixExpr, deltas: dict[int, MatrixExpr], target: str,
            layer: int) -> Formula:
    """A gradient (of W_l, b_l or z_l) written out in full for shallow networks, else with
    deltas; checked again."""
    net = plan.model.net
    if net.depth <= EXPANDED_DEPTH:
        for inner in range(layer, net.depth + 1):  # delta_l mentions delta_{l+1}: go upward
            formula = formula.xreplace({net.delta(inner): deltas[inner]})
    formula = formula.xreplace(_unnamed_activations(plan))
    wrt = net.z(layer) if target == "z" else formulas.parameter(net, target, layer)
    residual = plan.instance.check(formula, target, layer, f"answer for {plain_name(wrt)}")
    return Formula(formula, plan.shape(wrt), residual, Partial(net.loss, wrt))


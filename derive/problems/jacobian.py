"""`jacobian`: Jacobians with their shapes, of a function at a point or of a network's nodes.

`--fn softmax --at 5,-2,-1,3` gives the numbers of diag(p) - p p^T (sigmoid, tanh, relu:
diag(f'(z))), derived entry by entry by SymPy. `--of yhat --wrt W1` writes the chain of
local Jacobians with the shape of each, the 3-way tensor dz/dW as its slices, and the
contraction; `--entry i,j` gives d(of)/dW_ij as a vector. Every result is compared with
central finite differences of the network (or the function) at small random sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sympy
from sympy import IndexedBase, KroneckerDelta

from derive import converters
from derive.answers import Answer, Answers, Key, plain_name
from derive.errors import FieldError, VerificationError
from derive.problem import spec
from derive.problems.jacobian_function import function_solution
from derive.problems.network import NetworkProblem
from derive.solution import Formula, Solution, Step, measured, shape_words
from derive.symbolic import formulas
from derive.symbolic import jacobians as jac
from derive.symbolic.build import eq, equalities, mul
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.gradient_plan import FactorShape, factor_words, product_words
from derive.symbolic.instance import instantiate
from derive.symbolic.matrices import Partial, chain, evaluate
from derive.symbolic.model import Model
from derive.symbolic.network import SymbolicNetwork
from derive.symbolic.sizes import named_sizes, shown, stand_ins

FUNCTIONS = ("softmax", "sigmoid", "tanh", "relu")
COLUMN_OF = {"XWT": "Wx", "XW": "WTx"}  # one example of a row convention is a column here
TOLERANCE = 1e-6


def _node(value: Any, name: str) -> str:
    written = converters.text(value, name).strip()
    if not jac.NODE.fullmatch(written):
        raise FieldError(name, f"{written!r} is not a node; write yhat, z2, a1, W1 or b1")
    return written


@dataclass(frozen=True, kw_only=True)
class Problem(NetworkProblem):
    """A function at a point, or a network and the two nodes of the Jacobian."""

    kind = "jacobian"
    fn: str | None = spec(converters.choice(*FUNCTIONS), "a function: softmax, sigmoid, tanh, relu",
                          None)
    at: tuple[Decimal, ...] | None = spec(converters.real_vector, "the point: 5,-2,-1,3", None)
    layers: tuple[int | str, ...] | None = spec(
        converters.layer_sizes, "network widths: 2,2,2, or letters: N,N1,K", None)
    sizes: tuple[tuple[str, int], ...] | None = spec(
        named_sizes, "numbers for the letters, shown in the worked entry: N=3,N1=4,K=2", None)
    of: str = spec(_node, "the node differentiated: yhat, z2, a1", "yhat")
    wrt: str = spec(_node, "with respect to: W1, b1, z1, a1", "W1")
    entry: tuple[int, int] | None = spec(converters.pair(1), "one entry i,j of the weight (from 1)",
                                         None)
    layout: str = spec(converters.choice("numerator", "denominator"),
                       "numerator: (of) x (wrt); denominator: the transpose", "numerator")

    @property
    def widths(self) -> tuple[int, ...]:
        """The numeric widths: a letter's number from `sizes`, else its random stand-in."""
        return stand_ins(self.given_widths, given=dict(self.sizes or ()))

    @property
    def given_widths(self) -> tuple[int | str, ...]:
        return self.layers or (2, 2)

    def validate(self) -> None:
        if (self.fn is None) == (self.layers is None):
            raise FieldError("fn", "give either --fn with --at, or --layers with --of/--wrt")
        if self.fn is not None:
            if self.at is None or not 1 <= len(self.at) <= 12:
                raise FieldError("at", "give the point, 1 to 12 numbers: 5,-2,-1,3")
            return
        self._validate_sizes()
        super().validate()
        depth = len(self.widths) - 1
        top, bottom = jac.parse_node(self.of, depth, "of"), jac.parse_node(self.wrt, depth,
                                                                             "wrt")
        if top.kind in ("W", "b") or top.rank <= bottom.rank:
            raise FieldError("wrt", f"{self.of} does not depend on {self.wrt}; pick a node "
                             "below it")
        if self.entry is not None and bottom.kind != "W":
            raise FieldError("entry", "an entry i,j is of a weight matrix; use --wrt W1")
        if self.entry is not None:
            net = self.column_network()
            W = net.W(bottom.layer)
            rows, cols = _numbers(net, W)
            if not (self.entry[0] <= rows and self.entry[1] <= cols):
                raise FieldError("entry", f"{plain_name(W)} is {rows} x {cols}; pick i <= {rows}, "
                                 f"j <= {cols}")

    def _validate_sizes(self) -> None:
        letters = {size for size in self.given_widths if isinstance(size, str)}
        for letter, _ in self.sizes or ():
            if letter not in letters:
                raise FieldError("sizes", f"{letter} is not a letter of --layers; give numbers "
                                 "only for letters, e.g. --layers N,N1,K --sizes N=3,N1=4,K=2")

    def column_network(self) -> SymbolicNetwork:
        name = COLUMN_OF.get(self.convention, self.convention)
        return SymbolicNetwork(CONVENTIONS[name], self.widths, dict(self.names), self.letters)


def solve(problem: Problem) -> Solution:
    if problem.fn is not None:
        return function_solution(problem)
    return _network(problem)


# -- a network ----------------------------------------------------------------------------
def _network(problem: Problem) -> Solution:
    net = problem.column_network()
    hidden, pair = problem.hidden_rules(), problem.pair
    top = jac.parse_node(problem.of, net.depth, "of")
    bottom = jac.parse_node(problem.wrt, net.depth, "wrt")
    factors = jac.factors(net, hidden, pair, top, bottom)
    numerator = problem.layout == "numerator"
    steps = _forward(net, hidden, pair, top)
    upper, lower = jac.symbol(net, top), jac.symbol(net, bottom)
    leibniz = [Partial(jac.symbol(net, a), jac.symbol(net, b)) for a, b, _, _ in factors]
    if bottom.kind in ("W", "b"):
        leibniz.append(Partial(net.z(bottom.layer), lower))
    ordered = leibniz if numerator else leibniz[::-1]
    shapes = [_factor_shape(net, a, b, numerator) for a, b, _, _ in factors]
    if bottom.kind in ("W", "b"):
        shapes.append(_param_shape(net, bottom, numerator))
    steps.append(Step(eq(Partial(upper, lower), chain(*ordered)),
                      f"chain rule in the {problem.layout} layout; shapes: "
                      + product_words(shapes if numerator else shapes[::-1])))
    for a, b, factor, why in factors:
        shown = factor if numerator else factor.T
        steps.append(Step(equalities(Partial(jac.symbol(net, a), jac.symbol(net, b)), shown),
                          why, shape=_sizes(net, shown)))
    model = Model(net, tuple(hidden), pair, problem.half_mse, "sum", float(problem.slope))
    instance = instantiate(model, seed=5)
    params, x = instance.params, instance.X[:1]
    numeric = jac.numeric_jacobian(instance.numeric, params, x, top, bottom)
    if bottom.kind == "W" and net.convention.transposed:  # row layout holds W as out x in
        numeric = numeric.transpose(0, 2, 1)
    J = jac.product(factors, net.z(bottom.layer).shape[0] if bottom.kind in ("W", "b")
                    else lower.shape[0])
    J_value = evaluate(J, instance.arrays, instance.sizes, instance.kernels)
    answers: dict[Key, Any] = {}
    J_symbol = sympy.MatrixSymbol("J", *J.shape)
    if bottom.kind in ("z", "a", "b"):
        residual = _residual(J_value, numeric.reshape(J_value.shape))
        result = J if numerator else J.T
        steps.append(Step(equalities(Partial(upper, lower), result), "the product of the "
                          "factors" + (" (dz/db = I)" if bottom.kind == "b" else ""),
                          shape=_sizes(net, result), check=residual))
        answers[Key.derivative(upper, lower)] = Formula(result, _sizes(net, result),
                                                            residual, Partial(upper, lower))
        return Solution(problem, tuple(steps), Answers.from_values(answers), notes=_notes(problem))
    steps += _tensor_steps(net, bottom, numerator)
    a = net.a(bottom.layer - 1)
    tensor = _contract(J_value, instance.arrays[a].ravel(), net.convention.transposed)
    residual = _residual(tensor, numeric)
    steps.append(Step(eq(J_symbol, J), _product_caption(upper, net.z(bottom.layer), numerator),
                      shape=_sizes(net, J)))
    out = "K" if "K" not in problem.letters else "m"  # the output's index, not a size K
    K, i, j, k = sympy.symbols(f"{out} i j k", integer=True)
    n = net.size(bottom.layer) if problem.letters else sympy.Symbol("n")
    Jb, ab, wb = IndexedBase("J"), IndexedBase(a.name), IndexedBase(lower.name)
    unit, source = (j, i) if net.convention.transposed else (i, j)
    entry = mul(Jb[K, unit], ab[source])
    entry_of = Partial(IndexedBase(upper.name)[K], wb[i, j])
    # the step shows one entry; the shape it states is the whole tensor's, dYhat/dW's
    steps.append(Step(equalities(entry_of,
                                 sympy.Sum(mul(Jb[K, k], KroneckerDelta(k, unit), ab[source]),
                                           (k, 1, n)), entry),
                      "contracting J with the tensor: only k = "
                      f"{'j' if net.convention.transposed else 'i'} survives",
                      shape=_tensor_shape(net, top, bottom, numerator), check=residual,
                      key=Key.derivative(upper, lower)))
    # J is an answer of its own: the boxed entry formula is written with it
    answers[Key.of(J_symbol)] = Formula(J, _sizes(net, J), None, J_symbol)
    answers[Key.derivative(upper, lower)] = Formula(
        entry, _tensor_shape(net, top, bottom, numerator), residual, Partial(upper, lower))
    if problem.entry is not None:
        entry_step = _entry_step(problem, net, bottom.layer, upper, J_value, instance, numeric)
        steps.append(entry_step)
        assert entry_step.key is not None
        answers[entry_step.key] = Answer(entry_step.key, entry_step.value,
                                         shape=entry_step.shape)
    return Solution(problem, tuple(steps), Answers.from_values(answers), notes=_notes(problem))


def _forward(net: SymbolicNetwork, hidden: list[Any], pair: Any, top: jac.Node) -> list[Step]:
    steps = []
    for layer in range(1, net.depth + 1):
        convention = net.convention
        formula = convention.forward(net.W(layer), net.a(layer - 1), net.b(layer), None)
        W = net.W(layer)
        steps.append(Step(eq(net.z(layer), formula), f"layer {layer}; {plain_name(W)} is "
                          f"{shape_words(net.shape(net.W(layer)))}", shape=net.shape(
                              net.z(layer))))
        if layer < net.depth:
            rule = hidden[layer - 1]
            steps.append(Step(eq(net.a(layer), rule.apply(net.z(layer))), f"{rule.name}",
                              shape=net.shape(net.z(layer))))
    steps.append(Step(eq(net.yhat, pair.apply(net.z(net.depth))), f"output: {pair.output}",
                      shape=net.shape(net.yhat)))
    return steps


def _sizes(net: SymbolicNetwork, matrix: Any) -> tuple[Any, ...]:
    """The shape as shown: numbers, letters kept."""
    widths = {dim: net.size(layer) for layer, dim in enumerate(net.dims)}
    return tuple(sympy.sympify(d).xreplace(widths) for d in matrix.shape)


def _numbers(net: SymbolicNetwork, matrix: Any) -> tuple[int, ...]:
    """The shape at the numeric widths (a letter's number)."""
    widths = dict(zip(net.dims, net.widths, strict=True))
    return tuple(int(sympy.sympify(d).xreplace(widths)) for d in matrix.shape)


def _entries(net: SymbolicNetwork, node: jac.Node) -> Any:
    return net.size(node.layer if node.kind != "a" or node.layer else 0)


def _factor_shape(net: SymbolicNetwork, a: jac.Node, b: jac.Node,
                  numerator: bool) -> FactorShape:
    """d(a)/d(b)'s shape: a's entries by b's, or b's by a's in the denominator layout."""
    shape = (_entries(net, a), _entries(net, b))
    return shape if numerator else shape[::-1]


def _param_shape(net: SymbolicNetwork, bottom: jac.Node, numerator: bool) -> FactorShape:
    """dz_l/dW_l's shape, z's entries by W's shape (a bias: by its entries), or reversed."""
    n = net.size(bottom.layer)
    inner = tuple(net.shape(net.W(bottom.layer))) if bottom.kind == "W" else n
    return (n, inner) if numerator else (inner, n)


def _tensor_shape(net: SymbolicNetwork, top: jac.Node, bottom: jac.Node,
                  numerator: bool) -> tuple[Any, ...]:
    weight = tuple(net.shape(net.W(bottom.layer)))
    out = (_entries(net, top),)
    return out + weight if numerator else weight + out


def _product_caption(upper: Any, z: Any, numerator: bool) -> str:
    """'J = dYhat/dZ^1, the product of the matrix factors', in the numerator layout."""
    layout = "" if numerator else " in the numerator layout"
    return f"J = d{plain_name(upper)}/d{plain_name(z)}{layout}: the product of the matrix factors"


def _tensor_steps(net: SymbolicNetwork, bottom: jac.Node, numerator: bool) -> list[Step]:
    """dz_l/dW_l: its entries, and each slice dz_k/dW: the input placed in row (or column) k."""
    k, i, j = sympy.symbols("k i j", integer=True)
    z, W, a = net.z(bottom.layer), net.W(bottom.layer), net.a(bottom.layer - 1)
    zb, wb, ab = IndexedBase(z.name), IndexedBase(W.name), IndexedBase(a.name)
    transposed = net.convention.transposed
    unit, source = (j, i) if transposed else (i, j)
    place = "column" if transposed else "row"
    n = net.size(bottom.layer)
    z_k = f"{_grouped(z)}_k"
    weight = f"{_grouped(W)}_ik {plain_name(a)}_i" if transposed else \
        f"{_grouped(W)}_kj {plain_name(a)}_j"
    return [Step(equalities(Partial(zb[k], wb[i, j]), mul(KroneckerDelta(k, unit), ab[source])),
                 f"{z_k} = sum_{'i' if transposed else 'j'} {weight} + "
                 f"{_grouped(net.b(bottom.layer))}_k, so d{plain_name(z)}/d{plain_name(W)} is a "
                 f"3-way tensor of shape {factor_words(_param_shape(net, bottom, numerator))} "
                 f"({n} slices): slice k, the derivatives of {z_k}, is {plain_name(a)} placed "
                 f"in {place} k of a zero {shape_words(net.shape(W))} matrix", check=0.0)]


def _grouped(matrix: Any) -> str:
    """A name an entry's index can follow: W^1 -> (W^1), so (W^1)_ik reads as its entry."""
    name = plain_name(matrix)
    return f"({name})" if "_" in name or "^" in name else name


def _contract(J: Any, a: Any, transposed: bool) -> Any:
    """d(of)/dW as (of entries, *W's shape): J's column for the unit times the input."""
    return np.einsum("Kj,i->Kij", J, a) if transposed else np.einsum("Ki,j->Kij", J, a)


def _residual(value: Any, numeric: Any) -> float:
    residual = float(np.max(np.abs(value - numeric))) / max(float(np.max(np.abs(numeric))),
                                                            1e-3)
    if not residual < TOLERANCE:
        raise VerificationError(f"jacobian: differs from finite differences by {residual:.1e}")
    return measured(residual)


def _entry_step(problem: Problem, net: SymbolicNetwork, layer: int, upper: Any, J: Any,
                instance: Any, numeric: Any) -> Step:
    """d(of)/dW_ij = J_{:,j} X_i (J's column for the unit, times the input): its formula, its
    numbers at the checked instance (the letters' `sizes`) and the resulting vector, compared
    with the finite-difference Jacobian's entry."""
    assert problem.entry is not None
    i, j = problem.entry
    W, inputs = net.W(layer), net.a(layer - 1)
    transposed = net.convention.transposed
    unit, source = (j, i) if transposed else (i, j)
    small = numeric.shape[1:]
    si, sj = min(i, small[0]) - 1, min(j, small[1]) - 1  # the same entry at small sizes
    a = instance.arrays[inputs].ravel()
    column, x = J[:, sj if transposed else si], a[si if transposed else sj]
    value = column * x
    residual = _residual(value, numeric[:, si, sj])
    J_unit, x_source = sympy.Symbol(f"J_{{:,{unit}}}"), IndexedBase(inputs.name)[source]
    size = _entries(net, jac.parse_node(problem.of, net.depth, "of"))
    at = f", shown for {shown(problem.given_widths, problem.widths)}" if problem.letters else ""
    entry = IndexedBase(W.name)[i, j]
    return Step(equalities(Partial(upper, entry), mul(J_unit, x_source)),
                f"one entry: a vector of {size} entries, J_{{:,{unit}}} (column {unit} of J) "
                f"times {plain_name(x_source)}{at}", shape=(size, 1), value=value.reshape(-1, 1),
                check=residual, given={J_unit: column.reshape(-1, 1), x_source: float(x)},
                key=Key.derivative(upper, entry))


def _layout_note(problem: Problem) -> str:
    """'denominator layout: dYhat/dW^1 has W^1's shape, then Yhat's' in the problem's names."""
    net = problem.column_network()
    upper = plain_name(jac.symbol(net, jac.parse_node(problem.of, net.depth, "of")))
    lower = plain_name(jac.symbol(net, jac.parse_node(problem.wrt, net.depth, "wrt")))
    first, then = (upper, lower) if problem.layout == "numerator" else (lower, upper)
    return (f"{problem.layout} layout: d{upper}/d{lower} has the shape of {first}, then that "
            f"of {then}")


def _notes(problem: Problem) -> tuple[str, ...]:
    notes = [formulas.convention_note(problem.column_network()), _layout_note(problem),
             "checked against central finite differences of the network at small sizes"]
    if problem.letters:
        notes.append("sizes in letters, checked at " + shown(problem.given_widths,
                                                              problem.widths))
    if problem.convention in COLUMN_OF:
        notes.append(f"one example of the {problem.convention} convention is a row; its "
                     "Jacobians are those of the same example as a column")
    return tuple(notes)

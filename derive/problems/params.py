"""`params`: parameter count of a fully connected network, per layer and in total.

A view on the layer rules: one `Linear` per consecutive pair of widths, counted by
`derive.models.count`; each step is the Linear rule's closed form with the widths named
n_{l-1}, n_l, checked against the rule's row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answer, Answers, Confusion, Key, Slip
from derive.errors import VerificationError
from derive.models import Input, count
from derive.models.linear import d_in, d_out, linear_count
from derive.models.nodes import Chain, Layer
from derive.models.registry import RULES
from derive.models.rules import bind
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Formula, Solution, Step
from derive.symbolic.build import add, eq, mul, value_of
from derive.symbolic.sizes import has_letters, letter, size_symbols, stand_ins, substitution


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """Widths of a fully connected network, input first, e.g. 100,50,25,10."""

    kind = "params"
    layers: tuple[int | str, ...] = spec(
        converters.layer_sizes, "widths, input first, e.g. 100,50,25,10, or letters: D,H,C")
    bias: bool = spec(converters.boolean, "whether every layer has a bias vector", True)

    def estimated_seconds(self) -> float:
        """Solving and rendering time (measured here): linear in the depth."""
        return 0.005 + 0.0005 * len(self.layers)


def layer_count(n_in: sympy.Symbol, n_out: sympy.Symbol, bias: bool) -> sympy.Expr:
    """The Linear rule's count with the widths named n_{l-1}, n_l: n_in n_out (+ n_out)."""
    with sympy.evaluate(False):
        return linear_count({"in_features": 1, "out_features": 1, "bias": bias},
                            ()).formula.xreplace({d_in: n_in, d_out: n_out})


def network(widths: tuple[int, ...], bias: bool) -> Chain:
    """One Linear rule per consecutive pair of widths."""
    rule = RULES["Linear"]
    return Chain(tuple((str(i), Layer("Linear", bind(rule, (a, b), {"bias": bias}, f"layer {i}"),
                                      f"layer {i}"))
                       for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False), 1)))


def solve(problem: Problem) -> Solution:
    """Count weights and biases layer by layer (the Linear rule), then add them up; with
    letters, every count is a polynomial in them, checked at their stand-ins."""
    sizes, widths = problem.layers, stand_ins(problem.layers)
    summary = count(network(widths, problem.bias), Input((widths[0],)))
    numbered = sympy.symbols(f"n_0:{len(widths)}", integer=True, positive=True)
    n = tuple(symbol or dim for symbol, dim in zip(size_symbols(sizes), numbered, strict=True))
    given = {dim: width for dim, width, size in zip(n, widths, sizes, strict=True)
             if not isinstance(size, str)}
    steps, per_layer, lettered = [], [], has_letters(sizes)
    for layer, row in enumerate(summary.rows, 1):
        assert row.count is not None
        formula = layer_count(n[layer - 1], n[layer], problem.bias)
        per_layer.append(_checked(formula, given, sizes, row.n_params, f"P_{layer}")
                         if lettered else row.n_params)
        shown = [given.get(n[i], n[i]) for i in (layer - 1, layer)]
        biases = f"{shown[1]} bias" + ("es" if shown[1] != 1 else "")
        why = (f"layer {layer}: W_{layer} is {shown[0]} x {shown[1]} "
               "(one weight per connection)" + (f", plus {biases}" if problem.bias
                                                 else ", no bias"))
        steps.append(Step(eq(sympy.Symbol(f"P_{layer}"), formula), why, value=_shown(per_layer[-1]),
                          check=0.0, given=_given(formula, given)))
    terms = [layer_count(n[i - 1], n[i], problem.bias) for i in range(1, len(n))]
    total_formula = add(*(arg for term in terms for arg in (term.args if problem.bias else [term])))
    total = _checked(total_formula, given, sizes, summary.total, "P")
    steps.append(Step(eq(sympy.Symbol("P"), total_formula),
                      "total: the sum of every layer's weights and biases",
                      value=_shown(total), check=0.0, given=_given(total_formula, given),
                      key=Key("total")))  # P is the declared total: boxed once, as total
    return Solution(problem, tuple(steps),
                    Answers(_answers(n, given, per_layer, total, problem.bias)))


def _shown(value: Any) -> Any:
    """A step's value: the number; a polynomial in letters is the formula itself."""
    return None if isinstance(value, Formula) else value


def _given(formula: sympy.Basic, given: dict[sympy.Symbol, int]) -> dict[sympy.Symbol, int]:
    """The numbers of the formula's own symbols (linear in the formula, not in the depth)."""
    return {symbol: given[symbol] for symbol in formula.free_symbols if symbol in given}


def _checked(formula: sympy.Basic, given: dict[sympy.Symbol, int], sizes: tuple[int | str, ...],
             counted: int, name: str) -> Any:
    """The formula's value at the numeric widths (a polynomial in the letters, if any), after
    checking it at the letters' stand-ins against the rules' count."""
    value = value_of(formula, given)
    at = value_of(value, substitution(sizes)) if value.free_symbols else value
    if at != counted:  # the closed form against the rules' rows
        raise VerificationError(f"params: {name} formula gives {at}, the rules {counted}")
    return int(value) if value.is_Integer else _polynomial(value, in_order(formula, given))


def in_order(formula: sympy.Basic, given: dict[sympy.Symbol, int]) -> sympy.Basic:
    """The formula with the numeric widths put in, its terms and factors kept in the order
    the layers give them (D H + H + H C + C, never SymPy's C + H + C H + D H); a product of
    numbers is multiplied out and a number leads its letters (100 D).

    >>> D, H, C = (letter(x) for x in "DHC")
    >>> sympy.sstr(in_order(add(mul(D, H), H, mul(H, C), C), {}), order="none")
    'D*H + H + H*C + C'
    """
    if isinstance(formula, sympy.Add):
        return add(*(in_order(term, given) for term in formula.args))
    if isinstance(formula, sympy.Mul):
        factors = [in_order(factor, given) for factor in formula.args]
        numbers = [f for f in factors if f.is_Number]
        letters = [f for f in factors if not f.is_Number]
        number = sympy.Mul(*numbers)
        if not letters:
            return number
        return mul(*([number] if number != 1 else []), *letters) if len(letters) > 1 or \
            number != 1 else letters[0]
    return sympy.sympify(given.get(formula, formula))  # type: ignore[call-overload]


def _polynomial(value: sympy.Expr, shown: sympy.Basic | None = None) -> Formula:
    """A count in letters as a formula answer, shown as `shown` (the layers' order); a
    claimed polynomial is judged at random integers (large enough that a wrong polynomial
    cannot agree by chance)."""
    value = sympy.expand(value)
    names = sorted(symbol.name for symbol in value.free_symbols)
    rng = random.Random(",".join(names))

    def sample() -> tuple[dict[str, Any], Any, dict[str, float]]:
        values = {name: rng.randint(11, 997) for name in names}
        return values, float(value_of(value, {letter(k): v for k, v in values.items()})), {}
    return Formula(value if shown is None else shown, check=0.0, sample=sample)


def _answers(n: tuple[sympy.Symbol, ...], given: dict[sympy.Symbol, int], per_layer: list[Any],
             total: Any, bias: bool) -> list[Answer]:
    """The total (its weights-only value is the forgotten-biases slip), per layer P_l and
    the counts of W_l and b_l, the weights and biases: numbers, or polynomials in letters."""
    def at(formula: sympy.Basic) -> Any:
        value = value_of(formula, given)
        return int(value) if value.is_Integer else _polynomial(value, in_order(formula, given))

    products = [mul(n[i - 1], n[i]) for i in range(1, len(n))]
    weights = [at(product) for product in products]
    biases = [at(n[i]) if bias else 0 for i in range(1, len(n))]
    all_weights = at(add(*products))
    forgot = (Confusion(all_weights, Slip.OTHER, "the biases were left out"),) if bias and \
        isinstance(total, int) else ()
    found = [Answer(Key("total"), total, nonnegative=True, confusions=forgot),
             *([Answer(Key("per_layer"), per_layer, nonnegative=True)]
               if isinstance(total, int) else []),
             Answer(Key("weights"), all_weights, nonnegative=True),
             Answer(Key("biases"), at(add(*n[1:])) if bias else 0, nonnegative=True)]
    for layer, (p_l, weight, bias_count) in enumerate(zip(per_layer, weights, biases,
                                                            strict=True), 1):
        found += [Answer(Key(f"P_{layer}"), p_l, nonnegative=True),
                  Answer(Key(f"W_{layer}", aspect="count"), weight, nonnegative=True),
                  Answer(Key(f"b_{layer}", aspect="count"), bias_count, nonnegative=True)]
    return found

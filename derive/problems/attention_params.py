"""`attention-params`: parameters of multi-head self-attention, an encoder layer, a stack.

The per-head steps are this kind's own; each total is checked against the layer rules
(`MultiheadAttention`, `Repeat(N, TransformerEncoderLayer(...))`), whose tensors give the
torch breakdown. Counts follow `torch.nn.MultiheadAttention` (Q, K, V and output projections, each
d x d with an optional bias of d) and `torch.nn.TransformerEncoderLayer` (attention,
a two-layer feed-forward block d -> ffn -> d, two layer norms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answer, Answers, Key, parse_key
from derive.errors import FieldError, VerificationError
from derive.models import Input, Summary, count
from derive.models.nodes import Chain, Layer, Node, Repeat
from derive.models.registry import RULES
from derive.models.rules import bind
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Shape, Solution, Step
from derive.symbolic.build import add, div, eq, mul, value_of

d, h, d_k, f, N = sympy.symbols("d_model h d_k d_ff N", integer=True, positive=True)


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """Model width, heads, and optionally a feed-forward width and a number of layers."""

    kind = "attention-params"
    d_model: int = spec(converters.positive_int, "model width d_model, e.g. 256")
    heads: int = spec(converters.positive_int, "number of attention heads, e.g. 8")
    bias: bool = spec(converters.boolean, "whether projections (and norms) have biases", True)
    ffn: int | None = spec(converters.positive_int, "feed-forward width of an encoder layer", None)
    num_layers: int = spec(converters.bounded_int(1, 10_000), "number of stacked encoder layers", 1)

    def validate(self) -> None:
        if self.d_model % self.heads:
            raise FieldError("heads", f"{self.heads} heads do not divide d_model = "
                             f"{self.d_model}; pick a divisor of {self.d_model}")


class _Counter:
    """Collects steps; each is checked exactly against a plain-integer count."""

    def __init__(self, given: dict[sympy.Symbol, int]) -> None:
        self.given = given
        self.steps: list[Step] = []

    def step(self, name: str, formula: sympy.Expr, direct: int, why: str, key: str) -> int:
        """A step ``name = formula = value`` that shows the answer `key` (its one name: the
        symbol `name` is how the steps write it)."""
        value = int(value_of(formula, self.given))
        if value != direct:
            raise VerificationError(f"attention-params: {name} gives {value}, direct {direct}")
        used = {s: v for s, v in self.given.items() if s in formula.free_symbols}
        self.steps.append(Step(eq(sympy.Symbol(name), formula), why, value=value,
                               check=0.0, given=used, key=parse_key(key)))
        self.given[sympy.Symbol(name)] = value  # later steps refer to it by name
        return value

    def check(self, relation: sympy.Eq, why: str) -> None:
        """A step that checks an identity of given quantities (boxes nothing: its left side
        is not a name)."""
        lhs, rhs = (int(value_of(side, self.given)) for side in relation.args)
        if lhs != rhs:
            raise VerificationError(f"attention-params: {relation} gives {lhs} and {rhs}")
        used = {s: v for s, v in self.given.items() if s in relation.free_symbols}
        self.steps.append(Step(relation, why, value=lhs, check=0.0, given=used))


def _projection(bias: bool, fan_in: Any, fan_out: Any) -> sympy.Expr:
    return add(mul(fan_in, fan_out), fan_out) if bias else mul(fan_in, fan_out)


def solve(problem: Problem) -> Solution:
    """Per head, then all heads, then the output projection; then the encoder layer and stack."""
    dm, heads, b = problem.d_model, problem.heads, int(problem.bias)
    dk = dm // heads
    count = _Counter({d: dm, h: heads, d_k: dk, f: problem.ffn or 0, N: problem.num_layers})
    count.step("d_k", div(d, h), dk, "each head works in d_k = d_model / h dimensions",
               "head_dim")
    per_head = count.step("P_head", mul(3, _projection(problem.bias, d, d_k)),
                          3 * (dm * dk + b * dk),
                          "one head: W^Q_i, W^K_i, W^V_i are d_model x d_k"
                          + (", each with d_k biases" if b else ", no biases"), "per_head")
    heads_total = count.step("P_QKV", mul(3, h, _projection(problem.bias, d, d_k)),
                             heads * per_head, "all h heads", "qkv")
    count.check(sympy.Eq(mul(h, d_k), d, evaluate=False),
                "h d_k = d_model: the h heads together hold 3 h d_model d_k = 3 d_model^2 "
                "weights, whatever h is")
    out = count.step("P_O", _projection(problem.bias, d, d), dm * dm + b * dm,
                     "output projection W^O: the concatenated heads (d_model) to d_model",
                     "output_projection")
    attention = count.step("P_attn", add(sympy.Symbol("P_QKV"), sympy.Symbol("P_O")),
                           heads_total + out, "self-attention total", "attention")
    answers: dict[str, Any] = {"per_head": per_head, "qkv": heads_total, "output_projection": out,
                               "attention": attention, "head_dim": dk}
    mha = _rules(problem, "MultiheadAttention", (dm, heads))
    _agree("attention", attention, mha.total)
    if problem.ffn is not None:
        answers.update(_encoder(count, problem, attention))
        _check_encoder(problem, answers)
    entries = [Answer(parse_key(name), value, nonnegative=True) for name, value in answers.items()]
    return Solution(problem, tuple(count.steps), Answers([*entries, *_torch_tensors(mha)]),
                    notes=("counts as torch.nn.MultiheadAttention / TransformerEncoderLayer",))


def _rules(problem: Problem, kind: str, args: tuple[int, ...], copies: int = 1) -> Summary:
    """The layer rules' summary of one `kind` layer (repeated `copies` times) on a
    sequence of one position of width d_model."""
    where = f"attention-params: {kind}"
    node: Node = Layer(kind, bind(RULES[kind], args, {"bias": problem.bias}, where), where)
    if copies > 1:
        node = Repeat(copies, node)
    return count(Chain((("0", node),)), Input((1, problem.d_model)))


def _agree(name: str, value: int, rules: int) -> None:
    """The per-head steps against the layer rules' count: a mismatch is a bug."""
    if value != rules:
        raise VerificationError(f"attention-params: {name} is {value} by the steps, {rules} "
                                "by the layer rules")


def _check_encoder(problem: Problem, answers: dict[str, Any]) -> None:
    """The encoder layer and the stack against Repeat(N, TransformerEncoderLayer(...))."""
    args = (problem.d_model, problem.heads, problem.ffn or 0)
    stack = _rules(problem, "TransformerEncoderLayer", args, problem.num_layers)
    _agree("the layer", answers["layer"], stack.rows[0].n_params)
    _agree("the stack", answers["total"], stack.total)
    entries = stack.rows[0].params
    _agree("the feed-forward block", answers["ffn"],
           sum(e.numel for e in entries if ".linear" in f".{e.name}"))
    _agree("the norms", answers["norms"], sum(e.numel for e in entries if ".norm" in e.name))


def _torch_tensors(mha: Summary) -> list[Answer]:
    """torch.nn.MultiheadAttention's tensors by their state_dict names, as the layer rule
    names them: the shape and count of in_proj_weight (Q, K and V stacked), in_proj_bias,
    out_proj.weight, out_proj.bias."""
    found = []
    for entry in mha.rows[0].params:
        name = entry.name.split(".", 1)[1]  # the rule's name, without the model's "0."
        found += [Answer(Key(name, aspect="shape"), Shape(entry.shape), nonnegative=True),
                  Answer(Key(name, aspect="count"), entry.numel, nonnegative=True)]
    return found


def _encoder(count: _Counter, problem: Problem, attention: int) -> dict[str, int]:
    dm, ff, b = problem.d_model, problem.ffn or 0, int(problem.bias)
    ffn = count.step("P_FFN", add(_projection(problem.bias, d, f), _projection(problem.bias, f, d)),
                     dm * ff + b * ff + ff * dm + b * dm,
                     "feed-forward block: d_model -> d_ff -> d_model", "ffn")
    norm_formula = mul(2, mul(2, d)) if problem.bias else mul(2, d)
    norms = count.step("P_norm", norm_formula, 2 * (2 if b else 1) * dm,
                       "two layer norms, each with a gain" + (" and a bias" if b else "")
                       + " of d_model", "norms")
    layer = count.step("P_layer", add(sympy.Symbol("P_attn"), sympy.Symbol("P_FFN"),
                                      sympy.Symbol("P_norm")), attention + ffn + norms,
                       "one encoder layer", "layer")
    stack = count.step("P_total", mul(N, sympy.Symbol("P_layer")), problem.num_layers * layer,
                       f"a stack of N = {problem.num_layers} identical layers", "total")
    return {"ffn": ffn, "norms": norms, "layer": layer, "total": stack}

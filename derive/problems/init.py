"""`init`: torch.nn.init's schemes on a layer's weight, with the variance argument.

The layer is torch's constructor call (`Conv2d(3, 16, 3)`), each scheme torch's call without
the tensor (`kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')`, `default` for a
fresh layer's reset_parameters). Fans, gains, bounds and stds are exact (SymPy) and checked
against torch's float formulas (`derive.numeric.initialization`); the tests check them
against torch.nn.init.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, InputError
from derive.numeric.initialization import Init, Layer, Scheme, fans, initialize, parse_init
from derive.numeric.initialization import parse_layer as parse_layer_call
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Shape, Solution, Step
from derive.symbolic.build import eq

MAX_SCHEMES = 8


def _layer(value: Any, name: str) -> Layer:
    try:
        return parse_layer_call(converters.text(value, name), name)
    except InputError as error:
        raise FieldError(name, str(error).removeprefix(f"{name}: ")) from None


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A Linear or Conv layer and one or more init schemes."""

    kind = "init"
    layer: Layer = spec(_layer, "torch's constructor call: Conv2d(3, 16, 3)")
    init: tuple[Scheme, ...] = spec(
        converters.call_list(parse_init, "schemes", MAX_SCHEMES),
        "init calls: kaiming_uniform_(nonlinearity='relu')", (parse_init("default"),))

    def field_values(self) -> dict[str, Any]:
        """The fields as plain values, each call as written."""
        return {**super().field_values(), "layer": self.layer.text,
                "init": [s.text for s in self.init]}


S = sympy.Symbol


def _fan_steps(layer: Layer) -> list[Step]:
    """The weight's shape and torch's fans: shape[1] and shape[0] times the kernel sizes."""
    shape = layer.weight
    fan_in, fan_out = fans(shape)
    kernel = shape[2:]
    transposed = layer.name.startswith("ConvTranspose")
    layout = ("(out_features, in_features)" if layer.name == "Linear" else
              "(in_channels, out_channels / groups, *kernel)" if transposed else
              "(out_channels, in_channels / groups, *kernel)")
    k = [S(f"k_{i + 1}") for i in range(len(kernel))]
    given = dict(zip(k, kernel, strict=True)) | {S("n_1"): shape[1], S("n_0"): shape[0]}
    receptive = sympy.Mul(*k) if k else sympy.Integer(1)
    why = (" (torch's quirk for a transposed conv: its fan_in counts out_channels / groups)"
           if transposed else " (in_channels / groups for a grouped conv)"
           if layer.groups > 1 else "")
    return [Step(sympy.Function("shape")(S("W")),
                 f"{layer.text}: the weight in torch's layout {layout}", value=Shape(shape)),
            Step(eq(S("fan_in"), S("n_1") * receptive), "size 1 of the weight times the "
                 f"kernel's sizes{why}", value=fan_in, given=given, check=0.0),
            Step(eq(S("fan_out"), S("n_0") * receptive), "size 0 times the kernel's sizes",
                 value=fan_out, given=given, check=0.0)]


def _variance_steps() -> list[Step]:
    """Why the schemes scale as they do: keep Var(z) the same from layer to layer."""
    var, mean = sympy.Function("Var"), sympy.Function("E")
    n, var_w, ex2, var_prev = S("fan_in"), var(S("w")), mean(S("x") ** 2), var(S("z_{prev}"))
    return [Step(eq(var(S("z")), n * var_w * ex2), "z = sum of fan_in terms w_i x_i, the w_i "
                 "independent of the x_i, with mean 0 and equal variances"),
            Step(eq(ex2, var_prev / 2), "after a ReLU, x = max(z_prev, 0) with z_prev symmetric "
                 "about 0 keeps half of E[z_prev^2]"),
            Step(eq(var_w, 2 / n), "so Var(z) = Var(z_prev) needs fan_in Var(w) / 2 = 1: He's "
                 "2 / fan_in; in general gain^2 / fan, with the gain of the nonlinearity"),
            Step(eq(var_w, 2 / (S("fan_in") + S("fan_out"))), "Xavier (Glorot) for a linear "
                 "or tanh-like unit: the forward 1/fan_in and backward 1/fan_out conditions "
                 "averaged, times gain^2"),
            Step(eq(S("a"), sympy.sqrt(3) * S("sigma")), "U(-a, a) has variance a^2 / 3, so "
                 "the bound of a uniform init with std sigma is sqrt(3) sigma")]


def _scheme_steps(scheme: Scheme, results: tuple[Init, ...], number: int | None
                  ) -> tuple[list[Step], list[Answer]]:
    setting = (("init", str(number)),) if number else ()
    tag = f"^{{[{number}]}}" if number else ""
    title = f"{number}: {scheme.text}" if number else scheme.text
    steps, answers = [], []
    for result in results:
        prefix = "" if result.tensor == "weight" else "bias "
        name = "bound" if result.distribution == "uniform" else "std"
        what = ("U(-a, a)" if result.distribution == "uniform" else "N(0, sigma^2)")
        fan_name = "fan_in + fan_out" if scheme.name.startswith("xavier") else "fan"
        if result.tensor == "weight":
            steps.append(Step(eq(S(f"gain{tag}"), result.gain), f"{title}: the gain", value=float(
                result.gain), check=0.0, key=Key("gain", setting=setting)))
        steps.append(Step(eq(S(f"{prefix}{name}{tag}"), result.value),
                          f"{title}: the {result.tensor} ~ {what} ({fan_name} = {result.fan})",
                          value=float(result.value), check=result.check,
                          key=Key(f"{prefix}{name}", setting=setting)))
        answers.append(Answer(Key(f"{prefix}{name}", setting=setting), float(result.value),
                              nonnegative=True, reads=scheme_reads(scheme, result)))
        if result.tensor == "weight":
            answers.append(Answer(Key("gain", setting=setting), float(result.gain),
                                  nonnegative=True))
    return steps, answers


AUTHORS = {"kaiming": "He (Kaiming)", "xavier": "Xavier (Glorot)"}
SPREAD = {("kaiming", "normal"): 1, ("kaiming", "uniform"): 3, ("xavier", "normal"): 2,
          ("xavier", "uniform"): 6}  # value = gain sqrt(SPREAD) / sqrt(fan)


def scheme_reads(scheme: Scheme, result: Init) -> str:
    """The box of a bound or std in words, as an ASCII-math caption: the scheme named, its
    formula in the fans, the exact value and the number, e.g. 'He (Kaiming) uniform:
    sqrt(2) sqrt(3) / sqrt(fan_in) = sqrt(3)/6 = 0.2887' (the fans are steps of their own).

    >>> from derive.numeric.initialization import parse_layer
    >>> layer = parse_layer("Linear(72, 10)")
    >>> for result in initialize(layer, parse_init("default")):
    ...     print(scheme_reads(parse_init("default"), result))
    torch's default: 1 / sqrt(fan_in) = sqrt(2)/12 = 0.1179
    torch's default for the bias: 1 / sqrt(fan_in) = sqrt(2)/12 = 0.1179
    """
    family = scheme.name.split("_")[0]
    fan = ("fan_in + fan_out" if family == "xavier" else "fan_in" if scheme.name == "default"
           else str(scheme["mode"]))
    if scheme.name == "default":
        title = "torch's default" + ("" if result.tensor == "weight" else " for the bias")
        factors: list[str] = []
    else:
        title = f"{AUTHORS[family]} {result.distribution}"
        gain = sympy.sstr(result.gain)
        factors = [f"({gain})" if "/" in gain else gain] if result.gain != 1 else []
        spread = SPREAD[family, result.distribution]
        factors += [f"sqrt({spread})"] if spread != 1 else []
    return (f"{title}: {' '.join(factors) or '1'} / sqrt({fan}) = {sympy.sstr(result.value)} "
            f"= {float(result.value):.4g}")


def solve(problem: Problem) -> Solution:
    """Fans, the variance argument, and each scheme's gain and bound or std."""
    layer = problem.layer
    fan_in, fan_out = fans(layer.weight)
    steps = _fan_steps(layer) + _variance_steps()
    answers = [Answer(Key("W", aspect="shape"), Shape(layer.weight)),
               Answer(Key("fan_in"), fan_in, nonnegative=True),
               Answer(Key("fan_out"), fan_out, nonnegative=True)]
    several = len(problem.init) > 1
    for number, scheme in enumerate(problem.init, start=1):
        more_steps, more = _scheme_steps(scheme, initialize(layer, scheme),
                                         number if several else None)
        steps += more_steps
        answers += more
    notes = ("default is what torch's reset_parameters does: kaiming_uniform_(a=sqrt(5)) on "
             "the weight (bound 1/sqrt(fan_in)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the "
             "bias", "exact values, checked against torch.nn.init's float formulas")
    return Solution(problem, tuple(steps), Answers(answers), notes=notes)

"""The shared reading of constructor calls (derive.call_syntax, derive.call_binding) guards both
of its callers: one call (optimizers, schedules, init schemes) and a model description."""

from __future__ import annotations

from decimal import Decimal

import pytest

from derive.constructor_calls import parse_call
from derive.errors import InputError
from derive.models import parse_model
from derive.numeric.initialization import parse_init
from derive.numeric.optim.specs import parse_optimizer, parse_schedule


def _refused(parse, text: str) -> str:
    with pytest.raises(InputError) as error:
        parse(text)
    message = str(error.value)
    assert "\n" not in message
    return message


PARSERS = {"optimizer": parse_optimizer, "schedule": parse_schedule, "init": parse_init,
           "model": parse_model}
# parser | text | what its one-line refusal says (the shared caps, names and binding)
REFUSALS = """
optimizer | Adam(lr=100000000000000000000) | is too large; at most
model | Linear(10000000000000, 1) | is too large; at most
optimizer | Adam(lr=1e400) | 1e400 is not a finite number
model | Dropout(1e400) | is not a finite number
model | Linear(9**9**9, 1) | exponent
model | Linear(4, 2.5**3) | expected a whole number, got 15.625
optimizer | Adam(lr=[[[[[1]]]]]) | nested deeper than 4 levels
model | Linear(------------------------------1, 1) | nested deeper than 24 levels
optimizer | Adam(lr=0.1, lr=0.2) | keyword argument 'lr' repeated in Adam(...)
model | Linear(4, 3, bias=True, bias=False) | keyword argument 'bias' repeated in Linear(...)
optimizer | os.system('x') | unknown qualifier 'os' of 'system'
init | os.system('x') | unknown qualifier 'os' of 'system'
model | os.system('x') | expected a layer such as nn.Conv2d(...), got 'os.system'
model | Linear(4, os.system('x')) | os.system('x')" is not a literal
optimizer | Adam(lr=b'x') | is not a literal
model | Linear(4, 3, bias=b'x') | is not a literal
optimizer | Adam(lr=-'a') | a sign needs a number, got 'a'
model | Linear(4, -'a') | a sign needs a number, got 'a'
optimizer | Adam(lr=0.1, beta=(0.9, 0.99)) | unknown argument 'beta' of Adam; known: lr
model | Linear(4, 3, biass=False) | Linear: unknown argument 'biass'; known: in_features
optimizer | Adam(0.1, lr=0.2) | Adam: 'lr' given twice
model | Linear(4, 3, in_features=2) | Linear: 'in_features' given twice
optimizer | SGD(0.1, 0, 0, 0, False, False, 1) | SGD takes at most 6 positional arguments
model | Linear(4, 3, True, 1) | Linear takes at most 3 positional arguments
schedule | StepLR(gamma=0.5) | StepLR: missing 'step_size'; its parameters are
model | Linear(4) | Linear: missing 'out_features'; its parameters are
"""
LONG = [("model", "Linear(1" + " + 1" * 700 + ", 1)", "nested deeper than 24 levels"),
        ("optimizer", f"Adam(lr='{'a' * 65}')", "a string of at most 64 characters"),
        ("model", f"Linear(4, 3, bias='{'a' * 65}')", "a string of at most 64 characters")]


@pytest.mark.parametrize(("parser", "text", "message"),
                         [line.split(" | ") for line in REFUSALS.strip().splitlines()] + LONG)
def test_refused_in_one_line_by_both_parsers(parser: str, text: str, message: str) -> None:
    assert message in _refused(PARSERS[parser], text)


@pytest.mark.parametrize("text", [
    "x" + ".a" * 500 + "(1)",  # a deep name: the message slices the text, never unparses it
    "Linear(x" + "[1]" * 500 + ", 1)",
    "Linear(f" + "()" * 500 + ", 1)",
    "Linear(1, 1)" + "()" * 500,
])
def test_deep_expressions_are_quoted_without_recursion(text: str) -> None:
    assert len(_refused(parse_model, text)) < 250


def test_reals_keep_their_digits_in_a_call_and_are_floats_in_a_model() -> None:
    assert parse_call("Adam(lr=1_0.50, eps=-1e-8)", "o").kwargs == (
        ("lr", Decimal("10.50")), ("eps", Decimal("-1E-8")))
    (_, layer), = parse_model("Dropout(p=0.1)").children
    assert layer.args["p"] == 0.1 and isinstance(layer.args["p"], float)

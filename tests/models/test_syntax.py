"""The description parser: the forms courses write, and hostile input refused in one line."""

from __future__ import annotations

import pytest

from derive.errors import InputError
from derive.models import count, parse_layers, parse_model
from derive.models.limits import MAX_CALLS, MAX_NESTING, MAX_REPEAT, MAX_TEXT


def test_pasted_forms_agree() -> None:
    forms = [
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU())",
        "torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())",
        "Linear(4, 3)\nReLU()",
        "from collections import OrderedDict\nnn.Sequential(OrderedDict([('0', nn.Linear(4, 3)),"
        " ('1', nn.ReLU())]))",
        "fc = Linear(in_features=4, out_features=3)\nSequential(fc, ReLU())",
    ]
    for text in forms:
        assert [r.name for r in count(parse_model(text), "4").rows] == ["0", "1"]
    listed, written = parse_layers(["Linear(4, 3)", "ReLU()"]), parse_model(forms[2])
    assert [(n, c.args) for n, c in listed.children] == \
        [(n, c.args) for n, c in written.children]


@pytest.mark.parametrize(("text", "message"), [
    ("(" * (MAX_NESTING + 1) + "Linear(1, 1)" + ")" * (MAX_NESTING + 1), "nested deeper"),
    ("x" * (MAX_TEXT + 1), "at most"),
    ("\n".join(["ReLU()"] * (MAX_CALLS + 1)), "more than"),
    (f"Repeat({MAX_REPEAT + 1}, ReLU())", "the count is a whole number"),
    ("Repeat(10000, Repeat(10000, Repeat(10000, ReLU())))", "once repeats are expanded"),
    ("a = ReLU()\nSequential(a, a)", "used twice"),
    ("a = Sequential(a)\na", "used twice"),
    ("import os\nReLU()", "only torch imports"),
    ("Linear(4, 3, **{'bias': False})", "* and ** arguments"),
    ("Linear(4, 3, bias=0)", "expected True or False"),
    ("Linear(4)", "missing 'out_features'"),
    ("Linear(9**9**9, 1)", "exponent"),
    ("Conv2d(4, 6, 3, groups=4)", "groups 4 does not divide out_channels 6"),
    ("Conv2d(4, 4, 3, stride=2, padding='same')", "padding='same' needs stride 1"),
    ("lambda: 0", "expected a layer"),
])
def test_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        parse_model(text)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_repeat_is_counted_not_expanded() -> None:
    summary = count(parse_model("Repeat(10000, Repeat(1000, Linear(8, 8)))"), "8")
    assert summary.total == 10_000_000 * 72 and len(summary.rows) == 1
    assert summary.rows[0].name == "0.0.0" and summary.rows[0].copies == 10_000_000


def test_receptive_field_through_repeat() -> None:
    summary = count(parse_model("Repeat(4, Conv2d(1, 1, 3, padding=1))"), "1x32x32")
    assert summary.field is not None and summary.field.size == (9, 9)


@pytest.mark.parametrize("text", ["Linear(10, 3, bias=True, bias=False)",
                                  "nn.Sequential(nn.Linear(4, 2),"
                                  " Conv2d(1, 1, 3, stride=1, stride=2))"])
def test_a_repeated_keyword_is_refused_as_python_would(text: str) -> None:
    with pytest.raises(InputError, match="repeated in .*give it once"):
        parse_model(text)

"""summary's `names`: the layers named as a statement names them (A, B, C) in the boxes,
steps, table and figure, the torch names still found (review of seed-summaries T2)."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.errors import InputError
from derive.render.keys import key_display
from derive.solution import Shape, StackFigure

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAYERS = ["Conv2d(3, 4, 3)", "ReLU()", "MaxPool2d(2)"]


def _solve(**fields: object) -> derive.Solution:
    return derive.solve(derive.problem("summary", input="3x8x8", **fields))


def test_seed_summaries_t2_boxes_a_b_c_and_keeps_the_torch_names() -> None:
    problems = derive.load(EXAMPLES / "seed-summaries.toml").problems
    problem = next(p for p in problems if p.id == "seed-002-t2-conv")
    assert ".toml" not in (problem.statement or "")
    solution = derive.solve(problem)
    answers = solution.answers
    boxed = [a.key for a in answers.entries() if not a.detail and isinstance(a.value, Shape)]
    assert [key_display(key) for key in boxed[:3]] == ["A", "B", "C"]
    assert [tuple(answers[name]) for name in ("A", "B", "C")] == [(16, 32, 32), (16, 16, 16),
                                                                  (32, 8, 8)]
    for letter, index in zip("ABC", "012", strict=True):
        assert answers.find(f"shape of {letter}") is not None
        assert answers[f"shape of {index}"] == answers[letter]
    markdown = derive.render(solution, "markdown")
    assert r"- $A$: $\boxed{16 \times 32 \times 32}$" in markdown
    assert "shape of 0:" not in markdown and "| A (0) | Conv2d |" in markdown
    assert "A, layer 0 (Conv2d): output" in solution.steps[0].why
    assert isinstance(solution.figure, StackFigure)
    assert [m.label for m in solution.figure.maps[1:]] == ["A: Conv2d", "B: MaxPool2d",
                                                            "C: Conv2d"]


@pytest.mark.parametrize("names, named", [
    (["A", "B", "C"], {"A": "0", "B": "1", "C": "2"}),  # every layer
    (["A", "B"], {"A": "0", "B": "2"}),  # the layers that change the shape (not the ReLU)
])
def test_names_label_every_layer_or_the_shape_changing_ones(names: list[str],
                                                            named: dict[str, str]) -> None:
    answers = _solve(layers=LAYERS, names=names).answers
    for name, torch in named.items():
        assert answers[name] == answers[f"shape of {torch}"]
        assert answers[f"shape of {name}"] == answers[name]


def test_without_names_the_statement_letters_still_box_the_torch_names() -> None:
    solution = _solve(layers=LAYERS, statement="a conv (A) and a pool (B)")
    boxed = [key_display(a.key) for a in solution.answers.entries() if not a.detail]
    assert "shape of 0" in boxed and "shape of 2" in boxed


@pytest.mark.parametrize("names, message", [
    (["A"], "1 name for 3 layers (2 of them change the shape)"),
    (["A", "B", "C", "D"], "4 names for 3 layers"),
    (["A", "A"], "each layer needs its own name"),
    (["total", "B"], "'total' already names an answer"),
    (["A", "2b"], "'2b' is not a layer name"),
    ([3, "B"], "3 is not a layer name"),
    ([], "expected a list of layer names"),
    ({"A": 1}, "expected a list of layer names"),
])
def test_hostile_names_are_refused_in_one_line(names: object, message: str) -> None:
    with pytest.raises(InputError) as raised:
        derive.problem("summary", input="3x8x8", layers=LAYERS, names=names)
    text = str(raised.value)
    assert message in text and "\n" not in text and "names" in text


def test_a_name_may_not_be_another_layers_torch_name() -> None:
    with pytest.raises(InputError, match="'fc' already names an answer"):
        derive.problem("summary", input="4",
                       model="nn.Sequential(OrderedDict([('fc', nn.Linear(4, 2)), "
                             "('out', nn.Linear(2, 1))]))",
                       names=["B", "fc"])

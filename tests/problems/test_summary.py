"""The `summary` kind: a problem from a model's text or layers, its answers, its renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
from derive.cli import cli as main
from derive.errors import InputError

EXAMPLES = Path(__file__).parents[2] / "examples" / "models"
LENET = (EXAMPLES / "lenet5.py").read_text()


def test_lenet_answers_and_formula() -> None:
    solution = derive.solve(derive.problem("summary", input=[1, 32, 32], model=LENET))
    answers = solution.answers
    assert answers["total"] == 61_706 and answers["macs"] == 416_520
    assert answers["bytes of memory"] == 4 * 61_706 and answers["buffers"] == 0
    assert list(answers["shape of 5"]) == [16, 5, 5] and answers["count of 7.weight"] == 48_000
    assert list(answers["receptive_field"]) == [16, 16] and list(answers["jump"]) == [4, 4]
    text = derive.render(solution, "text")
    assert "P₁ = Cₒᵤₜ·Cᵢₙ·kₕ·k_w + Cₒᵤₜ = 6·1·5·5 + 6 = 156" in text


def test_layers_list_and_renders() -> None:
    problem = derive.problem("summary", input="3x32x32",
                             layers=["Conv2d(3, 6, 5, groups=3)", "BatchNorm2d(6)", "ReLU()"])
    solution = derive.solve(problem)
    assert solution.answers["count of 0"] == 6 * 1 * 25 + 6
    assert solution.answers["count of 1.num_batches_tracked"] == 1
    for fmt in ("text", "markdown", "latex"):
        assert "BatchNorm2d" in derive.render(solution, fmt)
    data = json.loads(derive.render(solution, "json"))
    assert data["answers"]["buffers"] == 13 and data["answers"]["type of 2"] == "ReLU"


@pytest.mark.parametrize(("model", "message"), [
    ("nn.Sequential(nn.Flatten(), nn.Linear(100, 10))",
     "in_features is 100 but its input has 3,072 features; its input 3072 comes from '0' "
     "(Flatten, which flattened 3 x 32 x 32)"),
    ("Conv2d(3, 6, 50)", "the height of the dilated kernel (50) exceeds the padded input"),
    ("Conv4d(3, 6, 5)", "unknown layer 'Conv4d'; known: "),
    ("Conv2d(3, 6, 5, strides=2)", "unknown argument 'strides'; known: in_channels"),
    ("Linear(2**100, 3)", "the exponent must be"),
    ("__import__('os').system('x')", "expected a layer such as nn.Conv2d"),
    ("Repeat(3, MaxPool2d(2))", "the copies would differ"),
])
def test_errors_name_the_layer(model: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        derive.problem("summary", input="3x32x32", model=model)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_model_or_layers() -> None:
    with pytest.raises(InputError, match="either model"):
        derive.problem("summary", input="3x32x32")


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["summary", "--input", "1x32x32", "--model",
                                  str(EXAMPLES / "lenet5.py"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["answers"]["total"] == 61_706
    result = runner.invoke(main, ["summary", "--input", "3x32x32", "--layer", "Conv2d(3, 6, 5)",
                                  "--layer", "Flatten()", "--layer", "Linear(6*28*28, 10)"])
    assert result.exit_code == 0 and "P = 47506" in result.output
    result = runner.invoke(main, ["summary", "--input", "3x32x32", "--layer", "Linear(32, 2)",
                                  "--layer", "Conv2d(3, 6, 5)"])
    assert result.exit_code != 0 and "layer '1' (Conv2d" in str(result.exception)


def test_claims() -> None:
    problem = derive.problem("summary", input="1x32x32", model=LENET,
                             claims={"total": 61706, "count of 0": 150})
    solution = derive.solve(problem)
    assert solution.answers["count of 0"] == 156

"""`conv-size`: shapes equal PyTorch's Conv2d/MaxPool2d/AvgPool2d and the closed form."""

from __future__ import annotations

import random

import pytest

import derive


def closed_form(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_seed_000_q1_3_is_30_by_30(run_cli) -> None:
    solution = derive.solve(derive.problem("conv-size", input="32x32", layers=["conv k=3"]))
    assert solution.answers["output"] == (30, 30)
    status, out, _ = run_cli("conv-size", "--input", "32x32", "--kernel", "3")
    assert status == 0 and "= 30" in out


@pytest.mark.parametrize("seed", range(40))
def test_random_layers_match_closed_form(seed: int) -> None:
    rng = random.Random(seed)
    n, k, s, p, d = rng.randint(5, 64), rng.randint(1, 5), rng.randint(1, 4), rng.randint(0, 3), \
        rng.randint(1, 3)
    if d * (k - 1) + 1 > n + 2 * p:
        pytest.skip("kernel larger than the input")
    layer = f"conv k={k} s={s} p={p} d={d}"
    solution = derive.solve(derive.problem("conv-size", input=n, layers=[layer]))
    assert solution.answers["output"] == (closed_form(n, k, s, p, d),) * 2


def test_stack_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 16, 5, padding=2), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, 2, 1), nn.AvgPool2d(3, 2),
                          nn.Conv2d(32, 8, (3, 1), dilation=(2, 1), bias=False))
    layers = ["conv k=5 p=2 out=16", "maxpool k=2", "conv k=3 s=2 p=1 out=32", "avgpool k=3 s=2",
              {"type": "conv", "kernel": [3, 1], "dilation": [2, 1], "out_channels": 8,
               "bias": False}]
    solution = derive.solve(derive.problem("conv-size", input="64x60", channels=3, layers=layers))
    x = torch.zeros(1, 3, 64, 60)
    shapes = []
    for module in model:
        x = module(x)
        shapes.append(list(x.shape[1:]))
    assert [list(shape) for shape in solution.answers["shapes"]] == shapes
    assert solution.answers["params"] == sum(p.numel() for p in model.parameters())


def test_uneven_stride_is_said() -> None:
    solution = derive.solve(derive.problem("conv-size", input=10, layers=["maxpool k=3 s=2"]))
    assert solution.answers["output"] == (4, 4)
    assert "does not divide evenly" in solution.steps[0].why


@pytest.mark.parametrize("args, field", [
    (["--input", "3x3", "--kernel", "5"], "kernel"),
    (["--input", "0", "--kernel", "1"], "input"),
    (["--input", "8", "--kernel", "3", "--stride", "0"], "stride"),
    (["--input", "8", "--kernel", "3", "--padding", "-1"], "padding"),
    (["--input", "8"], "kernel"),
    (["--input", "8", "--layer", "conv k=3 z=1"], "z"),
    (["--input", "8", "--layer", "pool k=3"], "type"),
    (["--input", "8", "--kernel", "3", "--layer", "conv k=3"], "layer"),
])
def test_bad_input_names_the_field(run_cli, args: list[str], field: str) -> None:
    status, out, err = run_cli("conv-size", *args)
    assert status == 2 and out == "" and field in err and err.count("\n") == 1


def test_input_c_h_w_is_the_same_as_channels(run_cli) -> None:
    layers = ["conv k=5 p=2 out=16", "maxpool k=2", "conv k=3 s=2 p=1 out=32"]
    one = derive.solve(derive.problem("conv-size", input="3x32x32", layers=layers))
    two = derive.solve(derive.problem("conv-size", input=32, channels=3, layers=layers))
    assert one.answers["shapes"] == two.answers["shapes"] == [(16, 32, 32), (16, 16, 16),
                                                              (32, 8, 8)]
    assert one.answers["params"] == two.answers["params"] == 16 * 76 + 32 * 145
    status, out, err = run_cli("conv-size", "--input", "3x32x32", "--layer", layers[0])
    assert status == 0 and "16 × 32 × 32" in out
    status, out, err = run_cli("conv-size", "--input", "3x32x32", "--channels", "4",
                               "--layer", layers[0])
    assert status == 2 and "channels" in err and err.count("\n") == 1


def test_a_failing_layer_keeps_the_shapes_before_it() -> None:
    """Which layer breaks and why: the valid prefix is answered, the failing layer named."""
    layers = ["conv k=3 out=4", "maxpool k=2", "conv k=5 out=8", "conv k=1 out=2"]
    solution = derive.solve(derive.problem("conv-size", input="3x8x8", layers=layers))
    assert solution.answers["shapes"] == [(4, 6, 6), (4, 3, 3)]
    assert solution.answers["failing_layer"] == 3
    assert "output" not in solution.answers and "params" not in solution.answers
    note = solution.notes[0]
    assert "layer 3 (conv)" in note and "4 x 3 x 3" in note and "(5) exceeds" in note
    assert solution.tables[0].rows[-1][-2] == "does not fit"


def test_a_stack_where_nothing_fits_is_an_error(run_cli) -> None:
    status, out, err = run_cli("conv-size", "--input", "3x3", "--layer", "conv k=5",
                               "--layer", "maxpool k=2")
    assert status == 2 and "layers[1].kernel" in err and "(5) exceeds" in err


def test_counts_come_from_the_layer_rules() -> None:
    """conv-size is a view on derive.models: its counts are the summary's."""
    from derive.models import count, parse_layers

    layers = ["conv k=5 p=2 out=6", "maxpool k=2", "conv k=5 out=16", "avgpool k=2"]
    solution = derive.solve(derive.problem("conv-size", input="1x28x28", layers=layers))
    summary = count(parse_layers(["Conv2d(1, 6, 5, padding=2)", "MaxPool2d(2)",
                                  "Conv2d(6, 16, 5)", "AvgPool2d(2)"]), "1x28x28")
    assert solution.answers["params"] == summary.total == 2572
    assert list(solution.answers["shapes"]) == [row.output for row in summary.rows]

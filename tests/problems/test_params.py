"""`params`: counts equal the closed form sum(n_i n_{i+1} + n_{i+1}) and PyTorch's."""

from __future__ import annotations

import json

import pytest

import derive
import derive.errors


def closed_form(widths: list[int], bias: bool = True) -> int:
    return sum(a * b + (b if bias else 0) for a, b in zip(widths, widths[1:], strict=False))


@pytest.mark.parametrize("widths", [[100, 50, 25, 10], [30, 1024, 512, 1], [3072, 256, 10], [1, 1]])
@pytest.mark.parametrize("bias", [True, False])
def test_total_equals_closed_form(widths: list[int], bias: bool) -> None:
    solution = derive.solve(derive.problem("params", layers=widths, bias=bias))
    assert solution.answers["total"] == closed_form(widths, bias)
    assert sum(solution.answers["per_layer"]) == solution.answers["total"]


def test_seed_000_q1_1_is_6585() -> None:
    # 100*50 + 50 + 50*25 + 25 + 25*10 + 10, as the seed computes it by hand
    assert derive.solve(derive.problem("params", layers="100,50,25,10")).answers["total"] == 6585


def test_seed_002_t3_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    widths = [30, 1024, 512, 1]
    linears = (torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:], strict=False))
    model = torch.nn.Sequential(*linears)
    expected = sum(p.numel() for p in model.parameters())
    assert derive.solve(derive.problem("params", layers=widths)).answers["total"] == expected


def test_substitution_is_written_out(run_cli) -> None:
    status, out, _ = run_cli("params", "--layers", "100,50,25,10")
    assert status == 0
    assert "100·50 + 50 + 50·25 + 25 + 25·10 + 10 = 6585" in out


def test_json_answer(run_cli) -> None:
    status, out, _ = run_cli("params", "--layers", "100,50,25,10", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["kind"] == "params" and data["answers"]["total"] == 6585
    assert list(data) == sorted(data)


@pytest.mark.parametrize("layers", ["100", "0,5", "-1,2", "a,b", "1.5,2", "", "3,1e99"])
def test_bad_layers_are_one_line_errors(run_cli, layers: str) -> None:
    status, out, err = run_cli("params", "--layers", layers)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "layers" in err and "Traceback" not in err


def test_the_deepest_allowed_network_is_solved() -> None:
    """5,000 widths (the maximum); its cost is measured by bench/params_depth.py, not here."""
    solution = derive.solve(derive.problem("params", layers=",".join(["10"] * 5000)))
    assert solution.answers["total"] == 4999 * 110


def test_the_widths_have_a_maximum() -> None:
    with pytest.raises(derive.errors.InputError, match="'layers'.* 2 to 5000 sizes"):
        derive.problem("params", layers=",".join(["10"] * 5001))


def test_counts_come_from_the_linear_rule() -> None:
    """params is a view on derive.models: the same rows as summary's Linear layers."""
    from derive.models import count, parse_layers

    solution = derive.solve(derive.problem("params", layers=[30, 1024, 512, 1]))
    summary = count(parse_layers(["Linear(30, 1024)", "Linear(1024, 512)", "Linear(512, 1)"]),
                    "30")
    assert solution.answers["total"] == summary.total == 557057
    assert solution.answers["per_layer"] == [row.n_params for row in summary.rows]
    assert solution.answers["count of W_2"] == 1024 * 512
    assert solution.answers["count of b_3"] == 1


def test_forgotten_biases_are_named(run_cli) -> None:
    status, out, _ = run_cli("params", "--layers", "100,50,25,10", "--claim", "total=6500")
    assert status == 1 and "the biases were left out" in out
    answer = derive.solve(derive.problem("params", layers="3,2")).answers.answer("total")
    assert answer.nonnegative


def test_letter_counts_print_in_layer_order_in_every_format() -> None:
    # issue 19: P = D H + H + H C + C as the layers give it, never SymPy's C + H + C H + D H
    solution = derive.solve(derive.problem("params", layers="D,H,C"))
    text = derive.render(solution, "text")
    assert "total = D·H + H + H·C + C" in text and "P_2 = H·C + C" in text
    assert "D*H" not in text and "C + H + C·H" not in text
    latex = derive.render(solution, "latex")
    assert "D H + H + H C + C" in latex and "C + H + C H" not in latex
    assert "D H + H + H C + C" in derive.render(solution, "markdown")
    assert json.loads(derive.render(solution, "json"))["answers"]["total"]["text"] == \
        "D*H + H + H*C + C"

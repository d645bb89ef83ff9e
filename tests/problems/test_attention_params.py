"""`attention-params`: counts equal torch.nn.MultiheadAttention / TransformerEncoder(Layer)."""

from __future__ import annotations

import pytest

import derive


def test_seed_000_q1_4_closed_form() -> None:
    # 4 projections of d x d (+ d biases each): 4 * 256**2 + 4 * 256
    answers = derive.solve(derive.problem("attention-params", d_model=256, heads=8)).answers
    assert answers["attention"] == 4 * 256**2 + 4 * 256 == 263168
    no_bias = derive.solve(derive.problem("attention-params", d_model=256, heads=8, bias=False))
    assert no_bias.answers["attention"] == 262144


@pytest.mark.parametrize("heads", [1, 2, 8, 16])
def test_total_does_not_depend_on_heads(heads: int) -> None:
    answers = derive.solve(derive.problem("attention-params", d_model=64, heads=heads)).answers
    assert answers["attention"] == 4 * 64 * 64 + 4 * 64


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d_model, heads, ffn, layers", [(256, 8, 1024, 1), (64, 4, 128, 3)])
def test_matches_torch(bias: bool, d_model: int, heads: int, ffn: int, layers: int) -> None:
    torch = pytest.importorskip("torch")
    attention = torch.nn.MultiheadAttention(d_model, heads, bias=bias)
    layer = torch.nn.TransformerEncoderLayer(d_model, heads, ffn, bias=bias)
    stack = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
    answers = derive.solve(derive.problem("attention-params", d_model=d_model, heads=heads,
                                          bias=bias, ffn=ffn, num_layers=layers)).answers

    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    assert answers["attention"] == count(attention)
    assert answers["layer"] == count(layer)
    assert answers["total"] == count(stack)


def test_heads_must_divide(run_cli) -> None:
    status, out, err = run_cli("attention-params", "--d-model", "256", "--heads", "7")
    assert status == 2 and out == "" and "heads" in err and "divide" in err


@pytest.mark.parametrize("bias", [True, False])
def test_head_dim_and_torchs_tensors_are_answers(bias: bool) -> None:
    torch = pytest.importorskip("torch")
    module = torch.nn.MultiheadAttention(256, 8, bias=bias, device="meta")
    answers = derive.solve(derive.problem("attention-params", d_model=256, heads=8,
                                          bias=bias)).answers
    assert answers["head_dim"] == module.head_dim == 32
    for name, tensor in module.state_dict().items():
        assert tuple(answers[f"shape of {name}"]) == tuple(tensor.shape), name
        assert answers[f"count of {name}"] == tensor.numel(), name
    assert sum(answers[f"count of {n}"] for n in module.state_dict()) == answers["attention"]


@pytest.mark.parametrize("bias", [True, False])
def test_breakdown_is_the_layer_rules(bias: bool) -> None:
    """The torch tensors come from the MultiheadAttention rule; the totals agree with
    Repeat(N, TransformerEncoderLayer(...)) summarized by derive.models."""
    from derive.models import count, parse_layers

    answers = derive.solve(derive.problem("attention-params", d_model=64, heads=4, bias=bias,
                                          ffn=128, num_layers=3)).answers
    assert answers["shape of in_proj_weight"] == (192, 64)
    assert ("count of in_proj_bias" in answers) == bias
    stack = count(parse_layers([f"Repeat(3, TransformerEncoderLayer(64, 4, 128, bias={bias}))"]),
                  "10x64")
    assert answers["total"] == stack.total and answers["head_dim"] == 16


def test_seed_000_document_sums_are_wrong_as_if_d_model_were_512_without_bias() -> None:
    torch = pytest.importorskip("torch")
    mha = torch.nn.MultiheadAttention(256, 8)
    counts = {name: p.numel() for name, p in mha.named_parameters()}
    problem = derive.problem("attention-params", d_model=256, heads=8,
                             claims={"qkv": 786432, "output_projection": 262144})
    solution = derive.solve(problem)
    assert solution.answers["qkv"] == counts["in_proj_weight"] + counts["in_proj_bias"]
    assert solution.answers["output_projection"] == (counts["out_proj.weight"]
                                                     + counts["out_proj.bias"])
    verdicts = derive.check(solution)
    assert [v.verdict for v in verdicts] == ["wrong", "wrong"]
    assert all("d_model were 512 and bias were false" in str(v.cause) for v in verdicts)

"""Scaled dot-product attention, MultiheadAttention and TransformerEncoderLayer: against torch
autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.layers import check_layer, kernels_for
from tests.numeric.oracle import (
    FD_TOLERANCE,
    TOLERANCE,
    max_difference,
    module,
    run_kernels,
    run_torch,
    state_of,
)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mask", [False, True])
def test_sdpa_matches_torch_and_differences(causal: bool, mask: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    q, k, v = rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 2, 4, 3)), \
        rng.standard_normal((2, 2, 4, 5))
    allowed = rng.random((4, 4)) > 0.3
    np.fill_diagonal(allowed, True)  # no row wholly masked
    config = {"is_causal": causal, "attn_mask": allowed if mask else None}
    dy = rng.standard_normal((2, 2, 4, 5))

    def sdpa(*tensors: object) -> object:
        return torch.nn.functional.scaled_dot_product_attention(
            *tensors, attn_mask=torch.tensor(allowed) if mask else None, is_causal=causal)

    if causal and mask:  # torch takes one or the other; the two masks combined
        config = {"attn_mask": allowed & np.tril(np.ones((4, 4), bool))}
        causal, allowed = False, config["attn_mask"]
    ours = run_kernels("scaled_dot_product_attention", {}, (q, k, v), dy, config)
    assert max_difference(ours, run_torch(sdpa, (q, k, v), dy)) < TOLERANCE
    assert check_layer(kernels_for("scaled_dot_product_attention"), {}, (q, k, v),
                       config) < FD_TOLERANCE


MHA = [  # heads, batch_first, causal, self-attention, bias
    (1, False, False, True, True), (2, True, True, True, True),
    (4, False, True, False, False), (2, True, False, False, True),
]


@pytest.mark.parametrize("heads, batch_first, causal, self_attention, bias", MHA)
def test_multihead_attention_matches_torch_and_differences(
        heads: int, batch_first: bool, causal: bool, self_attention: bool, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    layer = module("MultiheadAttention", 8, heads, batch_first=batch_first, bias=bias,
                   scale=0.5)
    rng = np.random.default_rng(14)
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    xs = tuple(rng.standard_normal(shape) for _ in range(1 if self_attention else 3))
    config = {"num_heads": heads, "batch_first": batch_first, "is_causal": causal}
    x = xs[0] if self_attention else xs
    dy = rng.standard_normal(shape)
    ours = run_kernels("MultiheadAttention", state_of(layer), x, dy, config)
    blocked = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1) if causal else None

    def attention(*tensors: object) -> object:
        query, key, value = tensors * 3 if self_attention else tensors
        return layer(query, key, value, attn_mask=blocked, need_weights=False)[0]

    theirs = run_torch(attention, x, dy)
    theirs.grads = {n: p.grad.numpy() for n, p in layer.named_parameters()}
    assert max_difference(ours, theirs) < TOLERANCE
    assert check_layer(kernels_for("MultiheadAttention"), state_of(layer), x,
                       config) < FD_TOLERANCE


ENCODERS = [  # norm_first, activation, batch_first, causal
    (False, "relu", False, False), (True, "gelu", True, True), (False, "gelu", True, True),
    (True, "relu", False, False),
]


@pytest.mark.parametrize("norm_first, activation, batch_first, causal", ENCODERS)
def test_encoder_layer_matches_torch_and_differences(norm_first: bool, activation: str,
                                                     batch_first: bool, causal: bool) -> None:
    """Dropout off (eval mode in torch, training=False here)."""
    torch = pytest.importorskip("torch")
    layer = module("TransformerEncoderLayer", 8, 2, 16, activation=activation,
                   batch_first=batch_first, norm_first=norm_first, scale=0.5).eval()
    rng = np.random.default_rng(15)
    x = rng.standard_normal((3, 5, 8) if batch_first else (5, 3, 8))
    config = {"nhead": 2, "activation": activation, "batch_first": batch_first,
              "norm_first": norm_first, "is_causal": causal, "training": False}
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    call = {"src_mask": mask, "is_causal": True} if causal else {}
    dy = rng.standard_normal(x.shape)
    ours = run_kernels("TransformerEncoderLayer", state_of(layer), x, dy, config)
    assert max_difference(ours, run_torch(layer, x, dy, **call)) < TOLERANCE
    assert check_layer(kernels_for("TransformerEncoderLayer"), state_of(layer), x,
                       config) < FD_TOLERANCE


def test_encoder_layer_with_given_dropout_masks_matches_differences() -> None:
    layer = module("TransformerEncoderLayer", 4, 2, 6, dropout=0.25, scale=0.5)
    rng = np.random.default_rng(16)
    x = rng.standard_normal((3, 2, 4))
    masks = {"dropout": rng.random((3, 2, 6)) > 0.25, "dropout1": rng.random(x.shape) > 0.25,
             "dropout2": rng.random(x.shape) > 0.25}
    config = {"nhead": 2, "dropout": 0.25, "masks": masks}
    assert check_layer(kernels_for("TransformerEncoderLayer"), state_of(layer), x,
                       config) < FD_TOLERANCE

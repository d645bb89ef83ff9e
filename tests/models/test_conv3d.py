"""Conv3d, ConvTranspose3d and ConvTranspose1d rules against torch: output shape, parameter
tensors and counts (by state_dict name), MACs against torch.utils.flop_counter."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from tests.models.oracle import compare  # noqa: E402


@pytest.mark.parametrize("text, shape", [
    ("Conv3d(2, 4, 3)", "2x5x6x7"),
    ("Conv3d(4, 6, (1, 3, 2), stride=(1, 2, 2), padding=(0, 1, 1), dilation=(1, 2, 1), "
     "groups=2, bias=False)", "4x3x9x8"),
    ("Conv3d(2, 2, 3, padding='same')\nReLU()\nFlatten()", "2x4x4x4"),
    ("ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, groups=2)", "4x2x3x3"),
    ("ConvTranspose3d(2, 3, (2, 3, 1), padding=(0, 1, 0), bias=False)", "2x3x4x5"),
    ("ConvTranspose1d(3, 4, 5, stride=3, padding=1, output_padding=2, dilation=2)", "3x7"),
])
def test_rule_matches_torch(text: str, shape: str) -> None:
    compare(text, shape, macs=True)


def test_conv3d_count_formula_names_three_kernel_sizes() -> None:
    from derive.models import Input, parse_model, summarize

    row = summarize(parse_model("Conv3d(3, 8, (2, 3, 4))"), (Input((3, 5, 6, 7)),)).rows[0]
    assert row.count is not None and row.count.value == 8 * 3 * 2 * 3 * 4 + 8
    assert {"k_d", "k_h", "k_w"} <= {str(s) for s in row.count.given}

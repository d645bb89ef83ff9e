"""MultiheadAttention's index form agrees with the numeric kernels entry by entry (1 and 2
heads, causal or not, batch_first both ways, with and without biases, unbatched), and each
block of in_proj_weight is checked against its own rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy

from derive.errors import InputError, VerificationError
from derive.numeric.layers import kernels_for
from derive.symbolic.layer_forms import Bound, check_form, form_of, verify_form

rng = np.random.default_rng(11)


def _state(embed: int, bias: bool) -> dict[str, np.ndarray]:
    state = {"in_proj_weight": rng.standard_normal((3 * embed, embed)),
             "out_proj.weight": rng.standard_normal((embed, embed))}
    if bias:
        state |= {"in_proj_bias": rng.standard_normal(3 * embed),
                  "out_proj.bias": rng.standard_normal(embed)}
    return state


CASES = [  # heads, batch_first, causal, bias, input shape
    (1, False, False, True, (3, 2, 4)), (2, False, True, True, (3, 2, 4)),
    (1, True, True, False, (2, 3, 4)), (2, True, False, True, (2, 3, 4)),
    (2, False, True, False, (3, 4)), (2, True, True, True, (3, 4)),
]


@pytest.mark.parametrize("heads, batch_first, causal, bias, shape", CASES)
def test_mha_form_matches_kernels(heads: int, batch_first: bool, causal: bool, bias: bool,
                                  shape: tuple[int, ...]) -> None:
    config = {"num_heads": heads, "batch_first": batch_first, "is_causal": causal,
              "bias": bias}
    form, residual = check_form("MultiheadAttention", config, rng.standard_normal(shape),
                                _state(4, bias))
    assert residual < 1e-9
    targets = [r.target for r in form.backward if r.target]
    assert "in_proj_weight" in targets and "X" in targets
    assert ("in_proj_bias" in targets) == bias


def test_each_in_proj_block_is_checked_against_its_own_rows() -> None:
    """dQ stacked in the key rows (and dK in the query rows) must fail the check."""
    config, x, state = {"num_heads": 2}, rng.standard_normal((3, 2, 4)), _state(4, True)
    kernels = kernels_for("MultiheadAttention")
    y, cache = kernels.forward(np, state, x, config)
    dy = rng.standard_normal(y.shape)
    dx, grads = kernels.backward(np, state, cache, dy, config)
    form = form_of("MultiheadAttention", config, 3)
    swap = {sympy.IndexedBase("dQ"): sympy.IndexedBase("dK"),
            sympy.IndexedBase("dK"): sympy.IndexedBase("dQ")}
    wrong = tuple(dataclasses.replace(r, rhs=r.rhs.xreplace(swap))
                  if str(r.lhs.base) == "dQKV" else r for r in form.backward)
    with pytest.raises(VerificationError):
        verify_form(dataclasses.replace(form, backward=wrong),
                    Bound(x, state, config, dy, y, dx, grads))


def test_forward_reads_rows_sE_plus_hd_plus_c() -> None:
    """Projection s of head h, column c is row s E + h d + c of in_proj_weight."""
    from derive.symbolic.layer_grads_mha import E, W_in, X, c, d, e, h, i, n

    form = form_of("MultiheadAttention", {"num_heads": 2}, 3)
    for s, relation in enumerate(form.forward[:3]):
        assert W_in[s * E + h * d + c, e] in {a.doit() for a in relation.rhs.atoms(sympy.Indexed)}
        assert X[i, n, e] in relation.rhs.atoms(sympy.Indexed)  # (L, N, E)
    first = form_of("MultiheadAttention", {"num_heads": 2, "batch_first": True}, 3)
    assert first.forward[-1].lhs == sympy.IndexedBase("Y")[n, i, sympy.Symbol("p",
                                                                              integer=True)]


def test_cross_attention_and_kdim_are_refused() -> None:
    with pytest.raises(InputError, match="kdim"):
        form_of("MultiheadAttention", {"num_heads": 1, "kdim": 3}, 3)
    x = tuple(rng.standard_normal((3, 1, 4)) for _ in range(3))
    with pytest.raises(InputError, match="self-attention"):
        check_form("MultiheadAttention", {"num_heads": 1}, x, _state(4, True))

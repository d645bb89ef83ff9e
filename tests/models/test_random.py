"""Random models of every layer type against torch: shapes, per-module counts, names,
buffers, totals; MACs against torch.utils.flop_counter on small models."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.models.oracle import compare  # noqa: E402

B = st.booleans()


@st.composite
def image_model(draw: st.DrawFn) -> tuple[str, str]:
    """A conv stack on C x H x W, then a classifier head."""
    c, h = draw(st.integers(1, 6)), draw(st.integers(8, 20))
    first, layers, size = c, [], h
    for _ in range(draw(st.integers(1, 4))):
        groups = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
        out = groups * draw(st.integers(1, 4))
        k, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
        p = draw(st.integers(0, 2))
        if d * (k - 1) + 1 > size + 2 * p:
            continue
        choice = draw(st.integers(0, 5))
        if choice == 0:
            layers.append(f"Conv2d({c}, {out}, {k}, stride={s}, padding={p}, dilation={d}, "
                          f"groups={groups}, bias={draw(B)})")
            size, c = (size + 2 * p - d * (k - 1) - 1) // s + 1, out
        elif choice == 1:
            layers.append(f"Conv2d({c}, {out}, {k}, padding='same', groups={groups})")
            c = out
        elif choice == 2 and size >= 2:
            layers.append(f"MaxPool2d(2, ceil_mode={draw(B)})")
            size = -(-size // 2) if "True" in layers[-1] else size // 2
        elif choice == 3:
            layers.append(f"BatchNorm2d({c}, affine={draw(B)}, track_running_stats={draw(B)})")
        elif choice == 4:
            layers.append(f"ConvTranspose2d({c}, {out}, {k}, stride={s}, output_padding="
                          f"{s - 1}, groups={groups})")
            size, c = (size - 1) * s + k + s - 1, out
        else:
            layers.append(draw(st.sampled_from(["ReLU()", "GELU()", "SiLU()", "Tanh()",
                                                "LeakyReLU(0.2)", f"GroupNorm(1, {c})",
                                                "AvgPool2d(1)", "Dropout(0.1)"])))
    layers += ["AdaptiveAvgPool2d((2, 2))", "Flatten()", f"Linear({c * 4}, 5)",
               draw(st.sampled_from(["BatchNorm1d(5)", "LayerNorm(5)", "Softmax(dim=1)"]))]
    return "\n".join(layers), f"{first}x{h}x{h}"


@st.composite
def sequence_model(draw: st.DrawFn) -> tuple[str, str]:
    """Tokens -> Embedding -> recurrent or attention layers -> a head."""
    e = draw(st.sampled_from([4, 6, 8]))
    layers = [f"Embedding(30, {e})"]
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            cls = draw(st.sampled_from(["RNN", "GRU", "LSTM"]))
            hidden, bi = draw(st.integers(2, 6)), draw(B)
            proj = draw(st.integers(0, hidden - 1)) if cls == "LSTM" else 0
            extra = f", proj_size={proj}" if proj else ""
            layers.append(f"{cls}({e}, {hidden}, num_layers={draw(st.integers(1, 2))}, "
                          f"bias={draw(B)}, batch_first=True, bidirectional={bi}{extra})")
            e = (proj or hidden) * (2 if bi else 1)
        elif choice == 1:
            layers.append(f"MultiheadAttention({e}, {2 - e % 2}, bias={draw(B)}, "
                          f"add_bias_kv={draw(B)}, batch_first=True)")
        elif choice == 2:
            layers.append(f"TransformerEncoderLayer({e}, {2 - e % 2}, {draw(st.integers(2, 9))}, "
                          f"norm_first={draw(B)}, bias={draw(B)}, batch_first=True)")
        else:
            layers.append(f"Linear({e}, 6)")
            e = 6
    layers += [f"LayerNorm({e})", "Select(1, -1)", f"Linear({e}, 3)"]
    return "\n".join(layers), f"tokens:{draw(st.integers(1, 7))}"


@settings(max_examples=25, deadline=None)
@given(image_model())
def test_random_image_models(case: tuple[str, str]) -> None:
    compare(*case)


@settings(max_examples=25, deadline=None)
@given(sequence_model())
def test_random_sequence_models(case: tuple[str, str]) -> None:
    compare(*case)


def test_decoder_layer_and_conv1d() -> None:
    compare("TransformerDecoderLayer(8, 2, 16, bias=False, batch_first=True)\nLinear(8, 2)",
            ["5x8", "3x8"], macs=True)
    compare("Conv1d(2, 4, 3, stride=2)\nMaxPool1d(2)\nConv1d(4, 4, 1)\nFlatten()", "2x20",
            macs=True)


@pytest.mark.parametrize("text, shape", [
    ("Conv2d(3, 6, 5, groups=3)\nReLU()\nMaxPool2d(2)\nFlatten()\nLinear(6 * 14 * 14, 10)",
     "3x32x32"),
    ("ConvTranspose2d(4, 6, 3, stride=2, groups=2)", "4x5x5"),
    ("Embedding(50, 16)\nTransformerEncoderLayer(16, 2, 32, batch_first=True)", "tokens:9"),
    ("Embedding(50, 8)\nMultiheadAttention(8, 2, add_bias_kv=True, batch_first=True)",
     "tokens:6"),
    ("LSTM(4, 8, num_layers=2, bidirectional=True, proj_size=3, batch_first=True)", "5x4"),
    ("GRU(4, 8, batch_first=True)\nRNN(8, 3, batch_first=True)", "5x4"),
])
def test_macs_match_flop_counter(text: str, shape: str) -> None:
    compare(text, shape, macs=True)


def test_ceil_mode_drops_a_window_in_the_padding() -> None:
    summary = compare("MaxPool2d(2, stride=2, padding=1, ceil_mode=True)", "1x5x5")
    assert summary.output == (1, 3, 3)

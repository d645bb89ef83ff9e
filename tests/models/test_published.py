"""The published architectures from their few-line descriptions (examples/models), against
the published totals and against torch built on the meta device (no weights in memory).

AlexNet and VGG-16 are written as torchvision builds them (torchvision/models/alexnet.py,
vgg.py: cfg "D"); ResNet-18/50 with torchvision's BasicBlock/Bottleneck, whose state_dict
names the test compares. torchvision itself is not needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from tests.models.oracle import compare  # noqa: E402

EXAMPLES = Path(__file__).parents[2] / "examples" / "models"

PUBLISHED = [  # file, inputs, total parameters
    ("lenet5", "1x32x32", 61_706),
    ("alexnet", "3x224x224", 61_100_840),
    ("vgg16", "3x224x224", 138_357_544),
    ("resnet18", "3x224x224", 11_689_512),
    ("resnet50", "3x224x224", 25_557_032),
    ("bert_base", ["tokens:128"] * 3, 109_482_240),
    ("gpt2_small", ["tokens:1024"] * 2, 124_439_808),
    ("mobilenet_block", "32x112x112", 32 * 9 + 64 + 32 * 64 + 128),
    ("lstm_classifier", "tokens:200", 20000 * 128 + 4 * 256 * (128 + 256 + 2) + 514),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "inputs", "total"), PUBLISHED)
def test_published_total_and_torch(name: str, inputs: object, total: int) -> None:
    summary = compare((EXAMPLES / f"{name}.py").read_text(), inputs, device="meta", batch=1)
    assert summary.total == total


@pytest.mark.parametrize(("name", "inputs", "total"), PUBLISHED)
def test_published_total(name: str, inputs: object, total: int) -> None:
    from derive.models import count, parse_model

    assert count(parse_model((EXAMPLES / f"{name}.py").read_text()), inputs).total == total


def test_bert_without_pooler() -> None:
    from derive.models import count, parse_model

    text = (EXAMPLES / "bert_base.py").read_text()
    text = text[:text.index("    pooler=")].rstrip().rstrip(",") + ")"
    assert count(parse_model(text), ["tokens:128"] * 3).total == 108_891_648


def test_gpt2_head_is_tied() -> None:
    from derive.models import count, parse_model

    summary = count(parse_model((EXAMPLES / "gpt2_small.py").read_text()), ["tokens:1024"] * 2)
    head = summary.rows[-1]
    assert head.params[0].shared_with == "embeddings.wte.weight" and head.n_params == 0


def test_resnet18_state_dict_names() -> None:
    from derive.models import count, parse_model

    summary = count(parse_model((EXAMPLES / "resnet18.py").read_text()), "3x224x224")
    names = [e.name for row in summary.rows for e in row.params + row.buffers]
    assert names[:4] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean"]
    assert "layer2.0.downsample.0.weight" in names and "layer4.1.bn2.num_batches_tracked" in names
    assert len(names) == 122 and names[-1] == "fc.bias"  # torchvision's state_dict: 122 keys

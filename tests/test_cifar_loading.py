"""Hostile CIFAR-10 batches: `derive train --data DIR` refuses each with one line naming the
file and the field, exit 2, and writes nothing."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive.numeric import cifar

ROWS = 10  # images per training batch below
PIXELS = np.zeros((ROWS, cifar.PIXELS), dtype=np.uint8)
LABELS = [index % 10 for index in range(ROWS)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    train_set, test_set = cifar.synthetic(5 * ROWS, 2)
    cifar.write_batches(tmp_path / "cifar", train_set, test_set)
    return tmp_path / "cifar"


def batch(data: Any = PIXELS, labels: Any = LABELS) -> bytes:
    return pickle.dumps({b"batch_label": b"x", b"labels": labels, b"data": data}, protocol=2)


def codec_call(codec: str) -> bytes:
    """{b"data": _codecs.encode("abc", codec), b"labels": []} as protocol 2 spells it."""
    def text(value: str) -> bytes:
        return b"X" + len(value).to_bytes(4, "little") + value.encode()

    call = b"c_codecs\nencode\n" + text("abc") + text(codec) + b"\x86R"
    return b"\x80\x02}(C\x04data" + call + b"C\x06labels]u."


CASES: dict[str, tuple[bytes, str]] = {
    "string labels": (batch(labels=["cat"] * ROWS), "field labels"),
    "bytes labels": (batch(labels=[b"\x01"] * ROWS), "field labels"),
    "None labels": (batch(labels=None), "field labels"),
    "a None label": (batch(labels=[None] + LABELS[1:]), "field labels"),
    "huge integer labels": (batch(labels=[10**400] * ROWS), "field labels"),
    "ragged labels": (batch(labels=[[1, 2], [3]] + LABELS[2:]), "field labels"),
    "bool labels": (batch(labels=[True] * ROWS), "field labels"),
    "float labels": (batch(labels=[1.0] * ROWS), "field labels"),
    "label 10": (batch(labels=[10] * ROWS), "field labels"),
    "negative label": (batch(labels=[-1] * ROWS), "field labels"),
    "float label array": (batch(labels=np.ones(ROWS)), "field labels"),
    "2-d label array": (batch(labels=np.ones((ROWS, 1), dtype=np.int64)), "field labels"),
    "label array 10": (batch(labels=np.full(ROWS, 10)), "field labels"),
    "too few labels": (batch(labels=LABELS[:-1]), "field labels"),
    "data a list": (batch(data=[[0] * cifar.PIXELS] * ROWS), "field data"),
    "data float": (batch(data=PIXELS.astype(np.float32)), "field data"),
    "data short rows": (batch(data=PIXELS[:, :100]), "field data"),
    "data empty": (batch(data=PIXELS[:0], labels=[]), "not a CIFAR-10 batch"),  # b"" is a call
    "an unknown codec": (codec_call("no-such-codec"), "not a CIFAR-10 batch"),
    "another codec": (codec_call("rot13"), "not a CIFAR-10 batch"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_batch_is_one_line(run_cli, folder: Path, tmp_path: Path, case: str) -> None:
    content, words = CASES[case]
    (folder / "data_batch_2").write_bytes(content)
    log = tmp_path / "run.json"
    status, out, err = run_cli("train", "--data", str(folder), "--layers", "3072,4,10",
                               "--epochs", "1", "--blas-core", "default", "--log", str(log))
    assert status == 2, err
    assert err.startswith("derive: error: data: ") and err.count("\n") == 1, err
    assert "data_batch_2" in err and words in err and "Traceback" not in err
    assert out == "" and not log.exists()


def test_good_batches_still_train(run_cli, folder: Path) -> None:
    status, out, err = run_cli("train", "--data", str(folder), "--layers", "3072,4,10",
                               "--epochs", "1", "--blas-core", "default")
    assert status == 0, err

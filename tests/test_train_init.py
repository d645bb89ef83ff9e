"""derive train --init: the scheme names of derive init, drawn as torch.nn.init's formulas
say (empirical bound and std of the weights, written here from torch's docs), recorded in the
run's settings; a bad scheme is one line, exit 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from derive.numeric import trainer

N_IN, N_HIDDEN, N_OUT = 3072, 256, 10


def weights(init: str = "", hidden: str = "sigmoid") -> list[tuple[np.ndarray, np.ndarray]]:
    settings = trainer.Settings(layers=(N_IN, N_HIDDEN, N_OUT), hidden=hidden, init=init,
                                dtype="float64", seed=5)
    return trainer.initial_state(settings, np).params


def xavier_std(gain: float, fan_in: int, fan_out: int) -> float:
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(gain: float, fan: int) -> float:
    return gain / math.sqrt(fan)


# scheme -> (distribution, bound or std of layer 1's W as torch's docs write it, bias bound)
CASES = {
    "xavier_uniform_(gain=calculate_gain('tanh'))":
        ("uniform", math.sqrt(3) * xavier_std(5 / 3, N_IN, N_HIDDEN), None),
    "xavier_normal_()": ("normal", xavier_std(1, N_IN, N_HIDDEN), None),
    "kaiming_uniform_(nonlinearity='relu')":
        ("uniform", math.sqrt(3) * kaiming_std(math.sqrt(2), N_IN), None),
    "kaiming_normal_(mode='fan_out', nonlinearity='relu')":
        ("normal", kaiming_std(math.sqrt(2), N_HIDDEN), None),
    "default": ("uniform", math.sqrt(3) * kaiming_std(math.sqrt(2 / 6), N_IN),
                1 / math.sqrt(N_IN)),
}


def check(W: np.ndarray, distribution: str, value: float) -> None:
    if distribution == "uniform":
        assert np.abs(W).max() <= value and np.abs(W).max() > 0.999 * value
        assert W.std() == pytest.approx(value / math.sqrt(3), rel=0.01)
    else:
        assert W.std() == pytest.approx(value, rel=0.01) and abs(W.mean()) < 0.01 * value


@pytest.mark.parametrize("scheme", CASES)
def test_the_weights_follow_the_schemes_formula(scheme: str) -> None:
    (W, b), _ = weights(scheme)
    distribution, value, bias = CASES[scheme]
    check(W, distribution, value)
    if bias is None:
        assert not b.any()
    else:
        assert np.abs(b).max() <= bias
        assert b.std() == pytest.approx(bias / math.sqrt(3), rel=0.15)  # 256 draws


def test_the_default_is_glorot_normal_or_he_for_relu() -> None:
    assert trainer.Settings().init == "xavier_normal_()"
    assert trainer.Settings(hidden="relu").init == "kaiming_normal_(nonlinearity='relu')"
    (W, b), _ = weights()
    check(W, "normal", xavier_std(1, N_IN, N_HIDDEN))
    (W, b), _ = weights(hidden="relu")
    check(W, "normal", kaiming_std(math.sqrt(2), N_IN))
    assert not b.any()


def test_uniform01_is_the_seeds_torch_rand() -> None:
    (W, b), _ = weights("uniform01")
    assert W.min() >= 0 and W.max() < 1 and b.min() >= 0 and abs(W.mean() - 0.5) < 0.01


def test_the_scheme_is_recorded_in_the_log(run_cli, tmp_path: Path) -> None:
    log = tmp_path / "run.json"
    status, _, err = run_cli("train", "--synthetic", "50", "--layers", "3072,4,10", "--epochs",
                             "1", "--init", "kaiming_uniform_(a=sqrt(5))", "--log", str(log),
                             "--blas-core", "default")
    assert status == 0, err
    assert json.loads(log.read_text())["settings"]["init"] == "kaiming_uniform_(a=sqrt(5))"


@pytest.mark.parametrize("scheme, words", [
    ("xavier", "unknown init scheme 'xavier'; known: xavier_uniform_, xavier_normal_, "
               "kaiming_uniform_, kaiming_normal_, default, or uniform01"),
    ("kaiming_normal_(mode='fan')", "mode"),
    ("xavier_normal_(gain=-1)", "gain: must not be negative"),
    ("__import__('os')", "init"),
])
def test_a_bad_scheme_is_one_line(run_cli, scheme: str, words: str) -> None:
    status, out, err = run_cli("train", "--synthetic", "50", "--init", scheme)
    assert status == 2 and out == ""
    assert err.startswith("derive: error: init: ") and err.count("\n") == 1, err
    assert words in err

"""model-backprop's loss step says what it computes (review of layers.pdf): MSELoss as its
sum of squared errors, halved and divided as the problem's loss is, so a reader who knows
torch's MSELoss (a mean) is not misled; the SGD note writes eta as the steps do."""

from __future__ import annotations

import numpy as np
import pytest

import derive

MAZUR = {"layers": ["Linear(2, 2)", "Sigmoid()", "Linear(2, 2)", "Sigmoid()"],
         "x": [[0.05, 0.10]], "target": [[0.01, 0.99]], "lr": 0.5,
         "params": {"0.weight": [[0.15, 0.20], [0.25, 0.30]], "0.bias": [0.35, 0.35],
                    "2.weight": [[0.40, 0.45], [0.50, 0.55]], "2.bias": [0.60, 0.60]}}


def _output() -> np.ndarray:
    """Mazur's forward pass by hand: two sigmoid layers."""
    def sigmoid(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))
    params = {k: np.array(v) for k, v in MAZUR["params"].items()}
    hidden = sigmoid(np.array(MAZUR["x"]) @ params["0.weight"].T + params["0.bias"])
    return sigmoid(hidden @ params["2.weight"].T + params["2.bias"])


def _text(**fields: object) -> str:
    return derive.render(derive.solve(derive.problem("model-backprop", **(MAZUR | fields))),
                         "text")


def test_half_sum_is_written_as_such() -> None:
    text = _text(loss="MSELoss(reduction='sum')", half=True)
    assert ("the loss MSELoss(reduction='sum') with the factor 1/2: half the sum of the "
            "squared errors over the output's 2 entries") in text
    assert "loss = Σₑ₌₀..1 (((Y₃)ₑ − Tₑ)²)/2 = 0.2984" in text
    assert "MSELoss(Y₃, T)" not in text
    solution = derive.solve(derive.problem("model-backprop", loss="MSELoss(reduction='sum')",
                                           half=True, **MAZUR))
    by_hand = 0.5 * float(np.sum((_output() - np.array(MAZUR["target"])) ** 2))
    assert solution.answers["loss"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.298371109, abs=1e-9)  # Mazur's E_total


def test_mean_is_torchs_mse_loss() -> None:
    torch = pytest.importorskip("torch")
    text = _text(loss="MSELoss()")
    assert "the mean of the squared errors over the output's 2 entries" in text
    assert "loss = Σₑ₌₀..1 (((Y₃)ₑ − Tₑ)²)/2 = " in text  # the mean of 2 entries
    solution = derive.solve(derive.problem("model-backprop", loss="MSELoss()", **MAZUR))
    expected = torch.nn.MSELoss()(torch.tensor(_output()),
                                  torch.tensor(MAZUR["target"], dtype=torch.float64))
    assert solution.answers["loss"] == pytest.approx(float(expected), rel=1e-12)


def test_other_losses_keep_torchs_name_and_the_penalty_is_named() -> None:
    text = _text(loss="MSELoss(reduction='sum')", weight_decay=0.1)
    assert "loss = Σₑ₌₀..1 (((Y₃)ₑ − Tₑ)²) + R = " in text
    assert "plus R, the weight decay's penalty" in text and "adds R = λ Σ w²" in text
    fields = {k: v for k, v in MAZUR.items() if k != "target"} | {"layers": MAZUR["layers"][:3]}
    cross = derive.render(derive.solve(derive.problem(
        "model-backprop", **fields, label=[1], loss="CrossEntropyLoss()")), "text")
    assert "loss = CrossEntropyLoss(Y₂, T) = " in cross


def test_sgd_note_writes_eta() -> None:
    text = _text(loss="MSELoss(reduction='sum')", half=True)
    assert "learning rate η = 0.5: w new = w − η ∂L/∂w" in text
    assert "lr ∂L/∂w" not in text and "w - lr" not in text

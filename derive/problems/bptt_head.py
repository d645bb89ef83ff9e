"""What a `bptt` example reads from the hidden states: the states themselves or a Linear head
z_t = W_hy h_t + b_y (torch's `head.weight`, `head.bias`), and the loss on them: squared error
1/2 ||z_t - y_t||^2 or softmax cross-entropy -log softmax(z_t)[k_t], on the last output or on
every output (summed over the steps, as the squared error is).

>>> import numpy as np
>>> readout = Readout("ce", True, (1,))
>>> params = {"head.weight": np.eye(2), "head.bias": np.zeros(2)}
>>> loss, dy, grads = readout.loss_and_grad(params, np.zeros((3, 1, 2)), np.zeros((0, 0)), "last")
>>> round(loss, 6), dy[2].tolist(), dy[0].tolist()
(0.693147, [[0.5, -0.5]], [[0.0, 0.0]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

HEAD = ("head.weight", "head.bias")


@dataclass(frozen=True)
class Readout:
    """The loss ('mse' or 'ce'), whether a Linear head maps h_t to z_t, and CE's labels (one
    per step in the loss)."""

    loss: str = "mse"
    head: bool = False
    labels: tuple[int, ...] = ()

    @property
    def plain(self) -> bool:
        """1/2 ||h_t - y_t||^2 on the states themselves (the derivation's loss)."""
        return self.loss == "mse" and not self.head

    def logits(self, params: dict[str, Any], h: np.ndarray) -> np.ndarray:
        """z = h W^T + b per row of h (h itself without a head)."""
        if not self.head:
            return h
        bias = params.get("head.bias")
        z = h @ np.asarray(params["head.weight"]).T
        return z if bias is None else z + bias

    def terms(self, params: dict[str, Any], h: np.ndarray, target: Any, index: int) -> np.ndarray:
        """The loss term of one step per row of h: target row (mse) or label `index` (ce)."""
        z = self.logits(params, h)
        if self.loss == "mse":
            return 0.5 * ((z - target) ** 2).sum(axis=1)
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logp[:, self.labels[index]]

    def probabilities(self, params: dict[str, Any], h: np.ndarray) -> np.ndarray:
        """softmax(z) per row."""
        z = self.logits(params, h)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def dz(self, params: dict[str, Any], h: np.ndarray, target: Any, index: int) -> np.ndarray:
        """dL/dz of one step's term: z - y (mse) or softmax(z) - onehot(k) (ce)."""
        if self.loss == "mse":
            return self.logits(params, h) - target
        p = self.probabilities(params, h)
        p[:, self.labels[index]] -= 1.0
        return p

    def loss_and_grad(self, params: dict[str, Any], y: np.ndarray, target: Any,
                      where: str) -> tuple[float, np.ndarray, dict[str, np.ndarray]]:
        """L, dL/dy (T, 1, H; zero outside the loss's steps) and the head's gradients."""
        T = y.shape[0]
        steps = range(T) if where == "every" else [T - 1]
        dy, loss = np.zeros_like(y), 0.0
        grads = {name: np.zeros_like(np.asarray(params[name]), dtype=float)
                 for name in HEAD if self.head and params.get(name) is not None}
        for index, t in enumerate(steps):
            row = target[index] if self.loss == "mse" else None
            loss += float(self.terms(params, y[t], row, index)[0])
            dz = self.dz(params, y[t], row, index)
            if self.head:
                dy[t] = dz @ np.asarray(params["head.weight"])
                grads["head.weight"] += dz.T @ y[t]
                if "head.bias" in grads:
                    grads["head.bias"] += dz[0]
            else:
                dy[t] = dz
        return loss, dy, grads

    def step_index(self, where: str, step: int, steps: int) -> int | None:
        """Which target row / label step (1-based) uses, or None when it is not in the loss."""
        if where == "every":
            return step - 1
        return 0 if step == steps else None


def draw_head(shape: tuple[int, int], bias: bool, seed: int) -> dict[str, np.ndarray]:
    """head.weight (C, H) and head.bias (C,) uniform on +-1/sqrt(H), torch's Linear bound, from
    their own stream of the seed (the recurrent tensors' draws stay as they were)."""
    rng = np.random.default_rng([seed, 1])
    bound = 1 / np.sqrt(shape[1])
    found = {"head.weight": rng.uniform(-bound, bound, shape)}
    if bias:
        found["head.bias"] = rng.uniform(-bound, bound, shape[0])
    return found

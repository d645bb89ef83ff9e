"""Independent computations the problem tests compare derive with: NumPy's sigmoid and
softmax, central differences of any loss, and seed 003's worked 2-2-2 network as fields."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# seed 003's problem 2 (a 2-2-2 network in the WTx convention), in the document's names
SEED_003 = dict(convention="WTx", x="1,0", target="0,1", weights=["3,6;4,5", "2,3;4,3"],
                biases=["1,-6", "-1,-2"], lr="0.5",
                names="W=W^,b=W_0^,z=Z^,a=H,x=X,y=Y,yhat=Yhat")


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, shifted by the maximum."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def central_differences(loss: Callable[[np.ndarray], float], a: np.ndarray,
                        step: float = 1e-6) -> np.ndarray:
    """Central differences of loss(a) in every entry of a."""
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (loss(up) - loss(down)) / (2 * step)
    return grad

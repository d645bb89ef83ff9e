"""What a training run is given (`Settings`) and where it stands (`State`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNIFORM01 = "uniform01"  # the seed's torch.rand: weights and biases uniform in [0, 1)


def default_init(hidden: str) -> str:
    """What the trainer draws unless told: Glorot's normal weights (gain 1), He's for ReLU;
    biases zero (as xavier_normal_ and kaiming_normal_ leave them to the caller)."""
    return "kaiming_normal_(nonlinearity='relu')" if hidden == "relu" else "xavier_normal_()"


@dataclass(frozen=True)
class Settings:
    """What is trained and how."""

    layers: tuple[int, ...] = (3072, 256, 10)
    hidden: str = "sigmoid"
    epochs: int = 3
    batch_size: int = 100
    lr: float = 0.1
    seed: int = 0
    dtype: str = "float32"
    init: str = ""  # a scheme as `derive init` takes it, or UNIFORM01; "" is default_init
    normalize: bool = False

    def __post_init__(self) -> None:
        if not self.init:
            object.__setattr__(self, "init", default_init(self.hidden))


@dataclass
class State:
    """Where a run is: parameters (row layout), position, and the random generator."""

    params: list[tuple[Any, Any]]
    epoch: int = 0
    batch: int = 0
    permutation: Any = None
    rng: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

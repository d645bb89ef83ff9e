"""What a training run is given (`Settings`) and where it stands (`State`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    init: str = "xavier"
    normalize: bool = False


@dataclass
class State:
    """Where a run is: parameters (row layout), position, and the random generator."""

    params: list[tuple[Any, Any]]
    epoch: int = 0
    batch: int = 0
    permutation: Any = None
    rng: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

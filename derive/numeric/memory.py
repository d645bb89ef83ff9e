"""How much memory a training run needs, estimated before anything is allocated.

A run may use at most MEMORY_SHARE of the machine's physical memory and never more than
MEMORY_CAP bytes (`limit`); each layer is at most MAX_WIDTH wide. The estimate counts the
images (uint8) and labels, the float64 chunks synthetic data is drawn in, the float64 copy
--normalize takes its statistics from, the weights and the step buffers (the trainer's
dtype; SGD keeps no momentum), the float64 draw of the initial weights, and the arrays of a
batch: the inputs, and per layer its pre-activations, activations, deltas and derivatives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from derive.errors import InputError
from derive.numeric.cifar import CLASSES, PIXELS, SYNTHETIC_CHUNK
from derive.numeric.run_state import Settings

MEMORY_CAP = 8 * 10**9  # bytes: 8 GB, whatever the machine
MEMORY_SHARE = 0.5  # of physical memory
MAX_WIDTH = 65_536  # per layer
EVALUATION_ROWS = 1000  # the trainer evaluates this many images at a time
LAYER_ARRAYS = 5  # per row and unit: z, activation, delta, g'(z) and the product's temporary


@dataclass(frozen=True)
class Need:
    """Bytes a run needs, by what they hold."""

    data: int  # images, labels, and what drawing or normalising them takes
    parameters: int  # weights, biases, step buffers, the initial draw
    batch: int  # one batch's arrays

    @property
    def total(self) -> int:
        return self.data + self.parameters + self.batch


def limit() -> int:
    """The bytes a run may use: MEMORY_SHARE of physical memory, at most MEMORY_CAP."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return MEMORY_CAP
    return min(MEMORY_CAP, int(physical * MEMORY_SHARE)) if physical > 0 else MEMORY_CAP


def need(settings: Settings, train_rows: int, test_rows: int, synthetic: bool) -> Need:
    """The estimate for `train_rows` training and `test_rows` test images."""
    itemsize = np.dtype(settings.dtype).itemsize
    rows = train_rows + test_rows
    data = rows * (PIXELS + 8)  # uint8 pixels, int64 labels
    if synthetic:
        data += 2 * SYNTHETIC_CHUNK * PIXELS * 8
    if settings.normalize:
        data += 2 * train_rows * PIXELS * 8  # the float64 copy and its squared deviations
    pairs = list(zip(settings.layers[:-1], settings.layers[1:], strict=True))
    weights = sum(n_out * (n_in + 1) for n_in, n_out in pairs)
    largest = max(n_out * n_in for n_in, n_out in pairs)
    parameters = 2 * weights * itemsize + 2 * largest * 8
    batch_rows = max(min(settings.batch_size, train_rows),
                     min(EVALUATION_ROWS, max(train_rows, test_rows)))
    per_row = PIXELS * (itemsize + 1) + CLASSES * (itemsize + 8) + \
        LAYER_ARRAYS * sum(settings.layers[1:]) * itemsize
    return Need(data, parameters, batch_rows * per_row)


def check(settings: Settings, train_rows: int, test_rows: int, field: str) -> None:
    """Refuse, naming the field to change and the size, a run that needs more than
    `limit()`; `field` is "synthetic" or "data", where the images come from."""
    wide = max(settings.layers)
    if wide > MAX_WIDTH:
        raise InputError(f"layers: a layer of {wide} units is wider than the {MAX_WIDTH} "
                         "allowed")
    allowed = limit()
    estimate = need(settings, train_rows, test_rows, field == "synthetic")
    if estimate.total <= allowed:
        return
    largest = max(("data", estimate.data), ("layers", estimate.parameters),
                  ("batch-size", estimate.batch), key=lambda part: part[1])[0]
    about = f"need about {_gb(estimate.total)}, more than the {_gb(allowed)} allowed"
    if largest == "layers":
        widths = ",".join(map(str, settings.layers))
        raise InputError(f"layers: {widths} ({settings.dtype}) {about}; use narrower layers")
    if largest == "batch-size":
        raise InputError(f"batch-size: batches of {settings.batch_size} with layers "
                         f"{','.join(map(str, settings.layers))} {about}; use smaller batches")
    most = _most_images(settings, allowed)
    hint = f"use --synthetic {most} or fewer" if field == "synthetic" and most >= 10 else \
        "use fewer images, narrower layers or smaller batches"
    extra = " with --normalize" if settings.normalize else ""
    raise InputError(f"{field}: {train_rows} training and {test_rows} test images{extra} "
                     f"{about}; {hint}")


def _most_images(settings: Settings, allowed: int) -> int:
    """The largest --synthetic N (test images N // 5) whose run fits in `allowed`."""
    low, high = 0, 10**7
    while low < high:
        middle = (low + high + 1) // 2
        fits = need(settings, middle, max(middle // 5, CLASSES), True).total <= allowed
        low, high = (middle, high) if fits else (low, middle - 1)
    return low


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"

"""CIFAR-10 from its Python-pickle batches, read safely, and a learnable synthetic stand-in.

Images stay uint8 (N x 3072) until a batch is used; the pickles are read by an unpickler
that admits only what the format holds (dicts, lists, bytes and NumPy arrays), so a
hostile file cannot run code.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from derive.errors import InputError

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
ARCHIVE = "cifar-10-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html)"
PIXELS = 3072
CLASSES = 10
ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
           ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
           ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}  # bytes at protocol 2


@dataclass(frozen=True)
class Images:
    """uint8 images (N x 3072, channel-major as CIFAR stores them) and integer labels."""

    pixels: Any
    labels: Any


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of the CIFAR format")
        return super().find_class(module, name)


def _batch(path: Path) -> Images:
    try:
        with path.open("rb") as stream:  # streamed: no copy of the whole file in memory
            data = _Restricted(stream, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, MemoryError, OSError) as error:
        raise InputError(f"data: {path} is not a CIFAR-10 batch ({error}); download the "
                         f"archive {ARCHIVE} again") from None
    if not isinstance(data, dict) or b"data" not in data or b"labels" not in data:
        raise InputError(f"data: {path} lacks the data and labels of a CIFAR-10 batch")
    pixels, labels = data[b"data"], np.asarray(data[b"labels"], dtype=np.int64)
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 2 or \
            pixels.shape[1] != PIXELS or len(labels) != len(pixels) or \
            (len(labels) and not 0 <= labels.min() <= labels.max() < CLASSES):
        raise InputError(f"data: {path} is truncated or not in the CIFAR-10 layout "
                         f"(uint8 rows of {PIXELS} pixels, labels 0-9)")
    return Images(pixels, labels)


def default_folder() -> Path:
    """$DERIVE_DATA, else the user's cache folder."""
    if os.environ.get("DERIVE_DATA"):
        return Path(os.environ["DERIVE_DATA"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "derive" / "cifar10"


def load(folder: Path) -> tuple[Images, Images]:
    """The training (50,000) and test (10,000) images, from `folder` or its
    cifar-10-batches-py/ subfolder (where torchvision keeps them)."""
    for candidate in (folder, folder / "cifar-10-batches-py"):
        if all((candidate / name).is_file() for name in (*TRAIN_FILES, TEST_FILE)):
            return _joined([candidate / name for name in TRAIN_FILES]), \
                _batch(candidate / TEST_FILE)
    raise InputError(f"data: no CIFAR-10 batches in {folder}; extract {ARCHIVE} there (files "
                     f"{', '.join(TRAIN_FILES)}, {TEST_FILE}), or use --synthetic N")


def _joined(paths: list[Path]) -> Images:
    """The batches one after another, filled into one preallocated array (no second copy)."""
    first = _batch(paths[0])
    size = len(first.labels)
    pixels = np.empty((size * len(paths), PIXELS), dtype=np.uint8)
    labels = np.empty(len(pixels), dtype=np.int64)
    for index, path in enumerate(paths):
        part = first if index == 0 else _batch(path)
        if len(part.labels) != size:
            raise InputError(f"data: {path} holds {len(part.labels)} images, {paths[0].name} "
                             f"{size}; CIFAR-10's training batches are all the same size")
        pixels[index * size:(index + 1) * size] = part.pixels
        labels[index * size:(index + 1) * size] = part.labels
    return Images(pixels, labels)


def synthetic(count: int, seed: int) -> tuple[Images, Images]:
    """`count` training and count // 5 test images: one coarse colour pattern that each class
    shifts a little, under heavy pixel noise, as uint8; learnable, chance being 10%."""
    rng = np.random.default_rng(seed)
    shared = rng.uniform(70, 185, size=(1, 3, 4, 4))  # one scene; each class shifts its colours
    coarse = shared + rng.normal(0, 12, size=(CLASSES, 3, 4, 4))
    prototypes = np.kron(coarse, np.ones((1, 1, 8, 8))).reshape(CLASSES, PIXELS)

    def draw(size: int) -> Images:
        labels = rng.integers(0, CLASSES, size=size)
        noise = rng.normal(0, 90, size=(size, PIXELS))
        pixels = np.clip(prototypes[labels] + noise, 0, 255).astype(np.uint8)
        return Images(pixels, labels)

    return draw(count), draw(max(count // 5, CLASSES))


def write_batches(folder: Path, train: Images, test: Images) -> None:
    """Write images as CIFAR-10 batches (five training files and a test file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, part in enumerate(np.array_split(np.arange(len(train.labels)), 5), 1):
        _write(folder / f"data_batch_{index}", train.pixels[part], train.labels[part])
    _write(folder / TEST_FILE, test.pixels, test.labels)


def _write(path: Path, pixels: Any, labels: Any) -> None:
    with path.open("wb") as stream:
        pickle.dump({b"batch_label": b"generated", b"labels": labels.tolist(),
                     b"data": pixels, b"filenames": []}, stream, protocol=2)

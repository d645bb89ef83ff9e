"""CIFAR-10 from its Python-pickle batches, read safely, and a learnable synthetic stand-in.

Images stay uint8 (N x 3072) until a batch is used; the pickles are read by an unpickler
that admits only what the format holds (dicts, lists, bytes and NumPy arrays), so a
hostile file cannot run code.
"""

from __future__ import annotations

import os
import pickle
import reprlib
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
SYNTHETIC_CHUNK = 1024  # images drawn at once: bounds the float64 noise held
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
        if (module, name) == ("_codecs", "encode"):
            return _latin1
        return super().find_class(module, name)


def _latin1(text: Any, encoding: Any = "latin1") -> bytes:
    """`_codecs.encode` as protocol 2 uses it for bytes: latin-1 only, nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r} is not part of the "
                                     "CIFAR format")
    return text.encode("latin1")


def _unpickled(path: Path) -> Any:
    """The object in `path`, unpickled by the restricted unpickler. Whatever a hostile file
    makes the unpickler raise becomes one line; nothing but the loading step is guarded."""
    try:
        with path.open("rb") as stream:  # streamed: no copy of the whole file in memory
            return _Restricted(stream, encoding="bytes").load()
    except Exception as error:  # noqa: BLE001 - the unpickler's errors are the file's
        reason = f"{type(error).__name__}: {error}"[:200]
        raise InputError(f"data: {path} is not a CIFAR-10 batch ({reason}); download the "
                         f"archive {ARCHIVE} again") from None


def _batch(path: Path) -> Images:
    data = _unpickled(path)
    if not isinstance(data, dict) or b"data" not in data or b"labels" not in data:
        raise InputError(f"data: {path} lacks the data and labels of a CIFAR-10 batch")
    pixels = _pixels(path, data[b"data"])
    return Images(pixels, _labels(path, data[b"labels"], len(pixels)))


def _pixels(path: Path, pixels: Any) -> Any:
    """The `data` field: a non-empty uint8 array of rows of PIXELS values."""
    if not isinstance(pixels, np.ndarray):
        raise InputError(f"data: {path}, field data: expected a uint8 array, got "
                         f"{type(pixels).__name__}")
    if pixels.dtype != np.uint8 or pixels.ndim != 2 or pixels.shape[1] != PIXELS or \
            not len(pixels):
        raise InputError(f"data: {path}, field data: expected uint8 rows of {PIXELS} pixels, "
                         f"got {pixels.dtype} of shape {pixels.shape}")
    return pixels


def _labels(path: Path, labels: Any, rows: int) -> Any:
    """The `labels` field: one integer class 0-9 per row of data, as int64."""
    where = f"data: {path}, field labels"
    if isinstance(labels, np.ndarray):
        if labels.dtype.kind not in "iu" or labels.ndim != 1:
            raise InputError(f"{where}: expected integers, got {labels.dtype} of shape "
                             f"{labels.shape}")
        values = labels
    elif isinstance(labels, list):
        wrong = next((i for i, x in enumerate(labels) if not _is_class(x)), None)
        if wrong is not None:
            raise InputError(f"{where}: expected classes 0-{CLASSES - 1}, got "
                             f"{_shown(labels[wrong])} at index {wrong}")
        values = np.asarray(labels, dtype=np.int64)
    else:
        raise InputError(f"{where}: expected a list of classes, got {type(labels).__name__}")
    if len(values) != rows:
        raise InputError(f"{where}: {len(values)} labels for {rows} images")
    if len(values) and not 0 <= values.min() <= values.max() < CLASSES:
        raise InputError(f"{where}: classes must be 0-{CLASSES - 1}, got "
                         f"{int(values.min() if values.min() < 0 else values.max())}")
    return values.astype(np.int64, copy=False)


def _is_class(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and \
        bool(0 <= value < CLASSES)


def _shown(value: Any) -> str:
    """A bad value in a message, short whatever its size."""
    if isinstance(value, int | np.integer) and abs(int(value)).bit_length() > 64:
        return f"an integer of {abs(int(value)).bit_length()} bits"
    return reprlib.repr(value)


def default_folder() -> Path:
    """$DERIVE_DATA, else the user's cache folder."""
    if os.environ.get("DERIVE_DATA"):
        return Path(os.environ["DERIVE_DATA"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "derive" / "cifar10"


def batch_files(folder: Path) -> list[Path]:
    """The five training batches and the test batch, in `folder` or its
    cifar-10-batches-py/ subfolder (where torchvision keeps them)."""
    for candidate in (folder, folder / "cifar-10-batches-py"):
        paths = [candidate / name for name in (*TRAIN_FILES, TEST_FILE)]
        if all(path.is_file() for path in paths):
            return paths
    raise InputError(f"data: no CIFAR-10 batches in {folder}; extract {ARCHIVE} there (files "
                     f"{', '.join(TRAIN_FILES)}, {TEST_FILE}), or use --synthetic N")


def rows_at_most(folder: Path) -> tuple[int, int]:
    """Upper bounds on the training and test images in `folder`, from the files' sizes
    (every image takes PIXELS bytes of its file): what memory is estimated from."""
    sizes = [path.stat().st_size for path in batch_files(folder)]
    return sum(sizes[:-1]) // PIXELS, sizes[-1] // PIXELS


def load(folder: Path) -> tuple[Images, Images]:
    """The training (50,000) and test (10,000) images, from `folder` or its
    cifar-10-batches-py/ subfolder."""
    paths = batch_files(folder)
    return _joined(paths[:-1]), _batch(paths[-1])


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
        pixels = np.empty((size, PIXELS), dtype=np.uint8)
        for start in range(0, size, SYNTHETIC_CHUNK):  # float64 only a chunk at a time
            rows = labels[start:start + SYNTHETIC_CHUNK]
            noisy = rng.normal(0, 90, size=(len(rows), PIXELS))
            noisy += prototypes[rows]
            pixels[start:start + len(rows)] = np.clip(noisy, 0, 255, out=noisy)
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

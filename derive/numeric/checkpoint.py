"""Checkpoints: a run's state saved as .npz, and read back as hostile input.

A checkpoint holds W0.., b0.. (the parameters, row layout, in the run's dtype), the
epoch's permutation (empty between epochs) and `meta`, JSON as uint8: epoch, batch,
rng, settings and history. Loading reads the archive with `zipfile` and each member's
.npy header before its data, so nothing is allocated that the settings do not call for;
every member and field is validated (see `derive.numeric.checkpoint_meta`), and whatever
is wrong becomes one line naming it.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from derive.errors import InputError
from derive.numeric import checkpoint_meta
from derive.numeric.run_state import Settings, State
from derive.output import usual_permissions

MAX_META_BYTES = 16 * 2**20  # a 1000-epoch history takes about 2 MB
HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,
           (2, 0): np.lib.format.read_array_header_2_0}


def _host(array: Any) -> Any:
    return array.get() if hasattr(array, "get") else np.asarray(array)


def save_checkpoint(path: Path, state: State, settings: Settings) -> None:
    """Everything needed to resume, written atomically (.npz)."""
    arrays = {f"W{i}": _host(W) for i, (W, _) in enumerate(state.params)}
    arrays.update({f"b{i}": _host(b) for i, (_, b) in enumerate(state.params)})
    meta = {"epoch": state.epoch, "batch": state.batch, "rng": state.rng,
            "settings": asdict(settings), "history": state.history}
    handle, temporary = tempfile.mkstemp(suffix=".npz", dir=path.parent or Path("."))
    os.close(handle)
    try:
        with open(temporary, "wb") as stream:
            np.savez(stream, permutation=np.asarray(
                state.permutation if state.permutation is not None else [], dtype=np.int64),
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        usual_permissions(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load_checkpoint(path: Path, settings: Settings, xp: Any,
                    samples: int | None = None) -> State:
    """The state saved at `path`, validated against the run's own `settings` and, when
    given, its number of training images `samples`; InputError names what is wrong."""
    where = f"resume: {path}"
    layers = len(settings.layers) - 1
    names = {"meta", "permutation", *(f"{k}{i}" for k in "Wb" for i in range(layers))}
    with _open(path) as archive:
        found = {name.removesuffix(".npy") for name in archive.namelist()}
        if found != names:
            odd = sorted(found - names) or sorted(names - found)
            kind = "holds" if found - names else "lacks"
            raise InputError(f"{where} {kind} {', '.join(odd)[:200]}, which a checkpoint of "
                             f"layers {_widths(settings)} "
                             f"{'does not have' if kind == 'holds' else 'has'}")
        meta = checkpoint_meta.parse(where, _member(archive, path, "meta", settings, samples))
        checkpoint_meta.check_settings(where, meta, settings)
        params = [(_weights(archive, path, f"W{i}", settings, samples),
                   _weights(archive, path, f"b{i}", settings, samples))
                  for i in range(layers)]
        permutation = _member(archive, path, "permutation", settings, samples)
    _check_permutation(where, permutation)
    epoch, batch, rng, history = checkpoint_meta.check_position(
        where, meta, settings, len(permutation))
    return State([(xp.asarray(W), xp.asarray(b)) for W, b in params], epoch, batch,
                 permutation.astype(np.int64) if len(permutation) else None, rng, history)


def _widths(settings: Settings) -> str:
    return ",".join(map(str, settings.layers))


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except Exception as error:  # noqa: BLE001 - BadZipFile, OSError, ...: the file's fault
        raise InputError(_unreadable(path, error)) from None


def _unreadable(path: Path, error: Exception) -> str:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return (f"resume: {path} is not a derive checkpoint ({type(error).__name__}: "
            f"{reason[:160]})")


def _member(archive: zipfile.ZipFile, path: Path, key: str, settings: Settings,
            samples: int | None) -> Any:
    """The array `key`, read only once its header shows the shape and dtype expected."""
    try:
        with archive.open(f"{key}.npy") as stream:
            version = np.lib.format.read_magic(stream)
            header = HEADERS.get(version)
            if header is None:
                raise InputError(f"resume: {path}, {key}: .npy version {version} is not one "
                                 "numpy writes for a checkpoint")
            shape, _, dtype = header(stream)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - a corrupt member is the file's fault
        raise InputError(_unreadable(path, error)) from None
    problem = _header_problem(key, shape, dtype, settings, samples)
    if problem:
        raise InputError(f"resume: {path}, {key}: {problem}")
    try:
        with archive.open(f"{key}.npy") as stream:
            return np.lib.format.read_array(stream, allow_pickle=False)
    except Exception as error:  # noqa: BLE001 - truncated or corrupt data
        raise InputError(_unreadable(path, error)) from None


def _header_problem(key: str, shape: tuple[int, ...], dtype: np.dtype, settings: Settings,
                    samples: int | None) -> str | None:
    """What is wrong with a member's declared shape and dtype, if anything."""
    if key == "meta":
        if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_META_BYTES:
            return (f"expected JSON as at most {MAX_META_BYTES} uint8 bytes, got {dtype} of "
                    f"shape {shape}")
        return None
    if key == "permutation":
        lengths = (0, samples) if samples is not None else None
        if dtype.kind not in "iu" or len(shape) != 1 or \
                (lengths is not None and shape[0] not in lengths):
            length = f"length {samples} or 0" if samples is not None else "one axis"
            return f"expected integers of {length}, got {dtype} of shape {shape}"
        return None
    layer = int(key[1:])
    n_in, n_out = settings.layers[layer], settings.layers[layer + 1]
    wanted = (n_out, n_in) if key[0] == "W" else (n_out,)
    if dtype != np.dtype(settings.dtype):
        return f"expected {settings.dtype} parameters, got {dtype}"
    if tuple(shape) != wanted:
        return (f"shape {tuple(shape)}, but layers {_widths(settings)} need {wanted}")
    return None


def _weights(archive: zipfile.ZipFile, path: Path, key: str, settings: Settings,
             samples: int | None) -> Any:
    array = _member(archive, path, key, settings, samples)
    if not np.isfinite(array).all():
        raise InputError(f"resume: {path}, {key}: holds NaN or infinite values")
    return array


def _check_permutation(where: str, permutation: Any) -> None:
    """Each of 0..n-1 exactly once (an empty one: between epochs)."""
    size = len(permutation)
    if size and (permutation.min() < 0 or permutation.max() >= size):
        raise InputError(f"{where}, permutation: entries must be 0 to {size - 1}")
    seen = np.zeros(size, dtype=bool)
    seen[permutation] = True
    if not seen.all():
        raise InputError(f"{where}, permutation: not a permutation of 0 to {size - 1} "
                         "(an entry repeats)")

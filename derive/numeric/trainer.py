"""SGD on an MLP with the rule table's kernels: the worked solution's formulas are what learns.

The forward and backward passes are `derive.numeric.mlp` over the kernels of the
activation and output/loss rules, bound to `xp` (NumPy, or CuPy on a GPU). Images stay
uint8 and become floats one batch at a time. A checkpoint holds the parameters, the
epoch, the batch index, the epoch's permutation and the generator's state, so a resumed
run ends with bitwise the parameters of an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from derive.numeric import mlp
from derive.numeric.checkpoint import load_checkpoint, save_checkpoint
from derive.numeric.cifar import Images
from derive.numeric.initialization import Init, Layer, initialize, parse_init
from derive.numeric.run_state import UNIFORM01, Settings, State

__all__ = ["INITS", "Interrupted", "Settings", "State", "UNIFORM01", "channel_stats",
           "evaluate", "initial_state", "layer_init", "load_checkpoint", "save_checkpoint", "train"]

INITS = ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "default",
         UNIFORM01)


class Interrupted(Exception):
    """Training stopped on request; the state was saved."""


def layer_init(scheme: str, n_in: int, n_out: int) -> tuple[Init, ...]:
    """What `scheme` (as `derive init` takes it) gives Linear(n_in, n_out): the weight's
    bound or std, and for `default` the bias's too."""
    layer = Layer(f"Linear({n_in}, {n_out})", "Linear", (n_out, n_in), True)
    return initialize(layer, parse_init(scheme, "init"))


def _draw(scheme: str, n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Any, Any]:
    """W (n_out x n_in) and b: U[0, 1) both for uniform01, else the scheme's distributions,
    biases zero where the scheme leaves them (only `default` draws a bias)."""
    if scheme == UNIFORM01:
        return rng.random((n_out, n_in)), rng.random(n_out)
    drawn = {}
    for init in layer_init(scheme, n_in, n_out):
        size = (n_out, n_in) if init.tensor == "weight" else (n_out,)
        value = float(init.value)
        drawn[init.tensor] = (rng.uniform(-value, value, size) if init.distribution == "uniform"
                              else rng.normal(0, value, size))
    return drawn["weight"], drawn.get("bias", np.zeros(n_out))


def initial_state(settings: Settings, xp: Any) -> State:
    """Weights and biases drawn by `settings.init` (see `run_state.default_init`) from the
    seed, layer by layer, weight before bias."""
    rng = np.random.default_rng(settings.seed)
    params = []
    widths = settings.layers
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        W, b = _draw(settings.init, n_in, n_out, rng)
        params.append((xp.asarray(W, dtype=settings.dtype), xp.asarray(b, dtype=settings.dtype)))
    return State(params, rng=dict(rng.bit_generator.state))


def _inputs(pixels: Any, settings: Settings, xp: Any, stats: tuple[Any, Any] | None) -> Any:
    X = xp.asarray(pixels).astype(settings.dtype)
    X *= 1 / 255  # in place: one pass less over the batch
    if stats is not None:
        mean, std = stats
        X = (X - mean) / std
    return X


def channel_stats(images: Images, settings: Settings, xp: Any) -> tuple[Any, Any] | None:
    """Per-channel mean and deviation of the training set (for --normalize)."""
    if not settings.normalize:
        return None
    channels = images.pixels.reshape(len(images.pixels), 3, -1) / 255.0
    mean = channels.mean(axis=(0, 2))
    std = channels.std(axis=(0, 2))
    expand = lambda v: xp.asarray(np.repeat(v, 1024), dtype=settings.dtype)  # noqa: E731
    return expand(mean), expand(std)


def evaluate(net: mlp.Network, params: Any, images: Images, settings: Settings, xp: Any,
             stats: tuple[Any, Any] | None, batch: int = 1000) -> dict[str, Any]:
    """Loss, accuracy, accuracy per class and the confusion matrix (rows: true class)."""
    classes = settings.layers[-1]
    confusion = np.zeros((classes, classes), dtype=np.int64)
    total = 0.0
    for start in range(0, len(images.labels), batch):
        X = _inputs(images.pixels[start:start + batch], settings, xp, stats)
        labels = images.labels[start:start + batch]
        Y = xp.asarray(np.eye(classes, dtype=settings.dtype)[labels])
        zs, _ = mlp.forward(net, params, X)
        total += float(net.row_loss(zs[-1], Y).sum())
        predicted = _host(zs[-1].argmax(axis=1))
        np.add.at(confusion, (labels, predicted), 1)
    count = max(1, len(images.labels))
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {"loss": total / count, "accuracy": float(confusion.diagonal().sum() / count),
            "per_class": per_class.tolist(), "confusion": confusion.tolist()}


def _host(array: Any) -> Any:
    return array.get() if hasattr(array, "get") else np.asarray(array)


def train(net: mlp.Network, train_set: Images, test_set: Images, settings: Settings,
          state: State, xp: Any, progress: Callable[[int, int, float, float], None],
          should_stop: Callable[[], bool], save: Callable[[State], None]) -> State:
    """SGD epochs from `state` on; `progress(epoch, batches done, running loss, samples/s)`
    about 50 times an epoch (the loss stays on the device in between: a GPU is not made to
    wait every batch); when `should_stop()`, the state is saved and `Interrupted` raised."""
    classes = settings.layers[-1]
    eye = np.eye(classes, dtype=settings.dtype)
    stats = channel_stats(train_set, settings, xp)
    size = len(train_set.labels)
    batches = (size + settings.batch_size - 1) // settings.batch_size
    report_every = max(1, batches // 50)
    rng = np.random.default_rng()
    rng.bit_generator.state = state.rng
    step_buffers = [(xp.empty_like(W), xp.empty_like(b)) for W, b in state.params]
    while state.epoch < settings.epochs:
        if state.permutation is None:
            state.permutation = rng.permutation(size)
            state.rng = dict(rng.bit_generator.state)
        started, running, seen = time.perf_counter(), 0.0, 0
        while state.batch < batches:
            rows = state.permutation[state.batch * settings.batch_size:
                                     (state.batch + 1) * settings.batch_size]
            X = _inputs(train_set.pixels[rows], settings, xp, stats)
            Y = xp.asarray(eye[train_set.labels[rows]])
            cache = mlp.forward(net, state.params, X)
            steps, _ = mlp.backward(net, state.params, X, Y, cache, -settings.lr, step_buffers)
            for (W, b), (dW, db) in zip(state.params, steps, strict=True):
                W += dW  # in place, as the steps are: no new weight-sized arrays per batch
                b += db
            running += net.row_loss(cache[0][-1], Y).sum(dtype="float64")
            seen += len(rows)
            state.batch += 1
            if state.batch % report_every == 0 or state.batch == batches:
                progress(state.epoch, state.batch, float(running) / seen,
                         seen / max(time.perf_counter() - started, 1e-9))
            if should_stop():
                save(state)
                raise Interrupted
        seconds = time.perf_counter() - started
        record = {"epoch": state.epoch + 1, "seconds": seconds,
                  "samples_per_s": seen / seconds if seconds else 0.0,
                  "train": evaluate(net, state.params, train_set, settings, xp, stats),
                  "test": evaluate(net, state.params, test_set, settings, xp, stats)}
        state.history.append(record)
        state.epoch, state.batch, state.permutation = state.epoch + 1, 0, None
        save(state)
    return state

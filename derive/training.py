"""`derive train`: the CIFAR-10 MLP trained with the derived gradients, on the CPU or a GPU.

OpenBLAS picks AVX2 kernels on AVX-512 CPUs; where every AVX-512 flag the SkylakeX kernels
need is present and the user has not chosen, OPENBLAS_CORETYPE=SkylakeX is set before NumPy
loads (`--blas-core` overrides, `--blas-core default` leaves OpenBLAS to decide).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from derive.errors import DeriveError, InputError

SKYLAKE_FLAGS = {"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    line = next((line for line in text.splitlines() if line.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def choose_blas_core(choice: str) -> str | None:
    """Set OPENBLAS_CORETYPE before NumPy loads: the user's value wins; 'auto' picks SkylakeX
    only where the CPU has its AVX-512 flags. Returns what was set, if anything."""
    if "numpy" in sys.modules or "OPENBLAS_CORETYPE" in os.environ or choice == "default":
        return os.environ.get("OPENBLAS_CORETYPE")
    core = choice if choice != "auto" else ("SkylakeX" if cpu_flags() >= SKYLAKE_FLAGS
                                            else None)
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
    return core


def _array_module(device: str) -> Any:
    if device == "cpu":
        import numpy

        return numpy
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # ImportError, or CUDA reporting no device
        raise DeriveError(f"device: no usable GPU ({type(error).__name__}); install CuPy "
                          "(pip install cupy-cuda12x) on a machine with CUDA, or use "
                          "--device cpu") from None
    return cupy


@click.command()
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="CIFAR-10 batches folder (default $DERIVE_DATA or the user cache).")
@click.option("--synthetic", type=click.IntRange(10, 1_000_000),
              help="Train on N synthetic CIFAR-shaped images instead.")
@click.option("--layers", default="3072,256,10", show_default=True, help="Widths.")
@click.option("--hidden", default="sigmoid", show_default=True,
              type=click.Choice(["sigmoid", "relu", "tanh"]), help="Hidden activation.")
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(1, 1000))
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--lr", default=0.1, show_default=True, type=click.FloatRange(0, 100,
                                                                           min_open=True))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option("--dtype", default="float32", show_default=True,
              type=click.Choice(["float32", "float64"]))
@click.option("--init", metavar="SCHEME",
              help="A scheme as derive init takes it: xavier_uniform_(gain=...), xavier_normal_, "
                   "kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu'), kaiming_normal_, "
                   "default (a fresh Linear's reset_parameters, bias too); or uniform01 (the "
                   "seed's torch.rand, bias too). Default: xavier_normal_() (gain 1), "
                   "kaiming_normal_(nonlinearity='relu') with --hidden relu; biases zero.")
@click.option("--normalize", is_flag=True, help="Standardise each colour channel.")
@click.option("--device", default="cpu", show_default=True, type=click.Choice(["cpu", "gpu"]))
@click.option("--blas-core", default="auto", show_default=True,
              help="OPENBLAS_CORETYPE: auto, default (leave it), or a core name.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the per-epoch log as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Loss and accuracy curves (.png or .pdf; needs the plot extra).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the state after every epoch and on Ctrl-C / SIGTERM (.npz).")
@click.option("--resume", is_flag=True, help="Continue from --checkpoint.")
def train(data: Path | None, synthetic: int | None, layers: str, hidden: str, epochs: int,
          batch_size: int, lr: float, seed: int, dtype: str, init: str | None, normalize: bool,
          device: str, blas_core: str, log_path: Path | None, plot: Path | None,
          checkpoint: Path | None, resume: bool) -> None:
    """Train the MLP with SGD, using the derivation's own gradient kernels.

    \\b
    Examples:
      derive train --synthetic 20000 --epochs 3 --plot curve.png
      derive train --data ~/cifar10 --checkpoint run.npz --log run.json
      derive train --data ~/cifar10 --checkpoint run.npz --resume
    """
    core = choose_blas_core(blas_core)
    from derive import converters
    from derive.numeric import cifar, memory, trainer
    from derive.numeric.mlp import network

    widths = converters.layer_widths(layers, "layers")
    if widths[0] != cifar.PIXELS or widths[-1] != cifar.CLASSES:
        raise InputError(f"layers: CIFAR-10 needs {cifar.PIXELS} inputs and "
                         f"{cifar.CLASSES} outputs, e.g. 3072,256,10")
    if resume and checkpoint is None:
        raise InputError("resume: give the --checkpoint to resume from")
    _check_outputs(log_path, plot, checkpoint)
    xp = _array_module(device)
    scheme = _init_scheme(init)
    settings = trainer.Settings(widths, hidden, epochs, batch_size, lr, seed, dtype, scheme,
                                normalize)
    folder = data or cifar.default_folder()
    if synthetic:
        memory.check(settings, synthetic, max(synthetic // 5, cifar.CLASSES), "synthetic")
    else:
        memory.check(settings, *cifar.rows_at_most(folder), "data")

    def start(rows: int) -> Any:
        return (trainer.load_checkpoint(checkpoint, settings, xp, rows)
                if resume and checkpoint else trainer.initial_state(settings, xp))

    if synthetic:  # a bad checkpoint is refused before a draw that can take half a minute
        state = start(synthetic)
        click.echo(f"drawing {synthetic:,} synthetic images and "
                   f"{max(synthetic // 5, cifar.CLASSES):,} test images...", err=True)
        train_set, test_set = cifar.synthetic(synthetic, seed)
    else:
        train_set, test_set = cifar.load(folder)
        state = start(len(train_set.labels))
    net = network([hidden] * (len(widths) - 2), ("softmax", "ce"), xp=xp)
    stop = _StopFlag()
    batches = (len(train_set.labels) + batch_size - 1) // batch_size
    click.echo(f"training {layers} ({hidden}) on {len(train_set.labels)} images, "
               f"{device}{', OPENBLAS_CORETYPE=' + core if core else ''}", err=True)

    live = sys.stderr.isatty()

    def progress(epoch: int, done: int, loss: float, samples_per_s: float) -> None:
        if live:
            filled = int(30 * done / batches)
            click.echo(f"\repoch {epoch + 1}/{epochs} [{'#' * filled:<30}] {done}/{batches} "
                       f"loss {loss:.4f}, {samples_per_s:,.0f} samples/s", nl=False, err=True)

    def save(current: Any) -> None:
        if checkpoint is not None:
            trainer.save_checkpoint(checkpoint, current, settings)
        if current.history and current.batch == 0:
            last = current.history[-1]
            click.echo(f"\repoch {last['epoch']}: train loss {last['train']['loss']:.4f} acc "
                       f"{last['train']['accuracy']:.3f}, test loss {last['test']['loss']:.4f} "
                       f"acc {last['test']['accuracy']:.3f}, {last['samples_per_s']:.0f} "
                       "samples/s" + " " * 10, err=True)

    try:
        state = trainer.train(net, train_set, test_set, settings, state, xp, progress,
                              stop, save)
    except trainer.Interrupted:
        where = f"; resume with --checkpoint {checkpoint} --resume" if checkpoint else ""
        click.echo(f"\nderive: interrupted at epoch {state.epoch + 1}, batch {state.batch}"
                   f"{where}", err=True)
        sys.exit(128 + stop.signal)  # 130 after Ctrl-C, 143 after SIGTERM, as shells count
    finally:
        stop.release()
    _report(state, settings, log_path, plot)


def _init_scheme(init: str | None) -> str:
    """The --init scheme as written ("" for the default), refused in one line if torch.nn.init
    has no such call: before any data is read."""
    from derive.numeric import trainer

    scheme = (init or "").strip()
    if scheme and scheme != trainer.UNIFORM01:
        try:
            trainer.layer_init(scheme, 1, 1)
        except InputError as error:
            unknown = "unknown init scheme" in str(error)
            raise InputError(f"{error}{', or ' + trainer.UNIFORM01 if unknown else ''}") from None
    return scheme


def _check_outputs(log_path: Path | None, plot: Path | None, checkpoint: Path | None) -> None:
    """Refuse unwritable outputs before training, not after it."""
    from derive.output import check_folder

    for field, path in (("log", log_path), ("checkpoint", checkpoint)):
        if path is not None:
            check_folder(path, field)
    if plot is not None:
        from derive.render.plot import check_target

        check_target(plot)


class _StopFlag:
    """True once Ctrl-C or SIGTERM arrived (handled between batches); `signal` says which.
    `release` puts the earlier handlers back."""

    def __init__(self) -> None:
        self.signal = 0
        self.earlier = {signum: signal.signal(signum, self._handle)
                        for signum in (signal.SIGINT, signal.SIGTERM)}

    def release(self) -> None:
        for signum, handler in self.earlier.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signal = signum

    def __call__(self) -> bool:
        return bool(self.signal)


def _report(state: Any, settings: Any, log_path: Path | None, plot: Path | None) -> None:
    from dataclasses import asdict

    from derive.output import write_atomic

    final = state.history[-1]["test"] if state.history else {}
    if final:
        click.echo("test accuracy per class: " + ", ".join(
            f"{c}: {a:.2f}" for c, a in enumerate(final["per_class"])), err=True)
    if log_path is not None:
        write_atomic(log_path, json.dumps({"settings": asdict(settings),
                                           "epochs": state.history}, indent=2) + "\n")
    if plot is not None:
        from derive.render.plot import plot_training

        plot_training(plot, state.history)
    click.echo(json.dumps({"test_accuracy": final.get("accuracy"),
                           "test_loss": final.get("loss")}))

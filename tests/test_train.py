"""The trainer: its gradients, learning, the safe loader, checkpoints and resuming."""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from derive.errors import InputError
from derive.numeric import cifar, mlp, trainer

SMALL = trainer.Settings(layers=(3072, 8, 10), epochs=2, batch_size=16, lr=0.1, seed=3)


def network(settings: trainer.Settings = SMALL) -> mlp.Network:
    return mlp.network([settings.hidden] * (len(settings.layers) - 2), ("softmax", "ce"))


def test_the_trainers_gradients_equal_finite_differences() -> None:
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(4, 6)), rng.normal(size=4)), (rng.normal(size=(3, 4)),
                                                              rng.normal(size=3))]
    X, Y = rng.normal(size=(5, 6)), np.eye(3)[rng.integers(0, 3, 5)]
    net = network(trainer.Settings(layers=(6, 4, 3)))
    grads, _ = mlp.backward(net, params, X, Y)
    for (W, b), (dW, db) in zip(params, grads, strict=True):
        for array, grad in ((W, dW), (b, db)):
            numeric = mlp.numerical_gradient(lambda: mlp.loss(net, params, X, Y), array)
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_a_training_step_is_w_minus_lr_times_the_finite_difference_gradient() -> None:
    settings = trainer.Settings(layers=(3072, 3, 10), epochs=1, batch_size=12, lr=0.3, seed=5,
                                dtype="float64")
    train_set, _ = cifar.synthetic(12, 4)  # one batch: the whole set, in some order
    net = network(settings)
    before = trainer.initial_state(settings, np).params
    X, Y = train_set.pixels / 255.0, np.eye(10)[train_set.labels]
    expected = []
    for W, b in before:
        columns = W[:, :40]  # a view: 40 columns are enough and keep the test fast
        dW = mlp.numerical_gradient(lambda: mlp.loss(net, before, X, Y), columns, 1e-5)
        db = mlp.numerical_gradient(lambda: mlp.loss(net, before, X, Y), b, 1e-5)
        expected.append((columns - settings.lr * dW, b - settings.lr * db))
    after = trainer.train(net, train_set, train_set, settings, trainer.initial_state(settings, np),
                          np, lambda *args: None, lambda: False, lambda state: None).params
    for (W, b), (W_expected, b_expected) in zip(after, expected, strict=True):
        np.testing.assert_allclose(W[:, :40], W_expected, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(b, b_expected, rtol=1e-7, atol=1e-9)


def run(settings: trainer.Settings, stop_after: int | None = None, state=None, saved=None):
    train_set, test_set = cifar.synthetic(200, 1)
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return stop_after is not None and len(calls) == stop_after

    def save(current) -> None:
        if saved is not None:
            trainer.save_checkpoint(saved, current, settings)

    return trainer.train(network(settings), train_set, test_set, settings,
                         state or trainer.initial_state(settings, np), np,
                         lambda *args: None, should_stop, save)


def test_an_epoch_lowers_the_loss() -> None:
    settings = trainer.Settings(layers=(3072, 8, 10), epochs=1, batch_size=16, lr=0.1, seed=3)
    train_set, test_set = cifar.synthetic(200, 1)
    before = trainer.evaluate(network(), trainer.initial_state(settings, np).params, train_set,
                              settings, np, None)
    after = run(settings).history[-1]["train"]
    assert after["loss"] < before["loss"]
    assert np.array(after["confusion"]).sum() == 200


def test_progress_is_reported_about_fifty_times_an_epoch() -> None:
    settings = trainer.Settings(layers=(3072, 8, 10), epochs=1, batch_size=2, lr=0.1, seed=3)
    train_set, test_set = cifar.synthetic(200, 1)  # 100 batches: every second one reported
    reports: list[tuple] = []
    trainer.train(network(settings), train_set, test_set, settings,
                  trainer.initial_state(settings, np), np, lambda *args: reports.append(args),
                  lambda: False, lambda state: None)
    assert [done for _, done, _, _ in reports] == list(range(2, 101, 2))
    assert all(0 < loss < 10 and rate > 0 for _, _, loss, rate in reports)


def test_a_resumed_run_ends_bitwise_equal(tmp_path: Path) -> None:
    straight = run(SMALL)
    path = tmp_path / "run.npz"
    with pytest.raises(trainer.Interrupted):
        run(SMALL, stop_after=17, saved=path)  # mid second epoch
    resumed = run(SMALL, state=trainer.load_checkpoint(path, SMALL, np), saved=path)
    for (W1, b1), (W2, b2) in zip(straight.params, resumed.params, strict=True):
        assert np.array_equal(W1, W2) and np.array_equal(b1, b2)
    other = trainer.Settings(**{**SMALL.__dict__, "lr": 0.2})
    with pytest.raises(InputError, match="other settings"):
        trainer.load_checkpoint(path, other, np)


def test_the_loader_reads_the_real_layout(tmp_path: Path) -> None:
    train_set, test_set = cifar.synthetic(50, 2)
    cifar.write_batches(tmp_path / "cifar-10-batches-py", train_set, test_set)
    loaded_train, loaded_test = cifar.load(tmp_path)
    assert loaded_train.pixels.dtype == np.uint8 and loaded_train.pixels.shape == (50, 3072)
    assert np.array_equal(loaded_train.labels, train_set.labels)
    assert len(loaded_test.labels) == len(test_set.labels)


class Exploit:
    def __reduce__(self):
        return (Path.touch, (Path("/tmp/derive-pwned"),))


def test_a_pickle_that_runs_code_is_refused(tmp_path: Path) -> None:
    train_set, test_set = cifar.synthetic(50, 2)
    cifar.write_batches(tmp_path, train_set, test_set)
    marker = Path("/tmp/derive-pwned")
    marker.unlink(missing_ok=True)
    (tmp_path / "data_batch_3").write_bytes(pickle.dumps({b"data": Exploit(), b"labels": []}))
    with pytest.raises(InputError, match="not a CIFAR-10 batch"):
        cifar.load(tmp_path)
    assert not marker.exists()
    (tmp_path / "data_batch_3").write_bytes(b"\x80\x02}q\x00")  # truncated
    with pytest.raises(InputError):
        cifar.load(tmp_path)


class DeviceArray(np.ndarray):
    """A NumPy array posing as device memory: like CuPy's, it refuses to meet a host array
    in an operation, and comes back to the host only through .get()."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=(), **kwargs):
        for value in (*inputs, *out):
            if isinstance(value, np.ndarray) and not isinstance(value, DeviceArray) \
                    and value.ndim:
                raise TypeError(f"{ufunc.__name__}: a host array met a device array")
        host = [v.view(np.ndarray) if isinstance(v, DeviceArray) else v for v in inputs]
        if out:
            kwargs["out"] = tuple(v.view(np.ndarray) for v in out)
        result = getattr(ufunc, method)(*host, **kwargs)
        if out:
            return out[0] if len(out) == 1 else out
        return result.view(DeviceArray) if isinstance(result, np.ndarray) else result

    def get(self) -> np.ndarray:
        return self.view(np.ndarray).copy()


class FakeDevice:
    """NumPy behind a CuPy-like boundary: arrays reach the device only through asarray."""

    def __getattr__(self, name: str):
        return getattr(np, name)

    def asarray(self, value, dtype=None) -> DeviceArray:
        return np.array(value, dtype=dtype).view(DeviceArray)


def test_the_trainer_keeps_to_the_device_boundary(tmp_path: Path) -> None:
    """What --device gpu relies on, without a GPU: no host array meets a device array, the
    parameters stay on the device, and the numbers equal NumPy's."""
    settings = trainer.Settings(**{**SMALL.__dict__, "epochs": 1, "normalize": True})
    train_set, test_set = cifar.synthetic(64, 1)
    results = []
    for xp in (np, FakeDevice()):
        net = mlp.network([settings.hidden], ("softmax", "ce"), xp=xp)
        state = trainer.train(net, train_set, test_set, settings,
                              trainer.initial_state(settings, xp), xp, lambda *args: None,
                              lambda: False, lambda state: None)
        results.append(state)
    host, device = results
    assert all(isinstance(W, DeviceArray) for W, _ in device.params)
    for (W_host, _), (W_device, _) in zip(host.params, device.params, strict=True):
        assert np.array_equal(W_host, W_device.get())
    assert host.history[0]["test"] == device.history[0]["test"]
    trainer.save_checkpoint(tmp_path / "run.npz", device, settings)
    restored = trainer.load_checkpoint(tmp_path / "run.npz", settings, FakeDevice())
    assert isinstance(restored.params[0][0], DeviceArray)


def test_the_command_trains_and_logs(run_cli, tmp_path: Path) -> None:
    log = tmp_path / "run.json"
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    status, out, err = run_cli("train", "--synthetic", "200", "--epochs", "1", "--layers",
                               "3072,8,10", "--log", str(log), "--blas-core", "default")
    assert status == 0, err
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    record = json.loads(log.read_text())["epochs"][0]
    assert len(record["test"]["confusion"]) == 10 and "test_accuracy" in json.loads(out)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_saves_a_checkpoint_that_resumes(tmp_path: Path, signum: int) -> None:
    checkpoint = tmp_path / "run.npz"
    command = [sys.executable, "-m", "derive", "train", "--synthetic", "3000", "--epochs", "30",
               "--layers", "3072,8,10", "--blas-core", "default", "--checkpoint",
               str(checkpoint)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    assert process.stderr is not None
    first = process.stderr.readline()  # "drawing ...", then "training ...": once training
    while first.startswith("drawing"):  # is announced, the handlers are installed
        first = process.stderr.readline()
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert first.startswith("training") and process.returncode == 128 + signum, err
    assert "--resume" in err and "Traceback" not in err and out == ""
    settings = trainer.Settings(layers=(3072, 8, 10), epochs=30)
    assert trainer.load_checkpoint(checkpoint, settings, np).epoch < 30
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True,
                             timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    state = trainer.load_checkpoint(checkpoint, settings, np)
    assert state.epoch == 30 and len(state.history) == 30


@pytest.mark.parametrize("args, words", [
    (["--data", "/nonexistent"], "cifar-10-python.tar.gz"),
    (["--synthetic", "100", "--device", "gpu"], "device"),
    (["--synthetic", "100", "--layers", "100,10"], "layers"),
    (["--synthetic", "100", "--resume"], "resume"),
    (["--synthetic", "100", "--plot", "curve.svg"], "plot"),
    (["--synthetic", "100", "--plot", "missing/curve.png"], "plot: the folder"),
    (["--synthetic", "100", "--log", "missing/run.json"], "log: the folder"),
    (["--synthetic", "100", "--checkpoint", "missing/run.npz"], "checkpoint: the folder"),
])
def test_bad_input_is_one_line(run_cli, args, words) -> None:
    pytest.importorskip("numpy")
    try:
        import cupy  # noqa: F401

        if "gpu" in args:
            pytest.skip("a GPU library is installed")
    except ImportError:
        pass
    status, out, err = run_cli("train", *args)
    assert status == 2 and words in err and "Traceback" not in err
    assert "training" not in err  # refused before any work


@pytest.mark.parametrize("args, words", [
    (["--synthetic", "1000000", "--normalize"], "synthetic: 1000000 training and 200000 test "
                                                "images with --normalize need about 52.9 GB"),
    (["--synthetic", "100", "--layers", "3072,1000000000,10"], "layers: a layer of 1000000000"),
    (["--synthetic", "100", "--layers", "3072,60000,60000,10", "--dtype", "float64"],
     "layers: 3072,60000,60000,10 (float64) need about 118.7 GB"),
    (["--synthetic", "1000000", "--layers", "3072,65536,10", "--batch-size", "100000"],
     "batch-size: batches of 100000"),
])
def test_a_run_too_big_for_memory_is_refused_up_front(run_cli, tmp_path: Path, args,
                                                      words) -> None:
    log = tmp_path / "run.json"
    status, out, err = run_cli("train", *args, "--blas-core", "default", "--log", str(log))
    assert status == 2 and err.count("\n") == 1 and words in err, err
    assert "allowed" in err and "Traceback" not in err and out == "" and not log.exists()


def test_batches_too_big_for_memory_are_refused_before_reading(run_cli, tmp_path: Path) -> None:
    """The estimate comes from the files' sizes: 10 GB of (sparse) batches are never read."""
    for name in (*cifar.TRAIN_FILES, cifar.TEST_FILE):
        with (tmp_path / name).open("wb") as stream:
            stream.truncate(2 * 10**9)
    status, out, err = run_cli("train", "--data", str(tmp_path), "--blas-core", "default")
    assert status == 2 and err.count("\n") == 1 and out == "", err
    assert err.startswith("derive: error: data: 3255208 training and 651041 test images")


def test_the_usual_runs_fit_the_memory_limit() -> None:
    from derive.numeric import memory

    full = trainer.Settings(normalize=True, dtype="float64")
    assert memory.need(full, 50_000, 10_000, False).total < 3 * 10**9
    largest = memory.need(trainer.Settings(), 1_000_000, 200_000, True)  # the --synthetic max
    assert largest.total < memory.MEMORY_CAP

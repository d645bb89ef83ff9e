"""Hostile checkpoints: `derive train --resume` refuses each with one line and exit 2,
writing nothing."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive.numeric import cifar, mlp, trainer

SETTINGS = trainer.Settings(layers=(3072, 4, 10), epochs=2, batch_size=10)  # the CLI's below
ARGS = ("train", "--synthetic", "50", "--layers", "3072,4,10", "--epochs", "2",
        "--batch-size", "10", "--blas-core", "default", "--resume")
Arrays = dict[str, Any]


def saved(stop_after: int | None) -> bytes:
    """A checkpoint of SETTINGS's run: mid-epoch after `stop_after` batches, else finished."""
    train_set, test_set = cifar.synthetic(50, SETTINGS.seed)
    net = mlp.network([SETTINGS.hidden], ("softmax", "ce"))
    calls: list[int] = []
    kept: list[bytes] = []

    def save(state: trainer.State) -> None:
        stream = io.BytesIO()
        arrays = {f"W{i}": W for i, (W, _) in enumerate(state.params)}
        arrays.update({f"b{i}": b for i, (_, b) in enumerate(state.params)})
        meta = {"epoch": state.epoch, "batch": state.batch, "rng": state.rng,
                "settings": {**SETTINGS.__dict__, "layers": list(SETTINGS.layers)},
                "history": state.history}
        permutation = state.permutation if state.permutation is not None else []
        np.savez(stream, permutation=np.asarray(permutation, dtype=np.int64),
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        kept.append(stream.getvalue())

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) == stop_after

    with contextlib.suppress(trainer.Interrupted):  # stopped mid-epoch, as asked
        trainer.train(net, train_set, test_set, SETTINGS, trainer.initial_state(SETTINGS, np),
                      np, lambda *args: None, should_stop, save)
    return kept[-1]


@pytest.fixture(scope="module")
def checkpoints() -> dict[str, bytes]:
    return {"middle": saved(2), "finished": saved(None)}


def arrays_of(data: bytes) -> Arrays:
    with np.load(io.BytesIO(data)) as loaded:
        return {name: loaded[name] for name in loaded.files}


def with_meta(change: Callable[[dict[str, Any]], None]) -> Callable[[Arrays], None]:
    def edit(arrays: Arrays) -> None:
        meta = json.loads(bytes(arrays["meta"]).decode())
        change(meta)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)

    return edit


def raw_meta(text: bytes) -> Callable[[Arrays], None]:
    def edit(arrays: Arrays) -> None:
        arrays["meta"] = np.frombuffer(text, dtype=np.uint8)

    return edit


def setter(name: str, value: Callable[[Arrays], Any]) -> Callable[[Arrays], None]:
    def edit(arrays: Arrays) -> None:
        arrays[name] = value(arrays)

    return edit


def put(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(meta: dict[str, Any]) -> None:
        target = meta
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


EDITS: dict[str, tuple[str, Callable[[Arrays], None], str]] = {
    "W0 wrong shape": ("middle", setter("W0", lambda a: a["W0"][:, :3000]), "W0: shape"),
    "W0 transposed": ("middle", setter("W0", lambda a: a["W0"].T.copy()), "W0: shape"),
    "W0 int8": ("middle", setter("W0", lambda a: a["W0"].astype(np.int8)), "W0: expected"),
    "W0 strings": ("middle", setter("W0", lambda a: a["W0"].astype(str)), "W0: expected"),
    "b1 float64": ("middle", setter("b1", lambda a: a["b1"].astype(np.float64)), "b1"),
    "W1 NaN": ("finished", setter("W1", lambda a: a["W1"] * np.nan), "W1: holds NaN"),
    "b0 inf": ("finished", setter("b0", lambda a: a["b0"] + np.inf), "b0: holds NaN"),
    "W0 missing": ("middle", lambda a: a.pop("W0"), "lacks W0"),
    "W2 extra": ("middle", setter("W2", lambda a: a["W1"]), "holds W2"),
    "permutation repeats": ("middle", setter("permutation", lambda a: np.zeros(50, np.int64)),
                            "permutation: not a permutation"),
    "permutation out of range": ("middle", setter("permutation", lambda a: a["permutation"]
                                                  + 50), "permutation: entries"),
    "permutation too short": ("middle", setter("permutation", lambda a: a["permutation"][:9]),
                              "permutation: expected"),
    "permutation floats": ("middle", setter("permutation", lambda a: a["permutation"] * 1.0),
                           "permutation: expected"),
    "meta not JSON": ("middle", raw_meta(b"\xff{"), "meta: not JSON"),
    "meta a list": ("middle", raw_meta(b"[1, 2]"), "meta: expected a JSON object"),
    "meta NaN": ("finished", raw_meta(b'{"epoch": NaN}'), "meta: not JSON"),
    "meta float32": ("middle", setter("meta", lambda a: a["meta"].astype(np.float32)), "meta"),
    "meta lacks rng": ("middle", with_meta(lambda m: m.pop("rng")), "meta: lacks rng"),
    "negative epoch": ("finished", with_meta(put(["epoch"], -1)), "epoch: expected"),
    "epoch a string": ("middle", with_meta(put(["epoch"], "1")), "epoch: expected"),
    "epoch true": ("middle", with_meta(put(["epoch"], True)), "epoch: expected"),
    "huge batch": ("middle", with_meta(put(["batch"], 10**9)), "batch: expected"),
    "huge integer batch": ("middle", with_meta(put(["batch"], 10**400)), "batch: expected"),
    "settings a list": ("middle", with_meta(put(["settings"], [1])), "settings: expected"),
    "init another scheme": ("middle", with_meta(put(["settings", "init"], "xavier_uniform_()")),
                            'init "xavier_uniform_()", this run\'s "xavier_normal_()"'),
    "init not a string": ("middle", with_meta(put(["settings", "init"], None)), "init null"),
    "rng garbage": ("middle", with_meta(put(["rng"], {"bit_generator": "MT19937"})), "rng"),
    "rng negative": ("middle", with_meta(put(["rng", "state", "inc"], -1)), "rng.state.inc"),
    "history short": ("finished", with_meta(put(["history"], [])), "history"),
    "history accuracy": ("finished", with_meta(put(["history", 1, "test", "accuracy"], 7)),
                         "history[1].test.accuracy"),
    "history confusion": ("finished", with_meta(put(["history", 0, "train", "confusion"],
                                                    [[1]])), "confusion"),
}


def check_refused(run_cli, tmp_path: Path, data: bytes, words: str) -> None:
    checkpoint, log = tmp_path / "run.npz", tmp_path / "run.json"
    checkpoint.write_bytes(data)
    status, out, err = run_cli(*ARGS, "--checkpoint", str(checkpoint), "--log", str(log))
    assert status == 2, err
    assert err.startswith("derive: error: resume: ") and err.count("\n") == 1, err
    assert words in err and "Traceback" not in err and out == ""
    assert checkpoint.read_bytes() == data and not log.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


@pytest.mark.parametrize("case", EDITS)
def test_a_bad_field_is_one_line(run_cli, tmp_path: Path, checkpoints, case: str) -> None:
    which, edit, words = EDITS[case]
    arrays = arrays_of(checkpoints[which])
    edit(arrays)
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    check_refused(run_cli, tmp_path, stream.getvalue(), words)


@pytest.mark.parametrize("cut", ["half", "empty", "header only"])
def test_a_damaged_file_is_one_line_not_an_interrupt(run_cli, tmp_path: Path, checkpoints,
                                                     cut: str) -> None:
    data = checkpoints["middle"]
    damaged = {"half": data[:len(data) // 2], "empty": b"", "header only": data[:4]}[cut]
    check_refused(run_cli, tmp_path, damaged, "not a derive checkpoint")


def test_an_object_array_is_refused_unread(run_cli, tmp_path: Path, checkpoints) -> None:
    arrays = arrays_of(checkpoints["middle"])
    arrays["W0"] = np.array([object()] * 4, dtype=object)
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    check_refused(run_cli, tmp_path, stream.getvalue(), "W0: expected float32")


def test_the_intact_checkpoints_resume(run_cli, tmp_path: Path, checkpoints) -> None:
    for which in ("middle", "finished"):
        checkpoint = tmp_path / f"{which}.npz"
        checkpoint.write_bytes(checkpoints[which])
        status, out, err = run_cli(*ARGS, "--checkpoint", str(checkpoint))
        assert status == 0, err
        assert json.loads(out)["test_accuracy"] is not None

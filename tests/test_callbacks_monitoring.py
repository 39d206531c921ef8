"""RemoteMonitor and TensorBoard: what reaches the server and the event files.

RemoteMonitor is checked against a real HTTP server on 127.0.0.1 run by the
test in a thread (through `requests` and through the `urllib` fallback, byte
for byte the same). TensorBoard's files are read back with the `tensorboard`
package's own `EventAccumulator`.
"""

from __future__ import annotations

import http.server
import json
import math
import socket
import threading
import urllib.parse
import warnings
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np
import pytest
from conftest import require

import lamina
from lamina.callbacks import RemoteMonitor, remote_monitor

# -- helpers ---------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Stores every POST (path, headers, raw body) and answers `status`."""

    received: List[Tuple[str, Dict[str, str], bytes]]
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self.server.received.append(  # type: ignore[attr-defined]
            (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.ThreadingHTTPServer]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.received = []  # type: ignore[attr-defined]
    srv.status = 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


def _root(srv: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


@pytest.fixture(params=["requests", "urllib"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once through `requests` (when installed) and once through urllib."""
    if request.param == "requests":
        require("requests")
    else:
        monkeypatch.setattr(remote_monitor, "requests", None)
    return request.param


def _model() -> Any:
    model = lamina.Sequential([
        lamina.Input((3,)),
        lamina.layers.Dense(2, activation="relu"),
        lamina.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    return model


def _data() -> Tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- RemoteMonitor ---------------------------------------------------------------------


def test_remote_monitor_defaults() -> None:
    cb = RemoteMonitor()
    assert (cb.root, cb.path, cb.field, cb.headers, cb.send_as_json) == (
        "http://localhost:9000", "/publish/epoch/end/", "data", None, False
    )


def test_remote_monitor_form_posts_each_epoch(server: Any, transport: str) -> None:
    x, y = _data()
    cb = RemoteMonitor(root=_root(server), path="/epochs/", field="payload",
                       headers={"X-Run": "r1"})
    history = _model().fit(x, y, batch_size=8, epochs=3, validation_split=0.2, verbose=0,
                           callbacks=[cb])
    assert len(server.received) == 3
    for epoch, (path, headers, body) in enumerate(server.received):
        assert path == "/epochs/"
        assert headers["content-type"] == "application/x-www-form-urlencoded"
        assert headers["x-run"] == "r1"
        form = urllib.parse.parse_qs(body.decode("ascii"))
        assert list(form) == ["payload"]
        sent = json.loads(form["payload"][0])
        assert list(sent)[0] == "epoch"
        assert sent["epoch"] == epoch
        assert set(sent) == {"epoch", *history.history}
        for key, values in history.history.items():
            assert sent[key] == pytest.approx(values[epoch])


def test_remote_monitor_json_body(server: Any, transport: str) -> None:
    x, y = _data()
    cb = RemoteMonitor(root=_root(server), send_as_json=True)
    history = _model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[cb])
    assert [r[0] for r in server.received] == ["/publish/epoch/end/"] * 2
    for epoch, (_, headers, body) in enumerate(server.received):
        assert headers["content-type"] == "application/json"
        sent = json.loads(body)
        assert sent == {"epoch": epoch, **{k: v[epoch] for k, v in history.history.items()}}


def test_remote_monitor_numpy_values_and_bytes_match_across_transports(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("requests")
    logs = {"loss": np.float32(0.25), "acc": np.array(0.5), "name with space": 1}
    bodies = []
    for use_requests in (True, False):
        if not use_requests:
            monkeypatch.setattr(remote_monitor, "requests", None)
        for as_json in (False, True):
            RemoteMonitor(root=_root(server), send_as_json=as_json).on_epoch_end(4, logs)
    bodies = [(h["content-type"], b) for _, h, b in server.received]
    assert bodies[:2] == bodies[2:]
    assert json.loads(bodies[1][1]) == {"epoch": 4, "loss": 0.25, "acc": 0.5,
                                        "name with space": 1}


def test_remote_monitor_unreachable_server_warns(transport: str) -> None:
    root = f"http://127.0.0.1:{_free_port()}"
    with pytest.warns(UserWarning, match=f"Could not reach RemoteMonitor root server at {root}"):
        RemoteMonitor(root=root).on_epoch_end(0, {"loss": 1.0})


def test_remote_monitor_error_status_is_not_a_warning(server: Any, transport: str) -> None:
    server.status = 500
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RemoteMonitor(root=_root(server)).on_epoch_end(0, {"loss": 1.0})
    assert len(server.received) == 1


def test_remote_monitor_nan_as_json_warns_but_form_sends(server: Any, transport: str) -> None:
    with pytest.warns(UserWarning, match="Could not reach"):
        RemoteMonitor(root=_root(server), send_as_json=True).on_epoch_end(0, {"loss": math.nan})
    assert server.received == []
    RemoteMonitor(root=_root(server)).on_epoch_end(0, {"loss": math.nan})
    form = urllib.parse.parse_qs(server.received[0][2].decode("ascii"))
    assert form["data"] == ['{"epoch": 0, "loss": NaN}']


@pytest.mark.parity
def test_remote_monitor_sends_what_keras_sends(server: Any, transport: str, keras_ref: Any) -> None:
    require("requests")
    logs = {"loss": 0.5, "accuracy": np.float32(0.75), "val_loss": 0.625}
    for as_json in (False, True):
        keras_ref.callbacks.RemoteMonitor(root=_root(server), send_as_json=as_json,
                                          headers={"X-A": "1"}).on_epoch_end(2, logs)
        RemoteMonitor(root=_root(server), send_as_json=as_json,
                      headers={"X-A": "1"}).on_epoch_end(2, logs)
    got = [(p, h["content-type"], h["x-a"], b) for p, h, b in server.received]
    assert got[0] == got[1] and got[2] == got[3]


# -- TensorBoard -----------------------------------------------------------------------


def _read(run_dir: Any) -> Tuple[Dict[str, List[Tuple[int, float]]], Dict[str, List[Any]]]:
    """Scalars as {tag: [(step, value)]} and histogram events, via tensorboard's reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    scalars = {t: [(e.step, e.value) for e in acc.Scalars(t)] for t in tags["scalars"]}
    histos = {t: acc.Histograms(t) for t in tags["histograms"]}
    return scalars, histos


@pytest.fixture
def tensorboard_packages() -> None:
    require("tensorboardX")
    require("tensorboard")


def _fit_with_tensorboard(log_dir: Any, **kwargs: Any) -> Tuple[Any, Any]:
    x, y = _data()
    model = _model()
    cb = lamina.callbacks.TensorBoard(str(log_dir), **kwargs)
    # 16 training samples in batches of 8: 2 steps per epoch; 4 validation samples.
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, verbose=0,
                        callbacks=[cb])
    return model, history


def test_tensorboard_epoch_scalars(tmp_path: Any, tensorboard_packages: None) -> None:
    _, history = _fit_with_tensorboard(tmp_path)
    train, train_histos = _read(tmp_path / "train")
    val, _ = _read(tmp_path / "validation")
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert train_histos == {}
    for name in ("loss", "accuracy"):
        assert [s for s, _ in train[f"epoch_{name}"]] == [0, 1]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{name}"]],
                                   history.history[name], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in val[f"epoch_{name}"]],
                                   history.history[f"val_{name}"], rtol=1e-6)
    assert train["epoch_learning_rate"] == [(0, pytest.approx(0.01)), (1, pytest.approx(0.01))]
    # Each validation run also logs against optimizer.iterations (2 and 4 steps).
    assert set(val) == {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
                        "evaluation_accuracy_vs_iterations"}
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [2, 4]
    np.testing.assert_allclose([v for _, v in val["evaluation_loss_vs_iterations"]],
                               history.history["val_loss"], rtol=1e-6)


def test_tensorboard_batch_scalars_and_histograms(
    tmp_path: Any, tensorboard_packages: None
) -> None:
    model, history = _fit_with_tensorboard(tmp_path, update_freq=2, histogram_freq=1)
    train, histos = _read(tmp_path / "train")
    # Global batch count 1..4; written where divisible by 2 -- the last batch
    # of each epoch, whose running average is the epoch's value.
    assert [s for s, _ in train["batch_loss"]] == [2, 4]
    np.testing.assert_allclose([v for _, v in train["batch_loss"]], history.history["loss"],
                               rtol=1e-6)
    assert [s for s, _ in train["batch_accuracy"]] == [2, 4]
    expected = {f"{model.name}/{layer.name}/{w}/histogram"
                for layer in model.layers for w in ("kernel", "bias")}
    assert set(histos) == expected
    final = {f"{model.name}/{layer.name}/{w.name}/histogram": np.asarray(w)
             for layer in model.layers for w in layer.weights}
    for tag, events in histos.items():
        assert [e.step for e in events] == [0, 1]
        h = events[-1].histogram_value
        assert h.num == final[tag].size
        assert h.min == pytest.approx(final[tag].min())
        assert h.max == pytest.approx(final[tag].max())
        assert h.sum == pytest.approx(final[tag].sum(), abs=1e-6)


def test_tensorboard_update_freq_batch_and_histogram_freq(
    tmp_path: Any, tensorboard_packages: None
) -> None:
    _fit_with_tensorboard(tmp_path, update_freq="batch", histogram_freq=2)
    train, histos = _read(tmp_path / "train")
    assert [s for s, _ in train["batch_loss"]] == [1, 2, 3, 4]
    assert all([e.step for e in events] == [0] for events in histos.values())


def test_tensorboard_epoch_scalars_not_dropped_by_update_freq(
    tmp_path: Any, tensorboard_packages: None
) -> None:
    # Keras 3.15.1 drops every epoch summary here (its last batch 2, 4 is not a
    # multiple of 3); lamina keeps them -- see the module docstring.
    _fit_with_tensorboard(tmp_path, update_freq=3)
    train, _ = _read(tmp_path / "train")
    assert [s for s, _ in train["batch_loss"]] == [3]
    assert [s for s, _ in train["epoch_loss"]] == [0, 1]


def test_tensorboard_steps_per_second(tmp_path: Any, tensorboard_packages: None) -> None:
    _fit_with_tensorboard(tmp_path, write_steps_per_second=True, update_freq=1)
    train, _ = _read(tmp_path / "train")
    assert [s for s, _ in train["epoch_steps_per_second"]] == [0, 1]
    assert [s for s, _ in train["batch_steps_per_second"]] == [1, 2, 3, 4]
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])


def test_tensorboard_evaluate_writes_validation_run(
    tmp_path: Any, tensorboard_packages: None
) -> None:
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True,
                          callbacks=[lamina.callbacks.TensorBoard(str(tmp_path))])
    val, _ = _read(tmp_path / "validation")
    assert val["evaluation_loss_vs_iterations"] == [(2, pytest.approx(logs["loss"]))]
    assert not (tmp_path / "train").exists()


def test_tensorboard_arguments(tensorboard_packages: None) -> None:
    cb = lamina.callbacks.TensorBoard()
    assert (cb.log_dir, cb.histogram_freq, cb.write_graph, cb.write_images,
            cb.write_steps_per_second, cb.update_freq, cb.embeddings_freq,
            cb.embeddings_metadata) == ("logs", 0, True, False, False, "epoch", 0, None)
    assert lamina.callbacks.TensorBoard(update_freq="batch").update_freq == 1
    for bad in (-1, (5, 2), (1, 2, 3), "x"):
        with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
            lamina.callbacks.TensorBoard(profile_batch=bad)
    with pytest.warns(UserWarning, match="profile_batch"):
        lamina.callbacks.TensorBoard(profile_batch=(2, 4))
    with pytest.warns(UserWarning, match="write_images, embeddings_freq"):
        lamina.callbacks.TensorBoard(write_images=True, embeddings_freq=1)


def test_tensorboard_without_tensorboardx(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'lamina\[tensorboard\]'"):
        lamina.callbacks.TensorBoard()


@pytest.mark.parity
def test_tensorboard_tags_and_steps_match_keras(
    tmp_path: Any, tensorboard_packages: None, keras_ref: Any
) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x, y = _data()
    kmodel = keras_ref.Sequential([
        keras_ref.Input((3,)),
        keras_ref.layers.Dense(2, activation="relu"),
        keras_ref.layers.Dense(1, activation="sigmoid"),
    ])
    kmodel.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    kmodel.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, verbose=0,
               callbacks=[keras_ref.callbacks.TensorBoard(str(tmp_path / "k"),
                                                          histogram_freq=1, update_freq=2)])
    model, _ = _fit_with_tensorboard(tmp_path / "l", histogram_freq=1, update_freq=2)

    def canonical(tag: str, m: Any) -> str:
        # Model and layer names carry per-process counters (dense_7 ...).
        parts = tag.split("/")
        if len(parts) > 2:
            parts[0] = "model" if parts[0] == m.name else parts[0]
            parts[1] = {la.name: f"layer{i}" for i, la in enumerate(m.layers)}.get(parts[1],
                                                                                    parts[1])
        return "/".join(parts)

    for run in ("train", "validation"):
        acc = EventAccumulator(str(tmp_path / "k" / run), size_guidance={"tensors": 0})
        acc.Reload()
        # tf.summary stores everything as tensors; "keras" is the model config
        # summary that lamina does not write.
        keras_steps = {canonical(t, kmodel): [e.step for e in acc.Tensors(t)]
                       for t in acc.Tags()["tensors"] if t != "keras"}
        scalars, histos = _read(tmp_path / "l" / run)
        ours = {t: [s for s, _ in v] for t, v in scalars.items()}
        ours.update({t: [e.step for e in v] for t, v in histos.items()})
        ours = {canonical(t, model): v for t, v in ours.items()}
        if run == "validation":
            # Keras gates evaluation summaries with the last test batch's
            # update_freq condition (global test batch 1 of 2 is skipped);
            # lamina writes every evaluation -- see the tensorboard module doc.
            for name in ("loss", "accuracy"):
                tag = f"evaluation_{name}_vs_iterations"
                assert keras_steps.pop(tag) == [4] and ours.pop(tag) == [2, 4]
        assert ours == keras_steps
        assert len(ours) == (9 if run == "train" else 2)

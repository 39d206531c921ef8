"""keras.utils.plot_model through pydot + Graphviz (optional extra `plot`):
real PNG/SVG files with the layers and shapes, and clear ImportErrors when
either is missing. Under CI=true a missing pydot or `dot` fails the test."""

from __future__ import annotations

import shutil
import sys

import pytest
from conftest import IN_CI, require

import lamina as keras


def _require_graphviz():
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("Graphviz `dot` is not installed (CI=true requires it)")
        pytest.skip("Graphviz `dot` is not installed")


def _model():
    return keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(4, activation="relu", name="hidden"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(2, activation="softmax", name="out"),
    ])


def test_plot_model_writes_png(tmp_path):
    require("pydot")
    _require_graphviz()
    target = tmp_path / "model.png"
    keras.utils.plot_model(_model(), to_file=str(target), show_shapes=True)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_plot_model_svg_shows_names_shapes_and_activations(tmp_path):
    require("pydot")
    _require_graphviz()
    target = tmp_path / "model.svg"
    keras.utils.plot_model(_model(), to_file=str(target), show_shapes=True,
                           show_layer_names=True, show_layer_activations=True,
                           show_trainable=True, rankdir="LR")
    svg = target.read_text()
    for text in ("hidden", "(Dense)", "Dropout", "(None, 8)", "(None, 4)", "(None, 2)",
                 "relu", "softmax", "Trainable"):
        assert text in svg, text


def test_model_to_dot_has_one_node_per_layer_in_order():
    require("pydot")
    dot = keras.utils.model_to_dot(_model())
    nodes = [n for n in dot.get_nodes() if n.get_name() not in ("node", "graph", "edge")]
    assert len(nodes) == 3 and len(dot.get_edges()) == 2
    assert "hidden" in nodes[0].get("label") and "out" in nodes[2].get("label")


def test_plot_model_errors(tmp_path):
    require("pydot")
    _require_graphviz()
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(unbuilt)
    with pytest.raises(ValueError, match="layer_range"):
        keras.utils.plot_model(_model(), to_file=str(tmp_path / "m.png"), layer_range=["a", "b"])


def test_missing_pydot_is_an_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"pip install pydot"):
        keras.utils.plot_model(_model())


def test_missing_graphviz_is_an_import_error(monkeypatch, tmp_path):
    require("pydot")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it
    with pytest.raises(ImportError, match="install graphviz"):
        keras.utils.plot_model(_model(), to_file=str(tmp_path / "m.png"))

"""`keras.utils.plot_model` / `model_to_dot`: a picture of the layer stack.

Drawn with pydot and Graphviz's `dot` program, both optional: install the
`plot` extra (`pip install lamina[plot]`) and Graphviz itself (e.g.
`apt-get install graphviz`). Without them `plot_model` raises an ImportError
saying which one is missing, as Keras does.
"""

from __future__ import annotations

import html
import os
from typing import Any, List, Optional

_PYDOT_MISSING = (
    "You must install pydot (`pip install pydot`, or `pip install lamina[plot]`) for "
    "`plot_model` to work."
)
_GRAPHVIZ_MISSING = (
    "You must install graphviz (the `dot` program, e.g. `apt-get install graphviz` or "
    "`brew install graphviz`; see https://graphviz.gitlab.io/download/) for `plot_model` "
    "to work."
)


def _import_pydot() -> Any:
    try:
        import pydot
    except ImportError:
        raise ImportError(_PYDOT_MISSING) from None
    return pydot


def _check_graphviz(pydot: Any) -> None:
    """Renders an empty graph, as Keras does, to prove `dot` runs."""
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException) as err:
        raise ImportError(_GRAPHVIZ_MISSING) from err


def _shape_text(shape: Any) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")"
    )


def _activation_name(layer: Any) -> Optional[str]:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return str(getattr(activation, "name", getattr(activation, "__name__", activation)))


def _label(
    layer: Any, show_shapes: bool, show_dtype: bool, show_layer_names: bool,
    show_layer_activations: bool, show_trainable: bool,
) -> str:
    """A Graphviz HTML-like table: title row, then the details asked for."""
    kind = type(layer).__name__
    title = f"<b>{html.escape(layer.name)}</b> ({kind})" if show_layer_names else f"<b>{kind}</b>"
    rows: List[str] = [f'<tr><td bgcolor="black"><font color="white">{title}</font></td></tr>']
    activation = _activation_name(layer) if show_layer_activations else None
    if activation:
        rows.append(f"<tr><td>Activation: <b>{html.escape(activation)}</b></td></tr>")
    if show_shapes:
        shapes = []
        for what in ("input_shape", "output_shape"):
            try:
                shapes.append(_shape_text(getattr(layer, what)))
            except AttributeError:
                shapes.append("?")
        rows.append(
            f"<tr><td>Input shape: <b>{shapes[0]}</b><br/>"
            f"Output shape: <b>{shapes[1]}</b></td></tr>"
        )
    if show_dtype:
        rows.append("<tr><td>Dtype: <b>float32</b></td></tr>")
    if show_trainable:
        rows.append(f"<tr><td>Trainable: <b>{'Yes' if layer.trainable else 'No'}</b></td></tr>")
    return '<<table border="0" cellborder="1" cellpadding="8">' + "".join(rows) + "</table>>"


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """A `pydot.Dot` graph of a built Sequential model, one node per layer.

    Args:
        model: a built `Sequential`.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's dtype.
        show_layer_names: title nodes `name (Class)` instead of `Class`.
        rankdir: Graphviz direction: `"TB"` (top to bottom) or `"LR"`.
        expand_nested: accepted for Keras compatibility (lamina models
            have no nested models).
        dpi: image resolution.
        subgraph: return a `pydot.Cluster` instead of a `pydot.Dot`.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.
        splines: Graphviz edge style.
        **kwargs: none are accepted.

    Returns:
        The graph.

    Raises:
        ValueError: if the model is not built, or for an unknown keyword.
        ImportError: if pydot is not installed.
    """
    del expand_nested
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` "
            "or by calling the model on a batch of data."
        )
    pydot = _import_pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot(graph_type="digraph")
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
    dot.set_node_defaults(shape="plaintext", fontname="Helvetica")
    previous = None
    for layer in model.layers:
        node_id = str(id(layer))
        label = _label(layer, show_shapes, show_dtype, show_layer_names,
                       show_layer_activations, show_trainable)
        dot.add_node(pydot.Node(node_id, label=label))
        if previous is not None:
            dot.add_edge(pydot.Edge(previous, node_id, penwidth="2"))
        previous = node_id
    return dot


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draws the model's layer stack into an image file.

    Args:
        model: a built `Sequential`.
        to_file: the output file; its extension picks the format (`.png`,
            `.svg`, `.pdf`, ...; PNG when there is none).
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
        dpi, show_layer_activations, show_trainable, splines: see
            `model_to_dot`.
        **kwargs: none are accepted (`layer_range` is refused, as in Keras 3).

    Returns:
        An `IPython.display.Image` of the file when IPython is installed and
        the format is not PDF, else None.

    Raises:
        ValueError: if the model is not built, or for an unknown keyword.
        ImportError: if pydot or Graphviz is not installed (the message says
            which and how to install it).
    """
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` "
            "or by calling the model on a batch of data."
        )
    pydot = _import_pydot()
    _check_graphviz(pydot)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(
        model, show_shapes=show_shapes, show_dtype=show_dtype,
        show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
        dpi=dpi, show_layer_activations=show_layer_activations,
        show_trainable=show_trainable, splines=splines,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None

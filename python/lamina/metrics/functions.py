"""Keras's metric functions (`keras.metrics.mean_squared_error`, ...): each
returns one value per sample, computed by the same native kernel as the
metric classes that wrap it."""

from __future__ import annotations

from typing import Any, Dict

import numpy as np

from lamina import _core
from lamina.ops.tensor import Tensor, as_tensor


class MetricFunction:
    """A per-sample metric function backed by a native mean metric.

    Args:
        native_name: the engine's name (also the Keras function name).
        layout: "row" (reduced over the last axis), "element" or "sparse".
    """

    def __init__(self, native_name: str, layout: str = "row") -> None:
        self.native_name = native_name
        self.layout = layout
        self.__name__ = native_name
        self.__qualname__ = native_name
        self.__doc__ = f"Keras's `{native_name}`: one value per sample (native kernel)."

    def __call__(self, y_true: Any, y_pred: Any, **kwargs: Any) -> Tensor:
        from lamina.metrics.reduction_metrics import MeanMetricWrapper

        wrapper = MeanMetricWrapper(self, **kwargs)
        pred, y, _ = wrapper.prepare(y_true, y_pred, None)
        params: Dict[str, float] = wrapper.engine_params()
        rows, cols = pred.shape
        y_cols = y.size // rows if rows else 1
        values = np.empty(rows, dtype=np.float32)
        state = np.zeros(2)
        for r in range(rows):
            state[:] = 0.0
            _core.kernels.metric_update(self.native_name, params, state, pred[r : r + 1],
                                        y[r * y_cols : (r + 1) * y_cols])
            values[r] = state[0] / state[1] if state[1] else 0.0
        return as_tensor(values.reshape(self._values_shape(y_true, y_pred)))

    def _values_shape(self, y_true: Any, y_pred: Any) -> Any:
        pred_shape = np.shape(y_pred)
        if self.layout == "element":
            return np.broadcast_shapes(pred_shape, np.shape(y_true))
        return pred_shape[:-1]

    def __repr__(self) -> str:
        return f"<metric function {self.native_name}>"


accuracy = MetricFunction("accuracy", "element")
binary_accuracy = MetricFunction("binary_accuracy", "element")
categorical_accuracy = MetricFunction("categorical_accuracy")
sparse_categorical_accuracy = MetricFunction("sparse_categorical_accuracy", "sparse")
top_k_categorical_accuracy = MetricFunction("top_k_categorical_accuracy")
sparse_top_k_categorical_accuracy = MetricFunction("sparse_top_k_categorical_accuracy", "sparse")
mean_squared_error = MetricFunction("mean_squared_error")
mean_absolute_error = MetricFunction("mean_absolute_error")
mean_absolute_percentage_error = MetricFunction("mean_absolute_percentage_error")
mean_squared_logarithmic_error = MetricFunction("mean_squared_logarithmic_error")
log_cosh = MetricFunction("log_cosh")
hinge = MetricFunction("hinge")
squared_hinge = MetricFunction("squared_hinge")
categorical_hinge = MetricFunction("categorical_hinge")
kl_divergence = MetricFunction("kl_divergence")
poisson = MetricFunction("poisson")
cosine_similarity = MetricFunction("cosine_similarity")
binary_crossentropy = MetricFunction("binary_crossentropy")
categorical_crossentropy = MetricFunction("categorical_crossentropy")
sparse_categorical_crossentropy = MetricFunction("sparse_categorical_crossentropy", "sparse")

FUNCTIONS = {
    f.native_name: f
    for f in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
        mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
        log_cosh, hinge, squared_hinge, categorical_hinge, kl_divergence, poisson,
        cosine_similarity, binary_crossentropy, categorical_crossentropy,
        sparse_categorical_crossentropy,
    )
}

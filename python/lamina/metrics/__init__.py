"""`keras.metrics`: metric classes, metric functions, `get`, `serialize`,
`deserialize`. Built-in metrics are accumulated by the native core, both
standalone and compiled into a model."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Union

from lamina.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy_for_shapes,
)
from lamina.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from lamina.metrics.f_score_metrics import F1Score, FBetaScore
from lamina.metrics.functions import (
    FUNCTIONS,
    MetricFunction,
    accuracy,
    binary_accuracy,
    binary_crossentropy,
    categorical_accuracy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_accuracy,
    sparse_categorical_crossentropy,
    sparse_top_k_categorical_accuracy,
    squared_hinge,
    top_k_categorical_accuracy,
)
from lamina.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from lamina.metrics.iou_metrics import IoU, MeanIoU, OneHotMeanIoU
from lamina.metrics.metric import Metric
from lamina.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from lamina.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from lamina.utils.naming import to_snake_case

# Keras 3 aliases of the functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh

CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCoshError, R2Score, AUC, FalseNegatives, FalsePositives, Precision,
    PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TrueNegatives, TruePositives, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore, IoU, MeanIoU, OneHotMeanIoU,
)

# Keras 3's ALL_OBJECTS_DICT: every string names a class (class name or its
# snake_case), plus the short aliases.
ALL_OBJECTS_DICT: Dict[str, type] = {cls.__name__: cls for cls in CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

# Strings Keras resolves by the shapes of the labels and predictions.
SHAPE_RESOLVED = ("accuracy", "acc")


def get_function(name: str) -> Callable[..., Any]:
    """A metric function by Keras name.

    Raises:
        ValueError: for an unknown name.
    """
    aliases = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
               "mape": "mean_absolute_percentage_error",
               "msle": "mean_squared_logarithmic_error", "kld": "kl_divergence",
               "logcosh": "log_cosh"}
    fn = FUNCTIONS.get(aliases.get(name.lower(), name))
    if fn is None:
        raise ValueError(f"Unknown metric function: '{name}'.")
    return fn


def serialize(metric: Any) -> Any:
    """A metric's config dict ({"class_name", "config"}), or a function's name."""
    if isinstance(metric, Metric):
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    if callable(metric) and hasattr(metric, "__name__"):
        return metric.__name__
    raise ValueError(f"Cannot serialize metric {metric!r}.")


def deserialize(config: Any, custom_objects: Any = None) -> Any:
    """The metric (or function) that `serialize` described.

    Raises:
        ValueError: for an unknown class or function name.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        if config in FUNCTIONS:
            return FUNCTIONS[config]
        cls = ALL_OBJECTS_DICT.get(config)
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {config}")
        return cls()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized metric: {config!r}")
    name = config["class_name"]
    metric_class: Any = custom_objects.get(name) or ALL_OBJECTS_DICT.get(name)
    if metric_class is None:
        raise ValueError(f"Unknown metric class '{name}'. Pass it in `custom_objects`.")
    return metric_class.from_config(config.get("config", {}))


def get(identifier: Any) -> Union[Metric, str, Callable[..., Any], None]:
    """Resolves a metric identifier as Keras does: a string names a class
    (instantiated with defaults); a dict is a serialized metric; a class is
    instantiated; a Metric or function is returned as is. `"accuracy"` and
    `"acc"` come back as the string, resolved by shapes once data is seen.

    Raises:
        ValueError: for an identifier lamina cannot interpret.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier.lower() in SHAPE_RESOLVED:
            return identifier
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLD",
    "KLDivergence",
    "LogCoshError",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "MetricFunction",
    "OneHotMeanIoU",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "accuracy_for_shapes",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "deserialize",
    "get",
    "get_function",
    "hinge",
    "kl_divergence",
    "kld",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

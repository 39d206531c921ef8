"""`keras.losses`: loss classes, their function forms, `get`, `serialize`
and `deserialize`."""

from __future__ import annotations

import inspect
from typing import Any, Dict, Optional

from lamina.losses.functions import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from lamina.losses.loss import Loss, reduce_weighted_values  # noqa: F401 (public)
from lamina.losses.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)

# Aliases Keras 3 exports (`keras.losses.mse`, ...), plus tf.keras 2.x's
# `logcosh` and `kullback_leibler_divergence`.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASSES = [
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge,
]
_FUNCTIONS = [
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge,
]
ALL_OBJECTS_DICT: Dict[str, Any] = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    # tf.keras 2.x names Keras 3 dropped.
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
})


def serialize(loss: Any) -> Dict[str, Any]:
    """Keras's serialised form of a `Loss` instance or a loss function.

    Raises:
        ValueError: for anything else.
    """
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    if callable(loss) and getattr(loss, "__name__", None) in ALL_OBJECTS_DICT:
        return {"module": "keras.losses", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize loss {loss!r}: not a keras.losses class or function.")


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """The loss class instance or function a `serialize` result (or a bare
    name) describes.

    Raises:
        ValueError: for an unknown name or class.
    """
    objects = dict(ALL_OBJECTS_DICT, **(custom_objects or {}))
    if isinstance(config, str):
        if config not in objects:
            raise ValueError(f"Could not interpret loss identifier: {config}")
        return objects[config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized loss: {config!r}")
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "function":
        return deserialize(inner, custom_objects)
    cls = objects.get(class_name)
    if not (inspect.isclass(cls) and issubclass(cls, Loss)):
        raise ValueError(f"Unknown loss class: {class_name}. Known: "
                         f"{sorted(c.__name__ for c in _CLASSES)}")
    return cls.from_config(inner or {})


def get(identifier: Any) -> Any:
    """A loss function or `Loss` instance from a name, config dict, class,
    instance or function, as `keras.losses.get` resolves it: function names
    give the function, class names an instance with default arguments.

    Raises:
        ValueError: for an identifier that names no loss.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


__all__ = sorted(
    [c.__name__ for c in _CLASSES] + [f.__name__ for f in _FUNCTIONS]
    + ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
       "kullback_leibler_divergence", "logcosh", "bce", "BCE", "get", "serialize", "deserialize",
       "reduce_weighted_values"]
)

"""The JSON attributes of a legacy full-model file, in tf.keras 2.x's shape.

`model_config` is `{"class_name": "Sequential", "config": {...}}` with every
nested object as `{"class_name", "config"}` (no `module`/`registered_name`),
dtypes as plain strings and the input as `batch_input_shape` -- the shape
tf.keras 2.x writes and both Keras 3's and tf.keras's legacy loaders read.
Keras-3-only arguments that are at their defaults are left out, since
tf.keras 2.x refuses arguments it does not know.

`training_config` is Keras's compile configuration without the optimizer,
plus `optimizer_config: {class_name, config}`. Reading accepts what tf.keras
2.x and Keras 3 write (metrics nested per output, `MeanMetricWrapper`,
`Custom>Adam`, `reduction: "auto"`, ...), resolving every name against
lamina's own losses, metrics and optimizers (plus `custom_objects`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# Keras 3 arguments that tf.keras 2.x does not accept; dropped when they hold
# their default, so the file loads in both.
_K3_ONLY_DEFAULTS: Dict[str, Any] = {
    "quantization_config": None,
    "lora_rank": None,
    "lora_alpha": None,
    "input_axes": None,
    "output_axes": None,
    "optional": False,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}
# Optimizer arguments newer than tf.keras 2.x's legacy optimizers, at their defaults.
_K3_OPTIMIZER_DEFAULTS: Dict[str, Any] = {
    "weight_decay": None,
    "clipnorm": None,
    "clipvalue": None,
    "global_clipnorm": None,
    "ema_overwrite_frequency": None,
}
_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "bce": "binary_crossentropy",
    "logcosh": "log_cosh",
    "huber_loss": "huber",
}
# tf.keras 2.x optimizer arguments that no Keras 3 (or lamina) optimizer takes.
_TF2_ONLY_OPTIMIZER_KEYS = ("jit_compile", "is_legacy_optimizer")
_SHAPE_RESOLVED_METRICS = ("accuracy", "acc", "crossentropy", "ce")


# -- writing ------------------------------------------------------------------------------


def _is_serialized_object(value: Any) -> bool:
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _legacy_object(value: Dict[str, Any]) -> Any:
    """One `{module, class_name, config, registered_name}` in legacy form."""
    class_name = value["class_name"]
    if class_name == "DTypePolicy" and isinstance(value["config"], dict):
        return value["config"].get("name", "float32")
    registered = value.get("registered_name")
    # Custom objects are found by their registered name ("package>Name").
    if isinstance(registered, str) and registered and class_name != "function":
        class_name = registered
    return {"class_name": class_name, "config": to_legacy(value["config"])}


def to_legacy(value: Any) -> Any:
    """Converts a Keras 3 config (any nesting) to tf.keras 2.x's shape.

    Args:
        value: a config dict, list or leaf as Keras 3 serializes it.

    Returns:
        The same structure with legacy objects, string dtypes,
        `batch_input_shape`, and Keras-3-only defaults dropped.
    """
    if _is_serialized_object(value):
        return _legacy_object(value)
    if isinstance(value, dict):
        out: Dict[str, Any] = {}
        for key, item in value.items():
            if key in ("build_config", "compile_config", "shared_object_id"):
                continue
            if key in _K3_ONLY_DEFAULTS and item == _K3_ONLY_DEFAULTS[key]:
                continue
            if key == "batch_shape":
                key = "batch_input_shape"
            out[key] = to_legacy(item)
        return out
    if isinstance(value, (list, tuple)):
        return [to_legacy(item) for item in value]
    return value


def model_config(model: Any) -> Dict[str, Any]:
    """`model_config` for a lamina Sequential, in tf.keras 2.x's shape.

    Args:
        model: a lamina `Sequential`.

    Returns:
        `{"class_name": "Sequential", "config": {...}}`.
    """
    config = to_legacy(model.get_config())
    layers = config.get("layers", [])
    if layers and layers[0].get("class_name") == "InputLayer":
        # The InputLayer entry carries the shape; repeating it on the first
        # layer only makes Keras 3 warn about `input_shape`.
        for entry in layers[1:]:
            entry.get("config", {}).pop("batch_input_shape", None)
    return {"class_name": type(model).__name__, "config": config}


def optimizer_config(optimizer: Any) -> Dict[str, Any]:
    """`{class_name, config}` of an optimizer, loadable by Keras 3 and tf.keras.

    Keras-3-era arguments at their defaults are left out: tf.keras 2.x's
    legacy loader builds its pre-2.11 optimizers, which refuse them (Keras
    3, in turn, refuses the `is_legacy_optimizer` flag that would ask
    tf.keras for its newer ones).
    """
    from lamina.saving.legacy._compat import registered_name

    config = to_legacy(optimizer.get_config())
    for key, default in _K3_OPTIMIZER_DEFAULTS.items():
        if key in config and config[key] == default:
            del config[key]
    if not config.get("use_ema", False):
        config.pop("use_ema", None)
        config.pop("ema_momentum", None)
    return {"class_name": registered_name(optimizer), "config": config}


def _canonical_loss(loss: Any) -> Any:
    """Full function names for loss aliases, which Keras 3's legacy loader
    cannot resolve (`"mse"` fails there, `"mean_squared_error"` loads)."""
    if isinstance(loss, str):
        return _LOSS_ALIASES.get(loss, _LOSS_ALIASES.get(loss.lower(), loss))
    return loss


def training_config(model: Any) -> Optional[Dict[str, Any]]:
    """`training_config` of a compiled model (None if it is not compiled).

    Returns:
        Keras's compile config without `optimizer`, plus `optimizer_config`.
    """
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    from lamina.saving.legacy._compat import compile_config

    config = dict(compile_config(model))
    config.pop("optimizer", None)
    out = to_legacy(config)
    out["loss"] = _canonical_loss(out.get("loss"))
    out["optimizer_config"] = optimizer_config(model.optimizer)
    return out


# -- reading ------------------------------------------------------------------------------


def _builtin_name(class_name: str, known: Any, custom_objects: Dict[str, Any]) -> str:
    """tf.keras 2.x wrote some built-ins as `Custom>Adam`: use the built-in."""
    if class_name in custom_objects or ">" not in class_name:
        return class_name
    bare = class_name.split(">", 1)[1]
    return bare if known(bare) else class_name


def compile_optimizer(config: Dict[str, Any], custom_objects: Dict[str, Any]) -> Any:
    """The optimizer an `optimizer_config` describes.

    Raises:
        ValueError: for an unknown optimizer class.
    """
    from lamina import optimizers

    if not _is_serialized_object(config):
        raise ValueError(f"Invalid `optimizer_config` in the HDF5 file: {config!r}")
    class_name = _builtin_name(
        str(config["class_name"]),
        lambda name: name.lower() in optimizers.ALL_OBJECTS_DICT,
        custom_objects,
    )
    inner = {k: v for k, v in dict(config["config"] or {}).items()
             if k not in _TF2_ONLY_OPTIMIZER_KEYS}
    return optimizers.deserialize({"class_name": class_name, "config": inner}, custom_objects)


def _single_output(value: Any, what: str) -> Any:
    """Unwraps a per-output list or dict that holds one output's entry."""
    if isinstance(value, dict) and not _is_serialized_object(value):
        if len(value) != 1:
            raise ValueError(
                f"The file's training config has {what} for outputs {list(value)}, but a "
                "Sequential model has one output."
            )
        return next(iter(value.values()))
    return value


def compile_loss(config: Any, custom_objects: Dict[str, Any]) -> Any:
    """The loss a training config's `loss` entry describes (or None)."""
    from lamina import losses

    config = _single_output(config, "losses")
    if isinstance(config, list):
        if len(config) != 1:
            raise ValueError(f"A Sequential model has one output; the file lists {len(config)} "
                             "losses.")
        config = config[0]
    if config is None or isinstance(config, str):
        return config
    if _is_serialized_object(config) and isinstance(config["config"], dict):
        inner = dict(config["config"])
        if inner.get("reduction") == "auto":  # tf.keras 2.x's default reduction
            inner["reduction"] = "sum_over_batch_size"
        config = {"class_name": config["class_name"], "config": inner}
    return losses.deserialize(config, custom_objects)


def _compile_metric(config: Any, custom_objects: Dict[str, Any]) -> Any:
    from lamina import metrics

    if isinstance(config, str):
        return config
    if _is_serialized_object(config) and config["class_name"] == "MeanMetricWrapper":
        # tf.keras 2.x wraps string metrics: the name is what the user wrote.
        inner = config["config"] or {}
        name, fn = inner.get("name"), inner.get("fn")
        if name in _SHAPE_RESOLVED_METRICS or (isinstance(name, str) and name in metrics.FUNCTIONS):
            return name
        if isinstance(fn, str):
            return fn
    return metrics.deserialize(config, custom_objects)


def compile_metrics(config: Any, custom_objects: Dict[str, Any]) -> Optional[List[Any]]:
    """The metrics of a training config's `metrics` entry (flattened)."""
    config = _single_output(config, "metrics")
    if config is None:
        return None
    if not isinstance(config, list):
        config = [config]
    flat: List[Any] = []
    for entry in config:
        flat.extend(entry if isinstance(entry, list) else [entry])
    return [_compile_metric(entry, custom_objects) for entry in flat]


def compile_args(config: Dict[str, Any], custom_objects: Dict[str, Any]) -> Dict[str, Any]:
    """`model.compile` arguments from a `training_config`.

    Args:
        config: the decoded `training_config` attribute.
        custom_objects: user classes and functions by name.

    Returns:
        Keyword arguments for `compile` (unset entries left out).

    Raises:
        ValueError: if the optimizer, loss or a metric is unknown.
    """
    if not isinstance(config, dict) or "optimizer_config" not in config:
        raise ValueError("Invalid `training_config` in the HDF5 file: it has no "
                         "`optimizer_config`.")
    args: Dict[str, Any] = {"optimizer": compile_optimizer(config["optimizer_config"],
                                                           custom_objects)}
    loss = compile_loss(config.get("loss"), custom_objects)
    if loss is not None:
        args["loss"] = loss
    metrics = compile_metrics(config.get("metrics"), custom_objects)
    if metrics:
        args["metrics"] = metrics
    for key in ("loss_weights", "weighted_metrics"):
        if config.get(key) is not None:
            args[key] = config[key]
    return args

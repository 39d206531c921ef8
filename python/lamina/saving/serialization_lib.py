"""Keras 3's object configs: `serialize_keras_object`, `deserialize_keras_object`
and the model JSON built on them.

Every object is written as Keras 3 writes it,
`{"module", "class_name", "config", "registered_name"}` (plus `build_config`
and, for models, `compile_config`), so configs pass between lamina and Keras
in both directions. tf.keras 2.x configs (no `module` keys,
`batch_input_shape`, a bare list of layers) are read too.

Security: a config is resolved only against a closed table of lamina's own
classes and functions (layers, initializers, losses, metrics, optimizers,
schedules, activations, Sequential) plus registered and custom objects. A
`module` named in a config is a hint for which table to search, never
something to import. Entries that carry Python code (Lambda layers,
`__lambda__`, legacy marshalled `function` lists, TFSMLayer) are always
refused with a ValueError naming the entry; `safe_mode` is accepted for
compatibility and changes nothing.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import threading
import types
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from lamina.saving import object_registration

PLAIN_TYPES = (str, int, float, bool)

# Keras's public module for each of lamina's tables ("kinds").
KIND_MODULES: Dict[str, str] = {
    "models": "keras",
    "layers": "keras.layers",
    "initializers": "keras.initializers",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules",
    "activations": "keras.activations",
    "regularizers": "keras.regularizers",
    "constraints": "keras.constraints",
}
_SEARCH_ORDER = ("models", "layers", "initializers", "regularizers", "constraints",
                 "optimizers", "schedules", "losses", "metrics", "activations")

# Classes whose configs carry Python code or load code from elsewhere.
_CODE_CLASSES = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda", "TFSMLayer", "__lambda__"})
# Keras's representations of values lamina has no equivalent for.
_UNSUPPORTED_SPECIAL = frozenset({"__keras_tensor__", "__typespec__"})
_DTYPE_POLICY_CLASSES = frozenset({"DTypePolicy", "FloatDTypePolicy", "Policy"})
# Packages whose module names mark Keras's own objects (looked up, never imported).
_KERAS_PACKAGES = frozenset({"keras", "tf_keras", "tensorflow"})

_sharing = threading.local()


# -- the closed registry --------------------------------------------------------------------


@functools.cache
def _builtin_classes() -> Dict[str, Dict[str, Any]]:
    """lamina's classes per kind, keyed by Keras class name."""
    from lamina import constraints, initializers, layers, losses, metrics, optimizers, regularizers
    from lamina.layers.layer import Layer
    from lamina.models.sequential import Sequential
    from lamina.optimizers import schedules

    def classes(candidates: Any, base: type) -> Dict[str, Any]:
        return {
            obj.__name__: obj
            for obj in candidates
            if inspect.isclass(obj) and issubclass(obj, base)
        }

    return {
        "models": {"Sequential": Sequential},
        # The bare Layer base has no native op: a config naming it cannot run.
        "layers": {
            name: cls
            for name, cls in classes([getattr(layers, n) for n in layers.__all__], Layer).items()
            if cls is not Layer
        },
        "initializers": classes(
            [getattr(initializers, n) for n in initializers.__all__], initializers.Initializer
        ),
        "regularizers": classes(regularizers.ALL_OBJECTS_DICT.values(),
                                regularizers.Regularizer),
        "constraints": classes(constraints.ALL_OBJECTS_DICT.values(), constraints.Constraint),
        "losses": classes(losses.ALL_OBJECTS_DICT.values(), losses.Loss),
        "metrics": classes(metrics.ALL_OBJECTS_DICT.values(), metrics.Metric),
        "optimizers": classes(optimizers.ALL_OBJECTS_DICT.values(), optimizers.Optimizer),
        "schedules": classes(
            [getattr(schedules, n) for n in schedules.__all__],
            schedules.LearningRateSchedule,
        ),
    }


@functools.cache
def _builtin_functions() -> Dict[str, Dict[str, Any]]:
    """lamina's functions per kind, keyed by every name Keras accepts."""
    from lamina import activations, losses, metrics

    return {
        "activations": dict(activations.ALL_OBJECTS_DICT),
        "losses": {k: v for k, v in losses.ALL_OBJECTS_DICT.items() if not inspect.isclass(v)},
        "metrics": dict(metrics.FUNCTIONS),
    }


@functools.cache
def _builtin_kind_of() -> Dict[Any, str]:
    """Reverse table: a built-in class -> its kind."""
    return {cls: kind for kind, table in _builtin_classes().items() for cls in table.values()}


def _is_keras_module(module: Optional[str]) -> bool:
    return bool(module) and str(module).split(".", 1)[0] in _KERAS_PACKAGES


def _kinds_for(module: Optional[str], kind: Optional[str]) -> List[str]:
    """The tables to search for a Keras object of `module`, best first."""
    found: List[str] = []
    text = str(module or "")
    for candidate, marker in (("schedules", "schedules"), ("optimizers", "optimizers"),
                              ("initializers", "initializers"),
                              ("regularizers", "regularizers"), ("constraints", "constraints"),
                              ("losses", "losses"),
                              ("metrics", "metrics"), ("activations", "activations"),
                              ("layers", "layers")):
        if marker in text.split("."):
            found.append(candidate)
            break
    if not found:
        # "keras", "keras.models", tf.keras's "keras.engine...", or no module.
        found = ([kind] if kind else []) + [k for k in _SEARCH_ORDER if k != kind]
    elif kind and kind not in found:
        found.append(kind)
    return found


def _known_names(kind: str) -> List[str]:
    names = set(_builtin_classes().get(kind, {}))
    names.update(_builtin_functions().get(kind, {}))
    return sorted(names)


# -- refusing code ----------------------------------------------------------------------


def _entry_label(entry: Dict[str, Any], path: str) -> str:
    inner = entry.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    label = f"'{name}' " if isinstance(name, str) else ""
    return f"{label}(class_name {entry.get('class_name')!r}) at {path}"


def _find_code(value: Any, path: str) -> Optional[Tuple[str, str]]:
    """The first entry of `value` that carries Python code, as (label, why)."""
    if isinstance(value, dict):
        class_name = value.get("class_name")
        if class_name in _CODE_CLASSES:
            why = ("a marshalled Python lambda" if class_name == "__lambda__"
                   else f"a {class_name} layer runs arbitrary Python code")
            return _entry_label(value, path), why
        if "function_type" in value or isinstance(value.get("function"), (list, tuple)):
            return f"the entry at {path}", "a marshalled Python function (`function`)"
        for key, item in value.items():
            found = _find_code(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _find_code(item, f"{path}[{i}]")
            if found:
                return found
    return None


def refuse_code(config: Any, path: str = "config") -> None:
    """Raises if `config` holds an entry that carries Python code.

    Raises:
        ValueError: naming the entry; lamina never executes code from a
            config, whatever `safe_mode` says.
    """
    found = _find_code(config, path)
    if found:
        label, why = found
        raise ValueError(
            f"Refusing to deserialize {label}: {why}, and lamina never executes code from a "
            "saved model or config (with any `safe_mode`). lamina has no Lambda layer; "
            "rewrite it as a custom layer class registered with "
            "`keras.saving.register_keras_serializable()`."
        )


# -- serialization ------------------------------------------------------------------------


def _is_function_like(obj: Any) -> bool:
    """Plain functions and callables that stand for one (lamina's metric
    functions), as opposed to configurable objects."""
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return True
    return callable(obj) and not inspect.isclass(obj) and hasattr(obj, "__name__") \
        and not hasattr(obj, "get_config")


def _serialize_function(fn: Any) -> Dict[str, Any]:
    if getattr(fn, "__name__", "") == "<lambda>":
        raise ValueError(
            f"Cannot serialize the lambda {fn!r}: lamina never writes Python code into a saved "
            "config. Use a named function registered with "
            "`keras.saving.register_keras_serializable()` instead."
        )
    # Keras 3.7+ writes every function this way: module "builtins", the
    # registered name (or plain name) as config, registered_name "function".
    return {
        "module": "builtins",
        "class_name": "function",
        "config": object_registration.get_registered_name(fn),
        "registered_name": "function",
    }


def _class_header(cls: type) -> Dict[str, Any]:
    """module / class_name / registered_name of an instance of `cls`."""
    kind = _builtin_kind_of().get(cls)
    if kind is not None:
        return {"module": KIND_MODULES[kind], "class_name": cls.__name__, "registered_name": None}
    module: Optional[str] = cls.__module__
    if module == "__main__":
        module = None  # as Keras: a class defined in a script has no module to name
    return {
        "module": module,
        "class_name": cls.__name__,
        "registered_name": object_registration.get_registered_name(cls),
    }


def serialize_dict(config: Dict[str, Any]) -> Dict[str, Any]:
    """Serializes every value of a dict (keys are kept)."""
    return {key: serialize_keras_object(value) for key, value in config.items()}


def serialize_keras_object(obj: Any) -> Any:
    """The config of `obj` in Keras 3's format.

    Args:
        obj: a lamina object (model, layer, optimizer, loss, metric,
            initializer, schedule), a function, or plain data.

    Returns:
        Plain data for plain data; for an object
        `{"module", "class_name", "config", "registered_name"}`, plus
        `build_config` when it has been built and `compile_config` for models.

    Raises:
        ValueError: for a lambda (lamina writes no code into configs).
        TypeError: for an object with no `get_config()`.
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start),
            "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step),
        }}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.item()
    if _is_function_like(obj):
        return _serialize_function(obj)
    if inspect.isclass(obj) or not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize object {obj!r} of type {type(obj).__name__}. To be serializable, "
            "a class must implement the `get_config()` method."
        )
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. "
                        f"It returned: {inner!r}")
    header = _class_header(type(obj))
    config: Dict[str, Any] = {
        "module": header["module"],
        "class_name": header["class_name"],
        "config": serialize_dict(inner),
        "registered_name": header["registered_name"],
    }
    build = getattr(obj, "get_build_config", None)
    if callable(build):
        build_config = build()
        if build_config is not None:
            config["build_config"] = serialize_dict(build_config)
    compile_ = getattr(obj, "get_compile_config", None)
    if callable(compile_):
        compile_config = compile_()
        if compile_config is not None:
            config["compile_config"] = serialize_dict(compile_config)
    return config


# -- deserialization -------------------------------------------------------------------------


def _all_custom(custom_objects: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The user's objects: argument, current scope and global registry merged
    (Keras's precedence: registry over scope over argument)."""
    merged = dict(custom_objects or {})
    merged.update(object_registration._scope_dict())
    merged.update(object_registration.get_custom_objects())
    return merged


def _find_builtin(name: str, kinds: Sequence[str], functions: bool) -> Any:
    table = _builtin_functions() if functions else _builtin_classes()
    for kind in kinds:
        obj = table.get(kind, {}).get(name)
        if obj is not None:
            return obj
    return None


def _unknown_error(name: str, module: Optional[str], kinds: Sequence[str], what: str,
                   config: Dict[str, Any]) -> Exception:
    if module is None or _is_keras_module(module) or module == "builtins":
        kind = kinds[0] if kinds else "objects"
        where = f" (module {module!r})" if module else ""
        hint = "Sequential models only" if kind == "models" else f"these {kind}: " \
            f"{_known_names(kind)}"
        return ValueError(
            f"Could not deserialize {what} '{name}'{where}: lamina does not implement it. "
            f"lamina supports {hint}. If it is a custom {what}, pass it in `custom_objects` "
            "or register it with `keras.saving.register_keras_serializable()`."
        )
    noun = "function" if what == "function" else "class"
    return TypeError(
        f"Could not locate {noun} '{name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()` or passed in "
        f"`custom_objects`; lamina never imports the module a config names (here {module!r}). "
        f"Full object config: {config}"
    )


def _resolve_function(config: Dict[str, Any], kind: Optional[str],
                      custom_objects: Dict[str, Any]) -> Any:
    name = config.get("config")
    if not isinstance(name, str):
        raise TypeError(f"Expected 'config' to be a non-null str for a function, instead got "
                        f"{type(name).__name__}. Full config: {config}")
    module = config.get("module")
    found = object_registration.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    if module is None or module == "builtins" or _is_keras_module(module):
        kinds = [kind] if kind else []
        kinds += [k for k in ("losses", "metrics", "activations") if k not in kinds]
        found = _find_builtin(name, kinds, functions=True)
        if found is not None:
            return found
    if ">" not in name:
        # Keras <= 3.6 saved registered functions by bare name.
        for key, obj in custom_objects.items():
            if key.endswith(f">{name}"):
                return obj
    raise _unknown_error(name, module, [kind or "functions"], "function", config)


def _resolve_class(config: Dict[str, Any], kind: Optional[str],
                   custom_objects: Dict[str, Any]) -> Any:
    name = config["class_name"]
    module = config.get("module")
    registered = config.get("registered_name")
    if registered:
        found = object_registration.get_registered_object(registered, custom_objects)
        if found is not None:
            return found
    if not _is_keras_module(module):
        # tf.keras 2.x configs (no module) and custom classes name them by
        # class name (or "package>Name" for registered ones).
        found = object_registration.get_registered_object(name, custom_objects)
        if found is not None:
            return found
    kinds = _kinds_for(module, kind)
    if module is None or _is_keras_module(module):
        found = _find_builtin(name, kinds, functions=False)
        if found is not None:
            return found
        if module is None:
            # A bare function name in class position (tf.keras 2.x losses).
            found = _find_builtin(name, kinds, functions=True)
            if found is not None:
                return found
    what = {"models": "model", "layers": "layer", "initializers": "initializer",
            "losses": "loss", "metrics": "metric", "optimizers": "optimizer",
            "schedules": "learning rate schedule"}.get(kinds[0], "class")
    raise _unknown_error(name, module, kinds, what, config)


def _special(class_name: str, inner: Any, custom_objects: Optional[Dict[str, Any]]) -> Any:
    """Keras's encodings of plain values (`__numpy__`, `__bytes__`, ...)."""
    if class_name == "__numpy__" or class_name == "__tensor__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(*(_deserialize(inner.get(k), custom_objects, None)
                       for k in ("start", "stop", "step")))
    raise ValueError(f"lamina cannot deserialize a {class_name!r} entry: it describes a "
                     "backend object lamina has no equivalent for.")


def _prepare_layer_config(inner: Dict[str, Any], custom_objects: Optional[Dict[str, Any]]
                          ) -> Dict[str, Any]:
    """Resolves a layer's initializer entries first, so registered and custom
    initializers reach the layer as objects (lamina's `initializers.get`
    only knows the built-ins)."""
    prepared = dict(inner)
    for key, value in inner.items():
        if key.endswith("_initializer") and isinstance(value, dict) and "class_name" in value:
            prepared[key] = _deserialize(value, custom_objects, "initializers")
    return prepared


def _deserialize(config: Any, custom_objects: Optional[Dict[str, Any]], kind: Optional[str],
                 build: bool = True) -> Any:
    if config is None:
        return None
    if isinstance(config, str):
        found = _all_custom(custom_objects).get(config)
        return found if found is not None else config
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom_objects, kind) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects, kind) for key, value in config.items()}

    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    if isinstance(class_name, str) and class_name.startswith("__") and class_name.endswith("__"):
        refuse_code(config)
        return _special(class_name, inner, custom_objects)
    merged = _all_custom(custom_objects)
    if class_name == "function":
        return _resolve_function(config, kind, merged)
    if class_name in _DTYPE_POLICY_CLASSES and (config.get("module") is None
                                                or _is_keras_module(config.get("module"))):
        # lamina computes in float32: a policy is kept as its name, which
        # layers check.
        return inner.get("name") if isinstance(inner, dict) else inner
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name}, instead got "
                        f"{type(inner).__name__}. Full config: {config}")

    shared_id = config.get("shared_object_id")
    shared = getattr(_sharing, "objects", None)
    if shared_id is not None and shared is not None and shared_id in shared:
        return shared[shared_id]

    cls = _resolve_class(config, kind, merged)
    if not inspect.isclass(cls):
        return cls  # a custom function (or object) registered under a class name
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class "
                        f"is missing a `from_config()` method. Full object config: {config}")
    from lamina.layers.layer import Layer

    if issubclass(cls, Layer):
        inner = _prepare_layer_config(inner, custom_objects)
    label = f"{class_name} '{inner.get('name')}'" if inner.get("name") else class_name
    with object_registration.CustomObjectScope(merged):
        try:
            instance = cls.from_config(inner)  # type: ignore[attr-defined]
        except (TypeError, ValueError) as error:
            raise type(error)(f"Could not deserialize {label}: {error}") from error
        build_config = config.get("build_config")
        if build and build_config and not getattr(instance, "built", True) \
                and hasattr(instance, "build_from_config"):
            instance.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    if shared_id is not None and shared is not None:
        shared[shared_id] = instance
    return instance


def deserialize_keras_object(config: Any, custom_objects: Optional[Dict[str, Any]] = None,
                             safe_mode: bool = True, **kwargs: Any) -> Any:
    """The object a Keras 3 (or tf.keras 2.x) config describes.

    Args:
        config: the config (dict, list, string or plain value).
        custom_objects: dict mapping names (class names or registered
            `"package>Name"`) to user classes and functions.
        safe_mode: accepted for compatibility; code-carrying entries are
            refused whatever its value.
        **kwargs: `module_objects` (a dict of extra names) as in Keras.

    Returns:
        The object (a model is built and compiled when the config says so).

    Raises:
        ValueError: for an entry that carries code (named in the message), or
            a Keras class lamina does not implement.
        TypeError: for a custom class or function that is neither registered
            nor in `custom_objects`.
    """
    del safe_mode  # code is refused either way
    custom = dict(custom_objects or {})
    custom.update(kwargs.pop("module_objects", None) or {})
    kind = kwargs.pop("kind", None)
    refuse_code(config)
    with _sharing_scope():
        return _deserialize(config, custom, kind)


@contextlib.contextmanager
def _sharing_scope() -> Iterator[None]:
    """Objects with a `shared_object_id` are built once per top-level call."""
    outer = getattr(_sharing, "objects", None)
    if outer is None:
        _sharing.objects = {}
    try:
        yield
    finally:
        _sharing.objects = outer


def deserialize_layer(config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]] = None,
                      build: bool = False) -> Any:
    """A layer from its entry in a model's `layers` list (Keras 3 or tf.keras
    2.x form). Used by `Sequential.from_config`, which builds the layers
    itself (`build=False` ignores the entry's `build_config`).

    Raises:
        ValueError / TypeError: as `deserialize_keras_object`.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with a 'class_name'. Received: {config!r}")
    refuse_code(config)
    with _sharing_scope():
        return _deserialize(config, custom_objects, "layers", build=build)


# -- compile configs ---------------------------------------------------------------------------


def deserialize_compile_config(config: Dict[str, Any],
                               custom_objects: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """`compile()` keyword arguments from a `compile_config`: the optimizer,
    loss and metrics resolved in their own tables (names stay names)."""
    refuse_code(config, "compile_config")
    kinds = {"optimizer": "optimizers", "loss": "losses", "metrics": "metrics",
             "weighted_metrics": "metrics", "loss_weights": None}
    out: Dict[str, Any] = {}
    with _sharing_scope():
        for key, value in config.items():
            out[key] = _deserialize(value, custom_objects, kinds.get(key)) \
                if key in kinds else value
    return out


# -- JSON ------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable: {value!r}")


def model_to_json(model: Any, **kwargs: Any) -> str:
    """The model's Keras 3 config as a JSON string (`model.to_json()`).

    Args:
        model: the model.
        **kwargs: passed to `json.dumps` (e.g. `indent`).

    Returns:
        The JSON text, the same shape real Keras writes.
    """
    return json.dumps(serialize_keras_object(model), default=_json_default, **kwargs)


def model_from_json(json_string: str, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """The model a JSON config (from lamina, Keras 3 or tf.keras 2.x) describes.

    Args:
        json_string: the text `to_json()` returned.
        custom_objects: user classes and functions by name.

    Returns:
        The model, uncompiled unless the JSON holds a `compile_config`.

    Raises:
        ValueError: for invalid JSON or a config lamina refuses.
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json expects a JSON string: {error}") from error
    return deserialize_keras_object(config, custom_objects=custom_objects)


def clone_model(model: Any, *args: Any, **kwargs: Any) -> Any:
    """`keras.models.clone_model` (defined in `lamina.models.cloning`)."""
    from lamina.models.cloning import clone_model as clone

    return clone(model, *args, **kwargs)

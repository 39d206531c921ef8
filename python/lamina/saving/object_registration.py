"""The registry of user classes and functions that configs may name.

`register_keras_serializable` adds an object under `"package>name"`;
`custom_object_scope` adds a dict of objects for the duration of a `with`
block (per thread, as Keras's scope is). Deserialization looks names up here
and in lamina's own closed table of built-ins -- never by importing a module
named in a file.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Dict, Optional

# "package>name" -> object, and object -> "package>name".
_GLOBAL_CUSTOM_OBJECTS: Dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: Dict[Any, str] = {}

_scope = threading.local()


def _scope_dict() -> Dict[str, Any]:
    """The objects of the innermost `custom_object_scope` of this thread."""
    return getattr(_scope, "objects", {})


class CustomObjectScope:
    """Makes custom classes and functions visible to deserialization.

    Inside `with custom_object_scope({"MyLayer": MyLayer}):`, configs that name
    `MyLayer` resolve to it. Scopes are per thread; an inner scope replaces
    the outer one until it exits, as in Keras.

    Args:
        custom_objects: dict mapping names to classes or functions (None is
            an empty dict).
    """

    def __init__(self, custom_objects: Optional[Dict[str, Any]] = None) -> None:
        self.custom_objects = dict(custom_objects or {})
        self._backup: Optional[Dict[str, Any]] = None

    def __enter__(self) -> CustomObjectScope:
        self._backup = _scope_dict()
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _scope.objects = self._backup if self._backup is not None else {}


custom_object_scope = CustomObjectScope


def get_custom_objects() -> Dict[str, Any]:
    """The live global dict of registered objects (`"package>name"` keys).

    Objects of a `custom_object_scope` are not in it.

    Returns:
        The dict itself, so `get_custom_objects()["Name"] = obj` registers.
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(
    package: str = "Custom", name: Optional[str] = None
) -> Callable[[Any], Any]:
    """Decorator registering a class or function under `"package>name"`.

    Args:
        package: the first half of the registered name.
        name: the second half; defaults to the object's `__name__`.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        ValueError: (from the decorator) for a class without `get_config`,
            which could not be serialized.
    """

    def decorator(arg: Any) -> Any:
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` was registered under, or its `__name__` if it was not.

    Args:
        obj: a class or function.

    Returns:
        `"package>name"` or `obj.__name__`.
    """
    try:
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable objects cannot have been registered
        registered = None
    return registered if registered is not None else obj.__name__


def get_registered_object(
    name: Optional[str],
    custom_objects: Optional[Dict[str, Any]] = None,
    module_objects: Optional[Dict[str, Any]] = None,
) -> Any:
    """The object registered (or in scope) under `name`, or None.

    Looks in the current `custom_object_scope`, the global registry,
    `custom_objects`, then `module_objects`, in that order (Keras's order).

    Args:
        name: the name to look up.
        custom_objects: a user's dict of names to objects.
        module_objects: a library's dict of names to objects.

    Returns:
        The object, or None when no table has `name`.
    """
    if name is None:
        return None
    scoped = _scope_dict()
    if name in scoped:
        return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None

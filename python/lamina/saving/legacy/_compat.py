"""What the legacy format needs from the rest of `lamina.saving`, in one place:
registered names, the model's compile config, custom objects in scope, and
building a model from its config."""

from __future__ import annotations

from typing import Any, Dict, Optional


def registered_name(obj: Any) -> str:
    """`package>Name` for a registered custom class, else the class name."""
    from lamina.saving import object_registration

    return object_registration.get_registered_name(type(obj))


def all_custom_objects(custom_objects: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The caller's objects, those of the enclosing `custom_object_scope` and
    the registered ones, merged with Keras's precedence (registry over scope
    over argument)."""
    from lamina.saving import object_registration

    merged = dict(custom_objects or {})
    merged.update(object_registration._scope_dict())
    merged.update(object_registration.get_custom_objects())
    return merged


def compile_config(model: Any) -> Dict[str, Any]:
    """Keras 3's compile config of a compiled model."""
    return dict(model.get_compile_config() or {})


def model_from_config(
    config: Any, custom_objects: Dict[str, Any], safe_mode: bool
) -> Any:
    """Builds the model a `model_config` describes (tf.keras 2.x or Keras 3
    shape), resolving classes only against lamina's registry and
    `custom_objects`.

    Raises:
        ValueError: for an unknown or code-carrying class.
    """
    from lamina.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, safe_mode=safe_mode
    )
